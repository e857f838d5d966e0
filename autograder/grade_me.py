"""Self-grading for learners: grade your own notebook with the hidden tests, as often as you like.

Usage: ``python -m autograder.grade_me [NOTEBOOK ...]`` (default: every notebook under release/
you have worked on). Your file is only read; everything is made in the ignored ``.grade-me/``.
"""
import argparse
import shutil
import sys
from pathlib import Path

import nbformat

from autograder.grader import Grader
from autograder.layout import ROOT, assignments, release_notebook
from autograder.solutions import solution_cells

WORK = ROOT / ".grade-me"


def worked_on(path):
    """True when some answer cell of the notebook differs from the untouched release version."""
    fresh = solution_cells(nbformat.read(release_notebook(path.parent.name), as_version=4))
    try:
        mine = solution_cells(nbformat.read(path, as_version=4))
    except Exception:  # an unreadable notebook has certainly been touched; the grader will say why
        return True
    return any(mine.get(name) is None or mine[name].source != cell.source for name, cell in fresh.items())


def table(outcome, path):
    """The per-exercise report printed in the terminal."""
    lines = [f"\n{outcome.assignment}  ({path})  {outcome.total:g} / {outcome.maximum:g} points"]
    if outcome.reason:
        lines.append(f"  Not graded: {outcome.reason}")
    lines.extend(f"  note: {note}" for note in outcome.notes)
    width = max((len(cell) for cell in outcome.scores), default=10)
    for cell, (score, maximum) in outcome.scores.items():
        mark = "✓" if score == maximum else "✗"
        message = outcome.messages.get(cell) or ""
        lines.append(f"  {mark} {cell.removeprefix('test_'):<{width}} {score:g}/{maximum:g}  {message}")
    return "\n".join(lines)


def grade_me(paths):
    """Grade each notebook, print its table, and copy its feedback page into ``.grade-me/feedback``."""
    grader = Grader(WORK / "workspace", notebook_timeout=300)
    outcomes = []
    for path in paths:
        path = Path(path).resolve()
        assignment = path.parent.name
        if assignment not in assignments():
            print(f"\n{path}: not in a folder named after an assignment ({', '.join(assignments())})")
            continue
        staging = WORK / "staging" / assignment
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        shutil.copy(path, staging / release_notebook(assignment).name)
        outcome = grader.grade("me", assignment, staging)
        feedback = WORK / "feedback" / f"{assignment}.html"
        feedback.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(outcome.feedback, feedback)
        print(table(outcome, path))
        print(f"  feedback page: {feedback}")
        outcomes.append(outcome)
    return outcomes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebooks to grade (default: the ones you worked on)")
    options = parser.parse_args(argv)
    paths = options.notebooks or [p for a in assignments() if worked_on(p := release_notebook(a))]
    if not paths:
        print("You have not answered any exercise yet. Open a notebook with `make lab`, or name one: "
              "make grade-me NB=release/01_gradients/gradients.ipynb")
        return 0
    grade_me(paths)
    return 0


if __name__ == "__main__":
    sys.exit(main())
