"""Submissions the tests grade to look at what a learner gets back."""
import nbformat

from autograder.coursedir.cells import fill_in, reference_solutions
from autograder.coursedir.paths import release_notebook, source_notebook
from autograder.grading.grader import Grader

ASSIGNMENT = "01_gradients"


def graded_symmetric_only_mistake(folder, **grader_options):
    """01 solved but for ``grad_quadratic``, answered ``2 * A @ x`` (right only for symmetric A),
    graded in ``folder``; returns the :class:`autograder.grading.outcome.Outcome`."""
    answers = reference_solutions(source_notebook(ASSIGNMENT))
    answers["grad_quadratic"] = "return 2 * A @ x"
    submission = folder / "submitted" / ASSIGNMENT
    submission.mkdir(parents=True)
    release = nbformat.read(release_notebook(ASSIGNMENT), as_version=4)
    nbformat.write(fill_in(release, answers), submission / release_notebook(ASSIGNMENT).name)
    outcome = Grader(folder / "grader", **grader_options).grade("learner", ASSIGNMENT, submission)
    assert outcome.graded, outcome.reason
    return outcome
