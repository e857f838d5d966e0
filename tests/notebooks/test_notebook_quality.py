"""Quality gates on every notebook, source and release: stored clean, the notation block and an
estimated time at the top, links that lead somewhere, and the course's terms spelled one way.

That no notebook writes to stderr or raises when run is checked by
tests/notebooks/test_assignments.py::test_solution_notebook_runs_clean (and, in JupyterLab, by
tests/notebooks/test_browser.py).
"""
import re
import runpy

import nbformat
import pytest

from autograder.coursedir.paths import ROOT, assignments, release_notebook, source_notebook

NOTEBOOKS = [source_notebook(a) for a in assignments()] + [release_notebook(a) for a in assignments()]
IDS = [str(path.relative_to(ROOT)) for path in NOTEBOOKS]

# The notation block's key sentences, as they read once math markup is stripped.
NOTATION = (
    "Notation used in this course.",
    "Vectors are columns",
    "Jacobian is in numerator layout",
    "shape (m, n)",
    "F(x).shape + x.shape",
    "same shape as the variable",
    "for a column vector it is denominator layout",
    "Every identity says which of the two it is.",
)

# Misspellings and variants of the course's terms; the right spelling follows each.
BANNED = {
    r"\bJacobean": "Jacobian",
    r"\bnominator layout": "numerator layout",
    r"\b(numerator|denominator) lay[- ]out\b": "numerator layout / denominator layout",
    r"\bHessean": "Hessian",
    r"\bgradiant": "gradient",
    r"\bderivitive": "derivative",
    r"\bback-?propogation": "backpropagation",
    r"\bmatrix cook-?book\b|\bMatrix Cook-?Book\b": "The Matrix Cookbook",
    r"\bco-factor": "cofactor",
}


def markdown(path):
    """The text of the notebook's markdown cells."""
    nb = nbformat.read(path, as_version=4)
    return [cell.source for cell in nb.cells if cell.cell_type == "markdown"]


def plain(text):
    """Markdown with math and code markup removed and whitespace collapsed, for matching sentences."""
    text = re.sub(r"\\(mathbb|mathrm|operatorname)\{(\w+)\}", r"\2", text)
    text = text.replace("\\partial ", "∂").replace("\\to", "→").replace("\\in", "∈")
    text = re.sub(r"[$`*_>]", "", text)
    return " ".join(text.split())


def test_source_notebooks_are_stored_clean(capsys):
    """`make normalize`'s own check, run in this process (a second interpreter would cost more than the check)."""
    check = runpy.run_path(str(ROOT / "tools" / "normalize_notebooks.py"))["main"]
    status = check(["--check", *(str(source_notebook(a)) for a in assignments())])
    assert status == 0, f"run `make normalize`:\n{capsys.readouterr().out}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notation_block_and_estimated_time_at_the_top(path):
    cells = markdown(path)
    top = plain("\n".join(cells[:3]))
    missing = [sentence for sentence in NOTATION if sentence not in top]
    assert not missing, f"{path.name}: the notation block (in its first cells) lacks {missing}"
    assert re.search(r"Estimated time:\s*\d+ minutes", plain("\n".join(cells[:5]))), \
        f"{path.name}: no 'Estimated time: N minutes' near the top"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_links_lead_somewhere(path):
    for text in markdown(path):
        for target in re.findall(r"\]\(\s*<?([^)\s>]+)", text) + re.findall(r"<(https?://[^>\s]+)>", text):
            if re.match(r"[a-z]+:", target):
                assert re.match(r"https?://[\w-]+(\.[\w-]+)+(:\d+)?(/[^\s]*)?$", target), f"{path.name}: bad URL {target}"
            elif not target.startswith("#"):
                file = (path.parent / target.split("#")[0]).resolve()
                assert file.exists(), f"{path.name}: link to {target}, which does not exist"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_terms_are_spelled_one_way(path):
    nb = nbformat.read(path, as_version=4)
    text = "\n".join(cell.source for cell in nb.cells)
    found = {match.group(0): right for pattern, right in BANNED.items() for match in re.finditer(pattern, text)}
    assert not found, f"{path.name}: write " + "; ".join(f"'{right}', not '{wrong}'" for wrong, right in found.items())
