"""The warm grader beside a learner's server: a real Jupyter server with `make lab`'s settings starts
it, `make grade-me` is answered by it with the same table a cold run prints, and it goes away with
the server."""
import os
import re
import signal
import subprocess
import sys

import nbformat
import pytest

from autograder import warm_grader
from autograder.coursedir.cells import fill_in, reference_solutions
from autograder.coursedir.paths import ROOT, release_notebook, source_notebook
from autograder.learner_workspace import write_server_config
from tests.browser_support import free_port, running, wait_for
from tests.test_readme import SELF_GRADING_LINES

ASSIGNMENT = "01_gradients"


@pytest.mark.servers
@pytest.mark.nbgrader
def test_make_grade_me_is_answered_by_the_learners_server_and_stops_with_it(tmp_path):
    answers = reference_solutions(source_notebook(ASSIGNMENT))
    answers["grad_quadratic"] = "return 2 * A @ x"
    mine = tmp_path / "attempt.ipynb"
    nbformat.write(fill_in(nbformat.read(release_notebook(ASSIGNMENT), as_version=4), answers), mine)
    work, config = tmp_path / "grade-me", write_server_config(tmp_path / "jupyter", warm_grader=True)
    env = {**os.environ, "GRADE_ME_DIR": str(work), "JUPYTER_CONFIG_DIR": str(config),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "jupyter"), "server", "--no-browser", "--ip=127.0.0.1", f"--port={free_port()}",
         f"--ServerApp.root_dir={tmp_path}", "--allow-root"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for(lambda: (work / warm_grader.SOCKET).exists(), 120, "the warm grader's socket appeared")
        run = subprocess.run(["make", "-s", "-o", ".venv/.installed", "grade-me", f"NB={mine}"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=600)
        lines = (run.stdout + run.stderr).splitlines()
        assert run.returncode == 0, lines
        assert [line for line in lines if not any(re.fullmatch(shape, line) for shape in SELF_GRADING_LINES)] == []
        assert any(re.search(r"✗ grad_quadratic\s+0/\d.*symmetric", line) for line in lines), lines
        assert "graded 1 notebook(s)" in (work / warm_grader.LOG).read_text(), "the cold path answered, not the warm grader"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    wait_for(lambda: not (work / warm_grader.SOCKET).exists(), 30, "the warm grader stopped with the server")
    assert warm_grader.ask(work, [str(mine)]) is None


def test_a_warm_grader_whose_server_is_gone_before_it_started_exits(tmp_path):
    """A server stopped within a second of starting (a test, a learner's Ctrl-C) leaves no warm grader behind:
    one that started after its server had exited would otherwise take init for its parent and serve forever."""
    work = tmp_path / "grade-me"
    starter = ("import subprocess, sys; from pathlib import Path; from autograder import warm_grader; "
               f"print(warm_grader.start(Path({str(work)!r}), subprocess.DEVNULL).pid)")
    pid = int(subprocess.run([sys.executable, "-c", starter], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout)
    wait_for(lambda: not running(pid), 60, "the orphaned warm grader to exit")
    assert not (work / warm_grader.SOCKET).exists()


def test_the_fingerprint_follows_the_course_and_ignores_compiled_files(tmp_path, monkeypatch):
    monkeypatch.setattr(warm_grader, "ROOT", tmp_path)
    (tmp_path / "course" / "__pycache__").mkdir(parents=True)
    module = tmp_path / "course" / "grading.py"
    module.write_text("x = 1\n")
    before = warm_grader.fingerprint()
    (tmp_path / "course" / "__pycache__" / "grading.pyc").write_bytes(b"")
    assert warm_grader.fingerprint() == before
    os.utime(module, ns=(0, module.stat().st_mtime_ns + 1))
    assert warm_grader.fingerprint() != before


def test_no_warm_grader_means_none_is_asked(tmp_path):
    assert warm_grader.ask(tmp_path, []) is None
    (tmp_path / warm_grader.SOCKET).touch()  # left behind by one that was killed
    assert warm_grader.ask(tmp_path, []) is None
