"""The warm grader: a process beside the learner's JupyterLab that answers ``make grade-me`` with
nbgrader already loaded and its grading workspace ready.

A cold ``make grade-me`` spends seconds before it grades anything: starting Python, importing
nbgrader, setting up the workspace. ``make lab`` starts this process (a Jupyter server extension
launches it), so self-grading costs little more than running the notebook. It listens on a Unix
socket in the self-grading folder, grades one request at a time with the same code as a cold run
(:func:`autograder.grading.self_grade.report`), and exits when the server does, or when the course's
code or notebooks change (a ``git pull``): ``make grade-me`` then grades in its own process.

Usage: ``python -m autograder.warm_grader`` (the learner's server starts it; ``make bench`` too).
"""
from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from autograder.coursedir.paths import ROOT, SELF_GRADING, assignments, release_notebook

SOCKET = "warm-grader.sock"
LOG = "warm-grader.log"
WATCHED = ("autograder", "course", "source", "nbgrader_config.py")  # what its answers depend on
POLL = 1.0  # seconds between checks that the server that started it is still there
PARENT = "WARM_GRADER_PARENT"  # the pid of the process that started it, from start()


def fingerprint() -> str:
    """The course's code, notebooks and nbgrader configuration, by modification time: a change means
    the warm grader is out of date."""
    digest = hashlib.sha256()
    for name in WATCHED:
        top = ROOT / name
        for path in sorted(top.rglob("*")) if top.is_dir() else [top]:
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(f"{path}:{path.stat().st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _send(connection: socket.socket, message: dict[str, Any]) -> None:
    connection.sendall(json.dumps(message).encode())
    connection.shutdown(socket.SHUT_WR)


def _receive(connection: socket.socket) -> dict[str, Any]:
    chunks = []
    while chunk := connection.recv(1 << 16):
        chunks.append(chunk)
    return json.loads(b"".join(chunks))


def ask(work: Path, paths: list[str]) -> tuple[str, int] | None:
    """The warm grader's report on ``paths`` (absolute), as :func:`~autograder.grading.self_grade.report`
    gives it; None when no warm grader serves ``work`` or it is out of date."""
    try:
        with socket.socket(socket.AF_UNIX) as connection:
            connection.connect(str(work / SOCKET))
            _send(connection, {"paths": paths})
            answer = _receive(connection)
    except (OSError, ValueError):  # none listening, a stale socket file, or it stopped mid-answer
        return None
    return None if answer.get("stale") else (answer["text"], answer["status"])


def _listening(path: Path) -> bool:
    """Whether a warm grader answers on ``path``."""
    with socket.socket(socket.AF_UNIX) as probe:
        return probe.connect_ex(str(path)) == 0


def warm_up(work: Path) -> None:
    """Do once what a first grade-me would: generate every assignment in the workspace, and grade one
    unanswered notebook (nbconvert's templates, the kernel's first start, the feedback exporter)."""
    from autograder.coursedir.quiet import stderr_to
    from autograder.grading.self_grade import grader

    with stderr_to(work / "log.txt"):  # nbgrader's and the kernel's chatter, as in a grade-me
        for assignment in assignments():
            grader(work).workspace.prepare(assignment)
        first = assignments()[0]
        grader(work).grade("warm-up", first, release_notebook(first).parent)


def serve(work: Path) -> None:
    """Answer requests on ``work``'s socket, one at a time, until the process that started this one
    exits or the course changes."""
    from autograder.grading.self_grade import report

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stopped: still remove the socket
    # the starter's pid as it gave it: one that exited while this process started must not be taken for init
    parent, known = int(os.environ.get(PARENT, os.getppid())), fingerprint()
    path = work / SOCKET
    if _listening(path) or os.getppid() != parent:
        return  # another warm grader serves this folder already, or the server that started this one is gone
    work.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(path))
        os.chmod(path, 0o600)  # only the learner may have notebooks graded here
        listener.listen()
        listener.settimeout(POLL)
        try:
            warm_up(work)  # a grade-me asked meanwhile waits in the queue: it would take as long cold
            while os.getppid() == parent:
                try:
                    connection, _ = listener.accept()
                except TimeoutError:
                    continue
                with connection:
                    connection.settimeout(POLL)
                    try:
                        paths = _receive(connection)["paths"]
                    except (OSError, ValueError, KeyError):  # a probe, or not a request
                        continue
                    connection.settimeout(None)
                    if fingerprint() != known:
                        _send(connection, {"stale": True})
                        return
                    started = time.perf_counter()
                    text, status = report(paths, work)
                    try:
                        _send(connection, {"text": text, "status": status})
                    except OSError:  # the learner stopped waiting (Ctrl-C): the next request is still welcome
                        continue
                    print(f"graded {len(paths) or 'the edited'} notebook(s) in {time.perf_counter() - started:.1f} s",
                          flush=True)
        finally:
            path.unlink(missing_ok=True)


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "autograder.warm_grader"}]


def start(work: Path, log: Any) -> subprocess.Popen:
    """Start a warm grader serving ``work``, writing to ``log`` (a file or ``subprocess.DEVNULL``), in a
    session of its own (the terminal's Ctrl-C is its parent's to answer); it exits when its parent does."""
    return subprocess.Popen([sys.executable, "-m", "autograder.warm_grader"], cwd=ROOT,
                            env={**os.environ, "GRADE_ME_DIR": str(work), PARENT: str(os.getpid())}, stdin=subprocess.DEVNULL,
                            stdout=log, stderr=log, start_new_session=True)


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """Start the warm grader beside the learner's server."""
    SELF_GRADING.mkdir(parents=True, exist_ok=True)
    with open(SELF_GRADING / LOG, "ab") as log:
        start(SELF_GRADING, log)
    serverapp.log.info("make grade-me: a warm grader runs beside this server")


if __name__ == "__main__":
    serve(SELF_GRADING)
