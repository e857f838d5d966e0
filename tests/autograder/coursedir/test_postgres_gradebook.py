"""The gradebook on a real PostgreSQL server: a class graded into it exports the same CSV as the
SQLite run, and `make report` works from it. The test starts its own server (initdb + pg_ctl in a
temporary folder, on a free port) and stops it; skipped where PostgreSQL is not installed
(``tools/provide-postgres`` installs it)."""
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from autograder.coursedir.cli import DB_VARIABLE, course_directory, gradebook_url, nbgrader
from autograder.coursedir.paths import CONFIG, ROOT
from autograder.demo_class import build
from autograder.grade_class import grade_class

pytestmark = pytest.mark.servers
ASSIGNMENT = "01_gradients"
BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_postgres(command):
    """Run ``command`` as the ``postgres`` user when we are root (PostgreSQL refuses to run as root)."""
    if os.geteuid() == 0:
        command = ["setpriv", "--reuid=postgres", "--regid=postgres", "--clear-groups", *command]
    return subprocess.run(command, check=True, capture_output=True, text=True)


@pytest.fixture(scope="module")
def postgres():
    """The URL of a fresh database on a private PostgreSQL server."""
    if not BIN:
        pytest.skip("PostgreSQL is not installed (run tools/provide-postgres)")
    data = Path(tempfile.mkdtemp(prefix="postgres-"))  # not under pytest's folder, which only root may enter
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    port = free_port()
    as_postgres([f"{BIN[-1]}/initdb", "-D", str(data / "db"), "-U", "grader", "--auth=trust"])
    as_postgres([f"{BIN[-1]}/pg_ctl", "-D", str(data / "db"), "-l", str(data / "server.log"), "-w", "start",
                 "-o", f"-p {port} -k {data} -c listen_addresses=127.0.0.1"])
    try:
        as_postgres([f"{BIN[-1]}/createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "grader", "gradebook"])
        yield f"postgresql://grader@127.0.0.1:{port}/gradebook"
    finally:
        as_postgres([f"{BIN[-1]}/pg_ctl", "-D", str(data / "db"), "-m", "immediate", "stop"])
        shutil.rmtree(data, ignore_errors=True)


def small_course(root):
    root.mkdir()
    shutil.copy(CONFIG, root / CONFIG.name)
    shutil.copytree(ROOT / "source" / ASSIGNMENT, root / "source" / ASSIGNMENT)
    build(root, students=2, seed=11, assignment_names=[ASSIGNMENT])
    return root


def export(root):
    """``nbgrader export``'s CSV of the course (through its configured gradebook): its header, then
    its rows sorted (their order is the order in which the workers happened to finish)."""
    nbgrader("export", "--to", "grades.csv", course_root=root)
    header, *rows = (root / "grades.csv").read_text(encoding="utf-8").splitlines()
    return [header, *sorted(rows)]


def test_class_graded_into_postgresql_exports_like_sqlite(postgres, tmp_path):
    sqlite_course, pg_course = small_course(tmp_path / "sqlite"), small_course(tmp_path / "postgres")
    grade_class(sqlite_course, workers=2, progress=False, cell_timeout=20)
    with open(pg_course / CONFIG.name, "a", encoding="utf-8") as config:  # the one line of the README
        config.write(f"\nc.CourseDirectory.db_url = {postgres!r}\n")
    grade_class(pg_course, workers=2, progress=False, cell_timeout=20)
    assert not (pg_course / "gradebook.db").exists(), "the PostgreSQL course must not write an SQLite gradebook"
    assert export(pg_course) == export(sqlite_course)

    # what `make report DB=url` runs, on this course
    report = subprocess.run([sys.executable, "-m", "autograder.report", "--course", str(pg_course)],
                            cwd=ROOT, capture_output=True, text=True, env={**os.environ, DB_VARIABLE: postgres})
    assert report.returncode == 0, report.stdout + report.stderr
    page = (pg_course / "reports" / "index.html").read_text(encoding="utf-8")
    assert ASSIGNMENT in page


def test_db_variable_overrides_the_configuration(postgres, tmp_path, monkeypatch):
    """`make ... DB=url` reaches a course's gradebook through COURSE_DB_URL, before nbgrader_config.py;
    a grader's private copy of the course keeps its own SQLite gradebook."""
    monkeypatch.setenv(DB_VARIABLE, postgres)
    private = tmp_path / "private-copy"
    assert gradebook_url(private) == f"sqlite:///{private.resolve() / 'gradebook.db'}", "copies keep their own"
    course = course_directory(tmp_path / "course")
    assert gradebook_url(course).startswith("postgresql+psycopg://grader@127.0.0.1")
    monkeypatch.delenv(DB_VARIABLE)
    assert gradebook_url(course) == f"sqlite:///{course.resolve() / 'gradebook.db'}"
