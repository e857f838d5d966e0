"""Start the grading kernel as the unprivileged user ``nobody`` when the grader runs as root.

Learner code then cannot write next to the grader's files or into other students' folders, and
the number of processes it may start is capped. Usage (from a kernelspec's argv):
``python -m autograder.kernel_launcher {connection_file} [ipykernel arguments...]``.
"""
import os
import resource
import shutil
import sys
import tempfile

NOBODY = 65534
MAX_PROCESSES = 256


def prepare(connection_file):
    """Copy the connection file where ``nobody`` can read it and give the kernel a home; returns the copy."""
    private = tempfile.mkdtemp(prefix="kernel-", dir=os.environ.get("COURSE_KERNEL_DIR"))
    copy = os.path.join(private, "connection.json")
    shutil.copy(connection_file, copy)
    for path in (private, copy):
        os.chown(path, NOBODY, NOBODY)
    resource.setrlimit(resource.RLIMIT_NPROC, (MAX_PROCESSES, MAX_PROCESSES))
    os.environ.update(HOME=private, IPYTHONDIR=os.path.join(private, "ipython"), MPLCONFIGDIR=private)
    return copy


def main():
    connection_file, *rest = sys.argv[1:]
    kernel = [sys.executable, "-m", "ipykernel_launcher"]
    if os.geteuid() == 0 and shutil.which("setpriv"):
        # setpriv (util-linux) switches user as it starts the interpreter, which may live under /root
        kernel = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *kernel]
        connection_file = prepare(connection_file)
    os.execvp(kernel[0], [*kernel, "-f", connection_file, *rest])


if __name__ == "__main__":
    main()
