"""Every identity of the quick-reference table in 03_layouts, checked numerically in both layouts.

For each line the test computes the true derivative by finite differences, in numerator layout
and in denominator layout (its transpose), on random non-square, non-symmetric inputs, and
derives the label ("numerator", "denominator", "both" or "wrong") from where the formula holds.
That label must be the one the notebook's reference solution of ``audit_quick_reference`` gives.
"""
import re

import nbformat
import numpy as np
import pytest

from autograder.layout import source_notebook
from course import numerical_gradient, numerical_jacobian, relative_error

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


def case_xTA(rng):
    A, x = rng.standard_normal((5, 3)), rng.standard_normal(5)
    return vector_by_vector(A, numerical_jacobian(lambda v: v @ A, x))


def case_xW_row(rng):
    W, x = rng.standard_normal((5, 3)), rng.standard_normal(5)  # x a row: y = xW
    return vector_by_vector(W.T, numerical_jacobian(lambda v: v @ W, x))


def case_quadratic(rng):
    A, x = rng.standard_normal((4, 4)), rng.standard_normal(4)
    return vector_by_vector(column((A + A.T) @ x), row_jacobian(lambda v: v @ A @ v, x))


def case_quadratic_2Ax(rng):
    A, x = rng.standard_normal((4, 4)), rng.standard_normal(4)
    return vector_by_vector(column(2 * A @ x), row_jacobian(lambda v: v @ A @ v, x))


def case_least_squares(rng):
    A, b, x = rng.standard_normal((3, 5)), rng.standard_normal(3), rng.standard_normal(5)
    truth = row_jacobian(lambda v: np.sum((A @ v - b) ** 2), x)
    try:
        formula = column(2 * A @ (A @ x - b))
    except ValueError:  # A (3, 5) times a vector of 3 entries is not defined
        formula = None
    return vector_by_vector(formula, truth)


def case_trace_AX(rng):
    A, X = rng.standard_normal((4, 3)), rng.standard_normal((3, 4))
    gradient = numerical_gradient(lambda Z: np.trace(A @ Z), X)  # shaped like X: denominator layout
    return {"numerator": (A.T, gradient.T), "denominator": (A.T, gradient)}


def chain_rule_case(rng, n, m, k):
    """g: ℝⁿ → ℝᵐ, f: ℝᵐ → ℝᵏ; the formula (∂f/∂g)(∂g/∂x) read in each layout."""
    B, C, x = rng.standard_normal((m, n)), rng.standard_normal((k, m)), rng.standard_normal(n)
    g = lambda v: np.tanh(B @ v)  # noqa: E731
    f = lambda u: C @ np.sin(u)  # noqa: E731
    J_g, J_f = numerical_jacobian(g, x), numerical_jacobian(f, g(x))
    J = numerical_jacobian(lambda v: f(g(v)), x)

    def product(P, Q):
        return P @ Q if P.shape[1] == Q.shape[0] else None

    return {"numerator": (product(J_f, J_g), J), "denominator": (product(J_f.T, J_g.T), J.T)}


def case_chain_rule(rng):
    return chain_rule_case(rng, 3, 4, 2)


def case_identity(rng):
    x = rng.standard_normal(4)
    return vector_by_vector(np.eye(4), numerical_jacobian(lambda v: v, x))


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


def test_chain_rule_is_numerator_only_for_square_jacobians_too():
    """With every Jacobian square the denominator reading is defined, and still wrong."""
    assert label(chain_rule_case(np.random.default_rng(7), 3, 3, 3)) == "numerator"


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
