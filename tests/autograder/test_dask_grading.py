"""Class grading on a Dask cluster started from the command line: a ``dask scheduler`` and two
``dask worker`` processes, each in its own empty working directory (two "machines" that share no
course files). They grade like the local default even when a worker is SIGKILLed mid-run, and a
submission that keeps killing its worker ends "not graded" with its reason, everyone else graded."""
import os
import shutil
import signal
import threading
import time
from contextlib import contextmanager

import nbformat
import psutil
import pytest
from distributed import Client

from autograder.bench import command_line_cluster
from autograder.coursedir.paths import CONFIG, ROOT
from autograder.demo_class import build
from autograder.grade_class import DIED, grade_class
from tests.autograder.test_class_grading import NOTEBOOK, solution_with

pytestmark = pytest.mark.servers
ASSIGNMENT = "01_gradients"
STUDENTS = 3


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """The scheduler's address; a task may kill one worker and be retried once (allowed-failures 1)."""
    env = {"DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1",
           "DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION": "1.0"}  # a worker holds only the task it runs
    with command_line_cluster(tmp_path_factory.mktemp("machines"), workers=2, env=env) as address:
        yield address


def course_with(root, extra=None, students=STUDENTS):
    """A course of ``students`` synthetic students (and ``extra``: ``{student: notebook}``)."""
    root.mkdir()
    shutil.copy(CONFIG, root / CONFIG.name)
    shutil.copytree(ROOT / "source" / ASSIGNMENT, root / "source" / ASSIGNMENT)
    build(root, students=students, seed=5, assignment_names=[ASSIGNMENT])
    for student, notebook in (extra or {}).items():
        (root / "submitted" / student / ASSIGNMENT).mkdir(parents=True)
        nbformat.write(notebook, root / "submitted" / student / ASSIGNMENT / NOTEBOOK)
    return root


def kill_worker_running(address, student, times, stop):
    """SIGKILL the worker process that grades ``student`` (any student if None), ``times`` times."""
    with Client(address) as client:
        killed = 0
        while killed < times and not stop.is_set():
            for worker, keys in client.processing().items():
                if any(student is None or key.startswith(f"grade-{student}-") for key in keys):
                    pid = client.run(os.getpid, workers=[worker]).get(worker)
                    if pid:
                        os.kill(pid, signal.SIGKILL)
                        killed += 1
                        time.sleep(5)  # until the scheduler notices and the nanny starts a new worker
                    break
            time.sleep(0.5)
        return killed


@contextmanager
def killing(address, student, times):
    """While the block runs, a thread SIGKILLs the worker grading ``student``; yields the list that
    receives how many workers it killed once the block is over."""
    stop, killed = threading.Event(), []
    killer = threading.Thread(target=lambda: killed.append(kill_worker_running(address, student, times, stop)))
    killer.start()
    try:
        yield killed
    finally:
        stop.set()
        killer.join()


def scores(outcomes):
    return {o.student: o.scores for o in outcomes}


def test_two_machines_grade_like_the_local_default_even_when_a_worker_is_killed(cluster, tmp_path):
    course = course_with(tmp_path / "cluster")
    with killing(cluster, None, 1):
        remote, _ = grade_class(course, scheduler=cluster, progress=False, cell_timeout=20)
    local, _ = grade_class(course_with(tmp_path / "local"), workers=2, progress=False, cell_timeout=20)
    assert all(o.graded for o in remote)
    assert scores(remote) == scores(local)
    assert len({o.total for o in local}) > 1, "the synthetic class should not all score alike"
    assert (course / "feedback" / "student_01" / ASSIGNMENT).is_dir()  # written by the client only


def test_workers_grade_without_dasks_profiler_and_keep_no_fork_server_afterwards(cluster, tmp_path):
    """Dask's profiler would sample each grading thread's deep stacks every 10 ms (half a second of CPU
    per submission): every worker the course's plugin reached runs without it. Once grading is over,
    no worker keeps the fork server its kernels came from."""
    def grading_state(dask_worker):  # defined here, so it travels by value: the workers cannot import tests/
        """Whether a worker's profiler runs, and the fork servers (of kernels) it still runs."""
        servers = [child.pid for child in psutil.Process().children(recursive=True)
                   if "forkserver" in " ".join(child.cmdline())]
        return {"profiling": dask_worker.periodic_callbacks["profile"].is_running(), "fork servers": servers}

    outcomes, _ = grade_class(course_with(tmp_path / "course", students=1), scheduler=cluster, progress=False)
    assert all(o.graded for o in outcomes)
    with Client(cluster) as client:
        workers = client.run(grading_state).values()
    assert len(workers) == 2
    assert not any(state["profiling"] for state in workers)
    assert not any(state["fork servers"] for state in workers)


def test_submission_that_keeps_killing_workers_is_not_graded_and_the_rest_is(cluster, tmp_path):
    """A memory bomb that takes its worker down (here the OOM killer's SIGKILL, sent by the test) is
    retried once (allowed-failures), then recorded as not graded with its reason."""
    bomb = solution_with(grad_linear="import time\ntime.sleep(60)\nreturn a")
    hungry = solution_with(grad_linear="hoard = []\nwhile True:\n    hoard.append(np.ones(10**8))")
    course = course_with(tmp_path / "course", {"bomb": bomb, "hungry": hungry})
    with killing(cluster, "bomb", 2) as killed:
        outcomes, _ = grade_class(course, scheduler=cluster, progress=False, cell_timeout=90)
    records = {o.student: o for o in outcomes}
    assert killed == [2]
    assert not records["bomb"].graded and records["bomb"].reason == DIED
    assert "the grading process died" in (course / "feedback" / "bomb" / ASSIGNMENT / "gradients.html").read_text()
    assert records["hungry"].graded and "MemoryError" in records["hungry"].messages["test_grad_linear"]
    assert all(records[f"student_{n:02d}"].graded for n in range(1, STUDENTS + 1))
