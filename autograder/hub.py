"""Prepare and start the course's JupyterHub (``deploy/jupyterhub``) on this machine: ``make hub``.

Usage (as root): ``python -m autograder.hub [--home DIR] [--port N] [--demo]``.
It prepares the hub's folder (see ``deploy/jupyterhub/jupyterhub_config.py``): the users' Python
environment, built once with pip from this course's dependencies and its ``course`` package (never the
autograder, its variants or the solutions); nbgrader's exchange; each role's Jupyter configuration.
With ``--demo`` it adds two student accounts and an instructor account, gives the instructor a clone
of the course, hands out the first assignment, and prints how to log in. Then it runs the hub.
"""
from __future__ import annotations

import argparse
import grp
import os
import pwd
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import tomllib

from autograder.coursedir.paths import ROOT
from autograder.learner_workspace import write_server_config

DEPLOY = ROOT / "deploy" / "jupyterhub"
HOME = Path("/srv/matrix-calculus")
STUDENTS, INSTRUCTORS = "matrix-calculus-students", "matrix-calculus-instructors"
COURSE_FOLDER = "matrix-calculus"  # an instructor's course directory, in their home
DEMO_STUDENTS, DEMO_INSTRUCTOR, DEMO_ASSIGNMENT = ("student1", "student2"), "instructor", "01_gradients"
PROXY = ROOT / ".venv" / "bin" / "configurable-http-proxy"  # tools/provide-proxy puts it there
LEARNER_FILES = ("pyproject.toml", "README.md", "course")  # what the users' environment is built from


def runnable_by_everyone(path: str | Path) -> bool:
    """Whether every user may run ``path``: it and each folder above it are executable by others."""
    path = Path(path).resolve()
    return path.is_file() and all(os.stat(part).st_mode & 0o001 for part in (path, *path.parents))


def shared_python() -> Path:
    """A Python every user may run, to build their environment on: this one's interpreter when it is
    (not one under /root, say), else the system's."""
    candidates = [Path(sys._base_executable), Path("/usr/bin/python3"), Path("/usr/local/bin/python3")]
    for candidate in candidates:
        if runnable_by_everyone(candidate):
            return candidate
    raise RuntimeError("no Python that every user may run (this one lives in a private folder): install the "
                       "system's (Debian: apt-get install python3-venv) and run this again")


def users_environment(home: Path) -> Path:
    """``home/env``: a virtual environment with the course's dependencies and the ``course`` package,
    built by pip from a copy of only those files, readable and runnable by every user."""
    env = home / "env"
    if (env / ".installed").exists():
        return env
    requirements = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    subprocess.run([str(shared_python()), "-m", "venv", "--clear", str(env)], check=True)
    with tempfile.TemporaryDirectory(prefix="course-package-") as stage:
        for name in LEARNER_FILES:
            source = ROOT / name
            copy = shutil.copytree if source.is_dir() else shutil.copy
            copy(source, Path(stage) / name, **({"ignore": shutil.ignore_patterns("__pycache__")}
                                                 if source.is_dir() else {}))
        print(f"hub: installing the users' environment in {env} (pip; a few minutes the first time)")
        subprocess.run([str(env / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        *requirements, stage], check=True)
    (env / ".installed").touch()
    return env


def prepare(home: str | Path = HOME) -> Path:
    """Lay out the hub's folder; returns it. Safe to run again (the environment is built once)."""
    home = Path(home)
    for folder in (home, home / "jupyter", home / "state"):
        folder.mkdir(parents=True, exist_ok=True)
    os.chmod(home, 0o755)
    os.chmod(home / "state", 0o700)
    (home / "exchange").mkdir(exist_ok=True)
    os.chmod(home / "exchange", 0o777)  # as nbgrader's documentation asks; it protects what it creates inside
    for role in ("common", "instructor"):
        shutil.copytree(DEPLOY / "jupyter" / role, home / "jupyter" / role, dirs_exist_ok=True)
    write_server_config(home / "jupyter" / "student")  # the same student tools as `make lab`
    users_environment(home)
    for path in [home / "jupyter", *(home / "jupyter").rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    return home


def ensure_group(name: str) -> None:
    """Create the Linux group ``name`` unless it exists."""
    try:
        grp.getgrnam(name)
    except KeyError:
        subprocess.run(["groupadd", name], check=True)


def add_account(name: str, password: str, group: str) -> Path:
    """A Linux account in ``group`` (both created when missing; its home private to it)."""
    ensure_group(group)
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", "--groups", group, name], check=True)
    subprocess.run(["usermod", "--append", "--groups", group, name], check=True)
    subprocess.run(["chpasswd"], input=f"{name}:{password}\n", text=True, check=True)
    home = Path(pwd.getpwnam(name).pw_dir)
    os.chmod(home, 0o700)
    return home


def give_course(instructor: str) -> Path:
    """Clone this course into the instructor's home as their course directory (owned by them)."""
    account = pwd.getpwnam(instructor)
    target = Path(account.pw_dir) / COURSE_FOLDER
    if not target.exists():
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(target)], check=True)
        subprocess.run(["chown", "-R", f"{account.pw_uid}:{account.pw_gid}", str(target)], check=True)
    return target


def as_instructor(name: str, command: list[str], cwd: str | Path, home: str | Path = HOME,
                  **options: Any) -> subprocess.CompletedProcess:
    """Run ``command`` as the instructor ``name`` in their course directory ``cwd``, with the environment
    the hub gives an instructor's server (as in a terminal of their JupyterLab)."""
    account = pwd.getpwnam(name)
    env = {"HOME": account.pw_dir, "USER": name, "LANG": "C.UTF-8",
           "PATH": os.pathsep.join([str(Path(home) / "env" / "bin"), "/usr/local/bin", "/usr/bin", "/bin"]),
           "JUPYTER_CONFIG_PATH": os.pathsep.join(str(Path(home) / "jupyter" / r) for r in ("instructor", "common")),
           "COURSE_EXCHANGE": str(Path(home) / "exchange"), "COURSE_DIRECTORY": str(cwd)}
    return subprocess.run(["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--init-groups",
                           *command], cwd=cwd, env=env, **options)


def hub_environment(home: str | Path = HOME, port: int = 8000) -> dict[str, str]:
    """The environment ``deploy/jupyterhub/jupyterhub_config.py`` reads: this one's, with the hub's folder
    and port, and defaults for what it does not set (the internal ports, the groups, the proxy)."""
    env = {"COURSE_HUB_API_PORT": "8081", "COURSE_PROXY_API_PORT": "8001", "COURSE_PROXY": str(PROXY),
           "COURSE_STUDENTS_GROUP": STUDENTS, "COURSE_INSTRUCTORS_GROUP": INSTRUCTORS, "COURSE_FOLDER": COURSE_FOLDER,
           **os.environ}
    env.update(COURSE_HUB_HOME=str(home), COURSE_HUB_PORT=str(port))
    return env


def hub_command() -> list[str]:
    """The argv that runs JupyterHub with the course's configuration (run it in ``home/state``)."""
    return [sys.executable, "-m", "jupyterhub", "-f", str(DEPLOY / "jupyterhub_config.py")]


def demo(home: Path, env: dict[str, str]) -> dict[str, str]:
    """Two students and an instructor with fresh passwords, in the hub's groups; the first assignment handed out."""
    accounts = {name: secrets.token_urlsafe(6) for name in (*DEMO_STUDENTS, DEMO_INSTRUCTOR)}
    for name, password in accounts.items():
        role = "INSTRUCTORS" if name == DEMO_INSTRUCTOR else "STUDENTS"
        add_account(name, password, env[f"COURSE_{role}_GROUP"])
    course = give_course(DEMO_INSTRUCTOR)
    if not (home / "exchange" / "matrix-calculus" / "outbound" / DEMO_ASSIGNMENT).exists():  # not on a re-run
        as_instructor(DEMO_INSTRUCTOR, ["make", "--no-print-directory", "hand-out", f"A={DEMO_ASSIGNMENT}",
                                        f"ENV={home / 'env'}"], cwd=course, home=home, check=True)
    return accounts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", default=str(HOME), help="the hub's folder (default %(default)s)")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--demo", action="store_true", help="add two demo students and an instructor")
    options = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("make hub needs root: PAM reads /etc/shadow and each user's server runs as that user "
              "(run `sudo make hub`).", file=sys.stderr)
        return 2
    home = prepare(options.home)
    env = hub_environment(home, options.port)
    accounts = demo(home, env) if options.demo else {}
    print(f"\nThe course's hub: http://127.0.0.1:{options.port}/  (Ctrl-C stops it)")
    for name, password in accounts.items():
        print(f"  log in as {name:<10} password {password}")
    if accounts:
        print(f"  {DEMO_INSTRUCTOR} has the course in ~/{COURSE_FOLDER}; {DEMO_ASSIGNMENT} is handed out.")
    sys.stdout.flush()
    return subprocess.run(hub_command(), cwd=home / "state", env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
