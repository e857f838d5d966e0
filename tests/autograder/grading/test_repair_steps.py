"""Each repair step on its own (autograder.grading.repair): a released notebook damaged the way a learner
damages one goes in, the repaired notebook and the step's note come out. No nbgrader run, no kernel."""
import copy

import nbformat
import pytest

from autograder.coursedir.cells import grade_id
from autograder.coursedir.paths import release_notebook
from autograder.grading.repair import (
    STEPS,
    drop_duplicates,
    repair,
    restore_cell_types,
    restore_metadata,
    restore_missing_solutions,
    restore_order,
)

RELEASE = nbformat.read(release_notebook("01_gradients"), as_version=4)


@pytest.fixture
def submitted():
    """A fresh copy of the release notebook, for a test to damage."""
    return copy.deepcopy(RELEASE)


def index_of(notebook, name):
    (index,) = [i for i, cell in enumerate(notebook.cells) if grade_id(cell) == name]
    return index


def graded_order(notebook):
    return [grade_id(cell) for cell in notebook.cells if grade_id(cell)]


@pytest.mark.parametrize("step", STEPS)
def test_an_intact_notebook_passes_every_step_untouched(step, submitted):
    assert step(submitted, RELEASE) == []
    assert submitted == RELEASE


def test_stripped_grading_information_is_restored(submitted):
    for name in ("test_grad_linear", "grad_quadratic"):
        submitted.cells[index_of(submitted, name)].metadata.pop("nbgrader")
    assert restore_metadata(submitted, RELEASE) == [
        "the grading information of 2 cell(s) (test_grad_linear, grad_quadratic) had been removed; it was restored"]
    assert submitted == RELEASE


def test_a_duplicated_test_cell_keeps_its_first_copy(submitted):
    test = index_of(submitted, "test_grad_linear")
    submitted.cells.insert(test + 1, copy.deepcopy(submitted.cells[test]))
    submitted.cells[test + 1].source = "print('all good')"
    assert drop_duplicates(submitted, RELEASE) == [
        "the cell test_grad_linear appeared 2 times; the copies were graded as ordinary cells"]
    assert submitted.cells[index_of(submitted, "test_grad_linear")].source == RELEASE.cells[test].source
    copied = submitted.cells[test + 1]
    assert "nbgrader" not in copied.metadata and copied.id == f"test_grad_linear-copy-{test + 1}"
    assert graded_order(submitted) == graded_order(RELEASE)


def test_a_duplicated_answer_cell_keeps_its_last_copy(submitted):
    answer = index_of(submitted, "grad_linear")
    submitted.cells.insert(answer + 1, copy.deepcopy(submitted.cells[answer]))
    submitted.cells[answer].source, submitted.cells[answer + 1].source = "# first try", "# latest work"
    assert drop_duplicates(submitted, RELEASE) == [
        "the cell grad_linear appeared 2 times; the copies were graded as ordinary cells"]
    assert submitted.cells[index_of(submitted, "grad_linear")].source == "# latest work"
    assert "nbgrader" not in submitted.cells[answer].metadata


def test_a_deleted_answer_cell_comes_back_blank(submitted):
    del submitted.cells[index_of(submitted, "grad_quadratic")]
    assert restore_missing_solutions(submitted, RELEASE) == [
        "the answer cell grad_quadratic had been deleted; it was put back blank"]
    assert submitted.cells[-1] == RELEASE.cells[index_of(RELEASE, "grad_quadratic")]


def test_a_deleted_test_cell_is_not_put_back(submitted):
    """nbgrader grades a missing test cell from its gradebook copy; only answer cells come back."""
    del submitted.cells[index_of(submitted, "test_grad_quadratic")]
    assert restore_missing_solutions(submitted, RELEASE) == []
    assert "test_grad_quadratic" not in graded_order(submitted)


def test_cells_out_of_order_go_back_with_the_learners_own_cells(submitted):
    """The first exercise's answer and a cell the learner wrote under it, moved to the end of the notebook."""
    own = nbformat.v4.new_code_cell("scratch = 1")
    answer = index_of(submitted, "grad_linear")
    submitted.cells.append(submitted.cells.pop(answer))
    submitted.cells.append(own)
    assert restore_order(submitted, RELEASE) == [
        "graded cells were out of order; they were put back in the order of the assignment"]
    assert graded_order(submitted) == graded_order(RELEASE)
    assert submitted.cells[index_of(submitted, "grad_linear") + 1] is own


def test_an_answer_cell_turned_markdown_is_code_again(submitted):
    answer = index_of(submitted, "grad_quadratic")
    cell = submitted.cells[answer]
    submitted.cells[answer] = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata, id=cell.id)
    assert restore_cell_types(submitted, RELEASE) == [
        "the cell grad_quadratic had been changed to another cell type; it was changed back"]
    assert submitted.cells[answer] == RELEASE.cells[answer]
    nbformat.validate(submitted)


def test_repair_runs_every_step_on_a_copy(submitted):
    """Several defects at once: each step's note, in the order of STEPS; the handed-in notebook is not changed."""
    del submitted.cells[index_of(submitted, "grad_quadratic")]
    submitted.cells.reverse()
    handed_in = copy.deepcopy(submitted)
    repaired = repair(submitted, RELEASE)
    assert repaired.notes == ["the answer cell grad_quadratic had been deleted; it was put back blank",
                              "graded cells were out of order; they were put back in the order of the assignment"]
    assert graded_order(repaired.notebook) == graded_order(RELEASE)
    assert submitted == handed_in
