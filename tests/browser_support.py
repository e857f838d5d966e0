"""A real JupyterLab server and Debian's headless Chromium, for tests that use the course as a person does.

Playwright drives the Chromium that ``make test`` provides (``tools/provide-browser`` links it as
``.venv/bin/chromium``: Debian's where it can be installed), and the browser only talks to the
server on 127.0.0.1.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat

from autograder.containment.processes import stat_fields
from autograder.coursedir.cells import fill_in, reference_solutions
from autograder.coursedir.paths import assignments, release_notebook, source_notebook

PROVIDED_CHROMIUM = Path(sys.executable).with_name("chromium")
CHROMIUM = Path(os.environ.get("COURSE_CHROMIUM") or (PROVIDED_CHROMIUM if PROVIDED_CHROMIUM.exists() else "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# JupyterLab asks every new user whether to fetch Jupyter news from the internet; a test server never should.
DISABLED_PLUGINS = {"@jupyterlab/apputils-extension:announcements": True}


def require_chromium():
    """Fail (never skip) with the fix when the browser is missing."""
    if not CHROMIUM.is_file():
        raise RuntimeError(
            f"{CHROMIUM} not found: `make test` provides a Chromium (tools/provide-browser .venv), "
            "or point COURSE_CHROMIUM at a Chromium binary."
        )


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, seconds, what):
    """Poll ``condition`` until it is true; fail saying ``what`` did not happen within ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        time.sleep(0.2)


def running(pid):
    """Whether ``pid`` is a process that has not ended (a zombie has)."""
    fields = stat_fields(pid)
    return fields is not None and fields[0] != "Z"


def solved_course(folder):
    """Copy every release notebook, with the reference solutions filled in, to ``folder/<assignment>/``."""
    paths = {}
    for assignment in assignments():
        release = nbformat.read(release_notebook(assignment), as_version=4)
        solved = fill_in(release, reference_solutions(source_notebook(assignment)))
        path = Path(folder) / assignment / release_notebook(assignment).name
        path.parent.mkdir(parents=True)
        nbformat.write(solved, path)
        paths[assignment] = path
    return paths


class JupyterLab:
    """``jupyter lab`` from this Python environment, serving ``root`` on a free port with a token.

    Its settings, workspaces and runtime files live in ``state`` so a test never sees (or
    changes) the settings of the person running it.
    """

    def __init__(self, root, state):
        self.root, self.state = Path(root), Path(state)
        self.port, self.token = free_port(), os.urandom(16).hex()
        self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def page(self, path=""):
        """The address of a page of the Lab, with the token."""
        return f"{self.url}/lab/{path}?token={self.token}"

    def start(self, timeout=90):
        config = self.state / "config"
        (config / "labconfig").mkdir(parents=True, exist_ok=True)
        (config / "labconfig" / "page_config.json").write_text(json.dumps({"disabledExtensions": DISABLED_PLUGINS}))
        # every cell in the page: with JupyterLab's windowing, cells scrolled out of view are not in the
        # DOM, so a test could neither wait for their execution counts nor find their widgets
        tracker = self.state / "settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
        tracker.parent.mkdir(parents=True, exist_ok=True)
        tracker.write_text(json.dumps({"windowingMode": "none"}))
        env = {
            **os.environ,
            "JUPYTER_CONFIG_DIR": str(config),
            "JUPYTER_RUNTIME_DIR": str(self.state / "runtime"),
            "JUPYTERLAB_SETTINGS_DIR": str(self.state / "settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(self.state / "workspaces"),
            "PYTHONWARNINGS": "ignore",  # keep the server log about the server
        }
        jupyter = Path(sys.executable).with_name("jupyter")
        self.log = open(self.state / "server.log", "wb")
        self.process = subprocess.Popen(
            [str(jupyter), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
             "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
             f"--ServerApp.root_dir={self.root}", *(["--allow-root"] if os.geteuid() == 0 else [])],
            cwd=self.root, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.process.returncode}:\n{self.server_log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=2):
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"jupyter lab did not answer within {timeout} s:\n{self.server_log()}")

    def server_log(self):
        """What the server printed so far."""
        if not self.log.closed:
            self.log.flush()
        return (self.state / "server.log").read_text(errors="replace")[-5000:]

    def stop(self):
        """Shut the server down; kill its process group (kernels included) if it lingers."""
        if self.process is None:
            return
        try:
            request = urllib.request.Request(f"{self.url}/api/shutdown?token={self.token}", method="POST")
            urllib.request.urlopen(request, timeout=5).close()
            self.process.wait(timeout=15)
        except (OSError, subprocess.TimeoutExpired):
            pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # kernels left behind share the group
        except ProcessLookupError:
            pass
        self.process.wait()
        self.log.close()


def local_only(route):
    """Let the page reach this machine only (the Lab on 127.0.0.1, files); abort anything else."""
    url = route.request.url
    if url.startswith(("http://127.0.0.1:", "ws://127.0.0.1:", "file://", "data:", "blob:")):
        route.continue_()
    else:
        route.abort()


def launch_chromium(playwright, profile):
    """Headless Debian Chromium with a fresh profile in ``profile``, allowed to reach this machine only."""
    require_chromium()
    shutil.rmtree(profile, ignore_errors=True)
    context = playwright.chromium.launch_persistent_context(
        str(profile), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
        viewport={"width": 1280, "height": 900}, device_scale_factor=1,
    )
    context.route("**/*", local_only)
    return context
