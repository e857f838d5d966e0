"""`make workshop`: the archive a learner unpacks installs and starts; the presenter's slides are there;
neither holds a solution region or a hidden test."""
import re
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from autograder.coursedir.paths import ROOT, assignments
from autograder.workshop import NAME, curriculum, sessions

SECRETS = ("### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS")
# Building the kit runs every notebook in a real kernel for the slides: the notebook tier, not the seconds-long one.
pytestmark = pytest.mark.nbgrader
TYPESET = "() => window.MathJax && MathJax.startup && MathJax.startup.promise && MathJax.startup.promise.then(() => true)"


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    """The kit as `make workshop` builds it, into a temporary folder."""
    out = tmp_path_factory.mktemp("workshop")
    subprocess.run(["make", "-s", "workshop", f"OUT={out}"], cwd=ROOT, check=True, capture_output=True, timeout=600)
    return out


def test_archive_holds_the_learners_files_and_no_answers(kit):
    with zipfile.ZipFile(kit / f"{NAME}.zip") as archive:
        names = set(archive.namelist())
        for expected in ("START.md", "README.md", "pyproject.toml", "environment.yml", "course/__init__.py",
                         *(f"release/{a}/" for a in assignments())):
            assert f"{NAME}/{expected}" in names, f"the workshop zip lacks {expected}"
        assert not any(name.startswith(f"{NAME}/{folder}/") for name in names for folder in ("source", "autograder"))
        for name in names:
            if name.endswith((".ipynb", ".py")):
                text = archive.read(name).decode()
                assert not any(secret in text for secret in SECRETS), f"{name} gives answers away"


def test_start_sheet_has_install_start_and_schedule(kit):
    sheet = (kit / "START.md").read_text()
    for needed in ("pip install -e .", "conda env create -f environment.yml", "jupyter lab", "Session 1"):
        assert needed in sheet
    first = sessions(curriculum())[0]
    assert all(f"`{assignment}`" in sheet for assignment, *_ in first)


def test_presenter_slides(kit):
    for assignment in assignments():
        slides = (kit / "slides" / f"{assignment}.slides.html").read_text()
        figures = re.findall(r"<img[^>]*src=\"data:image/png;base64", slides)
        assert "reveal" in slides and figures, f"{assignment}: slides without figures"
        assert not any(secret in slides for secret in SECRETS)
        assert not re.findall(r"""(?:src|href)=["']https?://""", slides), f"{assignment}: slides load from the internet"
    assert (kit / "slides" / "reveal.js" / "dist" / "reveal.js").is_file()


@pytest.mark.servers
def test_slides_open_offline_with_math_typeset(kit, tmp_path):
    """Chromium allowed nothing but file:// opens a deck: reveal.js runs, MathJax has typeset the
    math, a figure shows as a picture, and no request went to another host."""
    from playwright.sync_api import sync_playwright

    from tests.browser_support import launch_chromium

    with sync_playwright() as playwright:
        context = launch_chromium(playwright, tmp_path / "profile")
        tab = context.new_page()
        requested = []
        tab.on("request", lambda request: requested.append(request.url))
        tab.goto((kit / "slides" / "02_jacobians.slides.html").as_uri())
        tab.wait_for_function(TYPESET, timeout=60 * 1000)
        tab.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=60 * 1000)
        typeset, failed = tab.locator("mjx-container").count(), tab.locator("mjx-merror").count()
        tab.evaluate("() => Reveal.slide(3)")
        tab.screenshot(path=tmp_path / "slides-offline.png")
        pictures = tab.locator("img[src^='data:image/png']").count()
        context.close()
    assert not [url for url in requested if not url.startswith(("file://", "data:", "blob:"))], requested
    assert typeset >= 5 and failed == 0 and pictures >= 1, (typeset, failed, pictures)
    print(f"screenshot: {tmp_path / 'slides-offline.png'}")


@pytest.mark.servers
def test_wheelhouse_installs_with_no_index(tmp_path):
    """`make workshop WHEELS=...` (here Linux only): the kit installs into a fresh venv with pip told
    to use no index at all, and the course imports and JupyterLab starts."""
    out = tmp_path / "kit"
    subprocess.run([sys.executable, "-m", "autograder.workshop", "--out", str(out), "--no-slides", "--wheels", "linux"],
                   cwd=ROOT, check=True, capture_output=True, timeout=1200)
    with zipfile.ZipFile(out / f"{NAME}.zip") as archive:
        archive.extractall(tmp_path)
    folder = tmp_path / NAME
    assert "--no-index --find-links wheels" in (folder / "START.md").read_text()
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = str(venv / "bin" / "python")
    install = subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-index", "--find-links", "wheels", "-e", "."],
                             cwd=folder, capture_output=True, text=True, timeout=1200)
    assert install.returncode == 0, install.stdout + install.stderr
    where = subprocess.run([python, "-c", "import course; print(course.__file__)"], cwd=tmp_path,
                           capture_output=True, text=True, timeout=120)
    assert Path(where.stdout.strip()).is_relative_to(folder), where.stdout + where.stderr
    version = subprocess.run([str(venv / "bin" / "jupyter"), "lab", "--version"], capture_output=True, text=True,
                             timeout=120)
    assert version.returncode == 0 and version.stdout.strip()[0].isdigit(), version.stderr


def test_unpacked_kit_installs_offline_and_starts(kit, tmp_path):
    """pip install -e . in a fresh venv, then `import course` finds the unpacked copy and
    `jupyter lab --version` runs. The dependencies come from this environment's site-packages
    (--no-deps); pip fetches only the build backend (setuptools) from its configured index."""
    with zipfile.ZipFile(kit / f"{NAME}.zip") as archive:
        archive.extractall(tmp_path)
    folder = tmp_path / NAME
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    # A plain path line: this environment's packages are importable, its own editable install of `course` is not.
    Path(purelib, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "-e", "."],
        cwd=folder, capture_output=True, text=True, timeout=300,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    where = subprocess.run([str(python), "-c", "import course; print(course.__file__)"], cwd=tmp_path,
                           capture_output=True, text=True, timeout=120)
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(folder), f"imported {where.stdout} instead of the kit's copy"
    version = subprocess.run([str(python), "-m", "jupyterlab", "--version"], capture_output=True, text=True, timeout=120)
    assert version.returncode == 0 and version.stdout.strip()[0].isdigit(), version.stderr
