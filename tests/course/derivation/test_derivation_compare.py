"""Comparing steps (course.derivation.compare): each wrong step is found, by index, and its mistake named."""
import pytest
import sympy as sp

from course.derivation import check_derivation, symbols_for
from tests.course.derivation.test_derivation import A, TR_X2, X, Y, check_tr_x2, dX, dY, n

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


def test_a_mistake_carried_forward_is_told_apart_from_a_wrong_read_off():
    result = check_tr_x2([sp.Trace(dX * X + X * dX), sp.Trace(2 * X.T * dX)], 2 * X)
    assert result.step_ok == [True, False] and result.gradient_ok is False
    assert "does match your last step" in result.gradient_reason


def test_wrong_first_step_is_compared_with_the_true_differential():
    result = check_tr_x2([sp.Trace(X * dX), sp.Trace(X * dX)], X.T)
    assert result.first_wrong == 0 and result.mistake == "factor"
    assert result.messages[0].startswith("step 1 of 2 (index 0) is not the differential of f")
    assert "half the true differential" in result.messages[0]


def test_transposed_first_step_of_a_matrix_valued_function():
    result = check_derivation(X.inverse(), [-(X.inverse() * dX * X.inverse()).T], wrt=X, direction=dX)
    assert result.first_wrong == 0 and result.mistake == "transpose"
    assert result.points(2) == 0.0


def test_wrong_read_off_gradient_is_a_transpose():
    result = check_tr_x2([sp.Trace(dX * X + X * dX), sp.Trace(2 * X * dX)], 2 * X)
    assert result.step_ok == [True, True] and result.gradient_ok is False and result.mistake == "transpose"
    assert "transpose" in result.gradient_reason and "Mᵀ" in result.gradient_reason
    assert "✗ gradient" in result.report()


def test_right_gradient_that_does_not_follow_from_the_last_step():
    result = check_tr_x2([sp.Trace(dX * X + X * dX), sp.Trace(-2 * X * dX)], 2 * X.T)
    assert result.gradient_ok is False and "not your last step" in result.gradient_reason


def test_gradient_right_only_for_symmetric_A():
    x, dx = symbols_for("x dx", n, 1)
    result = check_derivation(x.T * A * x, [x.T * (A + A.T) * dx], 2 * A * x, wrt=x, direction=dx)
    assert result.step_ok == [True] and result.gradient_ok is False
    assert result.mistake == "symmetric-only"


def test_non_square_wrong_step_in_a_quadratic_form():
    result = check_derivation(sp.Trace(Y.T * A * Y), [sp.Trace(2 * Y.T * A * dY)], (A + A.T) * Y, wrt=Y, direction=dY)
    assert result.first_wrong == 0 and result.mistake == "symmetric-only"


@pytest.mark.parametrize(
    ("step", "words"),
    [
        (sp.Trace(dX * X + X * dX + dX * dX), "not linear in dX"),
        (sp.Trace(2 * X * dX) + 1, "a term without dX"),
        (2 * sp.Trace(X), "does not contain dX"),
    ],
)
def test_steps_that_are_not_differentials(step, words):
    result = check_tr_x2([step])
    assert result.first_wrong == 0 and result.mistake == "nonlinear" and words in result.messages[0]


def test_step_that_is_not_a_number_is_wrong_quietly(capsys, recwarn):
    result = check_tr_x2([sp.Trace(2 * X * dX), sp.log(-sp.Trace(X * X.T)) * sp.Trace(dX)])
    assert result.first_wrong == 1 and result.mistake == "nonfinite"
    assert capsys.readouterr().err == "" and len(recwarn) == 0


def test_swapped_factors_in_a_matrix_step_and_under_a_trace():
    B = symbols_for("B", n)
    under_trace = check_derivation(sp.Trace(A * X * B), [sp.Trace(B * A * dX), sp.Trace(A * B * dX)], (B * A).T,
                                   wrt=X, direction=dX)
    assert under_trace.mistake == "order" and "matrices do not commute" in under_trace.messages[0]
    inverse = check_derivation(X.inverse(), [-X.inverse() * X.inverse() * dX], wrt=X, direction=dX)
    assert inverse.mistake == "order" and "swapped" in inverse.messages[0]


def test_a_transpose_is_not_called_a_swap():
    result = check_derivation(X * A, [dX * A, (dX * A).T], wrt=X, direction=dX)
    assert result.mistake == "transpose"


def test_a_step_after_the_trace_is_compared_with_the_trace_of_the_step_before():
    steps = [dX * X + X * dX, sp.Trace(dX * X + X * dX), sp.Trace(2 * X.T * dX)]
    result = check_derivation(TR_X2, steps, 2 * X.T, wrt=X, direction=dX, inner=X * X)
    assert result.step_ok == [True, True, False] and result.mistake == "transpose"
    wrong_trace = check_derivation(TR_X2, [dX * X + X * dX, 2 * sp.Trace(2 * X * dX)], 2 * X.T,
                                   wrt=X, direction=dX, inner=X * X)
    assert wrong_trace.step_ok == [True, False] and "the trace of the step before" in wrong_trace.messages[0]
