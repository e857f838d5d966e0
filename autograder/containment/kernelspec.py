"""A kernelspec that runs learner notebooks through :mod:`autograder.containment.kernel_launcher` (a private view)."""
import atexit
import json
import os
import shutil
import tempfile
from pathlib import Path

from autograder.containment import isolation

NAME = "course-contained"


def install(directory):
    """Write the kernelspec under ``directory`` and return the nbgrader settings that select it.

    Only where learner code can be contained (:func:`autograder.containment.isolation.problem`); otherwise
    the notebook's own kernel is used and the settings are empty.
    """
    if isolation.problem():
        return {}
    spec = Path(directory) / "kernels" / NAME
    spec.mkdir(parents=True, exist_ok=True)
    argv = [*isolation.python_main("autograder.containment.kernel_launcher"), "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "Python 3 (graded)",
                                                  "language": "python"}), encoding="utf-8")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(directory), os.environ.get("JUPYTER_PATH")]))
    # the kernel talks to nbgrader through socket files in a folder of this grader's (one kernel at a
    # time), the only folder its view shows writable, so it needs no network; a short path (a socket's
    # may not pass 107 bytes), wherever the grading folder lies
    runtime = Path(tempfile.mkdtemp(prefix="kernel-sockets-"))
    atexit.register(shutil.rmtree, runtime, ignore_errors=True)
    if os.geteuid() == 0:
        os.chown(runtime, isolation.NOBODY, isolation.NOBODY)
    return {"Execute.kernel_name": NAME, "KernelManager.transport": "ipc", "KernelManager.ip": str(runtime / "kernel")}
