"""Tests of course.derivation's public API: right derivations pass with full credit, the report
reads well, randomness is fresh or seeded, nothing is printed or warned."""
import pytest
import sympy as sp

from course.derivation import (
    DerivationError,
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


RIGHT = {
    "tr(X²)": (TR_X2, [sp.Trace(dX * X + X * dX), sp.Trace(X * dX) + sp.Trace(X * dX), sp.Trace(2 * X * dX)], 2 * X.T, X, dX),
    "tr(XᵀAX), X n×m": (
        sp.Trace(Y.T * A * Y),
        [sp.Trace(dY.T * A * Y + Y.T * A * dY), sp.Trace(Y.T * A.T * dY) + sp.Trace(Y.T * A * dY),
         sp.Trace(Y.T * (A.T + A) * dY)],
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


def test_inner_derivation_starts_with_the_matrix_differential_then_takes_the_trace():
    steps = [dX * X + X * dX, sp.Trace(dX * X + X * dX), sp.Trace(dX * X) + sp.Trace(X * dX), 2 * sp.Trace(X * dX)]
    result = check_derivation(TR_X2, steps, 2 * X.T, wrt=X, direction=dX, inner=X * X)
    assert result and result.points(2) == 2.0, result.report()


def test_right_gradients_of_several_forms_pass():
    x, dx = symbols_for("x dx", n, 1)
    for gradient in ((A + A.T) * x, A * x + A.T * x, (x.T * (A + A.T)).T):
        result = check_derivation(x.T * A * x, [dx.T * A * x + x.T * A * dx, x.T * (A + A.T) * dx], gradient,
                                  wrt=x, direction=dx)
        assert result, result.report()


def test_non_square_variable_gets_distinct_sizes():
    function, steps, gradient, wrt, direction = RIGHT["tr(XᵀAX), X n×m"]
    result = check_derivation(function, steps, gradient, wrt=wrt, direction=direction, trials=5)
    assert len(result.sizes) == 5
    assert all(sizes["n"] != sizes["m"] and 2 <= min(sizes.values()) for sizes in result.sizes)


def test_a_single_size_varies_between_trials_and_can_be_fixed():
    free = check_tr_x2([sp.Trace(2 * X * dX)], seed=3)
    assert len({sizes["n"] for sizes in free.sizes}) == 3
    fixed = check_tr_x2([sp.Trace(2 * X * dX)], sizes={"n": 7})
    assert fixed and [sizes["n"] for sizes in fixed.sizes] == [7, 7, 7]


def test_vector_variable_and_constants():
    x, dx = symbols_for("x dx", n, 1)
    c = sp.Symbol("c")
    result = check_derivation(
        c * (x.T * A * x), [c * (dx.T * A * x + x.T * A * dx)], c * (A + A.T) * x, wrt=x, direction=dx
    )
    assert result, result.report()


def test_assert_derivation_raises_with_the_report():
    with pytest.raises(DerivationError) as raised:
        assert_derivation(TR_X2, [sp.Trace(dX * X + X * dX), sp.Trace(2 * X.T * dX)], 2 * X.T, wrt=X, direction=dX)
    assert raised.value.result.first_wrong == 1 and "transpose" in str(raised.value)
    assert isinstance(raised.value, AssertionError)


# --- randomness, output, helpers ---------------------------------------------------------------

NOT_A_SLIP = [-X.inverse() * dX * X.inverse() * X]  # wrong in a way whose message quotes a random number


def test_seed_none_draws_fresh_numbers_and_an_int_repeats_them():
    def run(seed):
        result = check_derivation(X.inverse(), NOT_A_SLIP, wrt=X, direction=dX, seed=seed, trials=4)
        return result.messages[0], [sizes["n"] for sizes in result.sizes]

    assert run(5) == run(5)
    assert len({repr(run(None)) for _ in range(4)}) > 1


def test_nothing_is_written_to_stderr_or_warned(capsys, recwarn):
    for name in RIGHT:
        function, steps, gradient, wrt, direction = RIGHT[name]
        check_derivation(function, steps, gradient, wrt=wrt, direction=direction)
    check_derivation(X.inverse(), NOT_A_SLIP, wrt=X, direction=dX)
    check_derivation(sp.log(sp.Determinant(X)), [sp.Trace(X * dX)], X, wrt=X, direction=dX)
    check_tr_x2([sp.Trace(2 * X * dX), sp.log(-sp.Trace(X * X.T)) * sp.Trace(dX)])
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""
    assert len(recwarn) == 0, [str(w.message) for w in recwarn]


def test_report_says_how_the_points_split_and_html_escapes():
    result = check_tr_x2([sp.Trace(dX * X + X * dX), sp.Trace(2 * X.T * dX)], 2 * X)
    text = str(result)
    assert text.startswith("Not yet") and text.count("✗") == 2 and text.count("✓") == 1
    assert "step 2 of 2 (index 1): Trace(2*X.T*dX)" in text and "checked at 3 random points" in text
    assert "half for the steps (1 of 2 distinct steps right before the first wrong one), half for the gradient" in text
    assert "= 25%" in text
    page = result._repr_html_()
    assert page.startswith("<div") and "✗" in page and "transpose" in page
    assert "&lt;" in check_tr_x2(["<script>"])._repr_html_() and "<script>" not in check_tr_x2(["<script>"])._repr_html_()
    assert str(check_tr_x2([sp.Trace(2 * X * dX)])).startswith("All right")
    assert "all for the steps" in str(check_derivation(X.inverse(), NOT_A_SLIP, wrt=X, direction=dX))


def test_symbols_for():
    P, Q = symbols_for("P Q", n, m)
    assert isinstance(P, sp.MatrixSymbol) and P.shape == (n, m) and Q.name == "Q"
    R = symbols_for("R", "n")
    assert R.shape == (n, n)
    v = symbols_for("v", 3, 1)
    assert v.shape == (3, 1)
    with pytest.raises(ValueError):
        symbols_for("", n)
