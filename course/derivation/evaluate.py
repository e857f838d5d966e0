"""Evaluating sympy expressions at the points: each step and the gradient become an :class:`Item` of numbers.

This is the only part that runs the learner's expressions (compiled to NumPy by sympy). In the
independent check it runs inside the contained process, which sends back the numbers alone.
"""
from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from course.derivation.data import Item, Point, Tabulated
from course.derivation.problem import Problem, learner_items, shape_of

__all__ = ["compiled", "tabulate", "tabulate_derivation"]


class _Printer(NumPyPrinter):
    """NumPy printer that also knows the trace, the determinant and identity/zero/ones of symbolic size."""

    def _numpy(self, name):
        return self._module_format(f"{self._module}.{name}")

    def _print_Trace(self, expr):
        return f"{self._numpy('trace')}({self._print(expr.arg)})"

    def _print_Determinant(self, expr):
        return f"{self._numpy('linalg.det')}({self._print(expr.arg)})"

    def _print_Identity(self, expr):
        return f"{self._numpy('eye')}({self._print(expr.rows)})"

    def _print_ZeroMatrix(self, expr):
        return f"{self._numpy('zeros')}(({self._print(expr.rows)}, {self._print(expr.cols)}))"

    def _print_OneMatrix(self, expr):
        return f"{self._numpy('ones')}(({self._print(expr.rows)}, {self._print(expr.cols)}))"


@lru_cache(maxsize=512)
def _compile(expr, args):
    """``expr`` as a NumPy function of ``args`` (positional, in that order); cached per expression."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sp.lambdify(args, expr, modules="numpy", printer=_Printer)


def _quiet_call(function, arguments, scalar):
    """``function(*arguments)`` as a float array, silently; NaN when it raises (a singular matrix, ...)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            value = np.asarray(function(*arguments))
        except Exception:  # a LinAlgError or an overflow in the learner's expression counts as "not a number"
            return np.array(np.nan)
        if np.iscomplexobj(value):
            value = np.where(np.abs(value.imag) > 0, np.nan, value.real)
        value = value.astype(np.float64)
    return value.reshape(()) if scalar and value.size == 1 else value


def compiled(problem: Problem, expr: sp.Expr) -> Callable[[dict[str, Any]], np.ndarray]:
    """``values -> value``: ``expr`` evaluated at a dict of values by name (the reference f, or a step)."""
    function, names, scalar = _compile(expr, problem.args), [s.name for s in problem.args], shape_of(expr) == ()
    return lambda values: _quiet_call(function, [values[name] for name in names], scalar)


def tabulate(problem: Problem, expr: sp.Expr, points: list[Point]) -> Item:
    """The :class:`Item` of ``expr``: its value at every point and, when it contains the differential,
    its value at dX = 0 and its linear coefficients ``J`` (``value = J · dX`` when it is linear in dX)."""
    at = compiled(problem, expr)
    direction = problem.outline.direction
    values = [at(p.values) for p in points]
    scalar = shape_of(expr) == ()
    if problem.direction not in expr.free_symbols:
        return Item(scalar, False, values)
    offsets, coefficients = [], []
    for point, value in zip(points, values):
        dX = point.values[direction]
        J = np.full(value.shape + dX.shape, np.nan)
        if not np.all(np.isfinite(value)):
            offsets.append(value)
            coefficients.append(J)
            continue
        for index in np.ndindex(dX.shape):
            unit = np.zeros_like(dX)
            unit[index] = 1.0
            J[(Ellipsis,) + index] = at({**point.values, direction: unit})
        offsets.append(at({**point.values, direction: np.zeros_like(dX)}))
        coefficients.append(J)
    return Item(scalar, True, values, offsets, coefficients)


def tabulate_derivation(problem: Problem, steps: Sequence[sp.Expr], gradient: sp.Expr | None, points: list[Point]) -> Tabulated:
    """The learner's ``steps`` and ``gradient`` as a :class:`Tabulated`: checked, named, evaluated at ``points``."""
    steps, step_messages, gradient, gradient_message = learner_items(problem, steps, gradient)
    items = [None if message else tabulate(problem, step, points) for step, message in zip(steps, step_messages)]
    repeats = [_earlier_copy(steps, step_messages, index) for index in range(len(steps))]
    asked = problem.outline.scalar or gradient is not None
    gradient_item = tabulate(problem, gradient, points) if asked and gradient_message is None else None
    return Tabulated([_text(step) for step in steps], step_messages, items, repeats,
                     None if gradient is None else _text(gradient), gradient_message, gradient_item, asked)


def _earlier_copy(steps, messages, index):
    """The index of an earlier step identical to step ``index`` (written the same way), or None."""
    if messages[index]:
        return None
    return next((j for j in range(index) if not messages[j] and steps[j] == steps[index]), None)


def _text(value):
    written = _printed(value) if isinstance(value, sp.Basic) else repr(value)
    return written if len(written) <= 300 else written[:297] + "..."


@lru_cache(maxsize=1024)
def _printed(expression):
    """SymPy's text of an expression, remembered: printing a matrix product tries negating each factor
    (10-30 ms a step), and a re-run check prints the same steps again."""
    return sp.sstr(expression)
