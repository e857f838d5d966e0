"""A kernelspec that runs learner notebooks through :mod:`autograder.containment.kernel_launcher` (a private view)."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from autograder.containment import isolation
from autograder.coursedir.workspace import QuietKernelManager

NAME = "course-contained"


def install(directory: str | Path, forkserver: str | Path | None = None) -> dict[str, Any]:
    """Write the kernelspec under ``directory`` and return the nbgrader settings that select it; its
    kernels are forks of ``forkserver`` (a socket, see :mod:`autograder.containment.forkserver`) if given.

    Only where learner code can be contained (:func:`autograder.containment.isolation.problem`); otherwise
    the notebook's own kernel is used and the settings are empty.
    """
    if isolation.problem():
        return {}
    # a name of its own: every grader's folder joins JUPYTER_PATH, and two graders in one process (a
    # benchmark, a test) must each find their own spec (its fork server), not the first of that name
    name = f"{NAME}-{hashlib.sha256(str(Path(directory).resolve()).encode()).hexdigest()[:12]}"
    spec = Path(directory) / "kernels" / name
    spec.mkdir(parents=True, exist_ok=True)
    server = ["--forkserver", str(forkserver)] if forkserver else []
    argv = [*isolation.python_main("autograder.containment.kernel_launcher"), *server, "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "Python 3 (graded)",
                                                  "language": "python"}), encoding="utf-8")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(directory), os.environ.get("JUPYTER_PATH")]))
    return {"Execute.kernel_name": name, "Execute.kernel_manager_class": ContainedKernelManager}


class ContainedKernelManager(QuietKernelManager):
    """Each contained kernel talks to nbgrader through socket files (ZMQ's ipc transport, so it needs no
    network) in a folder of its own, the only folder its view shows writable, removed when it stops: no
    kernel ever meets a file another learner's kernel left. The folder has a short path (a socket's may
    not pass 107 bytes), wherever the grading folder lies."""

    sockets = None

    async def _async_pre_start_kernel(self, **kw):
        self._remove_sockets()  # a restart gets a fresh folder too
        self.sockets = Path(tempfile.mkdtemp(prefix="kernel-sockets-"))
        if os.geteuid() == 0:
            os.chown(self.sockets, isolation.NOBODY, isolation.NOBODY)
        self.transport, self.ip = "ipc", str(self.sockets / "kernel")
        return await super()._async_pre_start_kernel(**kw)

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            self._remove_sockets()

    def _remove_sockets(self):
        if self.sockets is not None:
            shutil.rmtree(self.sockets, ignore_errors=True)
            self.sockets = None
