"""Start the grading kernel in a private view (:mod:`autograder.isolation`).

The kernel sees Python, the ``course`` package and the folder of the notebook being graded, and
nothing else of the course: not ``source/``, the verification inputs, the gradebook or other
students' work. As root it runs as ``nobody``, with a cap on the processes it may start.
Usage (from a kernelspec's argv, see :mod:`autograder.contained_kernel`): ``... {connection_file}``.
"""
import os
import resource
import sys
from pathlib import Path

from autograder import isolation

NOBODY = isolation.NOBODY
MAX_PROCESSES = 256
CONNECTION = "/tmp/connection.json"  # inside the view's private /tmp


def main():
    connection_file, *rest = sys.argv[1:]
    notebook_folder = os.getcwd()  # nbgrader starts the kernel in the folder of the notebook it runs
    secret = Path(connection_file).read_bytes()  # read here: the kernel never sees the grader's runtime folder
    if os.geteuid() == 0:
        resource.setrlimit(resource.RLIMIT_NPROC, (MAX_PROCESSES, MAX_PROCESSES))
    env = isolation.environment()
    isolation.enter([notebook_folder], workdir=notebook_folder, files={CONNECTION: secret})
    kernel = [sys.executable, "-m", "ipykernel_launcher", "-f", CONNECTION, *rest]
    os.execve(sys.executable, kernel, env)


if __name__ == "__main__":
    main()
