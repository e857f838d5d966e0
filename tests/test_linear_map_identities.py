"""Every identity that notebook 04_chain_product_rules states, checked on random non-symmetric, non-square inputs.

The graded functions are checked by the notebook's own test cells; this file covers the rest of
what the lesson claims: differentials as linear maps, the wrong rules it warns about, the
Kronecker (vec) forms in both flattening orders, and the cost of forward and reverse accumulation.
"""
import numpy as np
import pytest

from course import (
    assert_gradient,
    assert_jacobian,
    check_jacobian,
    diagnose,
    directional_derivative,
    numerical_gradient,
    relative_error,
)


def close(a, b, tol=1e-7):
    return np.shape(a) == np.shape(b) and relative_error(a, b) <= tol


def along(F, X, dX):
    """F'(X)[dX] by central differences."""
    return directional_derivative(F, X, dX)


# --- §1: the derivative as the linear part of a change ------------------------------------------------


def test_frobenius_squared_has_gradient_2X_of_the_shape_of_X(rng):
    X = rng.standard_normal((3, 2))
    assert_gradient(lambda Y: np.sum(Y**2), 2 * X, X)


@pytest.mark.parametrize("eps", [1e-1, 1e-3, 1e-5])
def test_perturbation_gap_is_proportional_to_eps_for_a_right_derivative(rng, eps):
    X, dX = rng.standard_normal((4, 4)), rng.standard_normal((4, 4))
    change = (X + eps * dX) @ (X + eps * dX) - X @ X
    prediction = eps * (dX @ X + X @ dX)
    gap = relative_error(change, prediction)
    exact_gap = relative_error(change, change - eps**2 * dX @ dX)  # the dropped term is exactly ε² dX²
    assert gap == pytest.approx(exact_gap, rel=1e-3)
    assert 0.05 * eps < gap < 20 * eps


def test_perturbation_gap_stays_large_for_a_wrong_derivative(rng):
    X, dX = rng.standard_normal((4, 4)), rng.standard_normal((4, 4))
    gaps = [relative_error((X + e * dX) @ (X + e * dX) - X @ X, 2 * X @ (e * dX)) for e in (1e-1, 1e-3, 1e-5)]
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


def test_2X_dX_is_wrong_unless_dX_commutes_with_X(rng):
    X, dX = rng.standard_normal((4, 4)), rng.standard_normal((4, 4))
    assert relative_error(2 * X @ dX, along(lambda Y: Y @ Y, X, dX)) > 0.1
    D1, D2 = np.diag(rng.standard_normal(4)), np.diag(rng.standard_normal(4))
    for Y, dY in [(X, X @ X - 3 * X + np.eye(4)), (X, np.eye(4)), (D1, D2)]:
        assert close(2 * Y @ dY, Y @ dY + dY @ Y, 1e-12)
        assert close(2 * Y @ dY, along(lambda Z: Z @ Z, Y, dY))


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


# --- §6: Kronecker forms and the cost of accumulation ------------------------------------------------


def test_vec_and_ravel_of_a_sandwich_product(rng):
    A, dX, B = rng.standard_normal((2, 3)), rng.standard_normal((3, 4)), rng.standard_normal((4, 5))
    assert np.allclose((A @ dX @ B).ravel(order="F"), np.kron(B.T, A) @ dX.ravel(order="F"))
    assert np.allclose((A @ dX @ B).ravel(), np.kron(A, B.T) @ dX.ravel())


def test_kronecker_matrix_of_the_square_in_both_orders(rng):
    n = 3
    X, I = rng.standard_normal((n, n)), np.eye(n)
    row_major, col_major = np.kron(X, I) + np.kron(I, X.T), np.kron(I, X) + np.kron(X.T, I)
    assert_jacobian(lambda v: (v.reshape(n, n) @ v.reshape(n, n)).ravel(), row_major, X.ravel())
    F = lambda v: (v.reshape(n, n, order="F") @ v.reshape(n, n, order="F")).ravel(order="F")  # noqa: E731
    assert_jacobian(F, col_major, X.ravel(order="F"))
    assert np.allclose(col_major.T, row_major)  # why the mixed-up convention is diagnosed as a transpose
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
