"""A learner's notebooks graded with the hidden tests: which assignment each is, its grade, the table.

``make grade-me`` runs :func:`report` in its own process, or asks the warm grader
(:mod:`autograder.warm_grader`) to run it, so both print the same words.
"""
from __future__ import annotations

import functools
import shutil
import traceback
from collections.abc import Iterable
from pathlib import Path

import nbformat

from autograder.coursedir.cells import function_of, grade_id
from autograder.coursedir.paths import assignments, release_notebook, source_notebook
from autograder.coursedir.quiet import stderr_to
from autograder.grading.grader import Grader
from autograder.grading.outcome import Outcome
from autograder.learner_workspace import FOLDER, edited

NOTHING_YET = ("You have not answered any exercise yet. Start the course with `make lab` (your notebooks are "
               "in my-notebooks/), or name a notebook: make grade-me NB=path/to/notebook.ipynb")


def grade_ids(path: str | Path) -> set[str]:
    """The nbgrader grade ids of a notebook's cells (empty when it cannot be read as a notebook)."""
    try:
        return {grade_id(cell) for cell in nbformat.read(path, as_version=4).cells} - {None}
    except Exception:
        return set()


@functools.cache
def exercises() -> dict[str, set[str]]:
    """Each assignment's grade ids, read once per process (a warm grader exits when ``source/`` changes)."""
    return {name: grade_ids(source_notebook(name)) for name in assignments()}


def assignment_of(path: str | Path) -> str | None:
    """The assignment whose exercises the notebook holds most of, or None."""
    ids = grade_ids(path)
    shared = {name: len(ids & known) for name, known in exercises().items()}
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


@functools.cache
def grader(work: Path) -> Grader:
    """The self-grading :class:`Grader` in ``work``, made once per process (a warm grader keeps it)."""
    return Grader(work / "workspace", notebook_timeout=300)


def grade_notebooks(paths: Iterable[str | Path], work: Path) -> tuple[list[str], list[tuple[Outcome, Path, Path]]]:
    """Grade each notebook and copy its feedback page into ``work/feedback``; returns the sentences
    about notebooks of no assignment, and per graded notebook its outcome, path and feedback page."""
    known = [(Path(path).resolve(), assignment_of(path)) for path in paths]
    unknown = [f"\n{path}: this is not one of the course's notebooks (its exercises belong to none of "
               f"{', '.join(assignments())})" for path, assignment in known if assignment is None]
    outcomes = []
    for path, assignment in ((path, assignment) for path, assignment in known if assignment):
        staging = work / "staging" / assignment
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        shutil.copy(path, staging / release_notebook(assignment).name)
        outcome = grader(work).grade("me", assignment, staging)
        feedback = work / "feedback" / f"{assignment}.html"
        feedback.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(outcome.feedback, feedback)
        outcomes.append((outcome, path, feedback))
    return unknown, outcomes


def report(paths: list[str], work: Path) -> tuple[str, int]:
    """What ``make grade-me`` prints for ``paths`` (default: the learner's edited notebooks), and its
    exit status. nbgrader's and the kernels' chatter goes to ``work/log.txt``, as does a fault of the
    grader's own, which the learner sees in one sentence."""
    paths = paths or [str(path) for path in edited(FOLDER)]
    if not paths:
        return NOTHING_YET, 0
    log = work / "log.txt"
    log.unlink(missing_ok=True)
    with stderr_to(log):
        try:
            unknown, outcomes = grade_notebooks(paths, work)
        except Exception as error:  # a fault of the grader, not of the learner: the details go to the log
            traceback.print_exc()
            return f"Self-grading failed ({type(error).__name__}: {error}); the details are in {log}", 1
    graded = [f"{table(outcome, path)}\n  feedback page: {feedback}" for outcome, path, feedback in outcomes]
    return "\n".join(unknown + graded), 0
