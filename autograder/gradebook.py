"""Read scores out of an nbgrader gradebook."""
import warnings

from nbgrader.api import Gradebook, MissingEntry
from sqlalchemy.exc import SAWarning

from autograder.nbgrader_cli import gradebook_url


def cell_scores(course_root, assignment, student):
    """``{test cell grade id: (score, max score)}`` of one student's autograded assignment.

    Empty when the student has no graded submission of that assignment.
    """
    scores = {}
    with warnings.catch_warnings(), Gradebook(gradebook_url(course_root)) as gradebook:
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's own relationship warnings
        try:
            submission = gradebook.find_submission(assignment, student)
        except MissingEntry:
            return scores
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                scores[grade.name] = (grade.score, grade.max_score)
    return scores


def set_auto_score(course_root, assignment, student, cell, score):
    """Overwrite the automatic score of one test cell (used when the independent check overrules nbgrader)."""
    with warnings.catch_warnings(), Gradebook(gradebook_url(course_root)) as gradebook:
        warnings.simplefilter("ignore", SAWarning)
        submission = gradebook.find_submission(assignment, student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                if grade.name == cell:
                    grade.auto_score = score
        gradebook.db.commit()
