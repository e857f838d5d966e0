"""`make workshop`: the archive a learner unpacks installs and starts; the presenter's slides are there;
neither holds a solution region or a hidden test."""
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from autograder.layout import ROOT, assignments
from autograder.workshop import NAME, curriculum, sessions

SECRETS = ("### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS")


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
        assert "reveal" in slides and "data:image/png;base64" in slides, f"{assignment}: slides without figures"
        assert not any(secret in slides for secret in SECRETS)


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
