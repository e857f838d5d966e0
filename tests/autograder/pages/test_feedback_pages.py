"""Feedback pages never show hidden tests or solutions, name each exercise, and carry their own MathJax.

Submissions are graded through the course's grading path (:class:`autograder.grading.grader.Grader`, the
one ``make grade`` and ``make grade-me`` use), and once more with nbgrader's own command line
``nbgrader generate_feedback`` under the course's configuration.
"""
import html

import nbformat
import pytest

from autograder.coursedir.cells import fill_in, graded_cells, reference_solutions
from autograder.coursedir.cli import nbgrader
from autograder.coursedir.paths import source_notebook
from autograder.grading.grader import Grader
from autograder.pages.hide_tests import HideTests, split_regions
from autograder.variants.loader import load
from tests.feedback_text import HIDDEN, leaks, visible_text

pytestmark = pytest.mark.nbgrader

# 01 fails with the course's short boxes; 05's derivation cells print reports, and its hidden tests print too
ASSIGNMENTS = ["01_gradients", "05_trace_det_inverse"]
def submissions(release, assignment):
    """``{student: notebook}``: the untouched release, a wrong variant of every function, and the
    reference solution."""
    wrong = {function: variants[-1].code for function, variants in load(assignment).items()
             if variants and not variants[-1].correct}
    return {
        "blank": release,
        "wrong": fill_in(release, wrong),
        "solution": fill_in(release, reference_solutions(source_notebook(assignment))),
    }


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def graded(request, tmp_path_factory):
    """One assignment's submissions graded: ``(assignment, grader, {student: (submitted, outcome)})``."""
    assignment = request.param
    grader = Grader(tmp_path_factory.mktemp(assignment), verification=False)
    release = grader.workspace.release_notebook(assignment)
    handed_in = tmp_path_factory.mktemp(f"{assignment}-submitted")
    results = {}
    for student, notebook in submissions(release, assignment).items():
        folder = handed_in / student
        folder.mkdir()
        nbformat.write(notebook, folder / grader.workspace.notebook_name(assignment))
        outcome = grader.grade(student, assignment, folder)
        assert outcome.graded, outcome.reason
        results[student] = (notebook, outcome)
    return assignment, grader, results


def test_pages_show_no_hidden_test_or_solution_line(graded):
    assignment, _, results = graded
    for student, (submitted, outcome) in results.items():
        page = open(outcome.feedback, encoding="utf-8").read()
        assert "BEGIN HIDDEN TESTS" not in page and "hidden tests ran here" in page
        assert not leaks(page, assignment, submitted), (student, leaks(page, assignment, submitted))


def test_pages_name_every_exercise_with_its_points(graded):
    assignment, _, results = graded
    for student, (_, outcome) in results.items():
        text = visible_text(open(outcome.feedback, encoding="utf-8").read())
        assert "Test cell" not in text
        for cell, (score, maximum) in outcome.scores.items():
            title = f"{cell.removeprefix('test_')} — test ({score:g} / {maximum:g} points)"
            assert text.count(title) == 2, (student, title)  # in the contents and above the cell


def test_failures_keep_their_sentence(graded):
    _, _, results = graded
    _, outcome = results["wrong"]
    text = visible_text(open(outcome.feedback, encoding="utf-8").read())
    flat = " ".join(text.replace("│", " ").split())
    assert outcome.messages and all(" ".join(message.split())[:40] in flat for message in outcome.messages.values())
    assert "Traceback" not in text


def test_autograded_notebooks_keep_the_hidden_tests(graded):
    assignment, _, results = graded
    source = nbformat.read(source_notebook(assignment), as_version=4)
    blocks = sum(cell.source.count(HIDDEN[0]) for cell in source.cells)
    for _, outcome in results.values():
        autograded = nbformat.read(outcome.autograded, as_version=4)
        assert sum(cell.source.count(HIDDEN[0]) for cell in autograded.cells) == blocks > 0


def test_pages_load_nothing_from_the_network(graded):
    _, _, results = graded
    page = open(results["wrong"][1].feedback, encoding="utf-8").read()
    assert "DecompressionStream" in page
    assert not any(host in page for host in ("cdnjs", "cdn.jsdelivr", "unpkg.com", "mathjax.org/"))


def test_nbgrader_generate_feedback_strips_too(graded):
    """nbgrader's own command (and so the formgrader's button) under the course's nbgrader_config.py."""
    assignment, grader, results = graded
    workspace = grader.workspace
    page_path = workspace.feedback_path(assignment, "wrong")
    page_path.unlink()
    nbgrader("generate_feedback", assignment, "--student", "wrong", "--force", course_root=workspace.root)
    page = page_path.read_text(encoding="utf-8")
    assert "BEGIN HIDDEN TESTS" not in page and "hidden tests ran here" in page
    assert not leaks(page, assignment, results["wrong"][0])
    first = next(iter(graded_cells(workspace.release_notebook(assignment))))
    assert f"{first.removeprefix('test_')} — test (" in page


def test_outputs_never_quote_hidden_code():
    """A traceback through a hidden line becomes its sentence; the course's short box stays; a learner's
    function that prints or displays its caller's code, in any cell, shows nothing of it."""
    hidden, compared = "expect_matches(grad, (X,), lambda X: 2 * X.T)", "assert np.all(error < 1e-8)"
    test = nbformat.v4.new_code_cell(
        f"visible_check()\n### BEGIN HIDDEN TESTS\n{hidden}\n{compared}\n### END HIDDEN TESTS\nscore")
    test.metadata.nbgrader = {"grade": True, "solution": False, "grade_id": "test_grad", "points": 2}
    frames = nbformat.v4.new_output("error", ename="ValueError", evalue="shapes differ", traceback=[
        "Traceback (most recent call last)", f"----> 3 {hidden}", "ValueError: shapes differ"])
    box = nbformat.v4.new_output("error", ename="AnswerError", evalue="grad: wrong",
                                 traceback=["✗ Not right yet", "│ grad: wrong"])
    printed = nbformat.v4.new_output("stream", name="stdout", text=f"caller:\n    {hidden}\nend\n")
    shown = nbformat.v4.new_output("display_data", data={"text/html": f"<pre>\n{html.escape(compared)}\n</pre>"})
    test.outputs = [frames, box, printed]
    answer = nbformat.v4.new_code_cell("def grad(X): ...", outputs=[nbformat.from_dict(printed), shown])
    answer.metadata.nbgrader = {"grade": False, "solution": True, "grade_id": "grad"}
    nb, _ = HideTests().preprocess(nbformat.v4.new_notebook(cells=[answer, test]), {})
    assert nb.cells[1].source == f"visible_check()\n{HideTests().placeholder}\nscore"
    assert nb.cells[1].outputs[0].traceback == ["\x1b[0;31mValueError\x1b[0m: shapes differ"]
    assert nb.cells[1].outputs[1].traceback == ["✗ Not right yet", "│ grad: wrong"]
    assert nb.cells[1].outputs[2].text == nb.cells[0].outputs[0].text == "caller:\nend\n"
    assert nb.cells[0].outputs[1].data["text/html"] == "<pre>\n</pre>"


def test_a_region_never_closed_is_cut_to_the_end():
    kept, removed = split_regions("a = 1\n### BEGIN HIDDEN TESTS\nsecret()\n", [HIDDEN])
    assert kept == ["a = 1"] and removed == ["### BEGIN HIDDEN TESTS", "secret()"]

