"""Every identity that notebook 04_chain_product_rules states, checked on random non-symmetric, non-square inputs.

The graded functions are checked by the notebook's own test cells; this file covers the rest of
what the lesson claims: differentials as linear maps, the wrong rules it warns about, the
Kronecker (vec) forms in both flattening orders and the shuffle between them, the trace facts and
the worked derivation, the cost of forward and reverse accumulation; and it runs the notebook's
test cells, hidden parts included, many times on the reference solution (no false failures).
"""
import ast
import contextlib
import io

import nbformat
import numpy as np
import pytest
import sympy as sp

from autograder.coursedir.paths import source_notebook
from course import (
    assert_gradient,
    assert_jacobian,
    check_jacobian,
    diagnose,
    directional_derivative,
    numerical_gradient,
    numerical_jacobian,
    relative_error,
)
from course.derivation import check_derivation


def close(a, b, tol=1e-7):
    return np.shape(a) == np.shape(b) and relative_error(a, b) <= tol


def along(F, X, dX):
    """F'(X)[dX] by central differences."""
    return directional_derivative(F, X, dX)


# --- §1: the derivative as the linear part of a change ------------------------------------------------


def test_frobenius_squared_has_gradient_2X_of_the_shape_of_X(rng):
    X = rng.standard_normal((3, 2))
    assert_gradient(lambda Y: np.sum(Y**2), 2 * X, X)


def cube(Y):
    return Y @ Y @ Y


def d_cube(Y, dY):
    return dY @ Y @ Y + Y @ dY @ Y + Y @ Y @ dY


@pytest.mark.parametrize("eps", [1e-1, 1e-3, 1e-5])
def test_perturbation_gap_is_proportional_to_eps_for_a_right_derivative(rng, eps):
    X, dX = rng.standard_normal((4, 4)), rng.standard_normal((4, 4))
    change = cube(X + eps * dX) - cube(X)  # ΔF
    prediction = d_cube(X, eps * dX)  # dF
    exact_gap = relative_error(change, change - eps**2 * (dX @ dX @ X + dX @ X @ dX + X @ dX @ dX) - eps**3 * cube(dX))
    assert relative_error(change, prediction) == pytest.approx(exact_gap, rel=1e-3)  # the dropped terms, exactly
    assert 0.01 * eps < relative_error(change, prediction) < 100 * eps


def test_perturbation_gap_stays_large_for_a_wrong_derivative(rng):
    X, dX = rng.standard_normal((4, 4)), rng.standard_normal((4, 4))
    gaps = [relative_error(cube(X + e * dX) - cube(X), 3 * X @ X @ (e * dX)) for e in (1e-1, 1e-3, 1e-5)]
    assert min(gaps) > 0.1
    assert gaps[-1] == pytest.approx(gaps[-2], rel=1e-2)


# --- §2, §3: the chain rule --------------------------------------------------------------------------


def test_chain_rule_for_B_exp_Ax_with_non_square_factors(rng):
    A, B, x = rng.standard_normal((4, 3)), rng.standard_normal((2, 4)), rng.standard_normal(3)
    J = B @ np.diag(np.exp(A @ x)) @ A
    assert J.shape == (2, 3)
    assert np.allclose(np.exp(A @ x)[:, None] * A, np.diag(np.exp(A @ x)) @ A)  # row scaling = diagonal on the left
    assert_jacobian(lambda v: B @ np.exp(A @ v), J, x)


def test_jacobian_of_tanh_layer_is_diag_of_tanh_prime_times_W(rng):
    for m, n in [(3, 5), (6, 2)]:
        W, b, x = rng.standard_normal((m, n)), rng.standard_normal(m), rng.standard_normal(n)
        assert_jacobian(lambda v: np.tanh(W @ v + b), (1 - np.tanh(W @ x + b) ** 2)[:, None] * W, x)


def test_multivariable_worked_example():
    s, t = 0.7, -1.3
    x, y = s * t, s + t
    partials = np.array([y**2, 2 * x * y]) @ np.array([[t, s], [1.0, 1.0]])
    assert np.allclose(partials, [y**2 * t + 2 * x * y, y**2 * s + 2 * x * y])
    assert_gradient(lambda st: st[0] * st[1] * (st[0] + st[1]) ** 2, partials, np.array([s, t]))


def test_graded_multivariable_example_paths_add_up(rng):
    for _ in range(5):
        s, t = rng.uniform(-2, 2), rng.uniform(-np.pi, np.pi)
        x, y = s * np.cos(t), s * np.sin(t)
        f_x, f_y = 2 * x * y, x**2 + np.exp(y)
        expected = numerical_gradient(lambda st: (st[0] * np.cos(st[1])) ** 2 * st[0] * np.sin(st[1])
                                      + np.exp(st[0] * np.sin(st[1])), np.array([s, t]))
        by_paths = [f_x * np.cos(t) + f_y * np.sin(t), -f_x * s * np.sin(t) + f_y * s * np.cos(t)]
        assert close(np.array(by_paths), expected, 1e-6)


def test_wrong_order_of_square_jacobians_is_right_on_the_diagonal_only(rng):
    M, x = rng.standard_normal((3, 3)), rng.standard_normal(3)
    right, wrong = np.diag(np.exp(M @ x)) @ M, M @ np.diag(np.exp(M @ x))
    assert_jacobian(lambda v: np.exp(M @ v), right, x)
    assert np.allclose(np.diag(right), np.diag(wrong))
    assert diagnose(wrong, right) == ["only the diagonal entries are right; every off-diagonal entry is wrong"]


# --- §4: the product rule ----------------------------------------------------------------------------


def test_product_rule_remainder_is_exactly_the_second_order_term(rng):
    U, dU = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    V, dV = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    assert np.allclose((U + dU) @ (V + dV) - U @ V, dU @ V + U @ dV + dU @ dV)
    assert close(dU @ V + U @ dV, directional_derivative(lambda t: (U + t * dU) @ (V + t * dV), 0.0, 1.0))


def test_differential_of_the_square_and_the_cube(rng):
    X, dX = rng.standard_normal((4, 4)), rng.standard_normal((4, 4))
    assert close(dX @ X + X @ dX, along(lambda Y: Y @ Y, X, dX))
    assert close(dX @ X @ X + X @ dX @ X + X @ X @ dX, along(lambda Y: Y @ Y @ Y, X, dX))


def test_3X2_dX_is_wrong_unless_dX_commutes_with_X(rng):
    X, dX = rng.standard_normal((4, 4)), rng.standard_normal((4, 4))
    assert relative_error(3 * X @ X @ dX, along(cube, X, dX)) > 0.1
    D1, D2 = np.diag(rng.standard_normal(4)), np.diag(rng.standard_normal(4))
    for Y, dY in [(X, X @ X - 3 * X + np.eye(4)), (X, np.eye(4)), (D1, D2)]:
        assert close(3 * Y @ Y @ dY, d_cube(Y, dY), 1e-12)
        assert close(3 * Y @ Y @ dY, along(cube, Y, dY))


def test_transposing_is_linear_so_its_change_is_exact(rng):
    X, dX = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    assert np.allclose((X + dX).T - X.T, dX.T, rtol=0, atol=1e-14)  # no second-order term at all


def test_gradient_of_quadratic_form_for_non_symmetric_A(rng):
    A, x = rng.standard_normal((4, 4)), rng.standard_normal(4)
    assert_gradient(lambda v: v @ A @ v, (A + A.T) @ x, x)
    assert not check_jacobian(lambda v: v @ A @ v, 2 * A @ x, x)


def test_reciprocal_and_normalisation(rng):
    p, dp = 1.7, 1e-6
    assert (1 / (p + dp) - 1 / p) == pytest.approx(-dp / p**2, rel=1e-5)
    x = rng.standard_normal(5)
    norm = np.linalg.norm(x)
    assert_gradient(np.linalg.norm, x / norm, x)  # d‖x‖ = xᵀdx / ‖x‖
    assert_jacobian(lambda v: v / np.linalg.norm(v), (np.eye(5) - np.outer(x, x) / (x @ x)) / norm, x)


def test_differential_of_the_gram_matrix(rng):
    X, dX = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    dF = dX.T @ X + X.T @ dX
    assert close(dF, along(lambda Y: Y.T @ Y, X, dX))
    assert np.allclose(dF, dF.T)
    wrong = 2 * X.T @ dX  # the scalar rule: right on the diagonal only
    assert np.allclose(np.diag(wrong), np.diag(dF))
    assert diagnose(wrong, dF) == ["only the diagonal entries are right; every off-diagonal entry is wrong"]


def rayleigh_gradient(A, x):
    R = x @ A @ x / (x @ x)
    return ((A + A.T) @ x - 2 * R * x) / (x @ x)


def test_rayleigh_gradient_and_its_sanity_checks(rng):
    A, x = rng.standard_normal((5, 5)), rng.standard_normal(5)
    G = rayleigh_gradient(A, x)
    assert_gradient(lambda v: v @ A @ v / (v @ v), G, x)
    assert abs(x @ G) < 1e-12 * np.linalg.norm(x) * np.linalg.norm(G)  # orthogonal to x
    assert np.allclose(rayleigh_gradient(A, 3.0 * x), G / 3.0)  # R(cx) = R(x): the gradient scales like 1/c
    symmetric_only = 2 * (A @ x - (x @ A @ x) / (x @ x) * x) / (x @ x)
    assert relative_error(symmetric_only, G) > 0.05
    S = (A + A.T) / 2
    assert np.allclose(2 * (S @ x - (x @ S @ x) / (x @ x) * x) / (x @ x), rayleigh_gradient(S, x))
    _, vectors = np.linalg.eigh(S)
    for v in vectors.T:  # for symmetric A, the gradient vanishes at the eigenvectors
        assert np.allclose(rayleigh_gradient(S, v), 0, atol=1e-12)


# --- Exercise 1 and notebook 6: one sample as a column, a batch as rows ------------------------------


def test_batch_rows_use_the_transposed_weights_and_do_not_interact(rng):
    N, n, m = 3, 4, 5
    X, W1 = rng.standard_normal((N, n)), rng.standard_normal((n, m))
    Z = np.tanh(X @ W1)
    for i in range(N):
        assert np.allclose(Z[i], np.tanh(W1.T @ X[i]))  # row i is the column layer with W = W₁ᵀ, b = 0
        for k in range(N):
            J = numerical_jacobian(lambda row: np.tanh(np.vstack([X[:k], row, X[k + 1:]]) @ W1)[i], X[k])
            expected = (1 - np.tanh(W1.T @ X[i]) ** 2)[:, None] * W1.T if k == i else np.zeros((m, n))
            assert np.allclose(J, expected, atol=1e-8)


# --- §6: vec, Kronecker products, the perfect shuffle, and the cost of accumulation -------------------


def vec(M):
    return M.ravel(order="F")


def perfect_shuffle(rows, cols):
    """The permutation matrix P with M.ravel() = P @ vec(M), built as the notebook builds it."""
    return np.eye(rows * cols)[np.arange(rows * cols).reshape(rows, cols, order="F").ravel()]


def test_vec_stacks_columns_and_ravel_rows(rng):
    M = rng.standard_normal((3, 4))
    assert np.array_equal(vec(M), np.concatenate([M[:, j] for j in range(4)]))
    assert np.array_equal(M.ravel(), np.concatenate([M[i] for i in range(3)]))
    assert np.array_equal(vec(M).reshape(3, 4, order="F"), M)
    assert np.array_equal(M.ravel(), vec(M.T))  # ravel(M) = vec(Mᵀ)
    i, j = 2, 3
    assert vec(M)[i + 3 * j] == M[i, j]


def test_kronecker_blocks_mixed_products_and_identity_blocks(rng):
    P, Q = rng.standard_normal((2, 3)), rng.standard_normal((4, 5))
    K = np.kron(P, Q)
    assert K.shape == (8, 15)
    assert np.allclose(K[4:8, 10:15], P[1, 2] * Q)  # block (i, j) is P_ij Q
    R, S = rng.standard_normal((3, 2)), rng.standard_normal((5, 3))
    assert np.allclose(np.kron(P, Q) @ np.kron(R, S), np.kron(P @ R, Q @ S))
    A = rng.standard_normal((2, 3))
    block_diagonal = np.kron(np.eye(4), A)
    for j in range(4):
        assert np.allclose(block_diagonal[2 * j:2 * j + 2, 3 * j:3 * j + 3], A)
    assert np.count_nonzero(block_diagonal) == 4 * np.count_nonzero(A)


def test_jacobian_of_left_multiplication_in_vec_form(rng):
    A, X = rng.standard_normal((2, 3)), rng.standard_normal((3, 4))
    assert_jacobian(lambda v: vec(A @ v.reshape(3, 4, order="F")), np.kron(np.eye(4), A), vec(X))


def test_jacobian_of_right_multiplication_has_blocks_b_kj_times_identity(rng):
    X, B = rng.standard_normal((3, 4)), rng.standard_normal((4, 5))
    J = numerical_jacobian(lambda v: vec(v.reshape(3, 4, order="F") @ B), vec(X))
    assert close(J, np.kron(B.T, np.eye(3)))
    assert close(J[3 * 2:3 * 3, 3 * 1:3 * 2], B[1, 2] * np.eye(3))  # block (j=2, k=1) is b_kj I


def test_vec_and_ravel_of_a_sandwich_product(rng):
    A, dX, B = rng.standard_normal((2, 3)), rng.standard_normal((3, 4)), rng.standard_normal((4, 5))
    assert np.allclose((A @ dX @ B).ravel(order="F"), np.kron(B.T, A) @ dX.ravel(order="F"))
    assert np.allclose((A @ dX @ B).ravel(), np.kron(A, B.T) @ dX.ravel())
    # the chain rule of the two stages, with the mixed-product rule
    assert np.allclose(np.kron(np.eye(5), A) @ np.kron(B.T, np.eye(3)), np.kron(B.T, A))


def test_row_and_column_major_jacobians_differ_by_a_shuffle_not_a_transpose(rng):
    m, n, p, q = 2, 3, 4, 5
    A, B, X = rng.standard_normal((m, n)), rng.standard_normal((p, q)), rng.standard_normal((n, p))
    J_col, J_row = np.kron(B.T, A), np.kron(A, B.T)
    assert np.allclose(X.ravel(), perfect_shuffle(n, p) @ vec(X))
    assert np.allclose(J_row, perfect_shuffle(m, q) @ J_col @ perfect_shuffle(n, p).T)
    assert J_col.T.shape != J_col.shape  # (np × mq): a transpose cannot be the row-major Jacobian
    A2, B2 = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))  # square: shapes agree, values do not
    assert not np.allclose(np.kron(B2.T, A2).T, np.kron(A2, B2.T))
    assert diagnose(np.kron(A, B.T), J_col)  # the row-major matrix is a wrong answer for vec



def test_kronecker_matrix_of_the_square_in_both_orders(rng):
    n = 3
    X, eye = rng.standard_normal((n, n)), np.eye(n)
    row_major, col_major = np.kron(X, eye) + np.kron(eye, X.T), np.kron(eye, X) + np.kron(X.T, eye)
    assert_jacobian(lambda v: (v.reshape(n, n) @ v.reshape(n, n)).ravel(), row_major, X.ravel())
    F = lambda v: (v.reshape(n, n, order="F") @ v.reshape(n, n, order="F")).ravel(order="F")  # noqa: E731
    assert_jacobian(F, col_major, X.ravel(order="F"))
    assert np.allclose(col_major.T, row_major)  # a coincidence of X ↦ X², why its mix-up is diagnosed as a transpose
    P = perfect_shuffle(n, n)
    assert np.allclose(row_major, P @ col_major @ P.T)  # the general relation, a shuffle
    assert not check_jacobian(lambda v: (v.reshape(n, n) @ v.reshape(n, n)).ravel(), col_major, X.ravel())


def matmul_chain_cost(shapes, order):
    """Multiply-adds of multiplying matrices of the given shapes, [J_1, ..., J_L], in the given order."""
    shapes = list(shapes)
    total, carried = 0, shapes[0] if order == "forward" else shapes[-1]
    for shape in shapes[1:] if order == "forward" else shapes[-2::-1]:
        left, right = (shape, carried) if order == "forward" else (carried, shape)
        total += left[0] * left[1] * right[1]
        carried = (left[0], right[1])
    return total


@pytest.mark.parametrize("sizes, forward, reverse", [
    ([1000, 500, 200, 1], 200 * 500 * 1000 + 1 * 200 * 1000, 1 * 200 * 500 + 1 * 500 * 1000),
    ([1, 200, 500, 1000], 500 * 200 + 1000 * 500, 1000 * 500 * 200 + 1000 * 200),
])
def test_cost_of_forward_and_reverse_accumulation(sizes, forward, reverse):
    shapes = [(sizes[i], sizes[i - 1]) for i in range(1, len(sizes))]
    assert matmul_chain_cost(shapes, "forward") == forward
    assert matmul_chain_cost(shapes, "reverse") == reverse


def test_both_accumulation_orders_give_the_same_jacobian(rng):
    sizes = [7, 5, 4, 1]
    Js = [rng.standard_normal((sizes[i], sizes[i - 1])) for i in range(1, len(sizes))]
    assert np.allclose(Js[2] @ (Js[1] @ Js[0]), (Js[2] @ Js[1]) @ Js[0])


def test_outer_jacobian_at_the_input_instead_of_the_inner_value(rng):
    A, B, x = rng.standard_normal((4, 3)), rng.standard_normal((2, 4)), rng.standard_normal(3)
    with pytest.raises(ValueError):
        B @ np.diag(np.exp(x)) @ A  # exp(x) has 3 entries where the middle factor needs 4
    M = rng.standard_normal((3, 3))
    assert not check_jacobian(lambda v: np.exp(M @ v), np.diag(np.exp(x)) @ M, x)


# --- §7: the trace facts and the worked derivation ------------------------------------------------------


def test_trace_facts(rng):
    G, dX = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    assert np.isclose(np.sum(G * dX), np.trace(G.T @ dX))  # ⟨G, dX⟩ = tr(Gᵀ dX)
    P, Q = rng.standard_normal((3, 5)), rng.standard_normal((5, 3))
    assert np.isclose(np.trace(P @ Q), np.trace(Q @ P))
    M = rng.standard_normal((4, 4))
    assert np.isclose(np.trace(M.T), np.trace(M))
    R = rng.standard_normal((3, 5))
    assert np.isclose(np.sum(R**2), np.trace(R.T @ R))


def test_worked_derivation_of_least_squares(rng):
    A, b, x = rng.standard_normal((5, 3)), rng.standard_normal(5), rng.standard_normal(3)
    r = A @ x - b
    dx = rng.standard_normal(3)
    df = (A @ dx) @ r + r @ A @ dx
    assert np.isclose(df, directional_derivative(lambda v: np.sum((A @ v - b) ** 2), x, dx), rtol=1e-7)
    assert np.isclose(df, 2 * r @ A @ dx)
    assert_gradient(lambda v: np.sum((A @ v - b) ** 2), 2 * A.T @ r, x)
    m, n = sp.symbols("m n")
    As, bs = sp.MatrixSymbol("A", m, n), sp.MatrixSymbol("b", m, 1)
    xs, dxs = sp.MatrixSymbol("x", n, 1), sp.MatrixSymbol("dx", n, 1)
    rs = As * xs - bs
    steps = [(As * dxs).T * rs + rs.T * As * dxs, 2 * rs.T * As * dxs]
    assert check_derivation(rs.T * rs, steps, 2 * As.T * rs, wrt=xs, direction=dxs, seed=0).points(4) == 4
    assert check_derivation(rs.T * rs, steps, 2 * rs.T * As, wrt=xs, direction=dxs, seed=0).points(4) == 2


# --- the notebook's test cells, hidden parts included, on the reference solution -----------------------

NOTEBOOK = nbformat.read(source_notebook("04_chain_product_rules"), as_version=4)


def cell_source(grade_id):
    return next(c.source for c in NOTEBOOK.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def run_cell(source, namespace):
    """Run a cell's code in ``namespace``; return the value of its last expression (nbgrader's score)."""
    tree = ast.parse(source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, "<cell>", "exec"), namespace)
    return eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace) if last else None


@pytest.mark.parametrize("grade_id, runs", [
    ("jacobian_tanh_affine", 200), ("chain_rule_partials", 200), ("d_product", 200), ("d_gram", 200),
    ("grad_rayleigh", 200), ("jacobian_AXB", 200), ("derivation_frobenius_AXB", 20),
])
def test_hidden_tests_never_fail_the_reference_solution(grade_id, runs):
    """The hidden tests draw fresh random inputs: the reference solution passes every run with full marks."""
    namespace = {"np": np, "sp": sp}
    exec(cell_source(grade_id), namespace)
    test = cell_source(f"test_{grade_id}")
    points = NOTEBOOK.cells[[c.metadata.get("nbgrader", {}).get("grade_id") for c in NOTEBOOK.cells].index(
        f"test_{grade_id}")].metadata["nbgrader"]["points"]
    with contextlib.redirect_stdout(io.StringIO()):
        for _ in range(runs):
            score = run_cell(test, dict(namespace))
            assert score is None or score == points
