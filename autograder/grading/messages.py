"""What each test cell of an autograded notebook told the student, in one sentence."""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from autograder.coursedir.cells import grade_id, is_graded

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def cell_message(cell: NotebookNode) -> str | None:
    """The first thing a learner should read about a test cell's outcome: its error, or what it printed."""
    printed = []
    for output in cell.get("outputs", []):
        if output.output_type == "error":
            return _error_sentence(output)
        if output.output_type == "stream" and output.name == "stderr":
            return "the cell wrote to stderr, which nbgrader counts as a failure: " + output.text.strip()[:200]
        if output.output_type == "stream":
            printed.append(ANSI.sub("", output.text))
    # a cell that gives partial credit prints its report instead of raising
    return " ".join(" ".join(printed).split())[:600] or None


def _error_sentence(output):
    name, value = output.get("ename", ""), ANSI.sub("", output.get("evalue", "")).strip()
    if name == "AnswerError":
        return value
    if name in ("CellTimeoutError", "KeyboardInterrupt"):
        return "the cell ran past the time limit (an endless loop, or very slow code?)"
    if name == "DeadKernelError":
        return "the notebook's kernel died (a crash, or too much memory)"
    if name == "NameError":
        return f"{value}: run the cell that defines it, and check its name matches the exercise"
    return f"{name}: {value}" if value else name


def test_cell_messages(path: str | Path) -> dict[str, str | None]:
    """``{test cell grade id: message or None}`` for an autograded notebook at ``path``."""
    notebook = nbformat.read(path, as_version=4)
    return {
        grade_id(cell): cell_message(cell)
        for cell in notebook.cells
        if is_graded(cell)
    }
