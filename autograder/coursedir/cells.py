"""Read and write the code of graded functions: the solution regions of source notebooks and
the stubs of release notebooks. Every look-up of a cell's nbgrader metadata is written here, once,
with nbgrader's own helpers (``nbgrader.utils``) where it has one."""
from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbgrader import utils as nbgrader_utils

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
STUB_LAST_LINE = "raise NotImplementedError()"
TEST_PREFIX = "test_"  # the test cell of graded function f has the grade id test_f, in every notebook


def testing_cell(function: str) -> str:
    """The grade id of the test cell that checks ``function`` (``grad_linear`` -> ``test_grad_linear``)."""
    return TEST_PREFIX + function


def function_of(cell: str) -> str:
    """The graded function a test cell checks (``test_grad_linear`` -> ``grad_linear``)."""
    return cell.removeprefix(TEST_PREFIX)


def _nbgrader(cell: NotebookNode) -> dict:
    return cell.metadata.get("nbgrader", {})


def grade_id(cell: NotebookNode) -> str | None:
    """The nbgrader grade id of a cell, or None (nbgrader.utils has no helper for it)."""
    return _nbgrader(cell).get("grade_id")


def has_solution_flag(cell: NotebookNode) -> bool:
    """A cell of any type marked as a solution (nbgrader's ``solution`` flag), e.g. a learner's answer turned into markdown."""
    return bool(nbgrader_utils.is_solution(cell))


def is_solution(cell: NotebookNode) -> bool:
    """A code cell the learner answers in (nbgrader's ``solution`` flag)."""
    return cell.cell_type == "code" and has_solution_flag(cell)


def is_graded(cell: NotebookNode) -> bool:
    """A code cell that earns points (nbgrader's ``grade`` flag): every test cell is one."""
    return cell.cell_type == "code" and bool(nbgrader_utils.is_grade(cell))


def is_test_cell(cell: NotebookNode) -> bool:
    """An autograded test cell: graded, and not the learner's answer."""
    return is_graded(cell) and not is_solution(cell)


def solution_cells(nb: NotebookNode) -> dict[str, NotebookNode]:
    """The solution cells of a notebook, by grade id."""
    return {grade_id(cell): cell for cell in nb.cells if is_solution(cell)}


def graded_cells(nb: NotebookNode) -> dict[str, float]:
    """The autograded test cells of a notebook, by grade id, with their points."""
    return {grade_id(cell): _nbgrader(cell).get("points", 0) for cell in nb.cells if is_graded(cell)}


def solution_code(cell_source: str) -> str:
    """The dedented code between the solution markers of a source cell."""
    lines = cell_source.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == BEGIN)
    stop = next(i for i, line in enumerate(lines) if line.strip() == END)
    return textwrap.dedent("\n".join(lines[start + 1 : stop]))


def reference_solutions(source_path: str | Path) -> dict[str, str]:
    """``{function name: solution code}`` from a source notebook."""
    nb = nbformat.read(source_path, as_version=4)
    return {name: solution_code(cell.source) for name, cell in solution_cells(nb).items()}


def replace_stub(cell_source: str, code: str) -> str:
    """A release cell's source with its ``raise NotImplementedError()`` stub replaced by ``code``.

    The stub's comment line (``# YOUR CODE HERE``) goes too; ``code`` is indented like the stub.
    """
    lines = cell_source.splitlines()
    last = next(i for i, line in enumerate(lines) if line.strip() == STUB_LAST_LINE)
    first = last - 1 if last > 0 and lines[last - 1].strip() == "# YOUR CODE HERE" else last
    indent = lines[last][: len(lines[last]) - len(lines[last].lstrip())]
    return "\n".join(lines[:first] + [textwrap.indent(code.strip("\n"), indent)] + lines[last + 1 :])


def fill_in(release_nb: NotebookNode, codes: Mapping[str, str | None]) -> NotebookNode:
    """A copy of a release notebook with the stubs of ``codes`` (``{function: code}``) filled in."""
    nb = nbformat.from_dict(release_nb)
    cells = solution_cells(nb)
    for name, code in codes.items():
        if code is not None:
            cells[name].source = replace_stub(cells[name].source, code)
    return nb
