"""Check a derivation by the differential method, step by step, with random numbers.

A learner writes ``d f`` as a list of sympy expressions in the variable ``X`` and its
differential ``dX``; each step must equal the one before it. Every step is evaluated with NumPy
at random non-symmetric matrices of random sizes: step 0 is compared with a finite-difference
directional derivative of ``f``, each later step with the step before it (both exact formulas,
so the tolerance is tight), and the gradient read off at the end with the finite-difference
gradient. The first step that differs is named, with how it differs.

The package, one job per module: :mod:`.problem` validates input, :mod:`.points` draws random
points and the references there, :mod:`.evaluate` turns expressions into numbers, :mod:`.compare`
compares steps and names mistakes, :mod:`.scoring` scores, :mod:`.result` reports, :mod:`.judge`
turns numbers into a result, :mod:`.check` puts them together; :mod:`.data` is what travels
between the learner's side and the judging side.

Example
-------
>>> import sympy as sp
>>> from course.derivation import check_derivation, symbols_for
>>> n = sp.Symbol("n")
>>> X, dX = symbols_for("X dX", n, n)
>>> result = check_derivation(sp.Trace(X * X), [sp.Trace(dX * X + X * dX), sp.Trace(2 * X * dX)], 2 * X.T,
...                           wrt=X, direction=dX, seed=0)
>>> bool(result), result.points(2)
(True, 2.0)
"""
import importlib

from course.derivation.errors import DerivationError, DerivationInputError
from course.derivation.result import DerivationResult

__all__ = [
    "DerivationError",
    "DerivationInputError",
    "DerivationResult",
    "assert_derivation",
    "check_derivation",
    "symbols_for",
]

_SYMBOLIC = {"assert_derivation": "check", "check_derivation": "check", "symbols_for": "problem"}


def __getattr__(name: str) -> object:
    """The sympy side, loaded on first use: the judging modules (:mod:`.judge` and what it uses) must
    import without sympy, since the grader judges the independent check's numbers with them."""
    if name in _SYMBOLIC:
        return getattr(importlib.import_module(f"course.derivation.{_SYMBOLIC[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
