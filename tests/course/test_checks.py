"""Gradient and Jacobian checks (course.checks): verdicts on right and wrong derivatives, modes, reports."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course import (
    CheckResult,
    GradientCheckError,
    assert_gradient,
    assert_jacobian,
    check_gradient,
    check_jacobian,
    diagnose,
    relative_error,
)

pytestmark = pytest.mark.filterwarnings("error")  # a check must never warn: nbgrader counts stderr as failure

FAST = settings(max_examples=15, deadline=None)
sizes = st.integers(2, 5)
seeds = st.integers(0, 2**32 - 1)


# --- the derivatives under test: (F, derivative, x, is_gradient), on non-symmetric, non-square data ----


def quadratic_form(rng, m, n):
    A, x = rng.standard_normal((n, n)), rng.standard_normal(n)
    return (lambda v: v @ A @ v), (A + A.T) @ x, x, True


def least_squares(rng, m, n):
    A, b, x = rng.standard_normal((m + n, n)), rng.standard_normal(m + n), rng.standard_normal(n)
    return (lambda v: np.sum((A @ v - b) ** 2)), 2 * A.T @ (A @ x - b), x, True


def trace_product(rng, m, n):
    A, X = rng.standard_normal((m, n + 1)), rng.standard_normal((n + 1, m))
    return (lambda Z: np.trace(A @ Z)), A.T, X, True


def log_abs_det(rng, m, n):
    X = rng.standard_normal((n, n)) + 2 * np.sqrt(n) * np.eye(n)  # well conditioned, not symmetric
    X[0] *= rng.choice([-1, 1])  # either sign of the determinant
    return (lambda Z: np.linalg.slogdet(Z)[1]), np.linalg.inv(X).T, X, True


def tanh_layer(rng, m, n):
    A, x = rng.standard_normal((m, n + 1)), rng.standard_normal(n + 1)
    t = np.tanh(A @ x)
    return (lambda v: np.tanh(A @ v)), (1 - t**2)[:, None] * A, x, False


def softmax(z):
    e = np.exp(z - np.max(z))
    return e / e.sum()


def softmax_jacobian(rng, m, n):
    z = rng.standard_normal(n)
    s = softmax(z)
    return softmax, np.diag(s) - np.outer(s, s), z, False


CASES = [quadratic_form, least_squares, trace_product, log_abs_det, tanh_layer, softmax_jacobian]
TRANSPOSABLE = [trace_product, log_abs_det, tanh_layer]  # where the transpose is a different answer


def check(F, derivative, x, is_gradient, **options):
    return (check_gradient if is_gradient else check_jacobian)(F, derivative, x, **options)


def make(case, seed, m, n):
    return case(np.random.default_rng(seed), m, n)


# --- properties ---------------------------------------------------------------------------------


@FAST
@given(case=st.sampled_from(CASES), seed=seeds, m=sizes, n=sizes)
def test_true_derivative_passes(case, seed, m, n):
    F, D, x, is_gradient = make(case, seed, m, n)
    result = check(F, D, x, is_gradient)
    assert result, result.report()
    assert result.verdict == "correct" and result.diagnosis == []
    assert check(F, lambda z: D, x, is_gradient)  # a function returning it works too


@FAST
@given(case=st.sampled_from(CASES), seed=seeds, m=sizes, n=sizes)
@pytest.mark.parametrize(
    ("factor", "sentence"), [(-1, "wrong sign"), (2, "factor of 2"), (0.5, "factor of 2: your result is half")]
)
def test_scaled_derivative_fails_and_is_named(factor, sentence, case, seed, m, n):
    F, D, x, is_gradient = make(case, seed, m, n)
    result = check(F, factor * D, x, is_gradient)
    assert not result
    assert result.verdict == "wrong"
    assert any(sentence in s for s in result.diagnosis), result.diagnosis
    assert any(sentence in s for s in diagnose(factor * D, D))


@FAST
@given(case=st.sampled_from(TRANSPOSABLE), seed=seeds, m=sizes, n=sizes)
def test_transposed_derivative_fails_and_is_named(case, seed, m, n):
    F, D, x, is_gradient = make(case, seed, m, n)
    result = check(F, D.T, x, is_gradient)
    assert not result
    assert any("transpose of the expected one" in s for s in result.diagnosis), result.diagnosis


@FAST
@given(case=st.sampled_from([quadratic_form, least_squares]), seed=seeds, m=sizes, n=sizes)
def test_column_vector_gets_the_shape_sentence(case, seed, m, n):
    F, D, x, _ = make(case, seed, m, n)
    result = check_gradient(F, D.reshape(-1, 1), x)
    assert not result
    assert result.diagnosis[0] == f"shape {(x.size, 1)} but expected {x.shape}"
    assert "the numbers are right" in result.diagnosis[1]
    assert diagnose(D, D.reshape(-1, 1))[0].startswith(f"shape {x.shape} but expected")


# --- directions mode ------------------------------------------------------------------------------


@settings(max_examples=10, deadline=None)
@given(seed=seeds, kind=st.sampled_from(["right", "negative", "one entry", "tiny slip"]))
def test_directions_mode_agrees_with_full_mode(seed, kind):
    rng = np.random.default_rng(seed)
    A, X = rng.standard_normal((9, 12)), rng.standard_normal((12, 9))  # 108 entries > 100
    f = lambda Z: np.sum(np.tanh(A @ Z))  # noqa: E731
    G = A.T @ (1 - np.tanh(A @ X) ** 2)
    wrong = G.copy()
    if kind == "negative":
        wrong = -G
    elif kind == "one entry":
        wrong[3, 4] += 0.5
    elif kind == "tiny slip":
        wrong = G * (1 + 1e-3)
    auto = check_gradient(f, wrong, X, seed=seed % 100)
    full = check_gradient(f, wrong, X, directions=None)
    assert bool(auto) == bool(full) == (kind == "right")
    assert auto.mode == ("4 random directions" if kind == "right" else "full")
    assert full.mode == "full"
    again = check_gradient(f, wrong, X, seed=seed % 100)
    assert again.relative_error == auto.relative_error and again.passed == auto.passed


def test_directions_mode_is_deterministic_for_a_seed(rng):
    A, x = rng.standard_normal((30, 40)), rng.standard_normal(40)
    F = lambda v: np.tanh(A @ v)  # noqa: E731
    J = (1 - np.tanh(A @ x) ** 2)[:, None] * A
    first = check_jacobian(F, J, x, directions=3, seed=7)
    assert first and first.mode == "3 random directions"
    assert check_jacobian(F, J, x, directions=3, seed=7).relative_error == first.relative_error
    assert check_jacobian(F, J, x, directions=3, seed=8).relative_error != first.relative_error
    wrong = check_jacobian(F, J * np.where(np.arange(40) == 5, 2.0, 1.0), x, directions=3, seed=7)
    assert not wrong and wrong.mode == "full"
    assert wrong.worst_entry[0][1] == 5


# --- no side effects, dtypes ------------------------------------------------------------------


def test_caller_array_untouched_even_when_f_changes_its_input():
    x = np.array([1.0, -2.0, 3.0])
    before = x.copy()

    def f(v):
        v *= 2
        return np.sum(v**2)

    def grad(v):
        v += 1
        return 8 * (v - 1)

    for method in ["central", "forward", "complex"]:
        assert check_gradient(f, grad, x, method=method)
        assert check_jacobian(lambda v: np.atleast_1d(f(v)), (8 * before)[None, :], x, method=method)
    assert check_gradient(f, 8 * before, x, directions=2)
    np.testing.assert_array_equal(x, before)


def test_integer_point():
    x = np.array([1, 2, 3])
    assert check_gradient(lambda v: np.sum(v**3), 3 * x**2, x)


def test_float32_answer_uses_the_float32_tolerance(rng):
    A, b = rng.standard_normal((6, 4)), rng.standard_normal(6)
    x = rng.standard_normal(4)
    f = lambda v: np.sum((A @ v - b) ** 2)  # noqa: E731
    G = 2 * A.T @ (A @ x - b)
    rough = (G * (1 + 3e-4 * rng.standard_normal(4))).astype(np.float32)  # float32-level inaccuracy
    result = check_gradient(f, rough, x)
    assert result and result.tolerance == 2e-3
    assert not check_gradient(f, rough.astype(np.float64), x)  # the same numbers in float64 are too far off
    wrong = check_gradient(f, (1.05 * G).astype(np.float32), x)
    assert not wrong and wrong.verdict == "wrong"
    assert not check_gradient(f, (-G).astype(np.float32), x)


# --- CheckResult and the assert_ functions -----------------------------------------------------


def test_check_result_of_a_pass(rng):
    x = rng.standard_normal(5)
    result = check_gradient(lambda v: np.sum(np.sin(v)), np.cos(x), x, name="grad_sin")
    assert isinstance(result, CheckResult) and result
    assert result.relative_error < 1e-9 and result.verdict == "correct"
    assert result.report().startswith("PASS: grad_sin is correct")
    assert "is correct" in result._repr_html_() and "#1a7f37" in result._repr_html_()
    assert "passed" in repr(result)


def test_check_result_of_a_failure(rng):
    x = rng.standard_normal(5)
    wrong = np.cos(x)
    wrong[2] += 1.0
    result = check_gradient(lambda v: np.sum(np.sin(v)), wrong, x, name="grad_sin")
    assert not result
    assert result.verdict == "wrong" and result.relative_error > 1e-2
    index, analytic, numerical = result.worst_entry
    assert index == (2,) and analytic == pytest.approx(numerical + 1.0)
    text = result.report()
    assert text.startswith("FAIL: grad_sin is wrong")
    assert "worst entry (2,)" in text and "1 of 5 entries are wrong (at index 2)" in text
    html = result._repr_html_()
    assert "is wrong" in html and "#cf222e" in html and "<li>" in html
    assert str(result) == text


def test_imprecise_verdict(rng):
    x = rng.standard_normal(5)
    result = check_gradient(lambda v: np.sum(np.sin(v)), np.cos(x) * (1 + 1e-4), x)
    assert not result and result.verdict == "imprecise"
    assert check_gradient(lambda v: np.sum(np.sin(v)), np.cos(x) * (1 + 1e-4), x, tol=1e-3)


@pytest.mark.parametrize("answer", [None, "cos(x)", np.full(3, np.nan), np.ones(4)])
def test_unusable_answers_fail_without_warnings(answer):
    x = np.array([0.1, 0.2, 0.3])
    result = check_gradient(lambda v: np.sum(np.sin(v)), answer, x)
    assert not result and result.verdict == "wrong" and result.diagnosis
    assert "FAIL" in result.report()


def test_scalar_check_rejects_vector_function():
    with pytest.raises(ValueError, match="scalar"):
        check_gradient(np.sin, np.ones(3), np.zeros(3))


def test_assert_gradient_and_jacobian(rng):
    x = rng.standard_normal(4)
    assert assert_gradient(lambda v: np.sum(v**2), 2 * x, x)
    with pytest.raises(GradientCheckError, match="wrong sign") as caught:
        assert_gradient(lambda v: np.sum(v**2), -2 * x, x, name="g")
    assert isinstance(caught.value, AssertionError)
    assert not caught.value.result and caught.value.result.name == "g"
    assert assert_jacobian(np.tanh, np.diag(1 - np.tanh(x) ** 2), x)
    with pytest.raises(GradientCheckError, match="diagonal entries of the expected Jacobian"):
        assert_jacobian(np.tanh, 1 - np.tanh(x) ** 2, x)


def test_relative_error():
    x = np.array([1.0, 2.0, 3.0])
    assert relative_error(x, x) == 0 and relative_error(0, 0) == 0
    assert relative_error(x, -x) == pytest.approx(2) and relative_error(-x, x) == relative_error(x, -x)
    assert relative_error(1e300 * x, 1.01e300 * x) == pytest.approx(0.01 / 1.01)  # no overflow
    assert relative_error([1.0, np.inf], [1.0, np.inf]) == 0
    assert relative_error([1.0, np.nan], [1.0, 2.0]) == np.inf


def test_huge_answer_fails_quietly():
    x = np.array([1.0, 2.0, 3.0])
    result = check_gradient(lambda v: np.sum(v**2), 1e300 * x, x)
    assert not result and "times the expected one" in result.diagnosis[0]
