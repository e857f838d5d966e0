"""03_layouts, checked: the audited table, what the lesson states, the article's words, the test cells.

- Every line of the quick-reference table: the true derivative by finite differences, in numerator
  layout and in denominator layout (its transpose), on random non-square, non-symmetric inputs,
  gives the label ("numerator", "denominator", "both" or "wrong") the reference solution gives.
- Every formula the lesson states (conversions, the differential example, gradients for another
  inner product and for a symmetric variable, The Matrix Cookbook's symmetric rule) holds or fails
  as the notebook says.
- Every passage quoted from the reference article is quoted verbatim.
- The test cells: hidden tests never fail the reference solution on fresh draws, and the audit
  gives a share of its points per line, naming every wrong line.
"""
import ast
import contextlib
import io
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder.coursedir.cells import fill_in, reference_solutions
from autograder.coursedir.paths import source_notebook
from autograder.grading.grader import Grader
from course import directional_derivative, numerical_gradient, numerical_jacobian, relative_error

NOTEBOOK = nbformat.read(source_notebook("03_layouts"), as_version=4)


def cell_source(grade_id):
    (source,) = [c.source for c in NOTEBOOK.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    return source


def reference_labels():
    """The labels returned by the notebook's reference solution of ``audit_quick_reference``."""
    namespace = {}
    exec(cell_source("audit_quick_reference"), namespace)
    return namespace["audit_quick_reference"]()


def table_names():
    """The names in the first column of the notebook's quick-reference table."""
    (table,) = [c.source for c in NOTEBOOK.cells if c.cell_type == "markdown" and "| name | identity |" in c.source]
    return re.findall(r'^\| `"(\w+)"` \|', table, flags=re.M)


def same(a, b):
    """True when both are arrays of one shape and equal up to finite-difference error."""
    return a is not None and np.shape(a) == np.shape(b) and relative_error(a, b) < 1e-6


def row_jacobian(f, x):
    """Numerator layout of a scalar f by a vector x: the (1, n) row."""
    return numerical_jacobian(lambda v: np.array([f(v)]), x)


def column(v):
    return np.asarray(v)[:, np.newaxis]


# Each case returns {layout: (formula evaluated as that layout reads it, true derivative in that layout)}.
# The formula is None where it is not even defined (mismatched shapes).
def vector_by_vector(formula, truth_numerator):
    return {"numerator": (formula, truth_numerator), "denominator": (formula, truth_numerator.T)}


def case_Ax(rng):
    A, x = rng.standard_normal((3, 5)), rng.standard_normal(5)
    return vector_by_vector(A, numerical_jacobian(lambda v: A @ v, x))


def case_bTAx(rng):
    A, b, x = rng.standard_normal((3, 5)), rng.standard_normal(3), rng.standard_normal(5)
    return vector_by_vector((b @ A)[np.newaxis, :], row_jacobian(lambda v: b @ A @ v, x))


def case_xTx(rng):
    x = rng.standard_normal(4)
    return vector_by_vector(column(2 * x), row_jacobian(lambda v: v @ v, x))


def case_least_squares(rng):
    A, b, x = rng.standard_normal((3, 5)), rng.standard_normal(3), rng.standard_normal(5)
    truth = row_jacobian(lambda v: np.sum((A @ v - b) ** 2), x)
    try:
        formula = column(2 * A @ (A @ x - b))
    except ValueError:  # A (3, 5) times a vector of 3 entries is not defined
        formula = None
    return vector_by_vector(formula, truth)


def case_elementwise(rng):
    a, x = rng.standard_normal(4), rng.standard_normal(4)
    return vector_by_vector(np.diag(a), numerical_jacobian(lambda v: a * v, x))


def case_scaled_vector(rng):
    a, t = rng.standard_normal(3), rng.standard_normal(1)  # the scalar t as an array of one entry
    return vector_by_vector(a[np.newaxis, :], numerical_jacobian(lambda s: s[0] * a, t))


def matrix_variable(formula, gradient):
    """Numerator layout of a scalar by a matrix is spread along Xᵀ, denominator layout along X."""
    return {"numerator": (formula, gradient.T), "denominator": (formula, gradient)}


def case_trace_AXB(rng):
    A, X, B = rng.standard_normal((2, 3)), rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    return matrix_variable(B @ A, numerical_gradient(lambda Z: np.trace(A @ Z @ B), X))


def case_trace_XTAX(rng):
    A, X = rng.standard_normal((3, 3)), rng.standard_normal((3, 4))
    return matrix_variable(2 * A @ X, numerical_gradient(lambda Z: np.trace(Z.T @ A @ Z), X))


def case_det(rng):
    X = rng.standard_normal((4, 4)) + 4 * np.eye(4)  # not symmetric, safely invertible
    return matrix_variable(np.linalg.det(X) * np.linalg.inv(X).T, numerical_gradient(np.linalg.det, X))


def case_scalar_chain(rng):
    s = rng.standard_normal()
    g, h = lambda s: np.sin(3 * s), lambda s: s**3 + s  # noqa: E731
    z = lambda u, v: u**2 * np.exp(v)  # noqa: E731
    step = 1e-6
    derivative = lambda fn, t: (fn(t + step) - fn(t - step)) / (2 * step)  # noqa: E731
    u, v = g(s), h(s)
    formula = derivative(lambda a: z(a, v), u) * derivative(g, s) + derivative(lambda b: z(u, b), v) * derivative(h, s)
    truth = derivative(lambda t: z(g(t), h(t)), s)
    one_by_one = np.array([[formula]]), np.array([[truth]])
    return {"numerator": one_by_one, "denominator": (one_by_one[0].T, one_by_one[1].T)}


CASES = {name[len("case_"):]: function for name, function in globals().items() if name.startswith("case_")}


def label(results):
    """The audit label from ``{layout: (formula, truth)}``."""
    holds = [layout for layout, (formula, truth) in results.items() if same(formula, truth)]
    return {0: "wrong", 2: "both"}.get(len(holds)) or holds[0]


def test_the_table_the_solution_and_these_checks_name_the_same_identities():
    assert table_names() == list(reference_labels()) == list(CASES)


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_numerical_label_matches_the_notebook(name, seed):
    results = CASES[name](np.random.default_rng(seed))
    assert label(results) == reference_labels()[name], {k: (None if f is None else np.shape(f), t.shape)
                                                       for k, (f, t) in results.items()}


@pytest.mark.parametrize("n, m, k", [(3, 4, 2), (3, 3, 3)])
def test_chain_rule_in_both_layouts(n, m, k):
    """Section 3: (∂f/∂g)(∂g/∂x) in numerator layout, (∂g/∂x)(∂f/∂g) in denominator layout, and not the
    other way round, even when every Jacobian is square."""
    rng = np.random.default_rng(n + m + k)
    B, C, x = rng.standard_normal((m, n)), rng.standard_normal((k, m)), rng.standard_normal(n)
    g = lambda v: np.tanh(B @ v)  # noqa: E731
    f = lambda u: C @ np.sin(u)  # noqa: E731
    J_g, J_f, J = numerical_jacobian(g, x), numerical_jacobian(f, g(x)), numerical_jacobian(lambda v: f(g(v)), x)
    assert same(J_f @ J_g, J) and same(J_g.T @ J_f.T, J.T)
    if n == m == k:
        assert not same(J_g @ J_f, J) and not same(J_f.T @ J_g.T, J.T)


def test_2Ax_holds_for_symmetric_matrices_only():
    """The 'wrong' label of 2Ax is about non-symmetric A: with a symmetric one it is the gradient."""
    rng = np.random.default_rng(5)
    A, x = rng.standard_normal((4, 4)), rng.standard_normal(4)
    S = (A + A.T) / 2
    assert same(column(2 * S @ x), row_jacobian(lambda v: v @ S @ v, x).T)
    assert not same(column(2 * A @ x), row_jacobian(lambda v: v @ A @ v, x).T)


@pytest.mark.parametrize("layout", ["numerator", "denominator"])
def test_reference_solutions_of_the_layout_exercises(layout):
    """The notebook's reference solutions of the layout exercises agree with finite differences."""
    namespace = {"np": np}
    for grade_id in ("d_xTA_dx", "d_xW_dx_row", "to_numerator", "derivative_shape"):
        exec(cell_source(grade_id), namespace)
    rng = np.random.default_rng(11)
    A, x = rng.standard_normal((5, 2)), rng.standard_normal(5)
    J = numerical_jacobian(lambda v: v @ A, x)
    truth = J if layout == "numerator" else J.T
    assert same(namespace["d_xTA_dx"](A, layout), truth)
    assert same(namespace["d_xW_dx_row"](A), J)
    assert same(namespace["to_numerator"](J.T), J)
    assert namespace["derivative_shape"]((2,), (5,), layout) == truth.shape


# ---------------------------------------------------------------- what the lesson states
def test_conversion_transposes_constants_too():
    """Rule 3: ∂(Ax)/∂x is A in numerator layout and Aᵀ in denominator layout; the numerator layout of
    the gradient (A + Aᵀ)x is the row xᵀ(A + Aᵀ)."""
    rng = np.random.default_rng(8)
    A, x = rng.standard_normal((3, 5)), rng.standard_normal(5)
    J = numerical_jacobian(lambda v: A @ v, x)
    assert same(A, J) and same(A.T, J.T) and not same(A, J.T)
    A, x = rng.standard_normal((4, 4)), rng.standard_normal(4)
    row = row_jacobian(lambda v: v @ A @ v, x)
    assert same((x @ (A + A.T))[np.newaxis, :], row) and same(column((A + A.T) @ x), row.T)


def test_differential_worked_example():
    """Section 4: the Jacobian of (aᵀx) b is b aᵀ (3 × 4), and a bᵀ is its denominator layout."""
    rng = np.random.default_rng(9)
    a, b, x = rng.standard_normal(4), rng.standard_normal(3), rng.standard_normal(4)
    J = numerical_jacobian(lambda v: (a @ v) * b, x)
    assert same(np.outer(b, a), J) and same(np.outer(a, b), J.T)


@pytest.mark.parametrize("seed", range(5))
def test_gradient_for_another_inner_product(seed):
    """g_M = M⁻¹∇f pairs with dx through ⟨u, v⟩_M = uᵀMv to give df; ∇f itself does not."""
    rng = np.random.default_rng(seed)
    c, x = rng.standard_normal(5), rng.standard_normal(5)
    f = lambda v: np.sum(c * np.sin(v)) + v[0] * v[4]  # noqa: E731
    L = rng.standard_normal((5, 5))
    M = L @ L.T + 5 * np.eye(5)
    gradient = numerical_gradient(f, x)
    g_M = np.linalg.solve(M, gradient)
    for dx in rng.standard_normal((4, 5)):
        change = directional_derivative(f, x, dx)
        assert relative_error(g_M @ M @ dx, change) < 1e-7
        assert relative_error(gradient @ M @ dx, change) > 1e-3


def symmetric(rng, n):
    S = rng.standard_normal((n, n))
    return S + S.T


@pytest.mark.parametrize("seed", range(5))
def test_gradient_in_the_symmetric_matrices_and_the_cookbook_trap(seed):
    """For symmetric changes dS: df = ⟨(G + Gᵀ)/2, dS⟩, while G + Gᵀ − diag(G) (The Matrix Cookbook,
    2.8.2) misses; its entries are the derivatives when mirror entries move together."""
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal(3), rng.standard_normal(3)
    f = lambda S: a @ S @ b + np.sum(np.sin(S))  # noqa: E731
    S = symmetric(rng, 3)
    G = numerical_gradient(f, S)
    assert not np.allclose(G, G.T)
    cookbook = G + G.T - np.diag(np.diag(G))
    for _ in range(4):
        dS = symmetric(rng, 3)
        change = directional_derivative(f, S, dS)
        assert relative_error(np.sum((G + G.T) / 2 * dS), change) < 1e-7
        assert relative_error(np.sum(cookbook * dS), change) > 1e-3
    for i in range(3):
        for j in range(3):
            both = np.zeros((3, 3))
            both[i, j] = both[j, i] = 1.0  # S_ij and S_ji move together
            assert relative_error(cookbook[i, j], directional_derivative(f, S, both)) < 1e-7


def test_cookbook_symmetric_determinant_is_the_rule_applied():
    """det(X)(2X⁻¹ − X⁻¹∘I) for symmetric X is G + Gᵀ − diag(G) with G = det(X)X⁻ᵀ, and misses df,
    while the symmetric part of G, det(X)X⁻¹, gives it."""
    rng = np.random.default_rng(12)
    X = symmetric(rng, 4) + 8 * np.eye(4)
    inverse, det = np.linalg.inv(X), np.linalg.det(X)
    G = det * inverse.T
    cookbook = det * (2 * inverse - inverse * np.eye(4))
    assert np.allclose(cookbook, G + G.T - np.diag(np.diag(G)))
    dX = symmetric(rng, 4)
    change = directional_derivative(np.linalg.det, X, dX)
    assert relative_error(np.sum((G + G.T) / 2 * dX), change) < 1e-7
    assert relative_error(np.sum(cookbook * dX), change) > 1e-3


# ---------------------------------------------------------------- the article's words, quoted exactly
ARTICLE = Path("/work/shared/reference/000_b20f42fcfc1fce55.txt")


@pytest.mark.skipif(not ARTICLE.exists(), reason="the reference article is not on this machine")
def test_quotes_of_the_article_are_verbatim():
    """Every “curly-quoted” passage of the notebook is the article's own words."""
    article = ARTICLE.read_text(encoding="utf-8")
    text = "\n".join(c.source for c in NOTEBOOK.cells if c.cell_type == "markdown")
    quotes = re.findall(r"“([^”]+)”", text)
    assert len(quotes) >= 7
    assert [q for q in quotes if q not in article] == []


# ---------------------------------------------------------------- the test cells, run as nbgrader would
def run_cell(source, namespace):
    """Run a cell's code in ``namespace``; return the value of its last expression (nbgrader's score)."""
    tree = ast.parse(source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, "<cell>", "exec"), namespace)
    return eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace) if last else None


def graded_by(labels):
    """Run test_audit_quick_reference (hidden part included) on an answer; return (score, printed text)."""
    namespace = {"audit_quick_reference": lambda: dict(labels)}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        score = run_cell(cell_source("test_audit_quick_reference"), namespace)
    return score, printed.getvalue()


def test_audit_gives_a_share_per_line_and_names_the_wrong_ones():
    right = reference_labels()
    answer = {**right, "det": "numerator", "elementwise": "denominator", "least_squares": "both"}
    score, printed = graded_by(answer)
    assert score == 2.8
    assert "7 of the 10 labels are right (2.8 of 4 points); wrong: 'least_squares', 'elementwise', 'det'" in printed
    assert "✗ 'det' is not 'numerator':" in printed and "✗ 'elementwise' is not 'denominator':" in printed


@pytest.mark.parametrize("seed", range(20))
def test_audit_score_for_any_number_of_wrong_lines(seed):
    rng = np.random.default_rng(seed)
    right = reference_labels()
    wrong = [str(name) for name in rng.choice(list(right), size=rng.integers(0, 11), replace=False)]
    others = {name: [label for label in ("numerator", "denominator", "both", "wrong") if label != right[name]]
              for name in wrong}
    answer = {**right, **{name: str(rng.choice(others[name])) for name in wrong}}
    score, printed = graded_by(answer)
    assert score == round(4 * (10 - len(wrong)) / 10, 2)
    shown = " ".join(printed.split())[:600]  # what the feedback keeps of a cell's printed text
    assert all(repr(name) in shown for name in wrong), shown


@pytest.mark.parametrize("grade_id", ["derivative_shape", "to_numerator", "d_xTA_dx", "d_xW_dx_row"])
def test_hidden_tests_never_fail_the_reference_solution(grade_id):
    """The hidden tests draw fresh random inputs: the reference solution passes 200 runs of them."""
    namespace = {}
    exec(cell_source(grade_id), namespace)
    test = cell_source(f"test_{grade_id}")
    with contextlib.redirect_stdout(io.StringIO()):
        for _ in range(200):
            run_cell(test, dict(namespace))


@pytest.mark.nbgrader
def test_partial_credit_through_the_real_nbgrader(tmp_path):
    """Graded as a class would be (nbgrader, then the independent check): 7 of 10 labels right earn
    2.8 of the 4 points, and the feedback names the 3 wrong lines."""
    grader = Grader(tmp_path / "course")
    release = grader.workspace.release_notebook("03_layouts")
    answer = {**reference_labels(), "det": "numerator", "elementwise": "denominator", "least_squares": "both"}
    codes = {**reference_solutions(source_notebook("03_layouts")), "audit_quick_reference": f"return {answer!r}"}
    folder = tmp_path / "handed-in"
    folder.mkdir()
    nbformat.write(fill_in(release, codes), folder / grader.workspace.notebook_name("03_layouts"))
    outcome = grader.grade("seven_of_ten", "03_layouts", folder)
    assert outcome.scores["test_audit_quick_reference"] == (2.8, 4.0)
    assert outcome.overruled == []
    message = outcome.messages["test_audit_quick_reference"]
    assert "7 of the 10 labels are right (2.8 of 4 points); wrong: 'least_squares', 'elementwise', 'det'" in message
    others = {cell: score for cell, score in outcome.scores.items() if cell != "test_audit_quick_reference"}
    assert all(points == maximum for points, maximum in others.values()), others


def test_worked_audits_of_the_lesson():
    """Section 7's worked audits (claims not in the table): a bᵀ for (aᵀx)b is denominator layout,
    2Ax is wrong, A for tr(AX) is numerator layout (whose gradient, section 2, is Aᵀ)."""
    rng = np.random.default_rng(13)
    a, b, x = rng.standard_normal(4), rng.standard_normal(3), rng.standard_normal(4)
    assert label(vector_by_vector(np.outer(a, b), numerical_jacobian(lambda v: (a @ v) * b, x))) == "denominator"
    A, x = rng.standard_normal((5, 5)), rng.standard_normal(5)
    assert label(vector_by_vector(column(2 * A @ x), row_jacobian(lambda v: v @ A @ v, x))) == "wrong"
    A, X = rng.standard_normal((4, 3)), rng.standard_normal((3, 4))
    gradient = numerical_gradient(lambda Z: np.trace(A @ Z), X)
    assert same(A.T, gradient)
    assert label(matrix_variable(A, gradient)) == "numerator"
