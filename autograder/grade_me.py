"""Self-grading for learners: grade your own notebook with the hidden tests, as often as you like.

Usage: ``python -m autograder.grade_me [NOTEBOOK ...]`` (default: the notebooks you have worked on
in ``my-notebooks/``). A notebook is recognised by its exercises, whatever its file or folder is
called. Your file is only read; everything is made in the ignored ``.grade-me/``, and nbgrader's
chatter goes to ``.grade-me/log.txt``: the terminal shows the table and the feedback page.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import traceback
from collections.abc import Iterable
from pathlib import Path

import nbformat

from autograder.coursedir.cells import function_of, grade_id
from autograder.coursedir.paths import ROOT, assignments, release_notebook, source_notebook
from autograder.coursedir.quiet import stderr_to
from autograder.grading.outcome import Outcome
from autograder.learner_workspace import FOLDER, edited

WORK = Path(os.environ.get("GRADE_ME_DIR") or ROOT / ".grade-me")  # GRADE_ME_DIR: elsewhere, e.g. for a test


def grade_ids(path: str | Path) -> set[str]:
    """The nbgrader grade ids of a notebook's cells (empty when it cannot be read as a notebook)."""
    try:
        return {grade_id(cell) for cell in nbformat.read(path, as_version=4).cells} - {None}
    except Exception:
        return set()


def assignment_of(path: str | Path) -> str | None:
    """The assignment whose exercises the notebook holds most of, or None."""
    ids = grade_ids(path)
    shared = {name: len(ids & grade_ids(source_notebook(name))) for name in assignments()}
    best = max(shared, key=shared.get, default=None)
    return best if best and shared[best] else None


def table(outcome: Outcome, path: Path) -> str:
    """The per-exercise report printed in the terminal."""
    lines = [f"\n{outcome.assignment}  ({path})  {outcome.total:g} / {outcome.maximum:g} points"]
    if outcome.reason:
        lines.append(f"  Not graded: {outcome.reason}")
    lines.extend(f"  note: {note}" for note in outcome.notes)
    width = max((len(cell) for cell in outcome.scores), default=10)
    for cell, (score, maximum) in outcome.scores.items():
        mark = "✓" if score == maximum else "✗"
        message = outcome.messages.get(cell) or ""
        lines.append(f"  {mark} {function_of(cell):<{width}} {score:g}/{maximum:g}  {message}")
    return "\n".join(lines)


def grade_me(paths: Iterable[str | Path]) -> list[tuple[Outcome, Path, Path]]:
    """Grade each notebook, print its table, and copy its feedback page into ``.grade-me/feedback``."""
    known = [(Path(path).resolve(), assignment_of(path)) for path in paths]
    for path, assignment in known:
        if assignment is None:
            print(f"\n{path}: this is not one of the course's notebooks (its exercises belong to none of "
                  f"{', '.join(assignments())})")
    known = [(path, assignment) for path, assignment in known if assignment]
    if not known:
        return []
    from autograder.grading.grader import Grader  # nbgrader takes seconds to import: only when there is work

    grader = Grader(WORK / "workspace", notebook_timeout=300)
    outcomes = []
    for path, assignment in known:
        staging = WORK / "staging" / assignment
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        shutil.copy(path, staging / release_notebook(assignment).name)
        outcome = grader.grade("me", assignment, staging)
        feedback = WORK / "feedback" / f"{assignment}.html"
        feedback.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(outcome.feedback, feedback)
        outcomes.append((outcome, path, feedback))
    return outcomes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebooks to grade (default: the ones you worked on)")
    options = parser.parse_args(argv)
    paths = options.notebooks or edited(FOLDER)
    if not paths:
        print("You have not answered any exercise yet. Start the course with `make lab` (your notebooks are "
              "in my-notebooks/), or name a notebook: make grade-me NB=path/to/notebook.ipynb")
        return 0
    log = WORK / "log.txt"
    log.unlink(missing_ok=True)
    with stderr_to(log):
        try:
            outcomes = grade_me(paths)
        except Exception as error:  # a fault of the grader, not of the learner: the details go to the log
            traceback.print_exc()
            outcomes = error
    if isinstance(outcomes, Exception):
        print(f"Self-grading failed ({type(outcomes).__name__}: {outcomes}); the details are in {log}")
        return 1
    for outcome, path, feedback in outcomes:
        print(table(outcome, path))
        print(f"  feedback page: {feedback}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
