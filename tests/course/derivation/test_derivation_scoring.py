"""Scoring (course.derivation.scoring), item by item of issue 11 §1: empty, padded, wrong-first-step,
transposed-gradient, malformed-step, d(X²) = 2X dX with ``inner``, swapped factors and a non-square
trace score exactly as stated; half the points are for the steps and half for the gradient."""
import pytest
import sympy as sp

from course.derivation import check_derivation, symbols_for
from course.derivation.scoring import fraction, step_credit
from tests.course.derivation.test_derivation import A, TR_X2, X, Y, check_tr_x2, dX, dY, m, n

RIGHT_STEPS = [sp.Trace(dX * X + X * dX), sp.Trace(X * dX) + sp.Trace(X * dX), sp.Trace(2 * X * dX)]


@pytest.mark.parametrize(
    ("step_ok", "repeats", "credit"),
    [
        ([], [], 0.0),
        ([True, True, True], [None, None, None], 1.0),
        ([True, True, False], [None, None, None], 2 / 3),
        ([False, True, True], [None, None, None], 0.0),
        ([True, True, True, False], [None, 0, 0, None], 1 / 2),
        ([True, True, True, True, False], [None, None, 0, 1, None], 2 / 3),  # cycling back earns nothing
        ([False] * 20, [None] + [0] * 19, 0.0),
    ],
)
def test_step_credit_counts_distinct_right_steps_before_the_first_wrong_one(step_ok, repeats, credit):
    assert step_credit(step_ok, repeats) == pytest.approx(credit)


def test_half_steps_half_gradient():
    assert fraction([True, False], [None, None], True) == pytest.approx(0.75)
    assert fraction([True, False], [None, None], None) == pytest.approx(0.5)
    assert fraction([], [], True) == 0.5


def test_right_derivation_earns_everything():
    assert check_tr_x2(RIGHT_STEPS).points(2) == 2.0


def test_an_empty_derivation_earns_no_step_credit():
    result = check_tr_x2([])
    assert not result and result.step_credit == 0.0
    assert result.points(2) == pytest.approx(1.0)  # the right gradient's half only
    assert check_tr_x2([], X).points(2) == 0.0
    assert "no steps given, no step credit" in result.report()


def test_twenty_copies_of_a_wrong_step_score_nothing():
    assert check_tr_x2([sp.Trace(4 * X * dX)] * 20, None).points(3) == 0.0
    assert check_tr_x2([sp.Trace(4 * X * dX)] * 20, 4 * X.T).points(3) == 0.0


def test_five_copies_of_a_wrong_first_step_with_a_wrong_gradient_score_nothing():
    result = check_tr_x2([sp.Trace(X * dX)] * 5, X.T)
    assert result.points(3) == 0.0 and result.step_ok[0] is False
    assert "unchanged step earns nothing" in result.report()


def test_copies_of_right_steps_add_nothing_before_a_wrong_one():
    honest = check_tr_x2([RIGHT_STEPS[0], sp.Trace(4 * X * dX)])
    padded = check_tr_x2([RIGHT_STEPS[0]] * 10 + [sp.Trace(4 * X * dX)])
    cycled = check_tr_x2(RIGHT_STEPS[:2] * 5 + [sp.Trace(4 * X * dX)])
    # the gradient 2Xᵀ is right but does not follow from the wrong last step: only step credit counts
    assert honest.points(2) == padded.points(2) == pytest.approx(2 * (1 / 2) / 2)
    assert cycled.points(2) == pytest.approx(2 * (2 / 3) / 2)


def test_a_wrong_first_step_earns_no_step_credit_however_many_steps_follow():
    result = check_tr_x2([sp.Trace(X * dX), sp.Trace(dX * X), sp.Trace(X.T * dX.T), sp.Trace(dX.T * X.T)], X.T)
    assert result.step_ok == [False, True, True, True] and result.first_wrong == 0
    assert result.points(4) == 0.0


def test_credit_stops_at_the_first_wrong_step():
    result = check_tr_x2([RIGHT_STEPS[0], sp.Trace(2 * X.T * dX), sp.Trace(2 * X * dX)])
    assert result.step_ok == [True, False, False] and result.gradient_ok is True
    assert result.points(4) == pytest.approx(4 * (1 / 3 / 2 + 1 / 2))


def test_a_transposed_gradient_of_a_non_square_variable_is_a_scored_cross():
    steps = [sp.Trace(dY.T * A * Y + Y.T * A * dY), sp.Trace(Y.T * (A.T + A) * dY)]
    result = check_derivation(sp.Trace(Y.T * A * Y), steps, Y.T * (A + A.T), wrt=Y, direction=dY)
    assert result.step_ok == [True, True] and result.gradient_ok is False
    assert "transposed shape" in result.gradient_reason and result.gradient_kind == "malformed"
    assert result.points(2) == pytest.approx(1.0)


def test_a_malformed_step_is_a_scored_cross_and_the_rest_still_counts():
    result = check_tr_x2([RIGHT_STEPS[0], "tr(2 X dX)"])
    assert result.step_ok == [True, False] and result.gradient_ok is True
    assert "string" in result.messages[0] and result.mistake == "malformed"
    assert result.points(2) == pytest.approx(2 * (1 / 2 / 2 + 1 / 2))


def test_d_of_x_squared_as_2x_dx_is_caught_with_inner():
    caught = check_derivation(TR_X2, [2 * X * dX, sp.Trace(2 * X * dX)], 2 * X.T, wrt=X, direction=dX, inner=X * X)
    assert caught.step_ok == [False, True] and caught.mistake == "order"
    assert "do not commute" in caught.messages[0] and "swapped" in caught.messages[0]
    assert caught.points(2) == pytest.approx(1.0)  # the gradient's half only
    skipped = check_derivation(TR_X2, [sp.Trace(2 * X * dX)], 2 * X.T, wrt=X, direction=dX, inner=X * X)
    assert skipped.step_ok == [False] and "starts with the matrix differential" in skipped.messages[0]
    assert skipped.points(2) == pytest.approx(1.0)


def test_a_step_with_two_factors_swapped_says_matrices_do_not_commute():
    B = symbols_for("B", n)
    f = sp.Trace(A * X * B)
    result = check_derivation(f, [sp.Trace(A * dX * B), sp.Trace(A * B * dX)], (B * A).T, wrt=X, direction=dX)
    assert result.step_ok == [True, False] and result.mistake == "order"
    assert "do not commute" in result.messages[0] and "step 2 of 2" in result.messages[0]
    matrix = check_derivation(X * A * X, [dX * A * X + X * A * dX, A * dX * X + X * A * dX], wrt=X, direction=dX)
    assert matrix.step_ok == [True, False] and matrix.mistake == "order"
    assert matrix.points(2) == pytest.approx(1.0)


def test_a_trace_of_a_non_square_matrix_is_a_scored_cross():
    steps = [sp.Trace(dY.T * A * Y + Y.T * A * dY), sp.Trace(A * dY) + sp.Trace(Y.T * (A.T + A) * dY)]
    result = check_derivation(sp.Trace(Y.T * A * Y), steps, (A + A.T) * Y, wrt=Y, direction=dY)
    assert result.step_ok == [True, False] and "not square" in result.messages[0]
    assert result.points(2) == pytest.approx(1.5)


def test_no_correct_answer_fails_by_bad_luck():
    """The reference derivations of the contract's four exercises score full marks on many fresh draws."""
    x, dx = symbols_for("x dx", n, 1)
    B, C = symbols_for("B", m, "q"), symbols_for("C", "p", "q")
    P = symbols_for("P", "p", n)
    R = P * Y * B - C
    cases = [
        (x.T * A * x, [dx.T * A * x + x.T * A * dx, x.T * (A + A.T) * dx], (A + A.T) * x, x, dx, None),
        (sp.Trace(R.T * R), [sp.Trace((P * dY * B).T * R + R.T * P * dY * B), 2 * sp.Trace(B * R.T * P * dY)],
         2 * P.T * R * B.T, Y, dY, None),
        (TR_X2, [dX * X + X * dX, sp.Trace(dX * X + X * dX), 2 * sp.Trace(X * dX)], 2 * X.T, X, dX, X * X),
        (sp.Trace(Y.T * A * Y), [sp.Trace(dY.T * A * Y + Y.T * A * dY), sp.Trace(Y.T * (A.T + A) * dY)],
         (A + A.T) * Y, Y, dY, None),
    ]
    for function, steps, gradient, wrt, direction, inner in cases:
        scores = {check_derivation(function, steps, gradient, wrt=wrt, direction=direction, inner=inner).fraction
                  for _ in range(15)}
        assert scores == {1.0}, (function, scores)


def test_a_one_by_one_inner_matrix_is_checked_like_any_other():
    """f = tr(rᵀr) with r = Ax − b: the inner matrix is 1×1, and the checker still traces it."""
    m, n = sp.symbols("m n")
    A, b = sp.MatrixSymbol("A", m, n), sp.MatrixSymbol("b", m, 1)
    x, dx = sp.MatrixSymbol("x", n, 1), sp.MatrixSymbol("dx", n, 1)
    r = A * x - b
    steps = [(A * dx).T * r + r.T * A * dx, sp.Trace((A * dx).T * r + r.T * A * dx), 2 * sp.Trace(r.T * A * dx)]
    result = check_derivation(sp.Trace(r.T * r), steps, 2 * A.T * r, wrt=x, direction=dx, inner=r.T * r, seed=0)
    assert result and result.points(2) == 2.0
    wrong_first = check_derivation(sp.Trace(r.T * r), [r.T * A * dx, *steps[1:]], 2 * A.T * r, wrt=x,
                                   direction=dx, inner=r.T * r, seed=0)
    assert "step 1 of 3 (index 0) is the first wrong one" in wrong_first.report()
    assert wrong_first.points(2) == 1.0
