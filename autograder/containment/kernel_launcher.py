"""Start the grading kernel in a private view (:mod:`autograder.containment.isolation`).

The kernel sees Python, the ``course`` package and the folder of the notebook being graded, and
nothing else of the course: not ``source/``, the verification inputs, the gradebook or other
students' work; and, talking to nbgrader through socket files, no network (nothing to reach on
localhost, such as a Dask scheduler). As root it runs as ``nobody``, with a cap on the processes it may start.
Usage (from a kernelspec's argv, see :mod:`autograder.containment.kernelspec`):
``... [--forkserver <socket>] {connection_file}``; with a fork server
(:mod:`autograder.containment.forkserver`) that answers, the kernel is a fork of it instead.
"""
from __future__ import annotations

import json
import os
import resource
import runpy
import sys
from pathlib import Path

from autograder.containment import forkserver, isolation

NOBODY = isolation.NOBODY
MAX_PROCESSES = 256
CONNECTION = "/tmp/connection.json"  # inside the view's private /tmp


def main() -> None:
    forkserver.launch("kernel", run)


def run(arguments: list[str]) -> None:
    """Enter the private view and run ipykernel there, in this process, with ``arguments``
    (``{connection_file} ...``) and this process's folder and environment."""
    connection_file, *rest = arguments
    notebook_folder = os.getcwd()  # nbgrader starts the kernel in the folder of the notebook it runs
    secret = Path(connection_file).read_bytes()  # read here: the kernel never sees the grader's runtime folder
    if os.geteuid() == 0:
        resource.setrlimit(resource.RLIMIT_NPROC, (MAX_PROCESSES, MAX_PROCESSES))
    connection = json.loads(secret)
    # over ZMQ's ipc transport (files, see kernelspec) the kernel needs no network at all: none, then
    sockets = [os.path.dirname(connection["ip"])] if connection.get("transport") == "ipc" else []
    env = isolation.environment()
    isolation.enter([notebook_folder], writable=sockets, workdir=notebook_folder, network=not sockets,
                    files={CONNECTION: secret})
    os.environ.clear()
    os.environ.update(env)
    if "matplotlib" in sys.modules:  # forked (forkserver): its cache folder, fixed at import, is under /tmp
        os.makedirs(sys.modules["matplotlib"].get_cachedir(), exist_ok=True)
    # ipykernel starts in this process, now contained: no second interpreter to wait for. What it prints
    # for a person at a terminal (a Ctrl-C note: it sees no parent) joins its log on stderr, never a
    # grading command's output.
    os.dup2(2, 1)
    sys.argv = ["ipykernel_launcher", "-f", CONNECTION, *rest]
    runpy.run_module("ipykernel_launcher", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
