"""nbgrader's own command line on this course, with the course's gradebook (``make export``).

Usage: ``python -m autograder.nbgrader_cli ARGS...`` (e.g. ``export --to grades.csv``); the
gradebook is the one ``DB=`` or ``nbgrader_config.py`` names (:func:`~autograder.coursedir.cli.gradebook_url`).
"""
from __future__ import annotations

import sys

from autograder.coursedir.cli import course_directory, nbgrader
from autograder.coursedir.paths import ROOT


def main(argv: list[str] | None = None) -> int:
    """Run nbgrader with ``argv`` on this course; its output passes through, its status is returned."""
    process = nbgrader(*(argv if argv is not None else sys.argv[1:]), course_root=course_directory(ROOT), check=False)
    print(process.stdout, end="")
    print(process.stderr, end="", file=sys.stderr)
    return process.returncode


if __name__ == "__main__":
    sys.exit(main())
