"""Run the real nbgrader command line on a course directory, with its own gradebook."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

NBGRADER = [sys.executable, "-m", "nbgrader"]


DB_VARIABLE = "COURSE_DB_URL"  # set by `make grade DB=...` (and feedback, export, report)
_COURSES = set()  # course directories declared by course_directory()


def course_directory(course_root: str | Path) -> str | Path:
    """Declare ``course_root`` a course (not a grader's private copy of one); returns it.

    Only a declared course's gradebook is the one ``DB=`` or its ``nbgrader_config.py`` names: the
    private copies graders, releases and self-grading make of that configuration keep a throwaway
    SQLite gradebook of their own, so they never write into the course's database.
    """
    _COURSES.add(Path(course_root).resolve())
    return course_root


def gradebook_url(course_root: str | Path) -> str:
    """The gradebook of a course directory, as an SQLAlchemy URL.

    For a declared course (:func:`course_directory`), in order: the ``COURSE_DB_URL`` environment
    variable (``make ... DB=``), then ``c.CourseDirectory.db_url`` in its ``nbgrader_config.py``;
    otherwise, and by default, the SQLite file ``gradebook.db`` in the directory.
    ``postgresql://`` URLs are given the psycopg (3) driver.
    """
    root = Path(course_root).resolve()
    url = (os.environ.get(DB_VARIABLE) or configured_url(root)) if root in _COURSES else ""
    if not url:
        return f"sqlite:///{root / 'gradebook.db'}"
    return "postgresql+psycopg://" + url.removeprefix("postgresql://") if url.startswith("postgresql://") else url


def configured_url(course_root: str | Path) -> str:
    """``c.CourseDirectory.db_url`` of the course's ``nbgrader_config.py`` ('' when unset)."""
    from traitlets.config.loader import PyFileConfigLoader  # nbgrader's own configuration loader

    config_file = Path(course_root) / "nbgrader_config.py"
    if not config_file.is_file():
        return ""
    config = PyFileConfigLoader(config_file.name, path=str(config_file.parent)).load_config()
    return config.CourseDirectory.get("db_url", "") or ""


def _scripts_first(path):
    """``path`` (a PATH value) with this Python's scripts folder first."""
    scripts = str(Path(sys.executable).parent)
    return path if path.split(os.pathsep)[0] == scripts else os.pathsep.join([scripts, path])


def quiet_environment() -> dict[str, str]:
    """The environment for nbgrader and its kernels: this Python's scripts first on PATH (nbgrader
    runs ``alembic`` from there), no Python warnings, a non-interactive plot backend."""
    env = dict(os.environ)
    env["PATH"] = _scripts_first(env.get("PATH", ""))
    env.update(PYTHONWARNINGS="ignore", MPLBACKEND="agg", PYDEVD_DISABLE_FILE_VALIDATION="1")
    return env


def scripts_on_path() -> None:
    """Put this Python's scripts first on this process's PATH: nbgrader's gradebook, run in this
    process, starts ``alembic`` from PATH itself, with no way to be given an environment. The only
    change to this process's environment; kernels get :func:`quiet_environment` as theirs."""
    os.environ["PATH"] = _scripts_first(os.environ.get("PATH", ""))


def nbgrader(*arguments: str, course_root: str | Path, timeout: float | None = None,
             check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``nbgrader <arguments>`` in ``course_root`` (which holds nbgrader_config.py).

    Returns the completed process; raises ``RuntimeError`` with nbgrader's output when it
    fails and ``check`` is true.
    """
    command = [*NBGRADER, *arguments, f"--CourseDirectory.root={Path(course_root).resolve()}",
               f"--CourseDirectory.db_url={gradebook_url(course_root)}"]
    process = subprocess.run(
        command, cwd=course_root, env=quiet_environment(), capture_output=True, text=True, timeout=timeout
    )
    if check and process.returncode != 0:
        raise RuntimeError(f"{' '.join(arguments)} failed:\n{process.stdout}\n{process.stderr}")
    return process
