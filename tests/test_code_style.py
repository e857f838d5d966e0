"""The code reads cleanly: ruff (configured in pyproject.toml) finds nothing in the repository, the module map
of autograder is whole, and the public functions of course and autograder say their types."""
import ast
import os
import re
import subprocess
import sys

import pytest

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


def _unhinted(path):
    """``name`` of every public function and method in ``path`` with a parameter or return type not written down."""
    found = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef) and not child.name.startswith("_"):
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                    not child.name.startswith("_") or child.name == "__init__"):
                given = child.args
                parameters = [*given.posonlyargs, *given.args, *given.kwonlyargs, given.vararg, given.kwarg]
                bare = [p.arg for p in parameters if p is not None and p.annotation is None and p.arg not in ("self", "cls")]
                if bare or (child.returns is None and child.name != "__init__"):
                    found.append(f"{prefix}{child.name}")

    visit(ast.parse(path.read_text(encoding="utf-8")), "")
    return found


@pytest.mark.parametrize("package", ["course", "autograder"])
def test_public_functions_say_their_types(package):
    """Every public function and method of both packages has type hints, so a reader knows a path, an
    array or a SymPy expression from the signature."""
    package = ROOT / package
    unhinted = {path.relative_to(ROOT).as_posix(): names for path in sorted(package.rglob("*.py")) if (names := _unhinted(path))}
    assert not unhinted
