"""Start the independent check's sandbox (:mod:`autograder.containment.sandbox`) in its private view,
under its limits.

The sandbox sees Python and the ``course`` package (it imports its own modules before it enters the
view), and nothing of the course repository, the gradebook or other students' work; it has no
network, runs as an unprivileged user, is limited in memory, CPU time, file size and processes, and
leaves no core dump (:data:`LIMITS`). It reads its request on stdin and writes its answer on stdout
(:func:`autograder.containment.sandbox.main`).
Usage: ``python -m autograder.containment.sandbox_launcher [--forkserver <socket>] [--uncontained]``;
with a fork server (:mod:`autograder.containment.forkserver`) that answers, the sandbox is a fork of
it instead. ``--uncontained`` is for where no private view can be made: class grading stops before
that (:func:`autograder.containment.isolation.require`); self-grading may go on without it.
"""
from __future__ import annotations

import resource

from autograder.containment import forkserver, isolation, sandbox

LIMITS = {
    resource.RLIMIT_CORE: 0,
    resource.RLIMIT_AS: 3 * 1024**3,
    resource.RLIMIT_CPU: 120,
    resource.RLIMIT_FSIZE: 50 * 1024**2,
    resource.RLIMIT_NPROC: 256,
}


def main() -> None:
    forkserver.launch("sandbox", run)


def run(arguments: list[str]) -> None:
    """Take on the sandbox's limits, enter its private view (unless ``arguments`` say ``--uncontained``)
    and answer the request on stdin, in this process, with this process's environment."""
    for kind, value in LIMITS.items():
        resource.setrlimit(kind, (value, value))
    if "--uncontained" not in arguments:
        isolation.enter(network=False)
    sandbox.main()


if __name__ == "__main__":
    main()
