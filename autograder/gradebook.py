"""Read scores out of an nbgrader gradebook."""
from nbgrader.api import Gradebook, MissingEntry

from autograder.nbgrader_cli import gradebook_url


def cell_scores(course_root, assignment, student):
    """``{test cell grade id: (score, max score)}`` of one student's autograded assignment.

    Empty when the student has no graded submission of that assignment.
    """
    scores = {}
    with Gradebook(gradebook_url(course_root)) as gradebook:
        try:
            submission = gradebook.find_submission(assignment, student)
        except MissingEntry:
            return scores
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                scores[grade.name] = (grade.score, grade.max_score)
    return scores
