"""Check a derivation by the differential method, step by step, with random numbers.

A learner writes ``d f`` as a list of sympy expressions in the variable ``X`` and its
differential ``dX``; each step must equal the one before it. Every step is evaluated with
NumPy at random non-symmetric matrices of random sizes: step 0 is compared with a
finite-difference directional derivative of ``f``, each later step with the step before it
(both are exact formulas, so the tolerance is tight), and the gradient read off at the end
with the finite-difference gradient. The first step that differs is named, with how it differs.

Example
-------
>>> import sympy as sp
>>> n = sp.Symbol("n")
>>> X, dX = symbols_for("X dX", n, n)
>>> result = check_derivation(sp.Trace(X * X), [sp.Trace(dX * X + X * dX), sp.Trace(2 * X * dX)], 2 * X.T,
...                           wrt=X, direction=dX, seed=0)
>>> bool(result), result.points(2)
(True, 2.0)
"""
import html
import warnings
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from course.compare import relative_error
from course.diagnosis import diagnose
from course.numerical import directional_derivative, numerical_gradient

STEP_TOL = 1e-8  # relative tolerance between two exact formulas (consecutive steps, ⟨G, dX⟩ vs last step)
NUMERIC_TOL = 1e-5  # relative tolerance against finite differences (step 0, the gradient)
MAX_COND = 100.0  # condition number bound for random matrices, so inverses and log det are tame
MAX_DRAWS = 100  # random points tried per trial before giving up on a function that is NaN everywhere

__all__ = [
    "DerivationError",
    "DerivationInputError",
    "DerivationResult",
    "assert_derivation",
    "check_derivation",
    "symbols_for",
]


class DerivationInputError(ValueError):
    """The derivation cannot be checked as given (not sympy, shapes that do not fit, unknown symbols)."""


class DerivationError(AssertionError):
    """A derivation with a wrong step or gradient; ``.result`` is the :class:`DerivationResult`."""

    def __init__(self, result):
        super().__init__(result.report())
        self.result = result


def symbols_for(names, rows, cols=None):
    """Matrix symbols of one shape, named by a space-separated string: ``X, dX = symbols_for("X dX", n, m)``.

    Parameters
    ----------
    names : str
        Names separated by spaces or commas, e.g. ``"X dX A"``.
    rows, cols : int, str or sympy.Symbol
        The shape; a string becomes ``sympy.Symbol(string)``, the same symbol as the learner's
        ``sp.Symbol("n")``. ``cols`` defaults to ``rows`` (square matrices); use ``1`` for
        column vectors.

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


# ---------------------------------------------------------------------------------------------
# Numerical evaluation of sympy matrix expressions


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


def _quiet_call(function, values):
    """``function(*values)`` as a float array, silently; NaN when it raises (a singular matrix, ...)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            value = np.asarray(function(*values))
        except Exception:  # a LinAlgError or an overflow in the learner's expression counts as "not a number"
            return np.array(np.nan)
        if np.iscomplexobj(value):
            value = np.where(np.abs(value.imag) > 0, np.nan, value.real)
        return value.astype(np.float64)


def _shape_of(expr):
    """The symbolic shape of ``expr``; ``()`` for a scalar and for a 1×1 matrix."""
    shape = tuple(expr.shape) if getattr(expr, "is_Matrix", False) else ()
    return () if shape == (1, 1) else shape


def _describe_shape(shape):
    return "a scalar" if shape == () else f"of shape {shape}"


def _expr_text(expr):
    return sp.sstr(expr)


# ---------------------------------------------------------------------------------------------
# Input validation


def _as_expression(value, what):
    """``value`` when it is a sympy scalar or matrix expression; otherwise a DerivationInputError naming ``what``."""
    if isinstance(value, str):
        raise DerivationInputError(
            f"{what} is the string {value!r}: write it as a sympy expression, e.g. sp.Trace(X*dX), not as text"
        )
    if isinstance(value, np.ndarray):
        raise DerivationInputError(
            f"{what} is a NumPy array: write it with the sympy symbols (X, dX, ...), not with numbers"
        )
    if isinstance(value, (sp.Expr, sp.MatrixExpr)) and not isinstance(value, sp.MatrixBase):
        return value
    if isinstance(value, (sp.MatrixBase, sp.Basic)):
        raise DerivationInputError(
            f"{what} is of type {type(value).__name__}, not a scalar or matrix expression: use MatrixSymbols, "
            "Trace, Determinant, .T, .inv() and products"
        )
    raise DerivationInputError(f"{what} is {type(value).__name__} {value!r:.60}, not a sympy expression")


@dataclass
class _Problem:
    """A validated derivation: expressions, symbols and the argument order for evaluation."""

    function: object
    steps: list
    gradient: object
    wrt: object
    direction: object
    args: tuple
    dimensions: tuple
    constants: tuple
    matrices: tuple
    fixed_sizes: dict

    @property
    def scalar(self):
        return _shape_of(self.function) == ()


def _step_name(index, count):
    return f"step {index + 1} of {count} (index {index})"


def _validate(function, steps, gradient, wrt, direction, sizes):
    function = _as_expression(function, "the function")
    if not isinstance(wrt, sp.MatrixSymbol):
        raise DerivationInputError(f"wrt must be a sympy MatrixSymbol such as X, not {type(wrt).__name__}")
    if not isinstance(direction, sp.MatrixSymbol):
        raise DerivationInputError(f"direction must be a sympy MatrixSymbol such as dX, not {type(direction).__name__}")
    if direction == wrt:
        raise DerivationInputError(f"direction must be the differential, a new symbol such as d{wrt}, not {wrt} itself")
    if direction.shape != wrt.shape:
        raise DerivationInputError(
            f"direction {direction} is of shape {direction.shape} but {wrt} is of shape {wrt.shape}: "
            "a differential has the shape of its variable"
        )
    if wrt not in function.free_symbols:
        raise DerivationInputError(f"the function {_expr_text(function)} does not contain {wrt}")
    if direction in function.free_symbols:
        raise DerivationInputError(f"the function must not contain the differential {direction}")
    if isinstance(steps, (str, np.ndarray, sp.Basic)) or not hasattr(steps, "__iter__"):
        raise DerivationInputError("steps must be a list of sympy expressions, one per step")
    steps = list(steps)
    count = len(steps)
    steps = [_as_expression(step, _step_name(i, count)) for i, step in enumerate(steps)]
    if gradient is not None:
        gradient = _as_expression(gradient, "the gradient")
    if not steps and gradient is None:
        raise DerivationInputError("there is nothing to check: give at least one step or a gradient")

    known_matrices = {s for s in function.free_symbols if isinstance(s, sp.MatrixSymbol)} | {wrt, direction}
    dimensions = set().union(*(sp.sympify(d).free_symbols for m in known_matrices for d in m.shape))
    dimensions |= {s for s in function.free_symbols if isinstance(s, sp.Symbol) and _is_dimension(s, function)}
    constants = {s for s in function.free_symbols if isinstance(s, sp.Symbol)} - dimensions
    known = known_matrices | dimensions | constants
    _check_names(known)

    previous_shape, previous_name = _shape_of(function), f"the function {_expr_text(function)}"
    for index, step in enumerate(steps):
        name = _step_name(index, count)
        _check_symbols(step, known, name)
        shape = _shape_of(step)
        if shape != previous_shape:
            raise DerivationInputError(
                f"{name} is {_describe_shape(shape)} but {previous_name} is {_describe_shape(previous_shape)}: "
                "every step of d f must have the shape of f"
            )
        previous_shape, previous_name = shape, "the step before"
    if gradient is not None:
        if _shape_of(function) != ():
            raise DerivationInputError(
                f"a gradient needs a scalar function, but f has shape {function.shape}: pass gradient=None"
            )
        _check_symbols(gradient, known - {direction}, "the gradient")
        if tuple(gradient.shape if gradient.is_Matrix else ()) != tuple(wrt.shape):
            hint = (
                ": it has the transposed shape (from d f = tr(M dX) the gradient is Mᵀ)"
                if gradient.is_Matrix and tuple(gradient.shape) == tuple(wrt.shape)[::-1]
                else ""
            )
            shape = tuple(gradient.shape) if gradient.is_Matrix else ()
            raise DerivationInputError(
                f"the gradient is {_describe_shape(shape)} but {wrt} is of shape {wrt.shape}; "
                f"a gradient has the shape of the variable{hint}"
            )
    fixed = _fixed_sizes(sizes, dimensions)
    ordered = lambda symbols: tuple(sorted(symbols, key=lambda s: s.name))  # noqa: E731
    dims, consts, matrices = ordered(dimensions), ordered(constants), ordered(known_matrices)
    return _Problem(function, steps, gradient, wrt, direction, dims + consts + matrices, dims, consts, matrices, fixed)


def _is_dimension(symbol, function):
    """True when ``symbol`` sizes a matrix in ``function`` (e.g. the ``n`` of ``Identity(n)``)."""
    return any(symbol in sp.sympify(d).free_symbols for m in function.atoms(sp.MatrixExpr) for d in m.shape)


def _check_names(symbols):
    seen = {}
    for symbol in symbols:
        other = seen.setdefault(symbol.name, symbol)
        if other != symbol:
            raise DerivationInputError(
                f"two different symbols are both called {symbol.name} (shapes or assumptions differ): "
                "define each symbol once and reuse it"
            )


def _check_symbols(expr, known, name):
    unknown = sorted((s for s in expr.free_symbols if s not in known), key=lambda s: s.name)
    by_name = {s.name: s for s in known}
    for symbol in unknown:
        if symbol.name in by_name:
            raise DerivationInputError(
                f"{name} uses a different {symbol.name} than the function (shapes or assumptions differ): "
                "define each symbol once and reuse it"
            )
    if unknown:
        listed = ", ".join(s.name for s in unknown)
        raise DerivationInputError(
            f"{name} uses {listed}, which {'is' if len(unknown) == 1 else 'are'} not in the function "
            "(only the function's symbols, the differential and the matrix sizes may appear)"
        )


def _fixed_sizes(sizes, dimensions):
    by_name = {d.name: d for d in dimensions}
    fixed = {}
    for key, value in (sizes or {}).items():
        name = key.name if isinstance(key, sp.Symbol) else str(key)
        if name not in by_name:
            raise DerivationInputError(
                f"sizes names {name}, which is not a matrix size here (sizes are {sorted(by_name) or 'all fixed'})"
            )
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise DerivationInputError(f"sizes[{name!r}] must be a positive integer, not {value!r}")
        fixed[by_name[name]] = int(value)
    return fixed


# ---------------------------------------------------------------------------------------------
# Random points


def _size_assignments(problem, trials, rng):
    """One ``{dimension: size}`` per trial: distinct symbols get distinct sizes, and sizes vary between trials."""
    free = [d for d in problem.dimensions if d not in problem.fixed_sizes]
    pool = list(rng.permutation(np.arange(2, max(6, 2 + len(free)))))
    assignments = []
    for trial in range(trials):
        sizes = dict(problem.fixed_sizes)
        sizes.update({d: int(pool[(i + trial) % len(pool)]) for i, d in enumerate(free)})
        assignments.append(sizes)
    return assignments


def _concrete_shape(shape, sizes):
    return tuple(int(sp.sympify(d).subs(sizes)) for d in shape)


def _random_matrix(shape, rng, tame):
    """Standard-normal matrix; when ``tame``, redrawn until its condition number is below MAX_COND."""
    for _ in range(MAX_DRAWS):
        matrix = rng.standard_normal(shape)
        if not tame or min(shape) < 2 or np.linalg.cond(matrix) < MAX_COND:
            return matrix
    return matrix


@dataclass
class _Point:
    """One random point: the values of every argument and the finite-difference references there."""

    values: dict
    differential: np.ndarray | None = None
    gradient: np.ndarray | None = None

    def args(self, problem, **replace):
        return tuple(replace.get(s.name, self.values[s]) for s in problem.args)


def _with_references(problem, values):
    """A :class:`_Point` at ``values`` with finite-difference ``f'(X)[dX]`` and gradient; None where f is not finite."""
    f = _compile(problem.function, problem.args)
    point = _Point(values)
    wrt = problem.wrt

    def at(Z):
        return _value(problem, _quiet_call(f, point.args(problem, **{wrt.name: Z})))

    if not np.all(np.isfinite(at(values[wrt]))):
        return None
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        point.differential = directional_derivative(at, values[wrt], values[problem.direction])
        if problem.scalar:
            point.gradient = numerical_gradient(at, values[wrt])
    finite = np.all(np.isfinite(point.differential)) and (point.gradient is None or np.all(np.isfinite(point.gradient)))
    return point if finite else None


def _draw_point(problem, sizes, rng):
    """A random point where ``f`` and its finite-difference derivatives are finite."""
    for _ in range(MAX_DRAWS):
        values = {d: sizes[d] for d in problem.dimensions}
        values.update({c: float(rng.standard_normal()) for c in problem.constants})
        for m in problem.matrices:
            values[m] = _random_matrix(_concrete_shape(m.shape, sizes), rng, tame=m != problem.direction)
        point = _with_references(problem, values)
        if point is not None:
            return point
    raise DerivationInputError(
        f"the function {_expr_text(problem.function)} is not a finite number at {MAX_DRAWS} random points "
        f"(sizes {_sizes_text(sizes)}): it cannot be checked numerically"
    )


def _value(problem, value):
    """Scalars (and 1×1 matrices) of a scalar function as 0-d arrays."""
    return value.reshape(()) if problem.scalar and value.size == 1 else value


def _sizes_text(sizes):
    return ", ".join(f"{d}={v}" for d, v in sorted(sizes.items(), key=lambda item: item[0].name)) or "fixed"


# ---------------------------------------------------------------------------------------------
# Comparing two quantities and saying how they differ


def _kind(sentence):
    """A short name for the mistake a sentence describes."""
    for words, kind in (
        ("not a transpose, sign or factor", "other"),
        ("the transpose of", "transpose"),
        ("wrong sign", "sign"),
        ("off by a factor", "factor"),
        ("times the expected", "factor"),
        ("only for symmetric", "symmetric-only"),
        ("contains NaN", "nonfinite"),
        ("contains inf", "nonfinite"),
        ("not linear in", "nonlinear"),
        ("a term without", "nonlinear"),
        ("does not contain", "nonlinear"),
    ):
        if words in sentence:
            return kind
    return "other"


def _rephrase(sentence, subject, reference):
    return sentence.replace("your result", subject).replace("the expected one", reference)


def _stacked_error(got, expected):
    """Relative error over all trials at once (NaN when something is not finite)."""
    got = np.concatenate([np.ravel(g) for g in got])
    expected = np.concatenate([np.ravel(e) for e in expected])
    if not (np.all(np.isfinite(got)) and np.all(np.isfinite(expected))):
        return np.nan
    return relative_error(got, expected)


def _first_bad_trial(got, expected, tol):
    for trial, (g, e) in enumerate(zip(got, expected)):
        if g.shape != e.shape or not np.all(np.isfinite(g)) or not relative_error(g, e) <= tol:
            return trial
    return 0


class _Evaluator:
    """Values of expressions at the random points, and their linear coefficients in dX."""

    def __init__(self, problem, points):
        self.problem, self.points = problem, points
        self._linear = {}

    def values(self, expr):
        function = _compile(expr, self.problem.args)
        return [_value(self.problem, _quiet_call(function, p.args(self.problem))) for p in self.points]

    def true_gradients(self):
        return [p.gradient for p in self.points]

    def true_differentials(self):
        return [p.differential for p in self.points]

    def linearity(self, expr):
        """``"linear"``, ``"constant term"``, ``"nonlinear"`` or ``"no direction"``: how ``expr`` depends on dX."""
        return self._linear_part(expr)[0]

    def coefficients(self, expr):
        """Per trial ``J`` with ``expr = J·dX`` (for a scalar, the ``G`` of ``tr(Gᵀ dX)``); None if not linear."""
        return self._linear_part(expr)[1]

    def _linear_part(self, expr):
        if expr not in self._linear:
            self._linear[expr] = self._compute_linear_part(expr)
        return self._linear[expr]

    def _compute_linear_part(self, expr):
        problem, d = self.problem, self.problem.direction
        if d not in expr.free_symbols:
            return "no direction", None
        function = _compile(expr, problem.args)
        result = []
        for point, value in zip(self.points, self.values(expr)):
            dX = point.values[d]
            at = lambda Z: _value(problem, _quiet_call(function, point.args(problem, **{d.name: Z})))  # noqa: E731
            J = np.empty(value.shape + dX.shape)
            for index in np.ndindex(dX.shape):
                unit = np.zeros_like(dX)
                unit[index] = 1.0
                J[(Ellipsis,) + index] = at(unit)
            offset = at(np.zeros_like(dX))
            scale = max(np.abs(value).max(initial=0.0), np.abs(J).max(initial=0.0))
            if np.all(np.isfinite(offset)) and np.abs(offset).max(initial=0.0) > STEP_TOL * scale:
                return "constant term", None
            if not (np.all(np.isfinite(J)) and relative_error(np.tensordot(J, dX, axes=dX.ndim), value) <= STEP_TOL):
                return "nonlinear", None
            result.append(J)
        return "linear", result

    def symmetrized(self, trial):
        """An evaluator at this trial's point with every square constant matrix (A, not X or dX) made symmetric."""
        problem = self.problem
        values = dict(self.points[trial].values)
        changed = False
        for m in problem.matrices:
            if m not in (problem.wrt, problem.direction) and values[m].shape[0] == values[m].shape[-1] > 1:
                values[m] = (values[m] + values[m].T) / 2
                changed = True
        point = _with_references(problem, values) if changed else None
        return None if point is None else _Evaluator(problem, [point])


def _compare(evaluator, mine, theirs, tol):
    """The likeliest mistake turning ``theirs(evaluator)`` into ``mine(evaluator)`` (lists per trial)."""
    got, expected = mine(evaluator), theirs(evaluator)
    trial = _first_bad_trial(got, expected, tol)

    def on_symmetric():
        symmetric = evaluator.symmetrized(trial)
        if symmetric is None:
            return None, expected[trial]
        sym_got, sym_expected = mine(symmetric), theirs(symmetric)
        return (None if sym_got is None else sym_got[0]), sym_expected[0]

    return diagnose(got[trial], expected[trial], on_symmetric=on_symmetric, tol=tol)[0]


def _step_reason(evaluator, index, tol):
    """Why step ``index`` is not equal to its reference (the true differential, or the step before)."""
    problem = evaluator.problem
    step, d = problem.steps[index], problem.direction
    reference = "the true differential" if index == 0 else "the step before"
    values = evaluator.values(step)
    if not all(np.all(np.isfinite(v)) for v in values):
        bad = next(v for v in values if not np.all(np.isfinite(v)))
        return diagnose(bad, np.zeros_like(bad))[0]
    linearity = evaluator.linearity(step)
    if linearity == "no direction":
        return f"it does not contain {d}: a differential is a linear function of {d}"
    if linearity == "constant term":
        return f"it has a term without {d}: every term of a differential contains {d} exactly once"
    if linearity == "nonlinear":
        return (
            f"it is not linear in {d}: a differential keeps only the terms with exactly one {d} "
            "(drop products of two differentials)"
        )
    previous = problem.steps[index - 1] if index else None
    if problem.scalar and (index == 0 or evaluator.coefficients(previous) is not None):
        theirs = _Evaluator.true_gradients if index == 0 else (lambda ev: ev.coefficients(previous))
        return _scalar_reason(_compare(evaluator, lambda ev: ev.coefficients(step), theirs, tol), reference, d)
    theirs = _Evaluator.true_differentials if index == 0 else (lambda ev: ev.values(previous))
    mine = lambda ev: ev.values(step)  # noqa: E731
    if problem.scalar:  # one number per trial: compare them all at once, so a factor means something
        mine, theirs = _stacked(mine), _stacked(theirs)
    sentence = _compare(evaluator, mine, theirs, tol)
    if problem.scalar and _kind(sentence) == "other":
        sentence = "its value differs from the expected one"
    return _rephrase(sentence, "it", reference)


def _stacked(quantity):
    """``quantity`` with its per-trial scalars stacked into one vector."""
    return lambda ev: [np.stack(quantity(ev))]


def _scalar_reason(sentence, reference, d):
    """A sentence comparing the matrices ``M`` of ``tr(M dX)``, retold about the scalar steps themselves."""
    kind = _kind(sentence)
    if kind == "transpose":
        return (
            f"it is the transpose of {reference}: it equals {reference} with {d} replaced by {d}ᵀ "
            f"(tr(Mᵀ {d}) in place of tr(M {d})); check the layout"
        )
    if kind in ("sign", "factor", "symmetric-only"):
        return _rephrase(sentence, "it", reference)
    detail = _rephrase(sentence, "its M", "the other M")
    return f"written as tr(M {d}), its M differs from that of {reference}: {detail}"


# ---------------------------------------------------------------------------------------------
# The result


@dataclass
class DerivationResult:
    """The verdict on a derivation: per step ✓/✗ with reasons, the gradient, partial credit and a report.

    Truthy when every step and the gradient are right. ``fraction`` counts correct items (each
    step, and the gradient when one was given): a step is correct when it equals its reference
    (the true differential for step 0, the step before for the others).
    """

    function: object
    steps: list
    gradient: object
    wrt: object
    direction: object
    step_ok: list
    step_reasons: list
    step_kinds: list
    gradient_ok: bool | None = None
    gradient_reason: str | None = None
    gradient_kind: str | None = None
    sizes: list = field(default_factory=list)

    def __bool__(self):
        return all(self.step_ok) and self.gradient_ok is not False

    @property
    def first_wrong(self):
        """Index (0-based) of the first wrong step, or None."""
        return next((i for i, ok in enumerate(self.step_ok) if not ok), None)

    @property
    def correct_steps(self):
        """Number of leading correct steps."""
        return len(self.step_ok) if self.first_wrong is None else self.first_wrong

    @property
    def fraction(self):
        """Correct items over all items (items = steps, plus the gradient when one was given)."""
        items = list(self.step_ok) + ([] if self.gradient_ok is None else [self.gradient_ok])
        return sum(items) / len(items)

    @property
    def mistake(self):
        """Short name of the first mistake, None when all is right.

        One of "transpose", "sign", "factor", "symmetric-only", "nonlinear" (not a linear function
        of dX), "nonfinite", "inconsistent" (a right gradient that is not the last step), "other".
        """
        if self.first_wrong is not None:
            return self.step_kinds[self.first_wrong]
        return self.gradient_kind

    @property
    def messages(self):
        """One sentence per wrong item, in order."""
        count = len(self.steps)
        out = [
            f"{_step_name(i, count)} {reason}" for i, reason in enumerate(self.step_reasons) if reason is not None
        ]
        if self.gradient_reason:
            out.append(self.gradient_reason)
        return out

    def points(self, max_points):
        """Partial credit: ``max_points`` times the fraction of correct items."""
        return float(max_points) * self.fraction

    def _lines(self):
        """``(ok, label, explanation)`` per item."""
        count = len(self.steps)
        lines = [
            (ok, f"{_step_name(i, count)}: {_expr_text(step)}", reason)
            for i, (ok, step, reason) in enumerate(zip(self.step_ok, self.steps, self.step_reasons))
        ]
        if self.gradient_ok is not None:
            label = f"gradient ∂f/∂{self.wrt}: {_expr_text(self.gradient)}"
            lines.append((self.gradient_ok, label, self.gradient_reason))
        return lines

    def _headline(self):
        verdict = "All right" if self else "Not yet"
        parts = [f"{sum(self.step_ok)} of {len(self.step_ok)} steps right"] if self.steps else []
        if self.gradient_ok is not None:
            parts.append(f"gradient {'right' if self.gradient_ok else 'wrong'}")
        return (
            f"{verdict}: d f for f = {_expr_text(self.function)} ({', '.join(parts)}; "
            f"score {self.fraction:.0%})"
        )

    def _footer(self):
        sizes = "; ".join(_sizes_text(s) for s in self.sizes)
        return f"checked at {len(self.sizes)} random points, sizes {sizes}"

    def report(self):
        """Plain text: a headline, each step and the gradient with ✓/✗ and why, and the sizes used."""
        lines = [self._headline()]
        for ok, label, reason in self._lines():
            lines.append(f"  {'✓' if ok else '✗'} {label}")
            if reason:
                lines.append(f"      {reason}")
        lines.append(f"  ({self._footer()})")
        return "\n".join(lines)

    __str__ = report

    def __repr__(self):
        return f"<DerivationResult {self.fraction:.0%} right, first wrong step {self.first_wrong}>"

    def _repr_html_(self):
        colour = "#1a7f37" if self else "#cf222e"
        items = []
        for ok, label, reason in self._lines():
            mark = f'<span style="color:{"#1a7f37" if ok else "#cf222e"}">{"✓" if ok else "✗"}</span>'
            why = f"<br><i>{html.escape(reason)}</i>" if reason else ""
            items.append(f"<li style='list-style:none'>{mark} <code>{html.escape(label)}</code>{why}</li>")
        return (
            f'<div style="border-left:4px solid {colour};padding:4px 8px">'
            f'<b style="color:{colour}">{html.escape(self._headline())}</b>'
            f"<ul style='padding-left:0.5em'>{''.join(items)}</ul>"
            f"<small>{html.escape(self._footer())}</small></div>"
        )


# ---------------------------------------------------------------------------------------------
# The checks


def _gradient_verdict(evaluator, last_step_values):
    """``(ok, reason, kind)`` for the read-off gradient: it must match finite differences and the last step."""
    problem = evaluator.problem
    d = problem.direction
    G = evaluator.values(problem.gradient)
    truth = evaluator.true_gradients()
    right = _stacked_error(G, truth) <= NUMERIC_TOL
    consistent = True
    if last_step_values is not None:
        pairing = [np.asarray(np.vdot(g, p.values[d])) for g, p in zip(G, evaluator.points)]
        consistent = _stacked_error(pairing, last_step_values) <= STEP_TOL
    if right and consistent:
        return True, None, None
    if right:
        return False, (
            f"the gradient is right, but ⟨G, {d}⟩ = tr(Gᵀ {d}) is not your last step: "
            "read the gradient off the last step of the derivation"
        ), "inconsistent"
    sentence = _compare(evaluator, lambda ev: ev.values(problem.gradient), _Evaluator.true_gradients, NUMERIC_TOL)
    kind = _kind(sentence)
    reason = f"the gradient is not ∂f/∂{problem.wrt}: {_rephrase(sentence, 'it', 'the finite-difference gradient')}"
    if kind == "transpose":
        reason += f" (from d f = tr(M {d}) the gradient is Mᵀ)"
    if last_step_values is not None:
        reason += (
            "; it does match your last step, so the slip is in a step above"
            if consistent
            else f"; ⟨G, {d}⟩ is not your last step either"
        )
    return False, reason, kind


def check_derivation(function, steps, gradient=None, *, wrt, direction, sizes=None, seed=None, trials=3):
    """Check a derivation ``d f = step₀ = step₁ = …`` and the gradient read off from it, numerically.

    Parameters
    ----------
    function : sympy expression
        ``f``, in ``wrt`` and other matrix symbols (constants such as ``A``); scalar
        (``tr``, ``det``, ``log det``, ``xᵀAx``) or matrix-valued (``X⁻¹``).
    steps : list of sympy expressions
        The derivation of ``d f`` in ``wrt`` and ``direction``; step 0 must equal ``f'(X)[dX]``,
        and every later step the step before it.
    gradient : sympy expression, optional
        The gradient ``∂f/∂X`` (same shape as ``X``) read off from ``d f = tr(Gᵀ dX)``; only for
        scalar ``f``.
    wrt, direction : sympy.MatrixSymbol
        The variable ``X`` and its differential ``dX`` (same shape).
    sizes : dict, optional
        Fixed sizes for dimension symbols, e.g. ``{"n": 3}``; the others are drawn from 2..5,
        different symbols different sizes, and different sizes in each trial.
    seed : int, numpy.random.Generator or None
        None draws fresh random numbers each call; an int makes the check reproducible.
    trials : int
        Number of random points (sizes and matrices) every comparison is made at.

    Returns
    -------
    DerivationResult
        Truthy when all is right; ``print`` it for the report, ``.points(max_points)`` for credit.

    Raises
    ------
    DerivationInputError
        When a step or the gradient is not a sympy expression, shapes do not fit, or a symbol is unknown.
    """
    if not isinstance(trials, (int, np.integer)) or trials < 1:
        raise DerivationInputError(f"trials must be a positive integer, not {trials!r}")
    problem = _validate(function, steps, gradient, wrt, direction, sizes)
    rng = np.random.default_rng(seed)
    assignments = _size_assignments(problem, int(trials), rng)
    evaluator = _Evaluator(problem, [_draw_point(problem, sizes_, rng) for sizes_ in assignments])

    step_ok, reasons, kinds = [], [], []
    reference_values = evaluator.true_differentials()
    for index, step in enumerate(problem.steps):
        values = evaluator.values(step)
        tol = NUMERIC_TOL if index == 0 else STEP_TOL
        ok = _stacked_error(values, reference_values) <= tol
        reason = None if ok else _step_reason(evaluator, index, tol)
        step_ok.append(ok)
        claim = "the differential of f" if index == 0 else "equal to the step before"
        reasons.append(None if ok else f"is not {claim}: {reason}")
        kinds.append(None if ok else _kind(reason))
        reference_values = values

    result = DerivationResult(
        problem.function, problem.steps, problem.gradient, problem.wrt, problem.direction,
        step_ok, reasons, kinds, sizes=assignments,
    )
    if problem.gradient is not None:
        last = reference_values if problem.steps else None
        result.gradient_ok, result.gradient_reason, result.gradient_kind = _gradient_verdict(evaluator, last)
    return result


def assert_derivation(function, steps, gradient=None, **options):
    """Like :func:`check_derivation`, but raise :class:`DerivationError` unless every item is right.

    Returns the :class:`DerivationResult` when all is right.
    """
    result = check_derivation(function, steps, gradient, **options)
    if not result:
        raise DerivationError(result)
    return result
