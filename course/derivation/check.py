"""Checking a derivation in the notebook: validate, draw points, evaluate, judge."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import sympy as sp

from course.derivation.errors import DerivationError, DerivationInputError
from course.derivation.evaluate import compiled, tabulate_derivation
from course.derivation.judge import judge
from course.derivation.points import draw
from course.derivation.problem import problem_from_sympy, text
from course.derivation.result import DerivationResult

__all__ = ["assert_derivation", "check_derivation"]


def check_derivation(
    function: sp.Expr, steps: Sequence[sp.Expr], gradient: sp.Expr | None = None, *, wrt: sp.MatrixSymbol,
    direction: sp.MatrixSymbol, sizes: dict[str | sp.Symbol, int] | None = None,
    seed: int | np.random.Generator | None = None, trials: int = 3, inner: sp.MatrixExpr | None = None,
) -> DerivationResult:
    """Check a derivation ``d f = step₀ = step₁ = …`` and the gradient read off from it, numerically.

    Parameters
    ----------
    function : sympy expression
        ``f``, in ``wrt`` and other matrix symbols (constants such as ``A``); scalar
        (``tr``, ``det``, ``log det``, ``xᵀAx``) or matrix-valued (``X⁻¹``).
    steps : list of sympy expressions
        The learner's derivation of ``d f`` in ``wrt`` and ``direction``: step 0 must equal
        ``f'(X)[dX]`` (``dG`` with ``inner``), every later step the step before it (or its trace).
    gradient : sympy expression, optional
        The learner's gradient ``∂f/∂X`` read off from ``d f = tr(Gᵀ dX)``. Asked for whenever f is a
        scalar: None then scores as a missing gradient.
    wrt, direction : sympy.MatrixSymbol
        The variable ``X`` and its differential ``dX`` (same shape).
    sizes : dict, optional
        Fixed sizes for dimension symbols, e.g. ``{"n": 3}``; the others are drawn from 2..5,
        different symbols different sizes, and different sizes in each trial.
    seed : int, numpy.random.Generator or None
        None draws fresh random numbers each call; an int makes the check reproducible.
    trials : int
        Number of random points (sizes and matrices) every comparison is made at.
    inner : sympy matrix expression, optional
        ``G`` when ``function`` is ``Trace(G)``: the derivation must then start with the matrix
        differential ``dG`` (so ``d(X²) = 2X dX`` is caught), and a later step may be the trace of the one before.

    Returns
    -------
    DerivationResult
        Truthy when all is right; ``print`` it for the report, ``.points(max_points)`` for credit:
        half for the steps and half for the gradient when a gradient is asked (see
        :mod:`course.derivation.scoring`). A malformed step or gradient is a scored ✗, never an exception.

    Raises
    ------
    DerivationInputError
        When the instructor's side is unusable: ``function``, ``wrt``, ``direction``, ``inner``, ``sizes``, ``trials``.
    """
    if not isinstance(trials, (int, np.integer)) or trials < 1:
        raise DerivationInputError(f"trials must be a positive integer, not {trials!r}")
    problem = problem_from_sympy(function, wrt, direction, sizes, inner)
    reference = compiled(problem, problem.inner if problem.inner is not None else problem.function)
    points = draw(problem.outline, int(trials), np.random.default_rng(seed), reference)
    tabulated = tabulate_derivation(problem, steps, gradient, points)
    return judge(problem.outline, points, tabulated, text(problem.function))


def assert_derivation(
    function: sp.Expr, steps: Sequence[sp.Expr], gradient: sp.Expr | None = None, **options: Any
) -> DerivationResult:
    """Like :func:`check_derivation`, but raise :class:`DerivationError` unless every item is right.

    Returns the :class:`DerivationResult` when all is right.
    """
    result = check_derivation(function, steps, gradient, **options)
    if not result:
        raise DerivationError(result)
    return result
