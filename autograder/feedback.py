"""Write every graded student's feedback page again with nbgrader (after manual grading, say),
each topped by the course's per-exercise summary. Like every feedback page, it never shows hidden
tests or solutions (:mod:`autograder.pages.hide_tests`) and typesets its math offline.

Usage: ``python -m autograder.feedback [--course DIR]``.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from autograder.coursedir.cli import course_directory
from autograder.coursedir.paths import ROOT
from autograder.coursedir.workspace import Workspace
from autograder.grading.merge import outcomes
from autograder.pages.summary import write_page


def write_feedback(course_root: str | Path = ROOT, assignment: str | None = None) -> list[Path]:
    """Regenerate the feedback page of every recorded outcome (of ``assignment`` only, when given);
    returns the pages written."""
    records = [outcome for outcome in outcomes(course_directory(course_root))  # the gradebook may be a database
               if assignment in (None, outcome.assignment)]
    with tempfile.TemporaryDirectory(prefix="release-") as scratch:
        course = Workspace(course_root, (), copy_course=False, **{"CourseDirectory.release_directory": scratch})
        pages = [write_page(course, outcome) for outcome in records]
    return pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course", default=str(ROOT))
    options = parser.parse_args(argv)
    pages = write_feedback(options.course)
    if not pages:
        print("No graded submissions yet: run `make grade` first.")
    for page in pages:
        print(Path(page).relative_to(Path(options.course).resolve()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
