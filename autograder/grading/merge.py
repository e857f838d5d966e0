"""Bring a grading task's results into the course: gradebook scores, autograded notebook, feedback, outcome.

Only the process that runs the class (the Dask client) calls :func:`record`: it is the one writer
of the gradebook, ``autograded/`` and ``feedback/``."""
from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from nbgrader.api import MissingEntry
from nbgrader.utils import parse_utc

from autograder.coursedir.gradebook import open_gradebook
from autograder.coursedir.paths import source_notebook
from autograder.coursedir.workspace import Workspace
from autograder.grading.outcome import Outcome
from autograder.pages.summary import standalone_page

OUTCOME_FILE = "outcome.json"


def prepare_course(course_root: str | Path, assignments: Iterable[str]) -> None:
    """Enter ``assignments`` into the course gradebook (as generate_assignment does) without
    rewriting the course's release/ folder."""
    with tempfile.TemporaryDirectory(prefix="release-") as scratch:
        Workspace(course_root, assignments, copy_course=False,
                  **{"CourseDirectory.release_directory": scratch})


def record(course_root: str | Path, outcome: Outcome,
           files: dict[str, tuple[str, bytes] | None] | None = None) -> Outcome:
    """Store ``outcome`` in the course: replace the student's grades, write the notebook and the feedback.

    ``files`` is ``{"autograded": (name, bytes) or None, "feedback": (name, bytes) or None}``, as a
    grading task returns them. Returns the outcome as recorded, a copy: its paths are where the files
    were written, and a submission never graded has the gradebook's zero scores. ``outcome`` is not changed.
    """
    course_root = Path(course_root)
    with open_gradebook(course_root) as gradebook:
        gradebook.update_or_create_student(outcome.student)
        try:
            gradebook.remove_submission(outcome.assignment, outcome.student)
        except MissingEntry:
            pass
        submission = gradebook.add_submission(outcome.assignment, outcome.student,
                                              timestamp=handed_in(course_root, outcome.student, outcome.assignment))
        scores = outcome.scores
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grade.auto_score = outcome.scores.get(grade.name, (0.0,))[0]
                grade.needs_manual_grade = False
            if not scores:
                scores = {grade.name: (0.0, grade.max_score) for grade in notebook.grades}
        gradebook.db.commit()
    recorded = replace(outcome, scores=scores)
    _write_files(course_root, recorded, files or {})
    return recorded


def handed_in(course_root: str | Path, student: str, assignment: str) -> datetime | None:
    """When the submission was handed in (its ``timestamp.txt``, which nbgrader's submit and collect
    write), or None. The gradebook keeps it as nbgrader's autograde does: the formgrader counts a
    submission as graded only when the two agree, and late penalties start from it."""
    stamp = Path(course_root, "submitted", student, assignment, "timestamp.txt")
    try:
        return parse_utc(stamp.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):  # none, or not a time: the submission is graded all the same
        return None


def _write_files(course_root, outcome, files):
    """Write the autograded notebook, the feedback page and ``outcome.json``; sets ``outcome``'s paths (a copy of record's)."""
    folders = {kind: course_root / kind / outcome.student / outcome.assignment for kind in ("autograded", "feedback")}
    for kind, folder in folders.items():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        name, content = files.get(kind) or (None, None)
        if kind == "feedback" and content is None and not outcome.graded:  # the grader had no chance to write one
            name = source_notebook(outcome.assignment, course_root).with_suffix(".html").name
            content = standalone_page(outcome).encode("utf-8")
        if content is not None:
            (folder / name).write_bytes(content)
        setattr(outcome, kind, str(folder / name) if content is not None else None)
    (folders["autograded"] / OUTCOME_FILE).write_text(json.dumps(outcome.to_dict(), indent=1), encoding="utf-8")


def outcomes(course_root: str | Path) -> list[Outcome]:
    """Every recorded outcome of the course, as :class:`Outcome` objects."""
    return [
        Outcome.from_dict(json.loads(path.read_text(encoding="utf-8")))
        for path in sorted(Path(course_root).glob(f"autograded/*/*/{OUTCOME_FILE}"))
    ]
