"""Generate the student versions under ``release/`` with ``nbgrader generate_assignment``.

Usage: ``python -m autograder.release [ASSIGNMENT ...]`` (default: every assignment).
The gradebook this needs is a throwaway one, so releasing never touches a course's grades.
"""
from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from autograder.coursedir.cli import nbgrader
from autograder.coursedir.paths import ROOT, assignments, make_course


def generate(assignment_names: Iterable[str], course_root: str | Path) -> None:
    """Run ``nbgrader generate_assignment`` for each assignment in an existing course directory."""
    for name in assignment_names:
        nbgrader("generate_assignment", name, "--force", course_root=course_root)


def generate_into(target: str | Path, assignment_names: list[str], root: str | Path = ROOT) -> None:
    """Generate the release folders of ``assignment_names`` into ``target``/release."""
    with tempfile.TemporaryDirectory(prefix="release-") as work:
        make_course(work, assignment_names, root)
        generate(assignment_names, work)
        for name in assignment_names:
            destination = Path(target) / "release" / name
            shutil.rmtree(destination, ignore_errors=True)
            shutil.copytree(Path(work) / "release" / name, destination)


def main(argv: list[str] | None = None) -> None:
    names = list(argv if argv is not None else sys.argv[1:]) or assignments()
    generate_into(ROOT, names)
    for name in names:
        print(f"released {name} -> release/{name}/")


if __name__ == "__main__":
    main()
