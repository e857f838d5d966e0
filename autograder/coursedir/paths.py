"""Where things are in the course directory: assignments, their source and release notebooks;
and a new course directory set up from them."""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "source"
RELEASE = ROOT / "release"
CONFIG = ROOT / "nbgrader_config.py"
SELF_GRADING = Path(os.environ.get("GRADE_ME_DIR") or ROOT / ".grade-me")  # make grade-me's folder (GRADE_ME_DIR: elsewhere)


def assignments(root: str | Path = ROOT) -> list[str]:
    """Names of the assignments: the folders of ``source/`` that hold a notebook, in order."""
    source = Path(root) / "source"
    return sorted(p.name for p in source.iterdir() if p.is_dir() and any(p.glob("*.ipynb"))) if source.is_dir() else []


def source_notebook(assignment: str, root: str | Path = ROOT) -> Path:
    """The one source notebook of ``assignment``."""
    (notebook,) = sorted((Path(root) / "source" / assignment).glob("*.ipynb"))
    return notebook


def release_notebook(assignment: str, root: str | Path = ROOT) -> Path:
    """The student version of ``assignment``'s notebook under ``root``/release (named like its source)."""
    return Path(root) / "release" / assignment / source_notebook(assignment).name


def make_course(directory: str | Path, assignment_names: Iterable[str], root: str | Path = ROOT) -> Path:
    """Set up a course directory in ``directory``: the nbgrader config and the assignments' sources."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(CONFIG, directory / CONFIG.name)
    for name in assignment_names:
        shutil.copytree(Path(root) / "source" / name, directory / "source" / name, dirs_exist_ok=True)
    return directory
