"""The code reads cleanly: ruff (configured in pyproject.toml) finds nothing in the repository."""
import os
import re
import subprocess
import sys

import autograder
from autograder.coursedir.paths import ROOT


def test_ruff_finds_nothing():
    run = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_module_map_names_every_module_of_autograder():
    """``help(autograder)`` is where a newcomer starts: it lists every module, in every folder, and nothing that is gone."""
    package = ROOT / "autograder"
    modules = {".".join(p.relative_to(package).with_suffix("").parts) for p in package.rglob("*.py") if p.stem != "__init__"}
    shown = subprocess.run([sys.executable, "-c", "import autograder; help(autograder)"], cwd=ROOT, capture_output=True,
                           text=True, env={**os.environ, "PAGER": "cat"}, check=True).stdout
    mapped = set(re.findall(r"^ {8}([a-z_]+(?:\.[a-z_]+)?) +\S", shown.split("PACKAGE CONTENTS")[0], re.M))
    assert mapped == modules


def test_the_module_map_has_a_heading_for_every_folder_of_autograder():
    """Each subpackage of ``autograder`` is a stage of the pipeline, introduced by a line saying its job."""
    package = ROOT / "autograder"
    folders = {p.parent.relative_to(package).as_posix() for p in package.rglob("__init__.py") if p.parent != package}
    headings = set(re.findall(r"^(\w+)/ -- \S", autograder.__doc__, re.M))
    assert headings == folders
