"""Every identity that notebook 05_trace_det_inverse states or cites from The Matrix Cookbook
(version 2012-11-15; gradients arranged like X), checked numerically on random non-symmetric
and, where the identity allows, non-square matrices; and the hidden checks of its second-edition
exercises, run on fresh draws and on answers that form an inverse."""
import textwrap

import nbformat
import numpy as np
import pytest
import scipy.linalg

from autograder.containment.verify import EXACT
from autograder.coursedir.cells import reference_solutions
from autograder.coursedir.paths import source_notebook
from course import check_gradient, check_jacobian, directional_derivative, relative_error
from course.diagnosis import CLOSE
from course.grading import AnswerError

SEEDS = range(4)


def random(rng, *shape):
    return rng.standard_normal(shape)


def invertible(rng, n):
    """A non-symmetric matrix safely away from singular."""
    return rng.standard_normal((n, n)) + n * np.eye(n)


def cofactors(X):
    """The cofactor matrix from minors, the definition."""
    n = X.shape[0]
    return np.array(
        [[(-1) ** (i + j) * np.linalg.det(np.delete(np.delete(X, i, 0), j, 1)) for j in range(n)] for i in range(n)]
    )


def assert_gradient(f, G, X):
    result = check_gradient(f, G, X)
    assert result, result.report()


@pytest.mark.parametrize("seed", SEEDS)
def test_trace_rules(seed):
    rng = np.random.default_rng(seed)
    A, B, C = random(rng, 2, 3), random(rng, 3, 4), random(rng, 4, 2)
    assert np.isclose(np.trace(A @ B @ C), np.trace(C @ A @ B))
    assert np.isclose(np.trace(A @ B @ C), np.trace(B @ C @ A))
    assert np.isclose(np.trace((A @ B @ C).T), np.trace(A @ B @ C))
    F, G = random(rng, 3, 5), random(rng, 3, 5)
    assert np.isclose(np.sum(F * G), np.trace(F.T @ G))
    P, Q, R = random(rng, 3, 3), random(rng, 3, 3), random(rng, 3, 3)
    assert not np.isclose(np.trace(P @ Q @ R), np.trace(P @ R @ Q))  # swapping is not allowed


@pytest.mark.parametrize("seed", SEEDS)
def test_70_bilinear_form(seed):
    rng = np.random.default_rng(seed)
    a, X, b = random(rng, 3), random(rng, 3, 2), random(rng, 2)
    assert_gradient(lambda X: a @ X @ b, np.outer(a, b), X)


@pytest.mark.parametrize("seed", SEEDS)
def test_100_trace_of_XA_and_AX(seed):
    rng = np.random.default_rng(seed)
    A, X = random(rng, 2, 4), random(rng, 4, 2)
    assert_gradient(lambda X: np.trace(A @ X), A.T, X)
    A, X = random(rng, 4, 3), random(rng, 3, 4)
    assert_gradient(lambda X: np.trace(X @ A), A.T, X)


@pytest.mark.parametrize("seed", SEEDS)
def test_101_trace_of_AXB(seed):
    rng = np.random.default_rng(seed)
    A, X, B = random(rng, 2, 3), random(rng, 3, 4), random(rng, 4, 2)
    assert_gradient(lambda X: np.trace(A @ X @ B), A.T @ B.T, X)


@pytest.mark.parametrize("seed", SEEDS)
def test_106_trace_of_X_squared(seed):
    X = random(np.random.default_rng(seed), 4, 4)
    assert_gradient(lambda X: np.trace(X @ X), 2 * X.T, X)
    assert not check_gradient(lambda X: np.trace(X @ X), 2 * X, X)


@pytest.mark.parametrize("seed", SEEDS)
def test_108_trace_of_XT_B_X(seed):
    rng = np.random.default_rng(seed)
    B, X = random(rng, 4, 4), random(rng, 4, 2)
    assert_gradient(lambda X: np.trace(X.T @ B @ X), B @ X + B.T @ X, X)
    assert not check_gradient(lambda X: np.trace(X.T @ B @ X), 2 * B @ X, X)  # symmetric B only


@pytest.mark.parametrize("seed", SEEDS)
def test_49_gradient_of_det_is_det_times_inverse_transpose(seed):
    X = invertible(np.random.default_rng(seed), 4)
    assert_gradient(np.linalg.det, np.linalg.det(X) * np.linalg.inv(X).T, X)
    assert np.allclose(cofactors(X), np.linalg.det(X) * np.linalg.inv(X).T)


@pytest.mark.parametrize("seed", SEEDS)
def test_gradient_of_det_is_the_cofactor_matrix_also_for_singular_matrices(seed):
    rng = np.random.default_rng(seed)
    rank_deficient = random(rng, 4, 3) @ random(rng, 3, 4)
    repeated_row = random(rng, 4, 4)
    repeated_row[2] = repeated_row[0]
    for X in (random(rng, 4, 4), rank_deficient, repeated_row, np.diag([1.0, 1.0, 0.0])):
        C = cofactors(X)
        assert_gradient(np.linalg.det, C, X)
        assert np.allclose(X @ C.T, np.linalg.det(X) * np.eye(len(X)), atol=1e-12)  # X adj(X) = det(X) I
        assert np.allclose(C.T @ X, np.linalg.det(X) * np.eye(len(X)), atol=1e-12)
    assert np.linalg.matrix_rank(cofactors(rank_deficient)) == 1
    assert np.allclose(cofactors(random(rng, 4, 2) @ random(rng, 2, 4)), 0, atol=1e-12)  # rank n - 2


@pytest.mark.parametrize("seed", SEEDS)
def test_41_42_jacobi_formula(seed):
    rng = np.random.default_rng(seed)
    for X in (invertible(rng, 4), random(rng, 4, 3) @ random(rng, 3, 4)):
        dX = random(rng, 4, 4)
        change = directional_derivative(np.linalg.det, X, dX)
        assert relative_error(change, np.trace(cofactors(X).T @ dX)) < 1e-6  # tr(adj(X) dX)
    X = invertible(rng, 4)
    dX = random(rng, 4, 4)
    expected = np.linalg.det(X) * np.trace(np.linalg.solve(X, dX))
    assert relative_error(directional_derivative(np.linalg.det, X, dX), expected) < 1e-6


@pytest.mark.parametrize("seed", SEEDS)
def test_43_57_log_abs_det(seed):
    rng = np.random.default_rng(seed)
    X = invertible(rng, 4)
    for Y in (X, X[[1, 0, 2, 3]]):  # positive and negative determinant
        assert_gradient(lambda Z: np.linalg.slogdet(Z)[1], np.linalg.inv(Y).T, Y)
        dY = random(rng, 4, 4)
        change = directional_derivative(lambda Z: np.linalg.slogdet(Z)[1], Y, dY)
        assert relative_error(change, np.trace(np.linalg.solve(Y, dY))) < 1e-6
    assert np.linalg.det(X[[1, 0, 2, 3]]) < 0


@pytest.mark.parametrize("seed", SEEDS)
def test_40_59_differential_of_the_inverse(seed):
    rng = np.random.default_rng(seed)
    X, dX = invertible(rng, 4), random(rng, 4, 4)
    inverse = np.linalg.inv(X)
    change = directional_derivative(np.linalg.inv, X, dX)
    assert relative_error(change, -inverse @ dX @ inverse) < 1e-6
    assert relative_error(change, -inverse @ inverse @ dX) > 1e-2


@pytest.mark.parametrize("seed", SEEDS)
def test_60_entries_of_the_jacobian_of_the_inverse(seed):
    X = invertible(np.random.default_rng(seed), 3)
    inverse = np.linalg.inv(X)
    jacobian = -np.einsum("ki,jl->klij", inverse, inverse)  # ∂(X⁻¹)_kl / ∂X_ij, numerator layout
    result = check_jacobian(np.linalg.inv, jacobian, X)
    assert result, result.report()


@pytest.mark.parametrize("seed", SEEDS)
def test_61_bilinear_form_of_the_inverse(seed):
    rng = np.random.default_rng(seed)
    X, a, b = invertible(rng, 4), random(rng, 4), random(rng, 4)
    inverse_t = np.linalg.inv(X).T
    assert_gradient(lambda X: a @ np.linalg.solve(X, b), -inverse_t @ np.outer(a, b) @ inverse_t, X)


@pytest.mark.parametrize("seed", SEEDS)
def test_63_trace_with_the_inverse(seed):
    rng = np.random.default_rng(seed)
    X, A, B = invertible(rng, 4), random(rng, 2, 4), random(rng, 4, 2)
    inverse = np.linalg.inv(X)
    assert_gradient(lambda X: np.trace(A @ np.linalg.solve(X, B)), -(inverse @ B @ A @ inverse).T, X)


def spd(rng, n):
    L = rng.standard_normal((n, n))
    return L @ L.T + n * np.eye(n)


def spd_and_symmetric_direction(seed, n=4):
    """A positive definite n×n matrix and a random symmetric direction to move it in."""
    rng = np.random.default_rng(seed)
    Sigma, E = spd(rng, n), random(rng, n, n)
    return Sigma, (E + E.T) / 2


@pytest.mark.parametrize("seed", SEEDS)
def test_symmetric_gradient_is_the_symmetric_part_not_the_structured_formula(seed):
    Sigma, dSigma = spd_and_symmetric_direction(seed)
    G = np.linalg.inv(Sigma).T
    change = directional_derivative(lambda M: np.linalg.slogdet(M)[1], Sigma, dSigma)
    assert relative_error(change, np.sum((G + G.T) / 2 * dSigma)) < 1e-6
    assert relative_error(change, np.sum((G + G.T - G * np.eye(4)) * dSigma)) > 1e-3


@pytest.mark.parametrize("seed", SEEDS)
def test_gaussian_log_likelihood_is_stationary_and_minimal_at_the_sample_covariance(seed):
    rng = np.random.default_rng(seed)
    data = rng.standard_normal((40, 3)) @ rng.standard_normal((3, 3))
    S = data.T @ data / len(data)

    def loss(Sigma):
        return np.linalg.slogdet(Sigma)[1] + np.trace(np.linalg.solve(Sigma, S))

    def grad(Sigma):
        inverse = np.linalg.inv(Sigma)
        return inverse.T - (inverse @ S @ inverse).T

    assert_gradient(loss, grad, spd(rng, 3))
    assert np.linalg.norm(grad(S)) < 1e-10 * np.linalg.norm(np.linalg.inv(S))
    for _ in range(5):
        E = random(rng, 3, 3)
        assert loss(S + 0.05 * (E + E.T)) > loss(S)


@pytest.mark.parametrize("seed", SEEDS)
def test_eigenvalue_derivative_of_a_symmetric_matrix(seed):
    rng = np.random.default_rng(seed)
    S = spd(rng, 4)
    E = random(rng, 4, 4)
    dS = (E + E.T) / 2
    values, Q = np.linalg.eigh(S)
    for k in range(4):
        change = directional_derivative(lambda M: np.linalg.eigvalsh(M)[k], S, dS)
        assert relative_error(change, Q[:, k] @ dS @ Q[:, k]) < 1e-5


@pytest.mark.parametrize("seed", SEEDS)
def test_eigenvalue_derivative_of_a_nonsymmetric_matrix_needs_left_eigenvectors(seed):
    rng = np.random.default_rng(seed)
    A = np.triu(random(rng, 3, 3)) + np.diag([0.0, 3.0, 6.0])  # real, distinct eigenvalues
    A = A + 0.1 * random(rng, 3, 3)
    dA = random(rng, 3, 3)
    values, V = np.linalg.eig(A)
    assert np.allclose(values.imag, 0)
    k = int(np.argmax(values.real))
    left_values, U = np.linalg.eig(A.T)
    u = U[:, int(np.argmax(left_values.real))].real
    v = V[:, k].real
    change = directional_derivative(lambda M: np.max(np.linalg.eigvals(M).real), A, dA)
    assert relative_error(change, u @ dA @ v / (u @ v)) < 1e-5


def test_eigenvalue_of_a_repeated_eigenvalue_is_not_differentiable():
    rng = np.random.default_rng(0)
    E = random(rng, 3, 3)
    dS = (E + E.T) / 2
    forward = (np.linalg.eigvalsh(np.eye(3) + 1e-6 * dS)[-1] - 1) / 1e-6
    backward = (np.linalg.eigvalsh(np.eye(3) - 1e-6 * dS)[-1] - 1) / -1e-6
    assert not np.isclose(forward, backward, rtol=1e-3)


@pytest.mark.parametrize("seed", SEEDS)
def test_102_trace_of_A_XT_B(seed):
    rng = np.random.default_rng(seed)
    A, X, B = random(rng, 2, 3), random(rng, 4, 3), random(rng, 4, 2)
    assert_gradient(lambda X: np.trace(A @ X.T @ B), B @ A, X)


@pytest.mark.parametrize("seed", SEEDS)
def test_det_is_affine_in_each_entry_with_the_cofactor_as_slope(seed):
    rng = np.random.default_rng(seed)
    X = random(rng, 4, 4)
    C = cofactors(X)
    for i, j in [(0, 0), (1, 3), (3, 2)]:
        E = np.zeros((4, 4))
        E[i, j] = 1.0
        for t in (-2.0, 0.5, 3.0):  # exactly affine: no higher powers of t
            assert np.isclose(np.linalg.det(X + t * E), np.linalg.det(X) + t * C[i, j])
    assert not np.isclose(np.linalg.det(X) - X[1, 3] * C[1, 3], 0)  # the constant term: affine, not linear


def test_2x2_partials_read_off_the_row_expansion():
    a, b, c, d = 2.0, -3.0, 5.0, 7.0
    X = np.array([[a, b], [c, d]])
    assert_gradient(np.linalg.det, np.array([[d, -c], [-b, a]]), X)


@pytest.mark.parametrize("seed", SEEDS)
def test_chain_rule_example_log_squared_frobenius_norm(seed):
    X = random(np.random.default_rng(seed), 3, 2)
    assert_gradient(lambda X: np.log(np.trace(X.T @ X)), 2 * X / np.sum(X**2), X)


def square_root(X):
    """The notebook's principal square root, V Λ^½ V⁻¹ (NumPy only)."""
    values, vectors = np.linalg.eig(X)
    return ((vectors * np.sqrt(values.astype(complex))) @ np.linalg.inv(vectors)).real


def solve_sylvester(S, Q):
    """The notebook's Sylvester solver: (I ⊗ S + Sᵀ ⊗ I) vec(Y) = vec(Q), vec stacking columns."""
    identity = np.eye(len(S))
    system = np.kron(identity, S) + np.kron(S.T, identity)
    return np.linalg.solve(system, Q.ravel(order="F")).reshape(S.shape, order="F")


@pytest.mark.parametrize("seed", SEEDS)
def test_differential_of_the_square_root_solves_a_sylvester_equation(seed):
    rng = np.random.default_rng(seed)
    X, dX = invertible(rng, 3), random(rng, 3, 3)
    S = square_root(X)
    assert np.allclose(S, scipy.linalg.sqrtm(X)) and np.allclose(S @ S, X)
    dS = solve_sylvester(S, dX)
    assert np.allclose(dS, scipy.linalg.solve_sylvester(S, S, dX)) and np.allclose(dS @ S + S @ dS, dX)
    change = directional_derivative(square_root, X, dX)
    assert relative_error(change, dS) < 1e-6
    assert relative_error(change, 0.5 * dX @ np.linalg.inv(S)) > 1e-2  # the scalar habit


@pytest.mark.parametrize("seed", SEEDS)
def test_kronecker_form_of_the_differential_of_the_inverse(seed):
    rng = np.random.default_rng(seed)
    X = invertible(rng, 3)
    inverse = np.linalg.inv(X)

    def vec_inverse(v, order):
        return np.linalg.inv(v.reshape(3, 3, order=order)).ravel(order=order)

    for order, jacobian in (("F", -np.kron(inverse.T, inverse)), ("C", -np.kron(inverse, inverse.T))):
        result = check_jacobian(lambda v: vec_inverse(v, order), jacobian, X.ravel(order=order))
        assert result, result.report()
    assert not np.allclose(np.kron(inverse.T, inverse), np.kron(inverse, inverse.T))  # the order matters


def mixed_second_difference(f, X, U, V, h=1e-4):
    return (f(X + h * U + h * V) - f(X + h * U - h * V) - f(X - h * U + h * V) + f(X - h * U - h * V)) / (4 * h**2)


def log_abs_det(X):
    return np.linalg.slogdet(X)[1]


def d2_logdet(X, U, V):
    """The notebook's second derivative of log|det X|, −tr(X⁻¹ U X⁻¹ V)."""
    inverse = np.linalg.inv(X)
    return -np.trace(inverse @ U @ inverse @ V)


@pytest.mark.parametrize("seed", SEEDS)
def test_second_derivative_of_trace_of_cube(seed):
    rng = np.random.default_rng(seed)
    X, U, V = random(rng, 3, 3), random(rng, 3, 3), random(rng, 3, 3)
    exact = 3 * np.trace(X @ U @ V) + 3 * np.trace(X @ V @ U)
    assert relative_error(mixed_second_difference(lambda X: np.trace(X @ X @ X), X, U, V), exact) < 1e-6


@pytest.mark.parametrize("seed", SEEDS)
def test_second_derivative_of_log_abs_det(seed):
    rng = np.random.default_rng(seed)
    X, U, V = invertible(rng, 4), random(rng, 4, 4), random(rng, 4, 4)
    for Y in (X, X[[1, 0, 2, 3]]):  # either sign of the determinant
        exact = d2_logdet(Y, U, V)
        assert relative_error(mixed_second_difference(log_abs_det, Y, U, V), exact) < 1e-6
        assert np.isclose(exact, d2_logdet(Y, V, U))  # symmetric in the two directions
        wrong = np.trace(np.linalg.solve(Y, U)) * np.trace(np.linalg.solve(Y, V))
        assert relative_error(wrong, exact) > 1e-2


@pytest.mark.parametrize("seed", SEEDS)
def test_log_det_is_concave_on_positive_definite_matrices(seed):
    Sigma, U = spd_and_symmetric_direction(seed)
    L = np.linalg.cholesky(Sigma)
    whitened = np.linalg.solve(L, np.linalg.solve(L, U).T)
    assert np.isclose(d2_logdet(Sigma, U, U), -np.sum(whitened**2)) and d2_logdet(Sigma, U, U) < 0


def test_verification_inputs_keep_the_second_derivative_far_from_zero():
    """The independent check's cases for d2_logdet, (X, U, X Uᵀ X): the value is −‖U‖², so exact
    formulas agree far inside the exactness threshold on every draw."""
    rng = np.random.default_rng(5)
    for _ in range(500):
        n = int(rng.integers(3, 6))
        X, U = invertible(rng, n), random(rng, n, n)
        for Y in (X, -X):
            V = X @ U.T @ X
            value = -np.trace(np.linalg.solve(Y, U) @ np.linalg.solve(Y, V))
            assert np.isclose(value, -np.sum(U**2), rtol=1e-12)
            assert relative_error(value, d2_logdet(Y, U, V)) < EXACT / 10


@pytest.mark.parametrize("seed", SEEDS)
def test_adjoint_gradients(seed):
    rng = np.random.default_rng(seed)
    A, b, c = invertible(rng, 4), random(rng, 4), random(rng, 4)
    x = np.linalg.solve(A, b)
    assert_gradient(lambda b: np.sum(np.linalg.solve(A, b) ** 2), np.linalg.solve(A.T, 2 * x), b)
    adjoint = np.linalg.solve(A.T, c)
    assert_gradient(lambda A: c @ np.linalg.solve(A, b), -np.outer(adjoint, x), A)
    assert not check_gradient(lambda A: c @ np.linalg.solve(A, b), -np.outer(x, adjoint), A)  # transposed


def test_hidden_checks_of_the_new_exercises_never_fail_the_reference():
    """The reference answers of d2_logdet and grad_solve_adjoint against the hidden tests' formulas,
    on 500 fresh draws of the hidden tests' inputs: never outside the grading tolerance."""
    rng = np.random.default_rng()
    for _ in range(500):
        size = int(rng.choice([4, 5, 8]))
        X, U, V = invertible(rng, size), random(rng, size, size), random(rng, size, size)
        for Y in (X, X[[1, 0, *range(2, size)]]):
            answer = float(-np.trace(np.linalg.solve(Y, U) @ np.linalg.solve(Y, V)))
            assert relative_error(answer, d2_logdet(Y, U, V)) < CLOSE / 100
        b, c = random(rng, size), random(rng, size)
        answer = -np.outer(np.linalg.solve(X.T, c), np.linalg.solve(X, b))
        inverse = np.linalg.inv(X)
        assert relative_error(answer, -inverse.T @ np.outer(c, b) @ inverse.T) < CLOSE / 100


# The hidden checks of the new exercises, run here as nbgrader runs them (test cell after answer
# cell, one namespace): the reference never fails on fresh draws, and an answer that forms A⁻¹
# loses Exercise 9's points, however it reaches the inverse. (The independent check in the
# sandbox only sees numbers, so it cannot tell; the variant data hold only mistakes it sees.)
NOTEBOOK = "05_trace_det_inverse"

INVERSE_FORMING = {
    "np.linalg.inv": "A_inv = np.linalg.inv(A)\nreturn -A_inv.T @ np.outer(c, b) @ A_inv.T",
    "an imported inv": "from numpy.linalg import inv\nreturn -np.outer(inv(A).T @ c, inv(A) @ b)",
    "np.linalg.pinv": "return -np.outer(np.linalg.pinv(A).T @ c, np.linalg.pinv(A) @ b)",
    "scipy.linalg.inv": "A_inv = scipy.linalg.inv(A)\nreturn -np.outer(A_inv.T @ c, A_inv @ b)",
    "solving for the identity": "A_inv = np.linalg.solve(A, np.eye(len(A)))\nreturn -np.outer(A_inv.T @ c, A_inv @ b)",
}


def _answered(function, arguments, body):
    """A namespace like the notebook's after the learner's answer cell: ``def function(arguments): body``."""
    namespace = {"np": np, "scipy": scipy}
    exec(f"def {function}({arguments}):\n" + textwrap.indent(body, "    "), namespace)
    return namespace


def _run_test_cell(function, namespace):
    """Run the source notebook's test cell of ``function`` (visible and hidden parts) in ``namespace``."""
    cells = nbformat.read(source_notebook(NOTEBOOK), as_version=4).cells
    test = next(c.source for c in cells if c.metadata.get("nbgrader", {}).get("grade_id") == f"test_{function}")
    exec(test, namespace)
    return namespace


def test_hidden_check_of_grad_solve_adjoint_passes_the_reference_on_fresh_draws(capsys):
    body = reference_solutions(source_notebook(NOTEBOOK))["grad_solve_adjoint"]
    for _ in range(100):
        _run_test_cell("grad_solve_adjoint", _answered("grad_solve_adjoint", "A, b, c", body))
    assert "✓ grad_solve_adjoint is right" in capsys.readouterr().out


@pytest.mark.parametrize("way", list(INVERSE_FORMING))
def test_an_answer_that_forms_the_inverse_fails_exercise_9(way):
    namespace = _answered("grad_solve_adjoint", "A, b, c", INVERSE_FORMING[way])
    with pytest.raises(AnswerError, match="it forms an inverse matrix"):
        _run_test_cell("grad_solve_adjoint", namespace)
    assert namespace["np"].linalg.inv is np.linalg.inv  # the test cell leaves NumPy as it was
    A = invertible(np.random.default_rng(0), 3)
    assert np.allclose(np.linalg.inv(A) @ A, np.eye(3))


def test_hidden_check_of_d2_logdet_passes_the_reference_on_fresh_draws(capsys):
    body = reference_solutions(source_notebook(NOTEBOOK))["d2_logdet"]
    for _ in range(300):
        _run_test_cell("d2_logdet", _answered("d2_logdet", "X, dX1, dX2", body))
    assert "✓ d2_logdet is right" in capsys.readouterr().out
