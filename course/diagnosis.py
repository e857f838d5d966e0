"""Name the likely mistake behind a wrong answer: shape, layout, sign, factor, symmetry, NaN."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from course.compare import relative_error

CLOSE = 1e-5  # relative error under which two arrays count as the same answer
_NAMED_FACTORS = {2.0: "twice", 0.5: "half", -2.0: "minus twice", -0.5: "minus half"}


def as_numeric(value: object) -> np.ndarray | None:
    """``value`` as a float64 array, or None when it is not real numbers (a string, a dict, complex, ...).

    Complex numbers whose imaginary parts are all zero count as real.
    """
    try:
        array = np.asarray(value)
    except Exception:  # ragged lists and exotic objects
        return None
    if array.dtype.kind == "c" and not np.any(array.imag):
        array = array.real
    if array.dtype.kind not in "biuf":
        return None
    return array.astype(np.float64)


def is_close(a: np.ndarray, b: np.ndarray, tol: float = CLOSE) -> bool:
    """True when ``a`` and ``b`` have the same shape and a relative error of at most ``tol``."""
    return a.shape == b.shape and relative_error(a, b) <= tol


def diagnose(
    answer: object, expected: ArrayLike, *, on_symmetric: Callable[[], tuple[object, ArrayLike]] | None = None,
    tol: float = CLOSE,
) -> list[str]:
    """List the likely mistakes that turn ``expected`` into ``answer``; empty when they agree.

    Parameters
    ----------
    answer : array_like or None
        What the learner's code returned.
    expected : array_like
        The right answer (exact or a finite-difference estimate).
    on_symmetric : callable, optional
        ``on_symmetric() -> (answer, expected)`` re-evaluated with the matrix replaced by
        its symmetric part; when they agree there, the answer is right only for symmetric input.
    tol : float
        Relative error under which two arrays count as equal.

    Returns
    -------
    list of str
        Sentences addressed to the learner, most likely mistake first.
    """
    if answer is None:
        return ["it returned None: is the `return` statement missing?"]
    expected = np.asarray(expected, dtype=np.float64)
    got = as_numeric(answer)
    if got is None:
        return [_not_numeric_sentence(answer)]
    if not np.all(np.isfinite(got)):
        return [_non_finite_sentence(got)]
    if got.shape != expected.shape:
        return _shape_sentences(got, expected, tol)
    if is_close(got, expected, tol):
        return []
    return _same_shape_sentences(got, expected, on_symmetric, tol)


def _not_numeric_sentence(answer):
    if isinstance(answer, (complex, np.generic, np.ndarray)) and np.iscomplexobj(answer):
        return (
            "it returned complex numbers, but the derivative of a real function is real: look for "
            "np.linalg.eig of a non-symmetric matrix, or a sqrt or log of a negative complex number"
        )
    return f"it returned {type(answer).__name__} {answer!r:.60}, not an array of numbers"


def _non_finite_sentence(got):
    bad = "NaN" if np.isnan(got).any() else "inf"
    return (
        f"the result contains {bad}: look for a division by zero, a log or sqrt of a negative number, "
        "or an exp that overflows (subtract the maximum first)"
    )


def _shape_sentences(got, expected, tol):
    sentences = [f"shape {got.shape} but expected {expected.shape}"]
    if got.ndim == 2 and got.T.shape == expected.shape:
        if is_close(got.T, expected, tol):
            sentences.append("your result is the transpose of the expected one: check the layout")
        else:
            sentences.append("that is the transposed shape: check the layout")
    elif got.ndim == 1 and expected.shape == got.shape * 2 and is_close(np.diag(got), expected, tol):
        sentences.append(
            "these are the diagonal entries of the expected Jacobian: an elementwise map has a "
            "diagonal Jacobian, so build the matrix (np.diag)"
        )
    elif got.ndim == 1 and expected.shape == got.shape * 2 and is_close(got, np.diagonal(expected), tol):
        sentences.append(
            "these are only the diagonal entries of the expected Jacobian, and its off-diagonal "
            "entries are not zero: each output depends on every input, so return the full matrix"
        )
    elif got.size == expected.size:
        if is_close(got.reshape(expected.shape), expected, tol):
            sentences.append(f"the numbers are right: {_reshape_advice(got.shape, expected.shape)}")
        else:
            sentences.append("the size matches but the values do not either")
    return sentences


def _reshape_advice(got, expected):
    """How to turn an array of shape ``got`` into one of shape ``expected`` with the same numbers."""
    if len(expected) == 1:
        return f"return a flat array of shape {expected} (e.g. with .ravel(), or by not turning vectors into columns)"
    if len(got) == 1 and 1 in expected:
        kind = "row" if expected[0] == 1 else "column"
        return f"return a {kind} of shape {expected} (e.g. with .reshape{expected}), not a flat array"
    return f"return an array of shape {expected} (e.g. with .reshape{expected})"


def _same_shape_sentences(got, expected, on_symmetric, tol):
    error = relative_error(got, expected)
    if not got.any():
        return ["the result is all zeros"]
    if got.ndim >= 2 and got.shape == got.T.shape and is_close(got.T, expected, tol):
        return ["your result is the transpose of the expected one: check the layout"]
    factor = _common_factor(got, expected, tol)
    if factor is not None and (got.size > 1 or factor == -1.0 or factor in _NAMED_FACTORS):
        return [_factor_sentence(factor)]
    if got.size == 1:  # any two numbers differ by "a factor": only simple ones say something
        return [f"the value is wrong (relative error {error:.2g})"]
    if on_symmetric is not None:
        sym_answer, sym_expected = on_symmetric()
        sym_got = as_numeric(sym_answer)
        if sym_got is not None and is_close(sym_got, np.asarray(sym_expected, dtype=np.float64), tol):
            return [
                "right only for symmetric A: your formula assumes A = Aᵀ, but the tests use "
                "non-symmetric matrices (keep A and Aᵀ apart)"
            ]
    partial = _wrong_entries_sentence(got, expected, tol)
    if partial:
        return [partial]
    return [f"the values do not match (relative error {error:.2g}); it is not a transpose, sign or factor slip"]


def _common_factor(got, expected, tol):
    """The scalar ``c ≠ 1`` with ``got ≈ c·expected``, rounded when it is a simple number; else None."""
    scale_expected, scale_got = np.abs(expected).max(), np.abs(got).max()
    if scale_expected == 0.0 or not np.isfinite(scale_got / scale_expected):
        return None
    unit = expected / scale_expected  # scaled so that the dot products cannot overflow
    factor = float(np.vdot(unit, got / scale_got) / np.vdot(unit, unit)) * (scale_got / scale_expected)
    if abs(factor) < 1e-12 or not is_close(got, factor * expected, tol):
        return None
    for simple in (round(factor), round(factor * 2) / 2, round(factor * 4) / 4):
        if simple != 0 and abs(factor - simple) <= 1e-6 * max(1.0, abs(simple)):
            return float(simple)
    return factor


def _factor_sentence(factor):
    if factor == -1.0:
        return "wrong sign: your result is the negative of the expected one"
    name = _NAMED_FACTORS.get(factor)
    if name:
        size = max(abs(factor), 1 / abs(factor))
        return f"off by a factor of {size:g}: your result is {name} the expected one"
    return f"your result is {factor:.4g} times the expected one: a constant factor is off"


def _wrong_entries_sentence(got, expected, tol):
    scale = max(np.abs(expected).max(), np.abs(got).max())
    wrong = ~np.isclose(got, expected, rtol=tol, atol=tol * scale)
    count = int(wrong.sum())
    if count == 0 or count == wrong.size:
        return None
    if got.ndim == 2 and got.shape[0] == got.shape[1]:
        diagonal = np.eye(got.shape[0], dtype=bool)
        if (wrong == diagonal).all():
            return "only the diagonal entries are wrong; the off-diagonal ones match"
        if (wrong == ~diagonal).all():
            return "only the diagonal entries are right; every off-diagonal entry is wrong"
    places = [tuple(int(i) for i in index) for index in np.argwhere(wrong)[:5]]
    where = ", ".join(str(p[0]) if len(p) == 1 else str(p) for p in places)
    more = " …" if count > 5 else ""
    return f"{count} of {wrong.size} entries are wrong (at index {where}{more}); the others match"
