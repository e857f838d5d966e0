"""Turn whatever a student handed in into a notebook nbgrader can grade, and say what was repaired.

nbgrader stops on duplicated cells, stripped metadata or a missing solution cell, and gives
zero to a notebook whose cells were put out of order. Each repair here is named in a note that
the summary and the feedback show; a file that cannot be read as a notebook is rejected with a
reason. The student's file itself is only read, never written.
"""
import copy
import json
import warnings
from dataclasses import dataclass, field

import nbformat

from autograder.coursedir.cells import grade_id


class Unreadable(Exception):
    """The submission is not a notebook at all; the message says why, for the student."""


@dataclass
class Repaired:
    """A gradable notebook and the notes that say what had to be repaired."""

    notebook: nbformat.NotebookNode
    notes: list = field(default_factory=list)


def read_submission(path):
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


def repair(notebook, release):
    """Make ``notebook`` gradable against its ``release`` version; returns :class:`Repaired`."""
    notebook = copy.deepcopy(notebook)
    notes = []
    by_id = {cell.get("id"): cell for cell in release.cells if grade_id(cell)}
    by_grade_id = {grade_id(cell): cell for cell in release.cells if grade_id(cell)}
    _restore_metadata(notebook, by_id, notes)
    _drop_duplicates(notebook, notes)
    _restore_missing_solutions(notebook, release, by_grade_id, notes)
    _restore_order(notebook, release, notes)
    for cell in notebook.cells:
        if grade_id(cell) in by_grade_id and cell.cell_type != by_grade_id[grade_id(cell)].cell_type:
            cell.cell_type = by_grade_id[grade_id(cell)].cell_type
            notes.append(f"the cell {grade_id(cell)} had been changed to another cell type; it was changed back")
            _fix_fields(cell)
    return Repaired(notebook, notes)


def _fix_fields(cell):
    """Give a cell exactly the fields its type needs (after its type was changed back)."""
    if cell.cell_type == "code":
        cell.setdefault("outputs", [])
        cell.setdefault("execution_count", None)
    else:
        cell.pop("outputs", None)
        cell.pop("execution_count", None)


def _restore_metadata(notebook, by_id, notes):
    restored = []
    for cell in notebook.cells:
        original = by_id.get(cell.get("id"))
        if original is not None and grade_id(cell) != grade_id(original):
            cell.metadata["nbgrader"] = copy.deepcopy(original.metadata["nbgrader"])
            restored.append(grade_id(original))
    if restored:
        notes.append(f"the grading information of {len(restored)} cell(s) ({', '.join(restored[:4])}"
                     f"{', …' if len(restored) > 4 else ''}) had been removed; it was restored")


def _drop_duplicates(notebook, notes):
    """Keep one cell per grade id: the last copy of a solution (the latest work), the first of others."""
    positions = {}
    for index, cell in enumerate(notebook.cells):
        if grade_id(cell):
            positions.setdefault(grade_id(cell), []).append(index)
    for name, places in positions.items():
        if len(places) < 2:
            continue
        keep = places[-1] if notebook.cells[places[-1]].metadata["nbgrader"].get("solution") else places[0]
        for index in places:
            if index != keep:
                del notebook.cells[index].metadata["nbgrader"]
                notebook.cells[index]["id"] = f"{name}-copy-{index}"
        notes.append(f"the cell {name} appeared {len(places)} times; the copies were graded as ordinary cells")


def _restore_missing_solutions(notebook, release, by_grade_id, notes):
    present = {grade_id(cell) for cell in notebook.cells}
    for name, cell in by_grade_id.items():
        if name not in present and cell.metadata["nbgrader"].get("solution"):
            notebook.cells.append(copy.deepcopy(cell))
            notes.append(f"the answer cell {name} had been deleted; it was put back blank")


def _restore_order(notebook, release, notes):
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
    if [g[0] for g in ordered] != [g[0] for g in groups]:
        notes.append("graded cells were out of order; they were put back in the order of the assignment")
    notebook.cells = [cell for _, cells in ordered for cell in cells]
