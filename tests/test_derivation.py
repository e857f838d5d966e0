"""Tests of course.derivation: right derivations pass, wrong steps are found and named, bad input is refused."""
import numpy as np
import pytest
import sympy as sp

from course.derivation import (
    DerivationError,
    DerivationInputError,
    DerivationResult,
    assert_derivation,
    check_derivation,
    symbols_for,
)

n, m = sp.symbols("n m")
X, dX = symbols_for("X dX", n, n)
Y, dY = symbols_for("Y dY", n, m)  # non-square variable
A = symbols_for("A", n)
TR_X2 = sp.Trace(X * X)


def check_tr_x2(steps, gradient=2 * X.T, **options):
    return check_derivation(TR_X2, steps, gradient, wrt=X, direction=dX, **options)


# --- right derivations ------------------------------------------------------------------------

RIGHT = {
    "tr(X²)": (TR_X2, [sp.Trace(dX * X + X * dX), sp.Trace(X * dX) + sp.Trace(X * dX), sp.Trace(2 * X * dX)], 2 * X.T, X, dX),
    "tr(XᵀAX), X n×m": (
        sp.Trace(Y.T * A * Y),
        [sp.Trace(dY.T * A * Y + Y.T * A * dY), sp.Trace(Y.T * A.T * dY) + sp.Trace(Y.T * A * dY), sp.Trace(Y.T * (A.T + A) * dY)],
        (A + A.T) * Y,
        Y,
        dY,
    ),
    "log det X": (sp.log(sp.Determinant(X)), [sp.Trace(X.inverse() * dX)], X.inverse().T, X, dX),
    "det X": (
        sp.Determinant(X),
        [sp.Determinant(X) * sp.Trace(X.inverse() * dX)],
        sp.Determinant(X) * X.inverse().T,
        X,
        dX,
    ),
    "d(X⁻¹)": (X.inverse(), [-X.inverse() * dX * X.inverse()], None, X, dX),
}


@pytest.mark.parametrize("name", RIGHT)
def test_right_derivations_pass_with_full_credit(name):
    function, steps, gradient, wrt, direction = RIGHT[name]
    result = check_derivation(function, steps, gradient, wrt=wrt, direction=direction)
    assert isinstance(result, DerivationResult)
    assert result, result.report()
    assert result.first_wrong is None and result.correct_steps == len(steps)
    assert result.gradient_ok is (None if gradient is None else True)
    assert result.fraction == 1.0 and result.points(3) == 3.0
    assert result.messages == [] and result.mistake is None
    assert result.report().count("✓") == len(steps) + (gradient is not None)
    assert assert_derivation(function, steps, gradient, wrt=wrt, direction=direction)


def test_non_square_variable_gets_distinct_sizes():
    function, steps, gradient, wrt, direction = RIGHT["tr(XᵀAX), X n×m"]
    result = check_derivation(function, steps, gradient, wrt=wrt, direction=direction, trials=5)
    assert len(result.sizes) == 5
    assert all(sizes[n] != sizes[m] and 2 <= min(sizes.values()) for sizes in result.sizes)


def test_a_single_size_varies_between_trials_and_can_be_fixed():
    free = check_tr_x2([sp.Trace(2 * X * dX)], seed=3)
    assert len({sizes[n] for sizes in free.sizes}) == 3
    fixed = check_tr_x2([sp.Trace(2 * X * dX)], sizes={"n": 7})
    assert fixed and [sizes[n] for sizes in fixed.sizes] == [7, 7, 7]


def test_vector_variable_and_constants():
    x, dx = symbols_for("x dx", n, 1)
    c = sp.Symbol("c")
    result = check_derivation(
        c * (x.T * A * x), [c * (dx.T * A * x + x.T * A * dx)], c * (A + A.T) * x, wrt=x, direction=dx
    )
    assert result, result.report()


# --- wrong steps ------------------------------------------------------------------------------

WRONG_MIDDLE = {
    "transpose": (sp.Trace(2 * X.T * dX), "transpose"),
    "sign": (sp.Trace(-2 * X * dX), "wrong sign"),
    "factor": (sp.Trace(4 * X * dX), "factor of 2"),
}


@pytest.mark.parametrize("kind", WRONG_MIDDLE)
def test_wrong_middle_step_is_named_by_index_and_kind(kind):
    wrong, words = WRONG_MIDDLE[kind]
    result = check_tr_x2([sp.Trace(dX * X + X * dX), wrong, sp.Trace(2 * X * dX)])
    assert not result
    assert result.first_wrong == 1 and result.correct_steps == 1
    assert result.mistake == kind
    first = result.messages[0]
    assert first.startswith("step 2 of 3 (index 1) is not equal to the step before")
    assert words in first
    # the last step equals the true differential, but not the wrong step before it
    assert result.step_ok == [True, False, False]
    assert result.gradient_ok is True
    assert result.points(4) == pytest.approx(4 * 2 / 4)
    with pytest.raises(DerivationError) as raised:
        assert_derivation(TR_X2, [sp.Trace(dX * X + X * dX), wrong, sp.Trace(2 * X * dX)], 2 * X.T, wrt=X, direction=dX)
    assert raised.value.result.first_wrong == 1 and words in str(raised.value)


def test_a_mistake_carried_forward_costs_only_the_wrong_step_and_the_gradient():
    result = check_tr_x2([sp.Trace(dX * X + X * dX), sp.Trace(2 * X.T * dX)], 2 * X)
    assert result.step_ok == [True, False] and result.gradient_ok is False
    assert result.points(3) == pytest.approx(1.0)
    assert "does match your last step" in result.gradient_reason


def test_wrong_first_step_is_compared_with_the_true_differential():
    result = check_tr_x2([sp.Trace(X * dX), sp.Trace(X * dX)], X.T)
    assert result.first_wrong == 0 and result.correct_steps == 0
    assert result.mistake == "factor"
    assert result.messages[0].startswith("step 1 of 2 (index 0) is not the differential of f")
    assert "half the true differential" in result.messages[0]
    assert result.step_ok == [False, True] and result.gradient_ok is False
    assert result.points(3) == pytest.approx(1.0)


def test_transposed_first_step_of_a_matrix_valued_function():
    result = check_derivation(X.inverse(), [-(X.inverse() * dX * X.inverse()).T], wrt=X, direction=dX)
    assert result.first_wrong == 0 and result.mistake == "transpose"
    assert result.points(2) == 0.0


def test_wrong_read_off_gradient_is_a_transpose():
    result = check_tr_x2([sp.Trace(dX * X + X * dX), sp.Trace(2 * X * dX)], 2 * X)
    assert result.step_ok == [True, True] and result.correct_steps == 2
    assert result.gradient_ok is False and result.mistake == "transpose"
    assert "transpose" in result.gradient_reason and "Mᵀ" in result.gradient_reason
    assert result.fraction == pytest.approx(2 / 3)
    assert result.points(3) == pytest.approx(2.0)
    assert "✗ gradient" in result.report()


def test_right_gradient_that_does_not_follow_from_the_last_step():
    result = check_tr_x2([sp.Trace(dX * X + X * dX), sp.Trace(-2 * X * dX)], 2 * X.T)
    assert result.gradient_ok is False and "not your last step" in result.gradient_reason


def test_gradient_right_only_for_symmetric_A():
    x, dx = symbols_for("x dx", n, 1)
    result = check_derivation(x.T * A * x, [x.T * (A + A.T) * dx], 2 * A * x, wrt=x, direction=dx)
    assert result.step_ok == [True] and result.gradient_ok is False
    assert result.mistake == "symmetric-only"


@pytest.mark.parametrize(
    ("step", "words"),
    [
        (sp.Trace(dX * X + X * dX + dX * dX), "not linear in dX"),
        (sp.Trace(2 * X * dX) + 1, "a term without dX"),
        (2 * sp.Trace(X), "does not contain dX"),
    ],
)
def test_steps_that_are_not_differentials(step, words):
    result = check_tr_x2([step], None)
    assert result.first_wrong == 0 and result.mistake == "nonlinear" and words in result.messages[0]


def test_step_that_is_not_a_number_is_wrong_quietly(capsys, recwarn):
    result = check_tr_x2([sp.Trace(2 * X * dX), sp.log(-sp.Trace(X * X.T)) * sp.Trace(dX)], None)
    assert result.first_wrong == 1 and result.mistake == "nonfinite"
    assert capsys.readouterr().err == "" and len(recwarn) == 0


def test_non_square_wrong_step_in_a_quadratic_form():
    result = check_derivation(
        sp.Trace(Y.T * A * Y), [sp.Trace(2 * Y.T * A * dY)], (A + A.T) * Y, wrt=Y, direction=dY
    )
    assert result.first_wrong == 0 and result.mistake == "symmetric-only"


# --- malformed input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("steps", "gradient", "words"),
    [
        ([sp.Trace(2 * X * dX), "tr(2 X dX)"], 2 * X.T, ["step 2 of 2 (index 1)", "string"]),
        ([np.eye(3)], 2 * X.T, ["step 1 of 1 (index 0)", "NumPy array"]),
        ([sp.Trace(2 * X * dX), 2 * X * dX], 2 * X.T, ["step 2 of 2 (index 1)", "shape (n, n)", "scalar"]),
        ([2 * X * dX], 2 * X.T, ["step 1 of 1 (index 0)", "shape (n, n)"]),
        ([sp.Trace(2 * X * dX), sp.Trace(2 * A * dX)], 2 * X.T, ["step 2 of 2 (index 1)", "A", "not in the function"]),
        ([sp.Trace(2 * X * dX) * sp.Symbol("k")], 2 * X.T, ["step 1 of 1 (index 0)", "k"]),
        ([sp.Trace(2 * X * dX)], 2 * dX.T, ["gradient", "dX"]),
        ([sp.Trace(2 * X * dX)], "2*X.T", ["gradient", "string"]),
        ([sp.Eq(sp.Trace(2 * X * dX), 0)], None, ["step 1 of 1 (index 0)", "Equality"]),
        (sp.Trace(2 * X * dX), None, ["list"]),
        ([], None, ["nothing to check"]),
    ],
)
def test_malformed_input_is_refused_with_a_message_naming_the_step(steps, gradient, words):
    with pytest.raises(DerivationInputError) as raised:
        check_tr_x2(steps, gradient)
    assert isinstance(raised.value, ValueError)
    for word in words:
        assert word in str(raised.value)


def test_gradient_of_the_wrong_shape_is_refused():
    with pytest.raises(DerivationInputError, match=r"gradient is of shape \(m, n\).*transposed shape"):
        check_derivation(
            sp.Trace(Y.T * A * Y), [sp.Trace(Y.T * (A + A.T) * dY)], Y.T * (A + A.T), wrt=Y, direction=dY
        )


def test_gradient_of_a_matrix_valued_function_is_refused():
    with pytest.raises(DerivationInputError, match="scalar function"):
        check_derivation(X.inverse(), [-X.inverse() * dX * X.inverse()], X, wrt=X, direction=dX)


@pytest.mark.parametrize(
    "options",
    [
        {"direction": X},
        {"direction": dY},
        {"wrt": "X"},
        {"sizes": {"k": 3}},
        {"sizes": {"n": 0}},
        {"trials": 0},
    ],
)
def test_bad_options_are_refused(options):
    arguments = {"wrt": X, "direction": dX, **options}
    with pytest.raises(DerivationInputError):
        check_derivation(TR_X2, [sp.Trace(2 * X * dX)], 2 * X.T, **arguments)


def test_two_symbols_with_one_name_are_refused():
    other_X = sp.MatrixSymbol("X", m, m)
    with pytest.raises(DerivationInputError, match="both called X"):
        check_derivation(TR_X2 + sp.Trace(other_X), [sp.Trace(2 * X * dX)], wrt=X, direction=dX)


# --- randomness, output, helpers ---------------------------------------------------------------

NOT_A_SLIP = [-X.inverse() * dX * X.inverse() * X]  # wrong in a way whose message quotes a random number


def test_seed_none_draws_fresh_numbers_and_an_int_repeats_them():
    def run(seed):
        result = check_derivation(X.inverse(), NOT_A_SLIP, wrt=X, direction=dX, seed=seed, trials=4)
        return result.messages[0], [sizes[n] for sizes in result.sizes]

    assert run(5) == run(5)
    assert len({repr(run(None)) for _ in range(4)}) > 1


def test_nothing_is_written_to_stderr_or_warned(capsys, recwarn):
    for name in RIGHT:
        function, steps, gradient, wrt, direction = RIGHT[name]
        check_derivation(function, steps, gradient, wrt=wrt, direction=direction)
    check_derivation(X.inverse(), NOT_A_SLIP, wrt=X, direction=dX)
    check_derivation(sp.log(sp.Determinant(X)), [sp.Trace(X * dX)], X, wrt=X, direction=dX)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""
    assert len(recwarn) == 0, [str(w.message) for w in recwarn]


def test_report_and_html():
    result = check_tr_x2([sp.Trace(dX * X + X * dX), sp.Trace(2 * X.T * dX)], 2 * X)
    text = str(result)
    assert text.startswith("Not yet") and text.count("✗") == 2 and text.count("✓") == 1
    assert "step 2 of 2 (index 1): Trace(2*X.T*dX)" in text and "checked at 3 random points" in text
    page = result._repr_html_()
    assert page.startswith("<div") and "✗" in page and "transpose" in page
    assert str(check_tr_x2([sp.Trace(2 * X * dX)])).startswith("All right")


def test_symbols_for():
    P, Q = symbols_for("P Q", n, m)
    assert isinstance(P, sp.MatrixSymbol) and P.shape == (n, m) and Q.name == "Q"
    R = symbols_for("R", "n")
    assert R.shape == (n, n)
    v = symbols_for("v", 3, 1)
    assert v.shape == (3, 1)
    with pytest.raises(ValueError):
        symbols_for("", n)
