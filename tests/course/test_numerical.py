"""Finite differences (course.numerical, course.step_sizes): known answers, accuracy, step scaling, no side effects."""
import numpy as np
import pytest

from course import directional_derivative, numerical_gradient, numerical_jacobian
from course.step_sizes import step_sizes

METHODS = ["central", "forward", "complex"]


def smooth(x):
    """Σ sin(xᵢ)·exp(xᵢ/3): smooth, not a polynomial, so no scheme is exact."""
    return np.sum(np.sin(x) * np.exp(x / 3))


def smooth_gradient(x):
    return (np.cos(x) + np.sin(x) / 3) * np.exp(x / 3)


def relative(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


@pytest.fixture
def x():
    return np.random.default_rng(1).uniform(-2, 2, size=8)


# --- known answers -------------------------------------------------------------------


def test_quadratic_form_non_symmetric(rng):
    A = rng.standard_normal((4, 4))
    x = rng.standard_normal(4)
    G = numerical_gradient(lambda v: v @ A @ v, x)
    np.testing.assert_allclose(G, (A + A.T) @ x, rtol=1e-8)
    assert relative(G, 2 * A @ x) > 1e-2  # the symmetric-only formula really differs


def test_least_squares_non_square(rng):
    A, b, x = rng.standard_normal((5, 3)), rng.standard_normal(5), rng.standard_normal(3)
    G = numerical_gradient(lambda v: np.sum((A @ v - b) ** 2), x)
    np.testing.assert_allclose(G, 2 * A.T @ (A @ x - b), rtol=1e-8)


def test_trace_of_product(rng):
    A, X = rng.standard_normal((2, 3)), rng.standard_normal((3, 2))
    G = numerical_gradient(lambda Z: np.trace(A @ Z), X)
    assert G.shape == X.shape
    np.testing.assert_allclose(G, A.T, rtol=1e-8)


@pytest.mark.parametrize("sign", [1, -1])
def test_log_abs_det(rng, sign):
    X = rng.standard_normal((3, 3)) + 3 * np.eye(3)
    if np.sign(np.linalg.det(X)) != sign:
        X[0] *= -1
    assert np.sign(np.linalg.det(X)) == sign
    G = numerical_gradient(lambda Z: np.linalg.slogdet(Z)[1], X)
    np.testing.assert_allclose(G, np.linalg.inv(X).T, rtol=1e-7)


def softmax(z):
    e = np.exp(z - np.max(z))
    return e / e.sum()


def test_softmax_jacobian(rng):
    z = rng.standard_normal(5)
    s = softmax(z)
    np.testing.assert_allclose(numerical_jacobian(softmax, z), np.diag(s) - np.outer(s, s), atol=1e-10)


def test_tanh_jacobian(rng):
    z = rng.standard_normal(4)
    for method in METHODS:
        J = numerical_jacobian(np.tanh, z, method=method)
        np.testing.assert_allclose(J, np.diag(1 - np.tanh(z) ** 2), atol=1e-7)


def test_matrix_valued_map_shape(rng):
    A = rng.standard_normal((2, 3))
    X = rng.standard_normal((3, 4))
    J = numerical_jacobian(lambda Z: A @ Z, X)
    assert J.shape == (2, 4, 3, 4)  # F(X).shape + X.shape
    expected = np.einsum("ik,jl->ijkl", A, np.eye(4))  # ∂(AX)[i,j]/∂X[k,l] = A[i,k] δ[j,l]
    np.testing.assert_allclose(J, expected, atol=1e-9)


def test_scalar_point_and_scalar_output():
    assert numerical_jacobian(np.sin, 0.5).shape == ()
    assert numerical_jacobian(np.sin, 0.5) == pytest.approx(np.cos(0.5), rel=1e-10)


def test_gradient_rejects_vector_function(x):
    with pytest.raises(ValueError, match="numerical_jacobian"):
        numerical_gradient(np.sin, x)


def test_unknown_method(x):
    with pytest.raises(ValueError, match="central"):
        numerical_gradient(smooth, x, method="backward")


# --- accuracy --------------------------------------------------------------------------


def test_central_accuracy(x):
    assert relative(numerical_gradient(smooth, x), smooth_gradient(x)) <= 1e-8


def test_complex_step_accuracy(x):
    assert relative(numerical_gradient(smooth, x, method="complex"), smooth_gradient(x)) <= 1e-13


def test_forward_less_accurate_than_central(x):
    forward = relative(numerical_gradient(smooth, x, method="forward"), smooth_gradient(x))
    central = relative(numerical_gradient(smooth, x, method="central"), smooth_gradient(x))
    assert central < forward / 10
    assert forward <= 1e-6


@pytest.mark.parametrize("method", METHODS)
def test_step_scales_with_magnitude(method):
    x = np.array([1e6, 0.5, 3.0])
    steps = step_sizes(x, method)
    assert steps[0] > 1e5 * steps[1]
    if method != "complex":
        np.testing.assert_array_equal((x + steps) - x, steps)  # exactly representable
    G = numerical_gradient(lambda v: np.sum(np.log(v)), x, method=method)
    np.testing.assert_allclose(G, 1 / x, rtol={"forward": 1e-6}.get(method, 1e-8))


def test_step_stays_at_base_value_below_one():
    steps = step_sizes(np.array([0.5, -3e-4, 0.0]))
    np.testing.assert_allclose(steps, steps[2], rtol=1e-6)


def test_custom_step(x):
    G = numerical_gradient(smooth, x, h=1e-4)
    assert relative(G, smooth_gradient(x)) <= 1e-7
    G = numerical_gradient(smooth, x, method="complex", h=1e-30)
    assert relative(G, smooth_gradient(x)) <= 1e-13


@pytest.mark.parametrize("method", ["central", "forward"])
def test_step_too_small_is_an_error(x, method):
    with pytest.raises(ValueError, match="step"):
        numerical_gradient(smooth, x, method=method, h=1e-20)


# --- directional derivatives ----------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_directional_derivative_matches_jacobian(rng, method):
    A = rng.standard_normal((3, 5))
    F = lambda v: np.tanh(A @ v)  # noqa: E731
    x, v = rng.standard_normal(5), 1e3 * rng.standard_normal(5)
    expected = numerical_jacobian(F, x, method="complex") @ v
    got = directional_derivative(F, x, v, method=method)
    assert got.shape == (3,)
    assert relative(got, expected) <= (1e-5 if method == "forward" else 1e-8)


def test_directional_derivative_zero_direction_and_bad_shape(x):
    assert directional_derivative(smooth, x, np.zeros_like(x)) == 0
    with pytest.raises(ValueError, match="shape"):
        directional_derivative(smooth, x, np.ones(3))


# --- no side effects, dtype -----------------------------------------------------------


def scaling_in_place(v):
    """A careless F: doubles its argument in place before using it."""
    v *= 2
    return np.sum(v**2)


@pytest.mark.parametrize("method", METHODS)
def test_caller_array_untouched_and_in_place_F_is_harmless(method):
    x = np.array([1.0, -2.0, 3.0])
    before = x.copy()
    np.testing.assert_allclose(numerical_gradient(scaling_in_place, x, method=method), 8 * before, rtol=1e-6)
    np.testing.assert_allclose(
        numerical_jacobian(lambda v: np.atleast_1d(scaling_in_place(v)), x, method=method), [8 * before], rtol=1e-6
    )
    assert directional_derivative(scaling_in_place, x, np.ones(3), method=method) == pytest.approx(8 * before.sum())
    np.testing.assert_array_equal(x, before)


def test_F_that_reuses_its_output_buffer():
    buffer = np.empty(3)

    def F(v):
        buffer[:] = v**2
        return buffer

    x = np.array([1.0, 2.0, 3.0])
    for method in ["central", "forward"]:
        np.testing.assert_allclose(numerical_jacobian(F, x, method=method), np.diag(2 * x), atol=1e-6)


def test_integer_input_is_cast_to_float():
    x = np.array([1, 2, 3])
    G = numerical_gradient(lambda v: np.sum(v**2) / 2, x)
    assert G.dtype == np.float64
    np.testing.assert_allclose(G, x, rtol=1e-9)  # an integer step would have given garbage
    assert x.dtype.kind == "i"
