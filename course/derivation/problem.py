"""Validating input: the instructor's function and symbols (errors), the learner's steps and gradient (messages).

The instructor's side (function, ``wrt``, ``direction``, ``inner``, ``sizes``) raises
:class:`DerivationInputError` when unusable. The learner's side never raises: each step and the
gradient gets a message when it cannot be checked (not sympy, a symbol from elsewhere, a shape
that does not fit, the trace of a non-square matrix), and is scored as wrong.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp

from course.derivation.data import Outline
from course.derivation.errors import DerivationInputError
from course.derivation.result import step_name

__all__ = ["Problem", "learner_items", "problem_from_outline", "problem_from_sympy", "symbols_for"]


def symbols_for(
    names: str, rows: int | str | sp.Symbol, cols: int | str | sp.Symbol | None = None
) -> sp.MatrixSymbol | tuple[sp.MatrixSymbol, ...]:
    """Matrix symbols of one shape, named by a space-separated string: ``X, dX = symbols_for("X dX", n, m)``.

    Parameters
    ----------
    names : str
        Names separated by spaces or commas, e.g. ``"X dX A"``.
    rows, cols : int, str or sympy.Symbol
        The shape; a string becomes ``sympy.Symbol(string)``, the same symbol as the learner's
        ``sp.Symbol("n")``. ``cols`` defaults to ``rows`` (square matrices); use ``1`` for column vectors.

    Returns
    -------
    sympy.MatrixSymbol or tuple of them
        One symbol for one name, a tuple otherwise (like :func:`sympy.symbols`).
    """
    rows = sp.Symbol(rows) if isinstance(rows, str) else rows
    cols = rows if cols is None else sp.Symbol(cols) if isinstance(cols, str) else cols
    made = tuple(sp.MatrixSymbol(name, rows, cols) for name in names.replace(",", " ").split())
    if not made:
        raise ValueError("symbols_for needs at least one name, e.g. symbols_for('X dX', n, n)")
    return made[0] if len(made) == 1 else made


@dataclass
class Problem:
    """A validated derivation problem: its :class:`Outline`, its symbols by name, and the argument
    order in which compiled expressions take them (sizes, constants, matrices)."""

    outline: Outline
    symbols: dict[str, sp.Symbol | sp.MatrixSymbol]
    function: sp.Expr | None = None  # the instructor's f (None inside the independent check, which needs only the outline)
    inner: sp.MatrixExpr | None = None  # G when f = tr(G)

    @property
    def args(self) -> tuple[sp.Symbol | sp.MatrixSymbol, ...]:
        """The symbols in the order compiled expressions take them."""
        return tuple(self.symbols[name] for name in _argument_names(self.outline))

    @property
    def step_shape(self) -> tuple[sp.Expr, ...]:
        """The symbolic shape of step 0 (``()`` for a scalar)."""
        return tuple(self._dimension(d) for d in self.outline.shape)

    @property
    def wrt(self) -> sp.MatrixSymbol:
        """The variable's symbol (X)."""
        return self.symbols[self.outline.wrt]

    @property
    def direction(self) -> sp.MatrixSymbol:
        """The differential's symbol (dX)."""
        return self.symbols[self.outline.direction]

    def _dimension(self, d):
        return self.symbols[d] if isinstance(d, str) else sp.Integer(d)


def _argument_names(outline):
    return outline.dimensions + tuple(sorted(outline.constants)) + tuple(sorted(outline.matrices))


def shape_of(expr: sp.Basic) -> tuple:
    """The symbolic shape of ``expr``; ``()`` for a scalar and for a 1×1 matrix."""
    shape = tuple(expr.shape) if getattr(expr, "is_Matrix", False) else ()
    return () if shape == (1, 1) else shape


def describe_shape(shape: tuple) -> str:
    """``"a scalar"`` or ``"of shape (n, m)"``."""
    return "a scalar" if shape == () else f"of shape {tuple(shape)}"


def text(expr: sp.Basic) -> str:
    """An expression as the learner would type it."""
    return sp.sstr(expr)


# --- the instructor's side ---------------------------------------------------------------------


def problem_from_sympy(
    function: sp.Expr, wrt: sp.MatrixSymbol, direction: sp.MatrixSymbol, sizes: dict[str | sp.Symbol, int] | None = None,
    inner: sp.MatrixExpr | None = None,
) -> Problem:
    """The :class:`Problem` of ``d function`` with respect to ``wrt``; DerivationInputError when unusable."""
    function = _instructor_expression(function, "the function")
    _check_variable(function, wrt, direction)
    if inner is not None:
        inner = _instructor_expression(inner, "inner")
        if not (isinstance(function, sp.Trace) and function.arg == inner):
            raise DerivationInputError(f"with inner=G the function must be Trace(G), here Trace({text(inner)})")
    problem_text = _not_square(function)
    if problem_text:
        raise DerivationInputError(f"the function {problem_text}")
    matrices = {s for s in function.free_symbols if isinstance(s, sp.MatrixSymbol)} | {wrt, direction}
    dimension_symbols = set().union(*(sp.sympify(d).free_symbols for m in matrices for d in m.shape))
    dimension_symbols |= {s for m in function.atoms(sp.MatrixExpr) for d in m.shape for s in sp.sympify(d).free_symbols}
    constants = {s for s in function.free_symbols if isinstance(s, sp.Symbol)} - dimension_symbols
    symbols = _by_name(matrices | dimension_symbols | constants)
    shape = shape_of(inner if inner is not None else function)
    outline = Outline(
        matrices={m.name: tuple(_plain_dimension(d) for d in m.shape) for m in matrices},
        constants=tuple(sorted(c.name for c in constants)),
        wrt=wrt.name,
        direction=direction.name,
        shape=tuple(_plain_dimension(d) for d in shape),
        scalar=shape_of(function) == (),
        inner=inner is not None,
        fixed_sizes=_fixed_sizes(sizes, {s.name for s in dimension_symbols}),
    )
    return Problem(outline, symbols, function, inner)


def _check_variable(function, wrt, direction):
    """``wrt`` and ``direction`` must be matrix symbols of one shape, ``wrt`` in the function and ``direction`` not."""
    if not isinstance(wrt, sp.MatrixSymbol):
        raise DerivationInputError(f"wrt must be a sympy MatrixSymbol such as X, not {type(wrt).__name__}")
    if not isinstance(direction, sp.MatrixSymbol):
        raise DerivationInputError(f"direction must be a sympy MatrixSymbol such as dX, not {type(direction).__name__}")
    if direction == wrt:
        raise DerivationInputError(f"direction must be the differential, a new symbol such as d{wrt}, not {wrt} itself")
    if direction.shape != wrt.shape:
        raise DerivationInputError(f"direction {direction} is of shape {direction.shape} but {wrt} is of shape "
                                   f"{wrt.shape}: a differential has the shape of its variable")
    if wrt not in function.free_symbols:
        raise DerivationInputError(f"the function {text(function)} does not contain {wrt}")
    if direction in function.free_symbols:
        raise DerivationInputError(f"the function must not contain the differential {direction}")


def problem_from_outline(outline: Outline) -> Problem:
    """The :class:`Problem` of a :class:`Outline` (in the independent check, where only names travel)."""
    symbols = {d: sp.Symbol(d) for d in outline.dimensions}
    symbols.update({c: sp.Symbol(c) for c in outline.constants})
    dimension = lambda d: symbols[d] if isinstance(d, str) else sp.Integer(d)  # noqa: E731
    symbols.update({name: sp.MatrixSymbol(name, *map(dimension, shape)) for name, shape in outline.matrices.items()})
    return Problem(outline, symbols)


def _instructor_expression(value, what):
    message = _expression_problem(value, what)
    if message:
        raise DerivationInputError(message)
    return value


def _plain_dimension(d):
    if isinstance(d, sp.Symbol):
        return d.name
    if isinstance(d, (int, sp.Integer)):
        return int(d)
    raise DerivationInputError(f"matrix sizes must be symbols or integers, not {d}")


def _by_name(symbols):
    named = {}
    for symbol in symbols:
        other = named.setdefault(symbol.name, symbol)
        if other != symbol:
            raise DerivationInputError(f"two different symbols are both called {symbol.name} (shapes or assumptions "
                                       "differ): define each symbol once and reuse it")
    return named


def _fixed_sizes(sizes, dimensions):
    fixed = {}
    for key, value in (sizes or {}).items():
        name = key.name if isinstance(key, sp.Symbol) else str(key)
        if name not in dimensions:
            raise DerivationInputError(
                f"sizes names {name}, which is not a matrix size here (sizes are {sorted(dimensions) or 'all fixed'})")
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise DerivationInputError(f"sizes[{name!r}] must be a positive integer, not {value!r}")
        fixed[name] = int(value)
    return fixed


# --- the learner's side -------------------------------------------------------------------------


def learner_items(
    problem: Problem, steps: Sequence[sp.Expr], gradient: sp.Expr | None
) -> tuple[list[object], list[str | None], sp.Expr | None, str | None]:
    """The learner's steps and gradient, each with the reason it cannot be checked (None when it can).

    Returns ``(steps, step_messages, gradient, gradient_message)``; ``gradient`` is None when the
    function is matrix-valued and none was given (nothing to score).
    """
    alone = isinstance(steps, (str, np.ndarray, sp.Basic)) or not hasattr(steps, "__iter__")
    steps = [steps] if alone else list(steps)
    count = len(steps)
    known = set(problem.symbols.values())
    messages = []
    allowed, before = {problem.step_shape}, _first_reference(problem)
    for index, step in enumerate(steps):
        name = step_name(index, count)
        not_a_list = (f"{name} is a single {type(step).__name__}, not a list: give the steps as a list of sympy "
                      "expressions, one per step") if alone else None
        message = not_a_list or _expression_problem(step, name) or _symbol_problem(step, known, name)
        message = message or _not_square(step, name) or _shape_problem(problem, step, name, allowed, before, index)
        messages.append(message)
        if message is None:
            shape = shape_of(step)
            allowed = {shape, ()} if problem.outline.inner and shape != () else {shape}
            before = "the step before"
    gradient_message = _gradient_problem(problem, gradient, known)
    if gradient is None and not problem.outline.scalar:
        gradient_message = None
    return steps, messages, gradient, gradient_message


def _first_reference(problem):
    if problem.outline.inner:
        return f"the differential d({text(problem.inner) if problem.inner is not None else 'G'})"
    return "the function" if problem.function is None else f"the function {text(problem.function)}"


def _shape_problem(problem, step, name, allowed, before, index):
    shape = shape_of(step)
    if shape in allowed:
        return None
    if index == 0 and problem.outline.inner and shape == ():
        return (f"{name} is a scalar, but the derivation starts with the matrix differential, "
                f"{describe_shape(problem.step_shape)}: take the trace in a later step")
    wanted = " or ".join(describe_shape(s) for s in sorted(allowed, key=len, reverse=True))
    rule = "a step is the step before, or its trace" if problem.outline.inner else "every step of d f must have the shape of f"
    return f"{name} is {describe_shape(shape)} but {before} is {wanted}: {rule}"


def _gradient_problem(problem, gradient, known):
    wrt = problem.wrt
    if gradient is None:
        return f"no gradient was given: read it off the last step, d f = tr(Gᵀ d{wrt}) gives G"
    message = (_expression_problem(gradient, "the gradient")
               or _symbol_problem(gradient, known - {problem.direction}, "the gradient")
               or _not_square(gradient, "the gradient"))
    if message:
        return message
    if not problem.outline.scalar:
        return f"a gradient needs a scalar function, but f is {describe_shape(problem.step_shape)}"
    shape = tuple(gradient.shape) if gradient.is_Matrix else ()
    if shape != tuple(wrt.shape):
        hint = (": it has the transposed shape (from d f = tr(M dX) the gradient is Mᵀ)"
                if shape == tuple(wrt.shape)[::-1] else "")
        return (f"the gradient is {describe_shape(shape)} but {wrt} is of shape {tuple(wrt.shape)}; "
                f"a gradient has the shape of the variable{hint}")
    return None


def _expression_problem(value, what):
    """Why ``value`` is not a sympy scalar or matrix expression (None when it is one)."""
    if isinstance(value, str):
        return f"{what} is the string {value!r}: write it as a sympy expression, e.g. sp.Trace(X*dX), not as text"
    if isinstance(value, np.ndarray):
        return f"{what} is a NumPy array: write it with the sympy symbols (X, dX, ...), not with numbers"
    if isinstance(value, (sp.Expr, sp.MatrixExpr)) and not isinstance(value, sp.MatrixBase):
        return None
    if isinstance(value, (sp.MatrixBase, sp.Basic)):
        return (f"{what} is of type {type(value).__name__}, not a scalar or matrix expression: use MatrixSymbols, "
                "Trace, Determinant, .T, .inv() and products")
    return f"{what} is {type(value).__name__} {value!r:.60}, not a sympy expression"


def _symbol_problem(expr, known, name):
    unknown = sorted((s for s in expr.free_symbols if s not in known), key=lambda s: s.name)
    names = {s.name for s in known}
    for symbol in unknown:
        if symbol.name in names:
            return (f"{name} uses a different {symbol.name} than the function (shapes or assumptions differ): "
                    "define each symbol once and reuse it")
    if unknown:
        listed = ", ".join(s.name for s in unknown)
        return (f"{name} uses {listed}, which {'is' if len(unknown) == 1 else 'are'} not in the function "
                "(only the function's symbols, the differential and the matrix sizes may appear)")
    return None


def _not_square(expr, name=None):
    """A sentence when ``expr`` takes the trace, determinant or inverse of a non-square matrix."""
    for node in sp.preorder_traversal(expr):
        if isinstance(node, (sp.Trace, sp.Determinant, sp.Inverse)) and node.arg.is_Matrix:
            rows, cols = node.arg.shape
            if rows != cols:
                what = {sp.Trace: "trace", sp.Determinant: "determinant", sp.Inverse: "inverse"}[type(node)]
                return (f"{name + ' ' if name else ''}takes the {what} of {text(node.arg)}, which is of shape "
                        f"{(rows, cols)}, not square: a {what} needs a square matrix")
    return None
