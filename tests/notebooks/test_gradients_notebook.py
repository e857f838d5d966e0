"""Notebook 01_gradients, outside nbgrader.

1. Every identity the notebook states, checked numerically on random non-symmetric, non-square inputs.
2. Its graded tests, run many times on fresh random inputs: the reference solution always passes the
   hidden tests (no correct answer fails by bad luck), and each grading hole the second edition
   closed (a shift other than the maximum, forward differences, someone else's estimator, 2Ax) is
   caught with its sentence, in the visible tests and in every draw of the hidden ones.
"""
import contextlib
import io
import re
from functools import lru_cache

import nbformat
import numpy as np
import pytest
import sympy as sp

import course
from autograder.coursedir.cells import fill_in, grade_id, reference_solutions, solution_cells
from autograder.coursedir.paths import release_notebook, source_notebook
from course.derivation import check_derivation
from course.grading import AnswerError

ASSIGNMENT = "01_gradients"
DRAWS = 200  # fresh draws of each hidden test for the reference solution
WRONG_DRAWS = 50  # fresh draws of each hidden test for a wrong answer
IMPORTS = "import numpy as np\nimport sympy as sp\nimport course\n"
rng = np.random.default_rng()


# ---------------------------------------------------------------------------------------------
# Running the notebook's solution and test cells


@lru_cache(maxsize=None)
def notebooks():
    """``(release, source)``: the assignment's two notebooks, read once."""
    return (nbformat.read(release_notebook(ASSIGNMENT), as_version=4),
            nbformat.read(source_notebook(ASSIGNMENT), as_version=4))


def namespace(**codes):
    """The notebook's answers run in one namespace: the reference solutions, with ``codes``
    (``{function: code}``) in place of some of them, as a learner's notebook would hold them."""
    release, source = notebooks()
    nb = fill_in(release, {**reference_solutions(source_notebook(ASSIGNMENT)), **codes})
    scope = {}
    exec(IMPORTS, scope)
    for cell in solution_cells(nb).values():
        exec(cell.source, scope)
    return scope


def cell_code(function):
    """``(visible, hidden)``: the code of ``test_<function>`` before its hidden part, and the hidden
    part with whatever follows it."""
    source = next(cell.source for cell in notebooks()[1].cells if grade_id(cell) == f"test_{function}")
    visible, rest = source.split("### BEGIN HIDDEN TESTS\n")
    hidden, after = rest.split("### END HIDDEN TESTS")
    return visible, hidden + after


def quiet(code, scope):
    """Run ``code`` in ``scope`` with its ✓ lines swallowed."""
    with contextlib.redirect_stdout(io.StringIO()):
        exec(code, scope)


NUMERIC = ["grad_linear", "grad_quadratic", "grad_least_squares", "grad_log_sum_exp", "hessian_log_sum_exp",
           "central_difference_gradient"]


def test_every_graded_function_is_covered_here():
    assert set(reference_solutions(source_notebook(ASSIGNMENT))) == set(NUMERIC) | {"derivation_quadratic"}


@pytest.mark.parametrize("function", NUMERIC)
def test_the_reference_passes_every_fresh_draw_of_the_hidden_tests(function):
    scope = namespace()
    visible, hidden = cell_code(function)
    quiet(visible, scope)
    for _ in range(DRAWS):
        quiet(hidden, scope)


def test_the_reference_derivation_earns_full_points_on_fresh_draws():
    scope = namespace()
    visible, hidden = cell_code("derivation_quadratic")
    quiet(visible, scope)
    for _ in range(20):
        quiet(hidden, scope)
        assert scope["result"].points(2) == 2.0, str(scope["result"])


NO_SHIFT = "return np.exp(x) / np.sum(np.exp(x))"
FORWARD = """
g = np.zeros_like(x)
for i in np.ndindex(x.shape):
    e = np.zeros_like(x)
    e[i] = h
    g[i] = (f(x + e) - f(x)) / h
return g
"""
HOLES = {
    "shift by the smallest entry": ("grad_log_sum_exp", "e = np.exp(x - x.min())\nreturn e / e.sum()", "overflows"),
    "shift by the mean": ("grad_log_sum_exp", "e = np.exp(x - x.mean())\nreturn e / e.sum()", "overflows"),
    "shift by the first entry": ("grad_log_sum_exp", "e = np.exp(x - x[0])\nreturn e / e.sum()", "overflows"),
    "no shift": ("grad_log_sum_exp", NO_SHIFT, "overflows"),
    "Hessian with no shift": ("hessian_log_sum_exp", "s = np.exp(x) / np.sum(np.exp(x))\nreturn np.diag(s) - np.outer(s, s)",
                              "overflows"),
    "forward difference": ("central_difference_gradient", FORWARD, "forward difference"),
    "the course's estimator": ("central_difference_gradient", "return course.numerical_gradient(f, x, h=h)",
                               "writing your own difference quotient is the exercise"),
    "2Ax": ("grad_quadratic", "return 2 * A @ x", "right only for symmetric A"),
}


@pytest.mark.parametrize("hole", list(HOLES))
def test_each_hole_is_caught_with_its_sentence_in_the_visible_and_every_hidden_draw(hole):
    function, code, sentence = HOLES[hole]
    wrong = namespace(**{function: code})[function]
    visible, hidden = cell_code(function)
    scope = namespace()
    scope[function] = wrong
    with pytest.raises(AnswerError, match=re.escape(sentence)):
        quiet(visible, scope)
    scope = namespace()
    quiet(visible, scope)
    scope[function] = wrong
    for _ in range(WRONG_DRAWS):
        with pytest.raises(AnswerError, match=re.escape(sentence)):
            quiet(hidden, scope)


def test_a_symmetric_only_derivation_earns_nothing_on_fresh_draws():
    scope = namespace(derivation_quadratic="steps = [2 * x.T * A * dx]\ngradient = 2 * A * x")
    visible, hidden = cell_code("derivation_quadratic")
    quiet(visible, scope)
    for _ in range(10):
        quiet(hidden, scope)
        assert scope["result"].points(2) == 0.0
    assert "right only for symmetric A" in str(scope["result"])


def test_the_finite_difference_checks_of_the_visible_tests_pass_the_reference_at_fresh_points():
    """The visible tests compare with finite differences at fixed points; at fresh points of the same
    kinds the reference passes those checks too: the gradient with entries near 0, near ±1000 and
    spread over 1000; the Hessian with entries near 0 and within a few units of ±1000, as in its test
    (where one softmax entry dominates, the Hessian is tiny and a twice-differenced reference is not
    precise enough; the hidden tests use the exact formula there)."""
    from course.grading import expect_derivative

    scope = namespace()
    quiet(cell_code("hessian_log_sum_exp")[0], scope)  # defines log_sum_exp and gradient_by_differences
    near = [lambda: rng.standard_normal(rng.integers(2, 7)),
            lambda: 1000 + rng.uniform(-2, 2, rng.integers(2, 6)),
            lambda: -1000 + rng.uniform(-2, 2, rng.integers(2, 6))]
    far = [lambda: 1000 + 3 * rng.standard_normal(rng.integers(2, 6)),
           lambda: -1000 + 3 * rng.standard_normal(rng.integers(2, 6)),
           lambda: np.array([0.0, 1000.0, -300.0]) + rng.standard_normal(3)]
    with contextlib.redirect_stdout(io.StringIO()):
        for _ in range(DRAWS // 4):
            for point in near + far:
                x = point()
                tol = 1e-5 if np.abs(x).max() < 100 else 1e-4  # as in the tests: the step grows with |x|
                expect_derivative(scope["grad_log_sum_exp"], (x,), of=scope["log_sum_exp"], tol=tol)
                if point in near:
                    expect_derivative(scope["hessian_log_sum_exp"], (x,), of=scope["gradient_by_differences"], tol=tol)


def test_forward_and_central_differences_are_told_apart_at_h_1e_2_on_every_draw():
    """On the test's function Σ exp(xᵢ) the errors are h²/6 and h/2 at every point: the tolerance
    1e-3 of the h = 1e-2 check sits between them with room on both sides."""
    scope = namespace()
    quiet(cell_code("central_difference_gradient")[0], scope)
    growth, exact = scope["growth"], scope["growth_gradient"]
    forward = namespace(central_difference_gradient=FORWARD)["central_difference_gradient"]
    for _ in range(DRAWS):
        x = 2 * rng.standard_normal([(4,), (6,), (2, 3), (3, 4)][rng.integers(4)])
        central_error = course.relative_error(scope["central_difference_gradient"](growth, x, 1e-2), exact(growth, x, 0))
        forward_error = course.relative_error(forward(growth, x, 1e-2), exact(growth, x, 0))
        assert central_error < 2e-5 and forward_error > 4.9e-3, (central_error, forward_error)


# ---------------------------------------------------------------------------------------------
# The identities the notebook states


def numerical_gradient(f, x):
    return course.numerical_gradient(f, x)


def close(a, b, tol=1e-6):
    return course.relative_error(np.asarray(a), np.asarray(b)) < tol


def test_the_worked_examples_of_the_differential_method():
    f = lambda x: x[0] ** 2 * x[1] + np.sin(x[2])  # noqa: E731  (section 1, by partial derivatives)
    x = rng.standard_normal(3)
    assert close(numerical_gradient(f, x), [2 * x[0] * x[1], x[0] ** 2, np.cos(x[2])])
    for _ in range(20):
        m, n = rng.choice([2, 3, 5, 7], size=2, replace=False)
        a, x = rng.standard_normal(n), rng.standard_normal(n)
        A, b = rng.standard_normal((m, n)), rng.standard_normal(m)
        assert close(numerical_gradient(lambda z: z @ z, x), 2 * x)
        assert close(numerical_gradient(lambda z: b @ A @ z, x), A.T @ b)
        assert close(numerical_gradient(lambda z: a @ z, x), a)


def test_quadratic_forms_their_gradient_hessian_and_the_symmetric_trap():
    for _ in range(20):
        n = rng.integers(2, 7)
        A, x = rng.standard_normal((n, n)), rng.standard_normal(n)
        B = rng.standard_normal((n, n - 1))
        S = B @ B.T
        assert np.allclose(S, S.T)
        assert close(numerical_gradient(lambda z: z @ A @ z, x), (A + A.T) @ x)
        assert not close(numerical_gradient(lambda z: z @ A @ z, x), 2 * A @ x, tol=1e-2)
        assert close(numerical_gradient(lambda z: z @ S @ z, x), 2 * S @ x)
        assert np.isclose(x @ A @ x, x @ ((A + A.T) / 2) @ x)
        hessian = course.numerical_jacobian(lambda z: (A + A.T) @ z, x)
        assert close(hessian, A + A.T) and np.allclose(hessian, hessian.T)


def test_least_squares_gradient_hessian_second_difference_and_normal_equations():
    for m, n in ((6, 3), (3, 5), (7, 4)):
        A, b, x = rng.standard_normal((m, n)), rng.standard_normal(m), rng.standard_normal(n)
        f = lambda z: np.sum((A @ z - b) ** 2)  # noqa: E731
        assert close(numerical_gradient(f, x), 2 * A.T @ (A @ x - b))
        assert close(course.numerical_jacobian(lambda z: 2 * A.T @ (A @ z - b), x), 2 * A.T @ A)
        for scale in (1e-3, 1.0, 50.0):  # exact whatever the size of v: f is quadratic
            v = scale * rng.standard_normal(n)
            second = f(x + v) - 2 * f(x) + f(x - v)
            assert np.isclose(second, v @ (2 * A.T @ A) @ v, rtol=1e-6, atol=1e-9 * f(x))
            assert v @ (2 * A.T @ A) @ v >= 0
        if m > n:
            solution = np.linalg.lstsq(A, b, rcond=None)[0]
            assert np.allclose(A.T @ A @ solution, A.T @ b)
            assert np.allclose(2 * A.T @ (A @ solution - b), 0, atol=1e-10)


def test_log_of_one_plus_the_squared_norm():
    for _ in range(20):
        x = rng.standard_normal(rng.integers(2, 6))
        q = 1 + x @ x
        assert close(numerical_gradient(lambda z: np.log(1 + z @ z), x), 2 * x / q)
        hessian = 2 / q * np.eye(len(x)) - 4 / q**2 * np.outer(x, x)
        assert close(course.numerical_jacobian(lambda z: 2 * z / (1 + z @ z), x), hessian)


def softmax(x):
    e = np.exp(x - x.max())
    return e / e.sum()


def log_sum_exp(x):
    return x.max() + np.log(np.sum(np.exp(x - x.max())))


def test_log_sum_exp_bounds_shift_gradient_and_hessian():
    for _ in range(50):
        n = rng.integers(2, 7)
        x = rng.standard_normal(n) * rng.choice([1, 10, 100])
        f = log_sum_exp(x)
        assert x.max() <= f <= x.max() + np.log(n) + 1e-12
        for c in (x.max(), x.min(), x.mean(), 3.7):
            with np.errstate(over="ignore"):
                shifted = c + np.log(np.sum(np.exp(x - c)))
            if np.all(x - c < 700):  # the identity holds for every c; only overflow spoils it
                assert np.isclose(shifted, f)
        s = softmax(x)
        assert np.all(s >= 0) and np.isclose(s.sum(), 1)
        assert np.allclose(softmax(x + 123.4), s)
        small = x / np.abs(x).max()  # finite differences are informative where f is not flat
        assert close(numerical_gradient(log_sum_exp, small), softmax(small))
        H = np.diag(s) - np.outer(s, s)
        assert np.allclose(H, H.T) and np.allclose(H.sum(axis=1), 0, atol=1e-15)
        assert np.linalg.eigvalsh(H).min() > -1e-15
        v = rng.standard_normal(n)
        assert np.isclose(v @ H @ v, np.sum(s * v**2) - np.sum(s * v) ** 2)
        s_small = softmax(small)
        assert close(course.numerical_jacobian(softmax, small), np.diag(s_small) - np.outer(s_small, s_small))


def test_exp_overflows_past_709_and_the_spread_example_defeats_every_shift_but_the_maximum():
    with np.errstate(over="ignore", under="ignore"):
        assert np.isfinite(np.exp(709.7)) and np.isinf(np.exp(709.8))
        assert np.exp(-744.0) > 0 and np.exp(-746.0) == 0
        spread = np.array([0.0, 1000.0, -300.0])
        assert np.isinf(np.log(np.sum(np.exp(spread))))
        for c in (spread.min(), spread.mean(), spread[0], 0.0):
            assert np.any(spread - c > 709.8)
        assert np.all(spread - spread.max() <= 0) and np.isclose(log_sum_exp(spread), 1000.0)


def test_the_remainder_along_a_direction_shrinks_like_t_squared_only_for_the_right_gradient():
    f = lambda x: x[0] ** 2 * x[1] + np.sin(x[2])  # noqa: E731
    gradient = lambda x: np.array([2 * x[0] * x[1], x[0] ** 2, np.cos(x[2])])  # noqa: E731
    for _ in range(20):
        x, v = rng.standard_normal(3), rng.standard_normal(3)
        wrong = gradient(x) * np.array([1.0, 1.0, -1.0])
        ts = np.array([1e-3, 1e-4])
        right = [abs(f(x + t * v) - f(x) - t * gradient(x) @ v) for t in ts]
        bad = [abs(f(x + t * v) - f(x) - t * wrong @ v) for t in ts]
        assert 50 < right[0] / right[1] < 200  # like t²
        if abs(np.cos(x[2]) * v[2]) > 1e-2:  # the sign slip shows along this v
            assert 5 < bad[0] / bad[1] < 20  # like t


def test_the_complex_step_is_exact_for_analytic_functions_and_silently_wrong_with_abs():
    x = rng.standard_normal(4)
    smooth = lambda z: np.sum(np.sin(z) * np.exp(z / 3))  # noqa: E731
    exact = (np.cos(x) + np.sin(x) / 3) * np.exp(x / 3)
    assert close(course.numerical_gradient(smooth, x, method="complex"), exact, tol=1e-14)
    cubes = lambda z: np.sum(np.abs(z) ** 3)  # noqa: E731
    assert close(course.numerical_gradient(cubes, x), 3 * x * np.abs(x))
    assert np.all(course.numerical_gradient(cubes, x, method="complex") == 0)


def test_the_central_difference_of_a_cubic_is_its_derivative_plus_h_squared():
    for h in (0.5, 0.1):
        x = rng.standard_normal((3, 2))
        estimate = namespace()["central_difference_gradient"](lambda X: np.sum(X**3), x, h)
        assert np.allclose(estimate, 3 * x**2 + h**2)


def test_the_derivation_worked_example_earns_full_points():
    n = sp.Symbol("n")
    x, dx = sp.MatrixSymbol("x", n, 1), sp.MatrixSymbol("dx", n, 1)
    result = check_derivation(x.T * x, [dx.T * x + x.T * dx, 2 * x.T * dx], 2 * x, wrt=x, direction=dx)
    assert result.points(2) == 2.0
