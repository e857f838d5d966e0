"""Start contained learner code (kernels, the independent check's sandbox) as forks of one process
that has already imported what it imports.

A kernel started afresh spends most of a short notebook's run importing ipykernel, numpy, sympy and
matplotlib; the independent check of a derivation spends most of its run importing sympy. A
:class:`~autograder.grading.grader.Grader` therefore starts one fork server: a fresh interpreter
(never a fork of the grader, which holds source notebooks) with a harmless environment, which
imports them once. Each kernel or sandbox is then a fork of it that enters its private view through
the very code a freshly started one runs (:data:`PROGRAMS`). Its launcher
(:mod:`~autograder.containment.kernel_launcher`, :mod:`~autograder.containment.sandbox_launcher`)
hands its arguments, folder, environment and standard streams to the server, stands in for the fork
(signals in, exit status out), and runs the program itself when no server answers.

multiprocessing's forkserver does not fit: its children re-import the parent's ``__main__`` and
hold the parent's authentication key.
Usage: ``python -m autograder.containment.forkserver <socket> <fd of the grader's pipe>``.
"""
from __future__ import annotations

import atexit
import importlib
import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import weakref
from collections.abc import Callable, Mapping
from pathlib import Path

from autograder.containment import isolation

# what a fork runs, by the name its launcher asks for: the function a fresh launcher runs too
PROGRAMS = {"kernel": "autograder.containment.kernel_launcher", "sandbox": "autograder.containment.sandbox_launcher"}
PRELOAD = ("ipykernel.kernelapp", "ipykernel.ipkernel", "numpy", "sympy", "matplotlib.pyplot", "ipywidgets",
           "course", "course.grading", "course.derivation", "course.numerical", "course.diagnosis", "course.guard",
           "course.derivation.evaluate", "course.derivation.problem", *PROGRAMS.values())
# BLAS on one thread, as in the independent check: grading runs many kernels at once, and a fork
# inherits no threads (numpy's pool of them is made in the server, at import)
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
PACKET = 1 << 20  # a request (arguments, folder, environment) fits in one packet
REQUEST_TIMEOUT = 10  # seconds a launcher that connected has to send its request


class ForkServer:
    """A running fork server; it stops when this object is collected or the grading process ends."""

    def __init__(self, environment: Mapping[str, str]):
        # under /tmp, which each kernel's view has too (see kernel_launcher.run); short, as a socket's path must be
        self.folder = Path(tempfile.mkdtemp(prefix="forkserver-", dir="/tmp"))
        self.socket = self.folder / "server"
        alive, self._alive = os.pipe()  # the server exits when this pipe's writing end closes with the grader
        self.process = subprocess.Popen(
            isolation.python_main(__name__, str(self.socket), str(alive)), pass_fds=[alive],
            env=isolation.environment(environment, MPLCONFIGDIR=str(self.folder), **ONE_THREAD),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        os.close(alive)
        while not self.socket.exists() and self.process.poll() is None:  # bound before it imports anything
            time.sleep(0.01)
        self._stop = weakref.finalize(self, _stop, self.process, self._alive)

    def stop(self) -> None:
        """Stop the server and everything it forked."""
        self._stop()

    _early = None  # a server started ahead of the grader that will use it

    @classmethod
    def start_early(cls, environment: Mapping[str, str]) -> None:
        """Start a server now for the next :meth:`started` in this process to take, so that its imports
        overlap what this process does meanwhile (``make grade-me`` imports nbgrader, for as long)."""
        cls._early = cls(environment)

    @classmethod
    def started(cls, environment: Mapping[str, str]) -> ForkServer:
        """The server started early (:meth:`start_early`) if there is one, else a new one."""
        server, cls._early = cls._early, None
        return server or cls(environment)


def _stop(process, alive):
    os.close(alive)
    process.wait()


def ask(server: str, program: str, arguments: list[str]) -> int | None:
    """Run ``program`` (a name in :data:`PROGRAMS`) with ``arguments`` as a fork of ``server``, standing in
    for it until it exits; returns its exit status, or None (nothing forked) when no server answers."""
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        connection.connect(server)
        request = {"program": program, "arguments": arguments, "folder": os.getcwd(), "environment": dict(os.environ)}
        socket.send_fds(connection, [json.dumps(request).encode()], [0, 1, 2])
        reply = connection.recv(PACKET)
    except OSError:
        return None
    if not reply:
        return None
    group = json.loads(reply)["pid"]  # the fork leads a process group of its own

    def forward(number, _):
        try:
            os.killpg(group, number)
        except ProcessLookupError:  # it has just ended: its status is on the way
            pass

    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(number, forward)
    reply = connection.recv(PACKET)
    return json.loads(reply)["exit"] if reply else 1


def launch(program: str, run: Callable[[list[str]], None]) -> None:
    """A launcher's ``main``: with ``--forkserver <socket>`` first among its arguments, run ``program`` as a
    fork of that server and exit with its status; otherwise, or when no server answers, ``run`` the
    remaining arguments in this process."""
    arguments = sys.argv[1:]
    if arguments[:1] == ["--forkserver"]:
        server, arguments = arguments[1], arguments[2:]
        status = ask(server, program, arguments)
        if status is not None:
            sys.exit(status)
    run(arguments)


def serve(listener: socket.socket, alive: int) -> None:
    """Fork a program for each request until the grader's pipe closes; then stop every fork."""
    events = selectors.DefaultSelector()
    events.register(listener, selectors.EVENT_READ, "request")
    events.register(alive, selectors.EVENT_READ, "alive")
    forks = {}  # pid: (its pidfd, the connection of the launcher standing in for it)
    while True:
        for key, _ in events.select():
            if key.data == "alive":
                for pid in forks:
                    _kill(pid)
                    os.waitpid(pid, 0)
                shutil.rmtree(Path(listener.getsockname()).parent, ignore_errors=True)
                return
            if key.data == "request":
                connection, _ = listener.accept()
                try:
                    connection.settimeout(REQUEST_TIMEOUT)
                    request, fds, _, _ = socket.recv_fds(connection, PACKET, 3)
                    pid = os.fork()
                except OSError:  # no request came, or no process could be made: the launcher runs the program itself
                    connection.close()
                    continue
                if pid == 0:
                    _child(json.loads(request), fds)
                for fd in fds:
                    os.close(fd)
                connection.settimeout(None)
                connection.send(json.dumps({"pid": pid}).encode())
                forks[pid] = (os.pidfd_open(pid), connection)
                events.register(forks[pid][0], selectors.EVENT_READ, ("exited", pid))
                events.register(connection, selectors.EVENT_READ, ("launcher gone", pid))
            elif key.data[0] == "exited":
                pid = key.data[1]
                pidfd, connection = forks.pop(pid)
                _, status = os.waitpid(pid, 0)
                events.unregister(pidfd)
                if connection.fileno() in events.get_map():
                    events.unregister(connection)
                with connection:  # the launcher may be gone already
                    try:
                        connection.send(json.dumps({"exit": os.waitstatus_to_exitcode(status)}).encode())
                    except OSError:
                        pass
                os.close(pidfd)
            elif key.data[1] in forks:  # the launcher was killed (a kernel manager's last resort, a time limit): so is its fork
                events.unregister(key.fileobj)
                _kill(key.data[1])


def _kill(group):
    try:
        os.killpg(group, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _child(request, fds):
    """In the forked child: become the program the launcher would have run, then exit."""
    code = 1
    try:
        os.setsid()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))  # the server's socket and its other forks' connections
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.chdir(request["folder"])
        os.environ.clear()
        os.environ.update(request["environment"])
        sys.modules["numpy"].random.seed()  # numpy's global generator was seeded once, in the server
        importlib.import_module(PROGRAMS[request["program"]]).run(request["arguments"])
        code = 0
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
    except BaseException:  # noqa: BLE001 - say why on the program's own stderr, as a fresh one would
        traceback.print_exc()
    try:
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


def main() -> None:
    path, alive = sys.argv[1], int(sys.argv[2])
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C at the grader's terminal is the grader's to answer
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(path + ".binding")
    listener.listen(64)
    os.rename(path + ".binding", path)  # the socket appears ready to take requests, which wait for the imports
    for module in PRELOAD:
        importlib.import_module(module)
    serve(listener, alive)


if __name__ == "__main__":
    main()
