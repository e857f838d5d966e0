"""The nbgrader test-cell helpers (course.grading): the right sentence for each mistake, and never a word on stderr.

nbgrader gives zero points to a test cell that writes to stderr, so every test here also
checks that nothing reached stderr and that no warning escaped.
"""
import warnings

import numpy as np
import pytest

from course.grading import AnswerError, expect_close, expect_derivative, expect_matches, run_learner


@pytest.fixture
def quiet(capsys, recwarn):
    """Yield a function returning stdout; after the test, assert that stderr and the warning log are empty."""
    captured = []

    def stdout():
        out, err = capsys.readouterr()
        captured.append(err)
        return out

    yield stdout
    captured.append(capsys.readouterr().err)
    assert "".join(captured) == ""
    assert [str(w.message) for w in recwarn] == []


@pytest.fixture
def data(rng):
    """Non-symmetric A, non-square B, and vectors for the quadratic form and least squares."""
    return {
        "A": rng.standard_normal((4, 4)),
        "x": rng.standard_normal(4),
        "B": rng.standard_normal((5, 3)),
        "b": rng.standard_normal(5),
        "y": rng.standard_normal(3),
    }


def quad(A, x):
    return x @ A @ x


def grad_quad(A, x):
    return (A + A.T) @ x


# --- right answers ------------------------------------------------------------------------------


def test_right_derivative_prints_a_check_mark(data, quiet):
    expect_derivative(grad_quad, (data["A"], data["x"]), of=quad, symmetric=0)
    assert quiet() == "✓ grad_quad is right\n"
    expect_derivative(
        lambda B, b, y: 2 * B.T @ (B @ y - b), (data["B"], data["b"], data["y"]),
        of=lambda B, b, y: np.sum((B @ y - b) ** 2), name="grad_ls",
    )
    assert quiet() == "✓ grad_ls is right\n"


def test_right_jacobian_and_wrt(data, quiet):
    def jac_tanh(A, x):
        return (1 - np.tanh(A @ x) ** 2)[:, None] * A

    expect_derivative(jac_tanh, (data["B"], data["y"]), of=lambda A, x: np.tanh(A @ x))
    expect_derivative(
        lambda A, X: A.T, (data["B"].T, data["B"]), of=lambda A, X: np.trace(A @ X), wrt=1, name="grad_trace"
    )
    assert quiet() == "✓ jac_tanh is right\n✓ grad_trace is right\n"


def test_right_answer_as_list_or_float32(data, quiet):
    args = (data["A"], data["x"])
    expect_matches(lambda A, x: grad_quad(A, x).tolist(), args, grad_quad, name="as_list")
    expect_matches(lambda A, x: grad_quad(A, x).astype(np.float32), args, grad_quad, name="as_float32")
    assert quiet() == "✓ as_list is right\n✓ as_float32 is right\n"


def test_expect_close(quiet):
    expect_close(np.array([1.0, 2.0]), np.array([1.0, 2.0]), name="v")
    assert quiet() == "✓ v is right\n"
    with pytest.raises(AnswerError, match=r"^v: wrong sign"):
        expect_close(np.array([-1.0, -2.0]), np.array([1.0, 2.0]), name="v")
    with pytest.raises(AnswerError, match=r"^v: off by a factor of 2"):
        expect_close(np.array([2.0, 4.0]), np.array([1.0, 2.0]), name="v")
    assert quiet() == ""


# --- wrong answers ------------------------------------------------------------------------------


def test_not_implemented(data, quiet):
    def grad_quad(A, x):
        raise NotImplementedError()

    with pytest.raises(AnswerError, match=r"^grad_quad: not implemented yet: replace `raise NotImplementedError`"):
        expect_derivative(grad_quad, (data["A"], data["x"]), of=quad)
    assert quiet() == ""


def test_learner_raises(data, quiet):
    def grad_quad(A, x):
        return A @ x[:2]

    with pytest.raises(AnswerError, match=r"^grad_quad raised ValueError: matmul"):
        expect_derivative(grad_quad, (data["A"], data["x"]), of=quad)
    assert quiet() == ""


def test_changes_its_argument_in_place(data, quiet):
    def grad_quad(A, x):
        A += A.T
        return A @ x

    A = data["A"].copy()
    with pytest.raises(AnswerError, match=r"^grad_quad changed its argument number 1 in place: work on a copy"):
        expect_derivative(grad_quad, (A, data["x"]), of=quad)
    np.testing.assert_array_equal(A, data["A"])  # the test's own data survive
    assert quiet() == ""


def test_returns_none(data, quiet):
    with pytest.raises(AnswerError, match=r"is the `return` statement missing\?"):
        expect_derivative(lambda A, x: None, (data["A"], data["x"]), of=quad, name="g")
    assert quiet() == ""


@pytest.mark.parametrize(
    ("wrong", "sentence"),
    [
        (lambda A, x: -grad_quad(A, x), "wrong sign"),
        (lambda A, x: 2 * grad_quad(A, x), "off by a factor of 2"),
        (lambda A, x: grad_quad(A, x)[:, None], "the numbers are right: return a flat array of shape (4,)"),
        (lambda A, x: 0 * x, "the result is all zeros"),
    ],
)
def test_typical_mistakes(data, quiet, wrong, sentence):
    with pytest.raises(AnswerError) as caught:
        expect_derivative(wrong, (data["A"], data["x"]), of=quad, symmetric=0, name="g")
    assert str(caught.value).startswith("g: ") and sentence in str(caught.value)
    assert quiet() == ""


def test_symmetric_only(data, quiet):
    with pytest.raises(AnswerError, match=r"^grad_quad: right only for symmetric A"):
        expect_derivative(lambda A, x: 2 * A @ x, (data["A"], data["x"]), of=quad, symmetric=0, name="grad_quad")
    with pytest.raises(AnswerError, match=r"^grad_quad: right only for symmetric A"):
        expect_matches(lambda A, x: 2 * A @ x, (data["A"], data["x"]), grad_quad, symmetric=0, name="grad_quad")
    assert quiet() == ""


def test_transpose_of_a_non_square_answer(data, quiet):
    with pytest.raises(AnswerError, match=r"shape \(3, 5\) but expected \(5, 3\); your result is the transpose"):
        expect_derivative(
            lambda A, X: A, (data["B"].T, data["B"]), of=lambda A, X: np.trace(A @ X), wrt=1, name="grad_trace"
        )
    assert quiet() == ""


def test_specific_mistake_is_preferred(data, quiet):
    mistakes = {
        "you differentiated only one of the two x's: the answer has both A x and Aᵀ x": lambda A, x: A @ x,
        "the other known slip": lambda A, x: A.T @ A @ x,
    }
    with pytest.raises(AnswerError) as caught:
        expect_derivative(lambda A, x: A @ x, (data["A"], data["x"]), of=quad, symmetric=0, mistakes=mistakes, name="g")
    assert str(caught.value) == "g: you differentiated only one of the two x's: the answer has both A x and Aᵀ x"
    # an answer matching no known mistake gets the generic sentence
    with pytest.raises(AnswerError, match=r"^g: wrong sign"):
        expect_matches(lambda A, x: -grad_quad(A, x), (data["A"], data["x"]), grad_quad, mistakes=mistakes, name="g")
    assert quiet() == ""


def value_and_gradient(A, x):
    return quad(A, x), grad_quad(A, x)


def test_tuple_parts(data, quiet):
    args = (data["A"], data["x"])
    options = dict(parts=["value", "gradient"], name="value_and_gradient")
    expect_matches(value_and_gradient, args, value_and_gradient, **options)
    assert quiet() == "✓ value_and_gradient is right\n"
    with pytest.raises(AnswerError, match=r"^value_and_gradient \(gradient\): wrong sign"):
        expect_matches(lambda A, x: (quad(A, x), -grad_quad(A, x)), args, value_and_gradient, **options)
    with pytest.raises(AnswerError, match=r"^value_and_gradient \(value\): off by a factor of 2"):
        expect_matches(lambda A, x: (2 * quad(A, x), grad_quad(A, x)), args, value_and_gradient, **options)
    with pytest.raises(
        AnswerError, match=r"^value_and_gradient: expected a tuple of 2 results \(value, gradient\), got ndarray"
    ):
        expect_matches(grad_quad, args, value_and_gradient, **options)
    with pytest.raises(AnswerError, match=r"\(part 2\)"):
        expect_close((1.0, 2.0), (1.0, 3.0), name="pair")
    assert quiet() == ""


def test_specific_mistake_in_a_tuple_part(data):
    mistakes = {"the gradient misses Aᵀ x": lambda A, x: (quad(A, x), A @ x)}
    with pytest.raises(AnswerError, match="misses Aᵀ x"):
        expect_matches(
            lambda A, x: (quad(A, x), A @ x), (data["A"], data["x"]), value_and_gradient,
            parts=["value", "gradient"], mistakes=mistakes, name="vg",
        )


# --- the learner's noise never reaches stderr ---------------------------------------------------


def test_learner_warnings_are_silenced(data, quiet):
    def noisy(A, x):
        warnings.warn("a learner's own warning")
        np.log(-1.0)
        np.float64(1e308) * 10
        return grad_quad(A, x)

    expect_derivative(noisy, (data["A"], data["x"]), of=quad)
    assert quiet() == "✓ noisy is right\n"


def test_nan_answer_without_warnings(data, quiet):
    def grad_quad(A, x):
        return np.log(-x) * 0 + np.sqrt(-1.0) + x / 0

    with pytest.raises(AnswerError, match=r"^grad_quad: the result contains NaN"):
        expect_derivative(grad_quad, (data["A"], data["x"]), of=quad)
    assert quiet() == ""


def test_run_learner_returns_the_result_on_copies(data, quiet):
    x = data["x"].copy()
    result = run_learner(lambda v: v, x)
    assert result is not x and np.array_equal(result, x)
    assert run_learner(lambda a, k: a * k, 3, 2) == 6
    with pytest.raises(AnswerError, match=r"^f changed its argument number 1 in place"):
        run_learner(lambda v: v.sort(), np.array([3.0, 1.0, 2.0]), name="f")
    assert issubclass(AnswerError, AssertionError)
    assert quiet() == ""


# --- someone else's finite differences, where writing your own is the exercise ----------------


def own_central_difference(f, x, h):
    gradient = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = h
        gradient[index] = (f(x + step) - f(x - step)) / (2 * h)
    return gradient


def course_helper(f, x, h):
    import course

    return course.numerical_gradient(f, x, h=h)


def course_helper_with_fallback(f, x, h):
    import course

    try:
        return course.numerical_gradient(f, x, h=h)
    except Exception:  # a learner who catches the refusal is still caught
        return own_central_difference(f, x, h)


def scipy_approx_fprime(f, x, h):
    from scipy.optimize import approx_fprime

    return approx_fprime(x, f, h)


def scipy_approx_derivative(f, x, h):
    from scipy.optimize._numdiff import approx_derivative

    return approx_derivative(f, x, method="3-point", abs_step=h)


@pytest.mark.parametrize(
    ("estimator", "named"),
    [
        (course_helper, "the course's finite-difference helpers"),
        (course_helper_with_fallback, "the course's finite-difference helpers"),
        (scipy_approx_fprime, "scipy"),
        (scipy_approx_derivative, "scipy.optimize's approx_derivative"),
    ],
)
def test_calling_an_estimator_earns_nothing_where_writing_one_is_the_exercise(data, quiet, estimator, named):
    args = (lambda v: np.sum(np.sin(v)), data["x"], 1e-6)
    np.testing.assert_allclose(run_learner(estimator, *args), np.cos(data["x"]), atol=1e-5)  # allowed elsewhere
    with pytest.raises(AnswerError, match=r"calls .*earns nothing here: writing your own difference quotient") as caught:
        expect_matches(estimator, args, lambda f, x, h: np.cos(x), refuse_estimators=True, tol=1e-6)
    assert named in str(caught.value)
    expect_matches(own_central_difference, args, lambda f, x, h: np.cos(x), refuse_estimators=True, tol=1e-6)
    assert quiet().count("✓") == 1


def test_refusal_ends_with_the_call(data):
    import course

    with pytest.raises(AnswerError):
        run_learner(course_helper, np.sum, data["x"], 1e-6, refuse_estimators=True)
    assert course.numerical_gradient(np.sum, data["x"]).shape == data["x"].shape
    import sys

    assert sys.getprofile() is None


def test_a_refusal_inside_another_leaves_the_outer_one_refusing(data):
    """Leaving an inner block puts back the outer block's state instead of switching the guard off."""
    from course import guard

    with guard.estimates_refused() as outer:
        with guard.estimates_refused() as inner:
            with pytest.raises(guard.EstimateRefused):
                guard.ensure_estimate_allowed("the inner helper")
        with pytest.raises(guard.EstimateRefused):
            guard.ensure_estimate_allowed("the outer helper")
    assert (inner, outer) == (["the inner helper"], ["the outer helper"])
    guard.ensure_estimate_allowed("a helper outside grading")  # allowed again


def test_a_failing_test_cell_shows_its_sentence_in_a_few_lines_not_a_traceback():
    """In a real kernel: the error output is the sentence in a marked box, and it is still an error
    (so nbgrader scores the cell zero)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    code = (
        "import numpy as np\nfrom course.grading import expect_derivative\n"
        "A, x = np.arange(9.0).reshape(3, 3), np.ones(3)\n"
        "expect_derivative(lambda A, x: 2 * A @ x, (A, x), of=lambda A, x: x @ A @ x, symmetric=0, name='g')"
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    with pytest.raises(CellExecutionError):
        NotebookClient(nb, kernel_name="python3", timeout=60).execute()
    (error,) = nb.cells[0].outputs
    assert error.output_type == "error" and error.ename == "AnswerError"
    assert 2 <= len(error.traceback) <= 4
    text = "\n".join(error.traceback)
    assert "Not right yet" in text and "right only for symmetric A" in text
    assert "grading.py" not in text and "Traceback" not in text
