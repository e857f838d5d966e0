"""Open nbgrader gradebooks, read scores out of them and correct one."""
from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from sqlalchemy.exc import SAWarning

from autograder.coursedir.cli import gradebook_url


def gradebook_exists(course_root: str | Path) -> bool:
    """Whether the course has a gradebook yet (a database server's always counts as existing)."""
    url = gradebook_url(course_root)
    return not url.startswith("sqlite:///") or Path(url.removeprefix("sqlite:///")).exists()


@contextmanager
def open_gradebook(course_root: str | Path) -> Iterator[Gradebook]:
    """The course's gradebook (SQLite, or the database ``c.CourseDirectory.db_url`` / ``DB=`` names:
    see :func:`~autograder.coursedir.cli.gradebook_url`), with nbgrader's own SQLAlchemy relationship
    warnings silenced. Everything that opens a gradebook goes through here."""
    with warnings.catch_warnings(), Gradebook(gradebook_url(course_root)) as gradebook:
        warnings.simplefilter("ignore", SAWarning)
        yield gradebook


def cell_scores(course_root: str | Path, assignment: str, student: str) -> dict[str, tuple[float, float]]:
    """``{test cell grade id: (score, max score)}`` of one student's autograded assignment.

    Empty when the student has no graded submission of that assignment.
    """
    scores = {}
    with open_gradebook(course_root) as gradebook:
        try:
            submission = gradebook.find_submission(assignment, student)
        except MissingEntry:
            return scores
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                scores[grade.name] = (grade.score, grade.max_score)
    return scores


def set_auto_score(course_root: str | Path, assignment: str, student: str, cell: str, score: float) -> None:
    """Overwrite the automatic score of one test cell (used when the independent check overrules nbgrader)."""
    with open_gradebook(course_root) as gradebook:
        submission = gradebook.find_submission(assignment, student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                if grade.name == cell:
                    grade.auto_score = score
        gradebook.db.commit()
