"""Run the real nbgrader command line on a course directory, with its own gradebook."""
import os
import subprocess
import sys
from pathlib import Path

NBGRADER = [sys.executable, "-m", "nbgrader"]


def gradebook_url(course_root):
    """The SQLite gradebook of a course directory."""
    return f"sqlite:///{Path(course_root).resolve() / 'gradebook.db'}"


def quiet_environment():
    """The environment for nbgrader and its kernels: this Python's scripts first on PATH (nbgrader
    runs ``alembic`` from there), no Python warnings, a non-interactive plot backend."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.update(PYTHONWARNINGS="ignore", MPLBACKEND="agg", PYDEVD_DISABLE_FILE_VALIDATION="1")
    return env


def nbgrader(*arguments, course_root, timeout=None, check=True):
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
