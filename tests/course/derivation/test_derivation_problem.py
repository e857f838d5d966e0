"""Validating input (course.derivation.problem): what the learner supplies is scored with a message,
never raised; what the instructor supplies is refused with DerivationInputError."""
import numpy as np
import pytest
import sympy as sp

from course.derivation import DerivationInputError, check_derivation, symbols_for
from tests.course.derivation.test_derivation import A, TR_X2, X, Y, check_tr_x2, dX, dY, m

@pytest.mark.parametrize(
    ("steps", "gradient", "words"),
    [
        ([sp.Trace(2 * X * dX), "tr(2 X dX)"], 2 * X.T, ["step 2 of 2 (index 1)", "string"]),
        ([np.eye(3)], 2 * X.T, ["step 1 of 1 (index 0)", "NumPy array"]),
        ([sp.Trace(2 * X * dX), 2 * X * dX], 2 * X.T, ["step 2 of 2 (index 1)", "shape (n, n)", "scalar"]),
        ([2 * X * dX], 2 * X.T, ["step 1 of 1 (index 0)", "shape (n, n)"]),
        ([sp.Trace(2 * X * dX), sp.Trace(2 * A * dX)], 2 * X.T, ["step 2 of 2 (index 1)", "A", "not in the function"]),
        ([sp.Trace(2 * X * dX) * sp.Symbol("k")], 2 * X.T, ["step 1 of 1 (index 0)", "k"]),
        ([sp.Eq(sp.Trace(2 * X * dX), 0)], 2 * X.T, ["step 1 of 1 (index 0)", "Equality"]),
        (sp.Trace(2 * X * dX), 2 * X.T, ["step 1 of 1 (index 0)", "list"]),
        ([sp.Trace(2 * symbols_for("X", m) * dX)], 2 * X.T, ["different X"]),
    ],
)
def test_a_malformed_step_is_a_scored_cross_with_a_message_naming_it(steps, gradient, words):
    result = check_tr_x2(steps, gradient)
    wrong = result.first_wrong
    assert wrong is not None and result.step_kinds[wrong] == "malformed"
    for word in words:
        assert word in result.messages[0], result.messages[0]
    assert result.gradient_ok is True or result.gradient_reason  # the gradient is still judged


@pytest.mark.parametrize(
    ("gradient", "words"),
    [
        (2 * dX.T, ["gradient", "dX"]),
        ("2*X.T", ["gradient", "string"]),
        (None, ["no gradient was given"]),
        (sp.Trace(X), ["gradient is a scalar"]),
    ],
)
def test_a_malformed_or_missing_gradient_is_a_scored_cross(gradient, words):
    result = check_tr_x2([sp.Trace(dX * X + X * dX), sp.Trace(2 * X * dX)], gradient)
    assert result.step_ok == [True, True] and result.gradient_ok is False
    assert result.points(2) == pytest.approx(1.0)
    for word in words:
        assert word in result.gradient_reason


def test_gradient_of_the_transposed_shape_says_so():
    result = check_derivation(sp.Trace(Y.T * A * Y), [sp.Trace(Y.T * (A + A.T) * dY)], Y.T * (A + A.T),
                              wrt=Y, direction=dY)
    assert result.gradient_ok is False
    assert "gradient is of shape (m, n)" in result.gradient_reason and "transposed shape" in result.gradient_reason


def test_a_gradient_of_a_matrix_valued_function_is_a_scored_cross():
    result = check_derivation(X.inverse(), [-X.inverse() * dX * X.inverse()], X, wrt=X, direction=dX)
    assert result.step_ok == [True] and result.gradient_ok is False and "scalar function" in result.gradient_reason


def test_a_matrix_valued_function_without_gradient_scores_its_steps_only():
    result = check_derivation(X.inverse(), [-X.inverse() * dX * X.inverse()], wrt=X, direction=dX)
    assert result.gradient_ok is None and result.points(2) == 2.0


@pytest.mark.parametrize(
    "options",
    [
        {"direction": X},
        {"direction": dY},
        {"wrt": "X"},
        {"sizes": {"k": 3}},
        {"sizes": {"n": 0}},
        {"trials": 0},
        {"inner": X.T * X},
    ],
)
def test_bad_options_are_refused(options):
    arguments = {"wrt": X, "direction": dX, **options}
    with pytest.raises(DerivationInputError):
        check_derivation(TR_X2, [sp.Trace(2 * X * dX)], 2 * X.T, **arguments)


def test_the_instructors_function_is_refused_when_unusable():
    with pytest.raises(DerivationInputError, match="both called X"):
        check_derivation(TR_X2 + sp.Trace(symbols_for("X", m)), [sp.Trace(2 * X * dX)], wrt=X, direction=dX)
    with pytest.raises(DerivationInputError, match="not square"):
        check_derivation(sp.Trace(A * Y), [sp.Trace(A * dY)], wrt=Y, direction=dY)
    with pytest.raises(DerivationInputError, match="string"):
        check_derivation("tr(X)", [sp.Trace(dX)], wrt=X, direction=dX)
    with pytest.raises(DerivationInputError, match="not a finite number"):
        check_derivation(sp.log(-sp.Trace(X * X.T)), [sp.Trace(dX)], wrt=X, direction=dX)
