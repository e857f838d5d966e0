"""Every assignment, through the real nbgrader: the solution runs clean and earns full marks,
the release notebook earns zero with "not implemented" feedback, and release/ is in sync."""
import os
import re
import subprocess

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.coursedir.cells import fill_in, graded_cells, reference_solutions
from autograder.coursedir.paths import ROOT, assignments, release_notebook, source_notebook
from autograder.coursedir.workspace import Workspace
from autograder.release import generate_into

pytestmark = pytest.mark.nbgrader

ASSIGNMENTS = assignments()


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def graded(request, tmp_path_factory):
    """One assignment graded for two students: the reference solution and the untouched release."""
    assignment = request.param
    workspace = Workspace(tmp_path_factory.mktemp(assignment), [assignment])
    release = workspace.release_notebook(assignment)
    workspace.submit("solution", assignment, fill_in(release, reference_solutions(source_notebook(assignment))))
    workspace.submit("blank", assignment, release)
    for student in ("solution", "blank"):
        result = workspace.autograde(assignment, student)
        assert result["success"], result.get("error")
        workspace.feedback(assignment, student)
    return workspace, assignment


def test_solution_earns_full_marks(graded):
    workspace, assignment = graded
    scores = workspace.scores(assignment, "solution")
    expected = graded_cells(nbformat.read(source_notebook(assignment), as_version=4))
    assert scores and set(scores) == set(expected)
    lost = {cell: score for cell, (score, maximum) in scores.items() if score != maximum}
    assert not lost, f"the reference solution loses points in {lost}"


def test_blank_release_earns_zero_with_hints(graded):
    workspace, assignment = graded
    scores = workspace.scores(assignment, "blank")
    assert scores and all(score == 0 for score, _ in scores.values()), scores
    feedback = workspace.feedback_html(assignment, "blank")
    assert feedback.count("not implemented yet") >= len(scores)


def test_a_workspace_quiets_its_kernels_and_leaves_this_process_alone(tmp_path, monkeypatch):
    """Kernels run without Python warnings (nbgrader counts one in a test cell as a failure) and with a
    non-interactive plot backend; the process that made the workspace keeps its environment (only this
    Python's scripts go first on PATH, for the alembic nbgrader starts itself)."""
    monkeypatch.delenv("PYTHONWARNINGS", raising=False)
    monkeypatch.setenv("PATH", os.environ["PATH"])  # put back after the test
    before = {key: value for key, value in os.environ.items() if key != "PATH"}
    assignment = ASSIGNMENTS[0]
    workspace = Workspace(tmp_path, [assignment])
    assert {key: value for key, value in os.environ.items() if key != "PATH"} == before
    notebook = fill_in(workspace.release_notebook(assignment), reference_solutions(source_notebook(assignment)))
    notebook.cells.insert(0, nbformat.v4.new_code_cell(
        "import os; print(os.environ.get('PYTHONWARNINGS'), os.environ.get('MPLBACKEND'))"))
    workspace.submit("quiet", assignment, notebook)
    assert workspace.autograde(assignment, "quiet")["success"]
    executed = nbformat.read(workspace.autograded_path(assignment, "quiet"), as_version=4)
    assert executed.cells[0].outputs[0].text.split() == ["ignore", "agg"]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_notebook_runs_clean(assignment):
    """The source notebook, solutions included, runs top to bottom with no error and nothing on stderr."""
    nb = nbformat.read(source_notebook(assignment), as_version=4)
    NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    problems = [
        (index, output.get("ename") or output.get("text", "")[:200])
        for index, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error" or (output.output_type == "stream" and output.name == "stderr")
    ]
    assert not problems, problems


def committed_text(path):
    """The committed version of a file (the working copy may hold a learner's edits)."""
    relative = path.relative_to(ROOT).as_posix()
    process = subprocess.run(["git", "show", f"HEAD:{relative}"], cwd=ROOT, capture_output=True, text=True)
    return process.stdout if process.returncode == 0 else path.read_text(encoding="utf-8")


def test_release_is_in_sync(tmp_path):
    generate_into(tmp_path, ASSIGNMENTS)
    stale = [
        a for a in ASSIGNMENTS
        if committed_text(release_notebook(a)) != release_notebook(a, tmp_path).read_text(encoding="utf-8")
    ]
    assert not stale, f"release/ is out of date for {stale}: run `make release` and commit"


SOLUTION_BLOCK = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
SHORTEST_TELLING_LINE = 12  # shorter lines (`return x`, `s = 0`) say nothing about the answer


def solution_lines(nb):
    """Every line of a solution region long enough to give an answer away, comments left out."""
    return {
        line.strip()
        for cell in nb.cells
        for block in SOLUTION_BLOCK.findall(cell.source)
        for line in block.splitlines()
        if len(line.strip()) >= SHORTEST_TELLING_LINE and not line.strip().startswith("#")
    }


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_holds_no_solution_line_or_hidden_test(assignment):
    """No exercise is answered before it is asked: no line of any solution stands anywhere in the
    release notebook (lesson code and markdown included)."""
    text = release_notebook(assignment).read_text(encoding="utf-8")
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text
    release = "\n".join(cell.source for cell in nbformat.read(release_notebook(assignment), as_version=4).cells)
    source = nbformat.read(source_notebook(assignment), as_version=4)
    leaked = sorted(line for line in solution_lines(source) if line in release)
    assert not leaked, f"solution lines a learner can already read in release/{assignment}: {leaked}"
