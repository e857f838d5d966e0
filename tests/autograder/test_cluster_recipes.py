"""The README's two recipes for grading a big class, run as written: on Slurm through dask-jobqueue's
``SLURMCluster``, and on a dask-gateway (``Gateway().new_cluster()``). Each test starts what its recipe
needs on free loopback ports in temporary folders (a one-node Slurm with its own MUNGE; a gateway server
whose clusters are local processes) and stops it; both must grade every student as local grading does.
The Slurm test needs root and Slurm (``tools/provide-slurm`` installs it); elsewhere it is skipped."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import pytest
from dask_gateway import BasicAuth, Gateway
from dask_jobqueue import SLURMCluster
from distributed import Client

from autograder.grade_class import grade_class
from tests.autograder.test_dask_grading import course_with, scores
from tests.browser_support import free_port, wait_for

pytestmark = pytest.mark.servers
STUDENTS = 2  # one submission for each of the two workers
PASSWORD = "course-team"
SYSTEM_PATH = f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin"  # where Debian puts slurmctld, slurmd and munged
SLURM_CONF = """\
ClusterName=grading
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort={controller_port}
SlurmdPort={node_port}
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={home}/munge.socket
StateSaveLocation={home}/state
SlurmdSpoolDir={home}/spool
SlurmctldPidFile={home}/slurmctld.pid
SlurmdPidFile={home}/slurmd.pid
SlurmctldLogFile={home}/slurmctld.log
SlurmdLogFile={home}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
MailProg=/bin/true
{node}
PartitionName=grading Nodes=localhost Default=YES MaxTime=INFINITE State=UP
"""


def stop(processes):
    """Stop the daemons this module started, last first (SIGTERM, then SIGKILL after 30 s)."""
    for process in reversed(processes):
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def local_scores(tmp_path_factory):
    """Every student's scores when the same synthetic class is graded locally (the default), once for both recipes."""
    course = course_with(tmp_path_factory.mktemp("local") / "course", students=STUDENTS)
    outcomes, _ = grade_class(course, workers=2, progress=False, cell_timeout=20)
    assert len(outcomes) == STUDENTS and all(o.graded for o in outcomes)
    assert len({o.total for o in outcomes}) > 1, "the synthetic class should not all score alike"
    return scores(outcomes)


def healthy(url):
    """Whether the gateway at ``url`` answers its health check."""
    try:
        with urllib.request.urlopen(f"{url}/api/health", timeout=5) as answer:
            return answer.status == 200
    except OSError:
        return False


@pytest.fixture
def gateway_address(tmp_path):
    """A private dask-gateway server on free loopback ports; its address. Clusters are processes of this
    machine (UnsafeLocalBackend, as this user) and a password is the only login (SimpleAuthenticator)."""
    api, proxy = free_port(), free_port()
    dask = str(Path(sys.executable).parent / "dask")
    config = tmp_path / "dask_gateway_config.py"
    config.write_text(f"""
c.DaskGateway.address = "127.0.0.1:{api}"
c.Proxy.address = "127.0.0.1:{proxy}"
c.DaskGateway.backend_class = "dask_gateway_server.backends.local.UnsafeLocalBackend"
c.LocalBackend.clusters_directory = {str(tmp_path / "clusters")!r}
c.DaskGateway.authenticator_class = "dask_gateway_server.auth.SimpleAuthenticator"
c.SimpleAuthenticator.password = {PASSWORD!r}
# distributed 2026.6 removed the dask-scheduler and dask-worker commands the gateway runs by default
c.ClusterConfig.scheduler_cmd = [{dask!r}, "scheduler"]
c.ClusterConfig.worker_cmd = [{dask!r}, "worker"]
""")
    with open(tmp_path / "gateway.log", "wb") as log:
        server = subprocess.Popen([sys.executable, "-m", "dask_gateway_server", "-f", str(config)], cwd=tmp_path,
                                  stdout=log, stderr=subprocess.STDOUT)
    address = f"http://127.0.0.1:{proxy}"
    try:
        wait_for(lambda: healthy(address) or server.poll() is not None, 60, "the gateway answered")
        assert server.poll() is None, (tmp_path / "gateway.log").read_text()
        yield address
    finally:
        stop([server])


def test_dask_gateway_recipe_grades_like_the_local_default(gateway_address, local_scores, tmp_path):
    """The recipe's lines with the private gateway's address and login in ``Gateway()``, and two workers."""
    course = course_with(tmp_path / "course", students=STUDENTS)
    gateway = Gateway(address=gateway_address, auth=BasicAuth("instructor", PASSWORD))
    options = gateway.cluster_options()
    with gateway.new_cluster(options) as cluster, cluster.get_client() as client:
        cluster.scale(2)
        outcomes, _ = grade_class(course, client=client, progress=False, cell_timeout=20)
    assert gateway.list_clusters() == [], "the recipe's cluster is shut down when its block ends"
    assert all(o.graded for o in outcomes) and len(outcomes) == STUDENTS
    assert scores(outcomes) == local_scores


def slurm_node():
    """This machine as Slurm's one node, named localhost: its CPUs and memory as slurmd measures them."""
    measured = subprocess.run(["slurmd", "-C"], capture_output=True, text=True, check=True, env={"PATH": SYSTEM_PATH})
    return re.sub(r"^NodeName=\S+", "NodeName=localhost NodeAddr=127.0.0.1", measured.stdout.splitlines()[0])


def node_idle():
    """Whether the one node has registered with the controller and takes jobs."""
    state = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True)
    return state.stdout.strip() == "idle"


@pytest.fixture
def slurm():
    """A private one-node Slurm (slurmctld, slurmd) with its own munged and key, on free loopback ports in a
    temporary folder; SLURM_CONF points Slurm's commands (and dask-jobqueue's) at it while the test runs."""
    if os.geteuid() != 0:
        pytest.skip("needs root: slurmd starts each job as the user who submitted it")
    missing = [name for name in ("slurmctld", "slurmd", "sbatch", "munged") if not shutil.which(name, path=SYSTEM_PATH)]
    if missing:
        pytest.skip(f"Slurm is not installed ({', '.join(missing)} not found; run tools/provide-slurm)")
    home = Path(tempfile.mkdtemp(prefix="slurm-"))  # not under pytest's folder: munged's socket needs a path all may cross
    home.chmod(0o755)
    (home / "munge.key").write_bytes(os.urandom(1024))
    (home / "munge.key").chmod(0o400)
    conf = home / "slurm.conf"
    conf.write_text(SLURM_CONF.format(controller_port=free_port(), node_port=free_port(), home=home, node=slurm_node()))
    munge = [f"--key-file={home}/munge.key", f"--socket={home}/munge.socket", f"--pid-file={home}/munged.pid",
             f"--log-file={home}/munged.log", f"--seed-file={home}/munged.seed"]
    daemons = []
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("SLURM_CONF", str(conf))
            patch.setenv("PATH", SYSTEM_PATH)
            quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}  # each writes its own log in home
            daemons.append(subprocess.Popen(["munged", "--foreground", *munge], **quiet))
            wait_for((home / "munge.socket").exists, 30, "munged made its socket")
            daemons.append(subprocess.Popen(["slurmctld", "-D"], **quiet))
            daemons.append(subprocess.Popen(["slurmd", "-D", "-N", "localhost"], **quiet))
            wait_for(node_idle, 60, "the Slurm node registered as idle")
            yield home
    finally:
        stop(daemons)
        shutil.rmtree(home, ignore_errors=True)


def jobs():
    """The ids of the jobs Slurm still holds (running, pending or completing)."""
    return subprocess.run(["squeue", "-h", "-o", "%i"], capture_output=True, text=True, check=True).stdout.split()


def test_slurm_recipe_grades_like_the_local_default(slurm, local_scores, tmp_path):
    """One job of two single-threaded workers; ``interface="lo"`` because this machine is both the login
    node and the compute node, and the workers' scratch and the jobs' logs go to tmp_path."""
    course = course_with(tmp_path / "course", students=STUDENTS)
    with SLURMCluster(cores=2, processes=2, memory="4GB", walltime="00:10:00", python=sys.executable, interface="lo",
                      local_directory=str(tmp_path / "scratch"), log_directory=str(tmp_path / "logs")) as cluster, \
            Client(cluster) as client:  # the README's recipe from here
        cluster.scale(jobs=1)
        outcomes, _ = grade_class(course, client=client, progress=False, cell_timeout=20)
    assert all(o.graded for o in outcomes) and len(outcomes) == STUDENTS
    assert scores(outcomes) == local_scores
    wait_for(lambda: not jobs(), 30, "closing the cluster ended its Slurm job")
