"""`make test` on a fresh machine provides the browser its browser tests need, before running them.

The test hides every chromium from a temporary PATH, runs the provisioning step of a fresh clone's
`make test` on its own, and sees it provide a browser that starts. As root with apt-get this is
Debian's package (already installed here, so apt-get has nothing to download).
"""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from autograder.coursedir.paths import ROOT

pytestmark = pytest.mark.servers


def path_without_chromium(folder):
    """A PATH of one folder holding links to every program of the system PATH except chromium."""
    folder.mkdir()
    for directory in ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"):
        for program in Path(directory).glob("*") if Path(directory).is_dir() else ():
            target = folder / program.name
            if "chromium" not in program.name and not target.exists():
                target.symlink_to(program)
    return str(folder)


def test_make_test_provides_a_browser_on_a_fresh_clone(tmp_path):
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip("needs root and apt-get: without them the step installs Playwright's Chromium from the internet")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    venv = clone / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / ".installed").touch()  # the step under test is the browser, not the packages
    env = {**os.environ, "PATH": path_without_chromium(tmp_path / "bin")}
    assert shutil.which("chromium", path=env["PATH"]) is None
    run = subprocess.run(["make", "-C", str(clone), ".venv/bin/chromium"], env=env, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "installing Debian's package" in run.stdout and "linked as .venv/bin/chromium" in run.stdout
    version = subprocess.run([str(venv / "bin" / "chromium"), "--version"], capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and "Chromium" in version.stdout
