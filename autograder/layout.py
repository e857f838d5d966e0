"""Where things are in the course directory: assignments, their source and release notebooks."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "source"
RELEASE = ROOT / "release"
CONFIG = ROOT / "nbgrader_config.py"


def assignments(root=ROOT):
    """Names of the assignments: the folders of ``source/`` that hold a notebook, in order."""
    source = Path(root) / "source"
    return sorted(p.name for p in source.iterdir() if p.is_dir() and any(p.glob("*.ipynb"))) if source.is_dir() else []


def source_notebook(assignment, root=ROOT):
    """The one source notebook of ``assignment``."""
    (notebook,) = sorted((Path(root) / "source" / assignment).glob("*.ipynb"))
    return notebook


def release_notebook(assignment, root=ROOT):
    """The student version of ``assignment``'s notebook under ``root``/release (named like its source)."""
    return Path(root) / "release" / assignment / source_notebook(assignment).name
