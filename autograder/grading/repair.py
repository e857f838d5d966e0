"""Turn whatever a student handed in into a notebook nbgrader can grade, and say what was repaired.

nbgrader stops on duplicated cells, stripped metadata or a missing solution cell, and gives
zero to a notebook whose cells were put out of order. Each repair is one step of :data:`STEPS`, run in
order like nbgrader's preprocessors, and names what it repaired in a note that the summary and the
feedback show; a file that cannot be read as a notebook is rejected with a reason. The student's
file itself is only read, never written.
"""
from __future__ import annotations

import copy
import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from autograder.coursedir.cells import grade_id, has_solution_flag


class Unreadable(Exception):
    """The submission is not a notebook at all; the message says why, for the student."""


@dataclass
class Repaired:
    """A gradable notebook and the notes that say what had to be repaired."""

    notebook: NotebookNode
    notes: list[str] = field(default_factory=list)


def read_submission(path: Path) -> NotebookNode:
    """Read a submitted file as a notebook, or raise :class:`Unreadable` with a readable reason."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise Unreadable(f"the file could not be read ({error.strerror})") from None
    if not raw.strip():
        raise Unreadable("the file is empty")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise Unreadable("the file is not text (is it a notebook at all?)") from None
    except json.JSONDecodeError as error:
        raise Unreadable(f"the file is not valid JSON (line {error.lineno}, column {error.colno}): "
                         "it may have been cut off or edited outside Jupyter") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise Unreadable("the file is JSON but not a Jupyter notebook (it has no list of cells)")
    try:
        with warnings.catch_warnings():  # nbformat warns about (and fixes) duplicated cell ids
            warnings.simplefilter("ignore")
            notebook = nbformat.reads(json.dumps(data), as_version=4)
    except Exception as error:  # nbformat raises several kinds for malformed notebooks
        raise Unreadable(f"the notebook is malformed ({type(error).__name__})") from None
    return notebook


def restore_metadata(notebook: NotebookNode, release: NotebookNode) -> list[str]:
    """Give back the grading information of cells whose nbgrader metadata was stripped or changed
    (matched to the release by cell id)."""
    by_id = {cell.get("id"): cell for cell in release.cells if grade_id(cell)}
    restored = []
    for cell in notebook.cells:
        original = by_id.get(cell.get("id"))
        if original is not None and grade_id(cell) != grade_id(original):
            cell.metadata["nbgrader"] = copy.deepcopy(original.metadata["nbgrader"])
            restored.append(grade_id(original))
    if not restored:
        return []
    return [f"the grading information of {len(restored)} cell(s) ({', '.join(restored[:4])}"
            f"{', …' if len(restored) > 4 else ''}) had been removed; it was restored"]


def drop_duplicates(notebook: NotebookNode, release: NotebookNode) -> list[str]:
    """Keep one cell per grade id: the last copy of a solution (the latest work), the first of others;
    the copies become ordinary cells."""
    positions = {}
    for index, cell in enumerate(notebook.cells):
        if grade_id(cell):
            positions.setdefault(grade_id(cell), []).append(index)
    notes = []
    for name, places in positions.items():
        if len(places) < 2:
            continue
        keep = places[-1] if has_solution_flag(notebook.cells[places[-1]]) else places[0]
        for index in places:
            if index != keep:
                del notebook.cells[index].metadata["nbgrader"]
                notebook.cells[index]["id"] = f"{name}-copy-{index}"
        notes.append(f"the cell {name} appeared {len(places)} times; the copies were graded as ordinary cells")
    return notes


def restore_missing_solutions(notebook: NotebookNode, release: NotebookNode) -> list[str]:
    """Put back, blank (as released) and at the end, every answer cell the learner deleted."""
    present = {grade_id(cell) for cell in notebook.cells}
    notes = []
    for cell in release.cells:
        name = grade_id(cell)
        if name and name not in present and has_solution_flag(cell):
            notebook.cells.append(copy.deepcopy(cell))
            notes.append(f"the answer cell {name} had been deleted; it was put back blank")
    return notes


def restore_order(notebook: NotebookNode, release: NotebookNode) -> list[str]:
    """Put graded cells back in the release order, each followed by the student's own cells after it."""
    rank = {grade_id(cell): index for index, cell in enumerate(release.cells) if grade_id(cell)}
    groups, current = [], (-1, [])
    for cell in notebook.cells:
        if grade_id(cell) in rank:
            groups.append(current)
            current = (rank[grade_id(cell)], [cell])
        else:
            current[1].append(cell)
    groups.append(current)
    ordered = sorted(groups, key=lambda group: group[0])
    notebook.cells = [cell for _, cells in ordered for cell in cells]
    if [g[0] for g in ordered] == [g[0] for g in groups]:
        return []
    return ["graded cells were out of order; they were put back in the order of the assignment"]


def restore_cell_types(notebook: NotebookNode, release: NotebookNode) -> list[str]:
    """Change every graded cell whose type the learner changed (code to markdown, say) back to its released type."""
    released = {grade_id(cell): cell.cell_type for cell in release.cells if grade_id(cell)}
    notes = []
    for cell in notebook.cells:
        name = grade_id(cell)
        if name in released and cell.cell_type != released[name]:
            cell.cell_type = released[name]
            _fix_fields(cell)
            notes.append(f"the cell {name} had been changed to another cell type; it was changed back")
    return notes


def _fix_fields(cell: NotebookNode) -> None:
    """Give a cell exactly the fields its type needs (after its type was changed back)."""
    if cell.cell_type == "code":
        cell.setdefault("outputs", [])
        cell.setdefault("execution_count", None)
    else:
        cell.pop("outputs", None)
        cell.pop("execution_count", None)


# The repairs, in the order they run. Each takes the submitted notebook (a copy, repaired in place) and
# its release version, and returns the notes that say what it repaired (none when there was nothing to do).
# Metadata first (the later steps find cells by grade id), duplicates before anything counts or orders them.
STEPS: tuple[Callable[[NotebookNode, NotebookNode], list[str]], ...] = (
    restore_metadata,
    drop_duplicates,
    restore_missing_solutions,
    restore_order,
    restore_cell_types,
)


def repair(notebook: NotebookNode, release: NotebookNode) -> Repaired:
    """A copy of ``notebook`` made gradable against its ``release`` version by every step of :data:`STEPS`."""
    notebook = copy.deepcopy(notebook)
    notes = []
    for step in STEPS:
        notes += step(notebook, release)
    return Repaired(notebook, notes)
