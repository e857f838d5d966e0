"""Learner code runs in a private view (:mod:`autograder.containment.isolation`): a submission that looks for the
reference solutions (or another student's notebook) by any route finds nothing, in nbgrader's kernel
and in the independent check, and earns zero; the kernel reaches nothing on localhost; correct answers
keep their points; grading works from a clone inside a 0700 folder, as root, with the same scores as
from a 0755 one; an unprivileged user gets the same view; where none can be made, grading as root
stops before anyone."""
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import nbformat
import pytest

from autograder.containment import isolation, kernelspec
from autograder.containment.verify import run_contained
from autograder.coursedir.cells import fill_in, reference_solutions, solution_cells
from autograder.coursedir.paths import ROOT, release_notebook, source_notebook

ASSIGNMENT = "01_gradients"
FUNCTIONS = list(reference_solutions(source_notebook(ASSIGNMENT)))

pytestmark = [pytest.mark.nbgrader,
              pytest.mark.skipif(isolation.problem() is not None, reason=f"no private view here: {isolation.problem()}")]

# Every route a dishonest submission may take to the instructor's files; steal() tries them all (or ``only``
# one), reads reference code from any notebook, or nbgrader's gradebook, it reaches, and returns that function.
STEAL = textwrap.dedent('''
    def steal(name, only=None):
        """The function ``name`` as someone else wrote it (the reference solution, another student)."""
        import glob, json, os, sqlite3, sys
        from pathlib import Path
        import course
        root = Path(course.__file__).resolve().parent.parent
        pids = [os.getppid()] + [int(e) for e in os.listdir("/proc") if e.isdigit()]
        routes = {
            "course.__file__": [root],
            "os.environ": [Path(p) for v in os.environ.values() for p in v.split(os.pathsep) if p.startswith("/")],
            "/proc/self/cwd": [Path("/proc/self/cwd").resolve()],
            "/proc/<ppid>/cwd": [Path(f"/proc/{pid}/{link}") for pid in pids for link in ("cwd", "root" + str(root))],
            "sys.path": [Path(p) for p in sys.path if p.startswith("/")],
            "the notebook's folder": [Path.cwd()],
        }
        for route, starts in routes.items():
            if only not in (None, route):
                continue
            folders = dict.fromkeys(up for start in starts for up in [start, *list(start.parents)[:5]]
                                    if len(up.parts) > 2)
            for folder in folders:
                for depth in range(4):  # globbing for notebooks: source/<a>/*.ipynb, submitted/<s>/<a>/*.ipynb
                    for path in glob.glob(str(folder / ("*/" * depth) / "*.ipynb")):
                        try:
                            cells = json.loads(Path(path).read_text())["cells"]
                        except (OSError, ValueError, KeyError):
                            continue
                        for cell in cells:
                            code = "".join(cell["source"])
                            if (cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == name
                                    and "steal(" not in code and "NotImplementedError" not in code):
                                scope = {}
                                exec(code, scope)
                                return scope[name]
                gradebook = folder / "gradebook.db"
                if gradebook.exists():
                    for (code,) in sqlite3.connect(f"file:{gradebook}?mode=ro", uri=True).execute(
                            "select source from source_cell where name = ?", (name,)):
                        if code and "steal(" not in code:
                            scope = {}
                            exec(code, scope)
                            return scope[name]
        raise FileNotFoundError(f"{name}: no one else's answer can be found from here")
''')
ROUTES = ["course.__file__", "os.environ", "/proc/self/cwd", "sys.path"]  # the ones that work from this very process
SECRET_PATHS = ["source", "autograder/containment/verification", "autograder/variants", ".git", "gradebook.db", "README.md"]
SECRETS = [ROOT / path for path in SECRET_PATHS]


def answered(codes):
    release = nbformat.read(release_notebook(ASSIGNMENT), as_version=4)
    return fill_in(release, codes)


def thief(port=None):
    """Every exercise answered by the function steal() finds; steal() defined in the first answer cell,
    which also knocks at ``port`` on localhost (where a Dask scheduler would listen, running code as root)."""
    nb = answered({f: f"return steal({f!r})(**locals())" for f in FUNCTIONS})
    first = next(iter(solution_cells(nb).values()))
    knock = (f"import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=5).sendall(b'hi')\n"
             "except OSError:\n    pass\n") if port else ""
    first.source = STEAL + "\n\n" + knock + "\n\n" + first.source
    return nb


@pytest.mark.parametrize("route", ROUTES)
def test_the_routes_lead_to_the_reference_outside_the_view(route):
    """Each route is real: from an uncontained process it finds the reference solution."""
    scope = {}
    exec(STEAL, scope)
    assert scope["steal"]("grad_linear", only=route).__code__.co_name == "grad_linear"


def test_the_view_holds_only_python_the_course_package_and_scratch():
    """Run contained as the sandbox is: no secret path exists, /proc shows only its own processes."""
    check = (f"import os, json\nsecrets = {[str(p) for p in SECRETS]!r}\n"
             "def grad_linear(a, x):\n"
             "    import course\n"
             "    seen = [p for p in secrets if os.path.exists(p)]\n"
             "    pids = [e for e in os.listdir('/proc') if e.isdigit()]\n"
             f"    return [len(seen), len(pids), len(os.listdir({str(ROOT)!r})), os.getuid()]\n")
    request = {"cells": [check], "seconds_per_call": 10,
               "calls": [{"function": "grad_linear", "cases": "cases = [(1, 2)]", "seed": 0}]}
    seen, processes, entries, uid = run_contained(request, timeout=60)["answers"][0]["results"][0]["sequence"]
    assert seen == 0
    assert processes <= 3  # the sandbox and its parent shell at most, never the grader or other students' kernels
    assert entries <= 3  # the course root holds only the package, the environment and the sandbox's module
    if os.geteuid() == 0:
        assert uid == isolation.NOBODY


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Alice hands in the reference solution, then Mallory hands in the thief; both graded in one workspace
    (so Alice's submitted notebook and the gradebook lie right beside Mallory's while she runs)."""
    from autograder.grading.grader import Grader

    grader = Grader(tmp_path_factory.mktemp("grader"))
    handed_in = tmp_path_factory.mktemp("handed-in")
    outcomes = {}
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(0.1)
        port = server.getsockname()[1]
        for student, nb in (("alice", answered(reference_solutions(source_notebook(ASSIGNMENT)))),
                            ("mallory", thief(port))):
            folder = handed_in / student
            folder.mkdir()
            nbformat.write(nb, folder / release_notebook(ASSIGNMENT).name)
            outcomes[student] = grader.grade(student, ASSIGNMENT, folder)
        try:
            server.accept()
            outcomes["knocked"] = True
        except TimeoutError:
            outcomes["knocked"] = False
    return grader, outcomes


def test_the_kernel_reaches_nothing_on_the_network(graded):
    """nbgrader talks to the kernel through socket files: a scheduler listening on localhost stays out of reach."""
    _, outcomes = graded
    assert outcomes["knocked"] is False


def test_correct_answers_keep_their_points(graded):
    _, outcomes = graded
    alice = outcomes["alice"]
    assert alice.graded and alice.total == alice.maximum and not alice.overruled


def test_a_thief_finds_nothing_in_the_kernel(graded):
    _, outcomes = graded
    mallory = outcomes["mallory"]
    assert mallory.graded
    assert mallory.total == 0, mallory.scores
    for function in FUNCTIONS:
        assert "no one else's answer can be found from here" in mallory.messages[f"test_{function}"]


def test_a_thief_finds_nothing_in_the_independent_check(graded):
    grader, _ = graded
    verdicts = grader._verify(ASSIGNMENT, thief())
    assert verdicts and all(v.passed is False for v in verdicts.values())
    assert all("no one else's answer can be found from here" in v.reason for v in verdicts.values())


GRADE_THE_SOLUTION = """
import json, sys
from pathlib import Path
import nbformat
from autograder.grading.grader import Grader
from autograder.coursedir.paths import release_notebook, source_notebook
from autograder.coursedir.cells import fill_in, reference_solutions
assignment, work = sys.argv[1], Path(sys.argv[2])
release = nbformat.read(release_notebook(assignment), as_version=4)
folder = work / "handed-in"
folder.mkdir(parents=True)
solution = fill_in(release, reference_solutions(source_notebook(assignment)))
nbformat.write(solution, folder / release_notebook(assignment).name)
outcome = Grader(work / "grader").grade("someone", assignment, folder)
print(json.dumps({"graded": outcome.graded, "total": outcome.total, "maximum": outcome.maximum,
                  "reason": outcome.reason}))
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="the 0700 trap is about grading as root")
def test_grading_from_a_private_folder_as_root_gives_the_same_scores(tmp_path):
    """A fresh clone inside a 0700 folder (as ``mktemp -d`` makes, or /root) grades as one inside a 0755 one."""
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    clone = private / "course"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    scores = {}
    for mode in (0o700, 0o755):
        private.chmod(mode)
        work = private / f"work-{mode:o}"
        env = {**os.environ, "PYTHONPATH": str(clone)}
        run = subprocess.run([sys.executable, "-c", GRADE_THE_SOLUTION, ASSIGNMENT, str(work)], cwd=clone, env=env,
                             capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stderr[-2000:]
        scores[mode] = json.loads(run.stdout.strip().splitlines()[-1])
    assert scores[0o700] == scores[0o755]
    assert scores[0o700]["graded"] and scores[0o700]["reason"] is None
    assert scores[0o700]["total"] == scores[0o700]["maximum"] > 0


def test_the_kernel_spec_never_imports_from_the_notebooks_folder(tmp_path):
    """The launcher runs as root before it contains the kernel, in the folder of the handed-in notebook:
    an ``autograder/`` handed in beside it must not be what runs."""
    planted = tmp_path / "autograder" / "containment"
    planted.mkdir(parents=True)
    for package in (planted, planted.parent):
        (package / "__init__.py").write_text("")
    (planted / "kernel_launcher.py").write_text("def main():\n    raise SystemExit('planted')\n")
    run = subprocess.run(isolation.python_main("autograder.containment.kernel_launcher"), cwd=tmp_path, capture_output=True,
                         text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert "planted" not in run.stderr and "ValueError" in run.stderr  # the real launcher, missing its argument


SYSTEM_PYTHON = Path("/usr/bin/python3")
USERS = 100  # the group `users`: an ordinary user's gid is seldom its uid


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv") or not SYSTEM_PYTHON.exists(),
                    reason="needs root to become an unprivileged user, and a Python that user may run")
def test_an_unprivileged_grader_gets_the_same_view_through_a_user_namespace():
    """As an ordinary user (here ``nobody`` in the group ``users``, so with a gid unlike its uid, and the
    system's Python) the view is the same: the package read-only, the notebook's folder, nothing else of
    the course, only its own processes; files given to the view (the kernel's connection file) are its own."""
    work = Path(tempfile.mkdtemp())  # an ordinary user's own folder, with that user's own copy of the course
    root = work / "course-repository"
    for folder in ("course", "autograder", "source"):
        shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__"))
    (root / ".git").mkdir()
    for path in ("gradebook.db", "README.md"):
        (root / path).write_text("the instructor's")
    notebook_folder = work / "autograded" / "someone" / ASSIGNMENT
    notebook_folder.mkdir(parents=True)
    (notebook_folder / "mine.ipynb").write_text("{}")
    for path in [work, *work.rglob("*")]:
        os.chown(path, 65534, USERS)
    check = textwrap.dedent(f"""
        import json, os, sys
        sys.path.insert(0, {str(root)!r})
        from autograder.containment import isolation
        isolation.enter([{str(notebook_folder)!r}], workdir={str(notebook_folder)!r},
                        files={{"/tmp/connection.json": b"{{}}"}})
        try:
            open({str(root / 'course' / 'planted.py')!r}, 'w')
            writable = True
        except OSError:
            writable = False
        secrets = [p for p in {[str(root / p) for p in SECRET_PATHS]!r} if os.path.exists(p)]
        print(json.dumps({{"uid": os.getuid(), "root": sorted(os.listdir({str(root)!r})), "writable": writable,
                          "mine": os.listdir('.'), "secrets": secrets,
                          "given": [os.stat('/tmp/connection.json').st_uid, os.stat('/tmp/connection.json').st_gid],
                          "processes": len([e for e in os.listdir('/proc') if e.isdigit()])}}))
    """)
    run = subprocess.run(["setpriv", "--reuid=65534", f"--regid={USERS}", "--clear-groups", str(SYSTEM_PYTHON), "-I",
                          "-c", check], capture_output=True, text=True, timeout=60, cwd="/")
    shutil.rmtree(work)
    if "unshare" in run.stderr and "Operation not permitted" in run.stderr:
        pytest.skip("unprivileged user namespaces are off here")
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout)
    assert seen["uid"] == 65534 and not seen["writable"] and not seen["secrets"]
    assert "course" in seen["root"] and "source" not in seen["root"] and seen["mine"] == ["mine.ipynb"]
    assert seen["processes"] == 1 and seen["given"] == [65534, USERS]


def test_grading_as_root_stops_before_anyone_when_learner_code_cannot_be_contained(monkeypatch, tmp_path):
    from autograder.grading.grader import Grader

    monkeypatch.setattr(isolation, "problem", lambda: "the system allows no private namespaces as root: EPERM")
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    with pytest.raises(isolation.Unavailable, match="cannot grade a class: learner code would see the instructor's "
                                                    "files. the system allows no private namespaces as root: EPERM"):
        Grader(tmp_path / "grader")
    assert not (tmp_path / "grader").exists()


def test_each_kernel_talks_through_a_socket_folder_of_its_own_removed_when_it_stops(tmp_path):
    """Two kernels started one after the other by the contained kernel manager: each has its own folder of
    socket files (the only writable folder its view shows), gone once it stops, so nothing a learner's
    kernel leaves there is ever met by the next learner's."""
    kernel = kernelspec.install(tmp_path / "jupyter")

    async def start_and_stop():
        manager = kernelspec.ContainedKernelManager(kernel_name=kernel["Execute.kernel_name"])
        await manager.start_kernel(cwd=str(tmp_path))
        folder = manager.sockets
        client = manager.client()
        client.start_channels()
        await client.wait_for_ready(timeout=60)
        sockets = sorted(path.name for path in folder.iterdir())
        client.stop_channels()
        await manager.shutdown_kernel(now=True)
        return folder, sockets

    (first, first_sockets), (second, second_sockets) = [asyncio.run(start_and_stop()) for _ in range(2)]
    assert first != second and first_sockets and second_sockets
    assert not first.exists() and not second.exists()
