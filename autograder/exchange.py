"""The instructor's side of nbgrader's exchange on a JupyterHub: hand out, collect and grade, return.

Usage: ``python -m autograder.exchange {hand-out,collect,return} ASSIGNMENT [--exchange DIR]``
(``make hand-out A=…``, ``make collect A=…``, ``make return A=…``). Each step is nbgrader's own
command on this course directory: ``release_assignment`` hands out ``release/<assignment>/``;
``collect`` copies the latest submissions into ``submitted/`` and the class is then graded as
``make grade`` grades it; ``return`` writes the feedback pages as ``make feedback`` does (no hidden
test, no solution line) and ``release_feedback`` puts them where students fetch them. The exchange
folder and the course id come from nbgrader's configuration (on the hub, the one
``deploy/jupyterhub`` gives instructors), or from ``--exchange``.
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from autograder import grade_class
from autograder.coursedir.cli import course_directory, nbgrader
from autograder.coursedir.paths import ROOT
from autograder.feedback import write_feedback

# What nbgrader's submit leaves beside a notebook, and release_feedback needs beside its page:
# when it was handed in, and the secret that names the feedback file only its author can find.
RECEIPTS = ("timestamp.txt", "submission_secret.txt")


def _run(*arguments, course_root):
    """nbgrader's command, its report (nbgrader logs what it did to stderr) passed on; its exit status."""
    process = nbgrader(*arguments, course_root=course_root, check=False)
    print(process.stdout, end="")
    print(process.stderr, end="", file=sys.stderr)
    return process.returncode


def hand_out(assignment: str, course_root: str | Path = ROOT, exchange: tuple[str, ...] = ()) -> int:
    """``nbgrader release_assignment``: students see the assignment in their Assignments tab."""
    return _run("release_assignment", assignment, *exchange, course_root=course_root)


def collect(assignment: str, course_root: str | Path = ROOT, exchange: tuple[str, ...] = ()) -> int:
    """``nbgrader collect --update`` (each student's latest submission), then grade them all."""
    status = _run("collect", assignment, "--update", *exchange, course_root=course_root)
    if status != 0:
        return status
    return grade_class.main(["--assignment", assignment, "--course", str(course_root)])


def give_back(assignment: str, course_root: str | Path = ROOT, exchange: tuple[str, ...] = ()) -> int:
    """Write the feedback pages, put each submission's receipts beside its page, ``nbgrader release_feedback``."""
    pages = write_feedback(course_root, assignment)
    if not pages:
        print(f"No graded submissions of {assignment} yet: run `make collect A={assignment}` first.")
        return 1
    unreturnable = []
    for page in pages:
        student = Path(page).parent.parent.name
        submitted = Path(course_root, "submitted", student, assignment)
        if not all((submitted / receipt).is_file() for receipt in RECEIPTS):
            unreturnable.append(student)  # not handed in through the exchange: nowhere to return it
            continue
        for receipt in RECEIPTS:
            shutil.copy(submitted / receipt, Path(page).parent / receipt)
    print(f"Wrote {len(pages)} feedback pages.")
    if unreturnable:
        print(f"Not returned (not handed in through the exchange): {', '.join(sorted(unreturnable))}")
        exchange = (*exchange, f"--CourseDirectory.student_id_exclude={','.join(unreturnable)}")
    return _run("release_feedback", assignment, *exchange, course_root=course_root)


STEPS = {"hand-out": hand_out, "collect": collect, "return": give_back}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=STEPS)
    parser.add_argument("assignment")
    parser.add_argument("--exchange", help="nbgrader's exchange folder (default: from nbgrader's configuration)")
    parser.add_argument("--course", default=str(ROOT), help="the course directory")
    options = parser.parse_args(argv)
    exchange = (f"--Exchange.root={options.exchange}",) if options.exchange else ()
    return STEPS[options.step](options.assignment, course_directory(options.course), exchange)


if __name__ == "__main__":
    sys.exit(main())
