"""Evaluating at random points: sizes, random matrices, the variants that explain a mistake, and
the finite-difference references there.

Numbers only, no sympy: the grader draws the points of the independent check with this module
too, and computes the references from the instructor's NumPy formula of f.
"""
from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from course.derivation.data import Outline, Point
from course.derivation.errors import DerivationInputError
from course.numerical import directional_derivative, numerical_gradient

MAX_COND = 100.0  # condition number bound for random matrices, so inverses and log det are tame
MAX_DRAWS = 100  # random points tried per trial before giving up on a function that is NaN everywhere

__all__ = ["draw", "size_assignments"]

ValueOf = Callable[[dict[str, Any]], Any]  # the differentiated quantity at a dict of values by name


def draw(outline: Outline, trials: int, rng: np.random.Generator, value_of: ValueOf) -> list[Point]:
    """The points of a check: per trial a general point, then its variants ("symmetric", "commuting").

    ``value_of(values)`` evaluates the differentiated quantity (f, or G when ``outline.inner``) at
    ``values``, a dict from names to sizes, constants and matrices. A variant where f is not finite is left out.
    """
    points = []
    for trial, sizes in enumerate(size_assignments(outline, trials, rng)):
        general = _general_point(outline, sizes, rng, value_of, trial)
        points.append(general)
        for kind, values in (("symmetric", _symmetrized(outline, general.values)),
                             ("commuting", _diagonal_values(outline, sizes, rng))):
            variant = None if values is None else with_references(outline, Point(trial, kind, values), value_of)
            if variant is not None:
                points.append(variant)
    return points


def size_assignments(outline: Outline, trials: int, rng: np.random.Generator) -> list[dict[str, int]]:
    """One ``{dimension: size}`` per trial: distinct names get distinct sizes, and sizes vary between trials."""
    free = [d for d in outline.dimensions if d not in outline.fixed_sizes]
    pool = list(rng.permutation(np.arange(2, max(6, 2 + len(free)))))
    assignments = []
    for trial in range(trials):
        sizes = dict(outline.fixed_sizes)
        sizes.update({d: int(pool[(i + trial) % len(pool)]) for i, d in enumerate(free)})
        assignments.append(sizes)
    return assignments


def with_references(outline: Outline, point: Point, value_of: ValueOf) -> Point | None:
    """A copy of ``point`` with finite-difference ``f'(X)[dX]`` (``dG`` when inner) and gradient; None where not finite."""
    values, wrt = point.values, outline.wrt

    def at(Z):  # the differentiated quantity with X = Z
        value = np.asarray(value_of({**values, wrt: Z}), dtype=float)
        return value.reshape(()) if outline.scalar and not outline.inner else value

    def scalar_at(Z):  # f itself with X = Z (a 1×1 inner matrix may come back as a plain number)
        return np.trace(np.atleast_2d(at(Z))) if outline.inner else at(Z)

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if not np.all(np.isfinite(at(values[wrt]))):
            return None
        differential = directional_derivative(at, values[wrt], values[outline.direction])
        gradient = numerical_gradient(scalar_at, values[wrt]) if outline.scalar else None
    references = [differential] + ([] if gradient is None else [gradient])
    if not all(np.all(np.isfinite(r)) for r in references):
        return None
    return replace(point, differential=differential, gradient=gradient)


def _general_point(outline, sizes, rng, value_of, trial):
    for _ in range(MAX_DRAWS):
        values = {**sizes, **{c: float(rng.standard_normal()) for c in outline.constants}}
        for name, shape in outline.matrices.items():
            values[name] = _random_matrix(_concrete(shape, sizes), rng, tame=name != outline.direction)
        point = with_references(outline, Point(trial, "general", values), value_of)
        if point is not None:
            return point
    described = ", ".join(f"{d}={v}" for d, v in sorted(sizes.items())) or "fixed"
    raise DerivationInputError(f"the function is not a finite number at {MAX_DRAWS} random points (sizes "
                               f"{described}): it cannot be checked numerically")


def _concrete(shape, sizes):
    return tuple(sizes[d] if isinstance(d, str) else int(d) for d in shape)


def _random_matrix(shape, rng, tame):
    """Standard-normal matrix; when ``tame``, redrawn until its condition number is below MAX_COND."""
    for _ in range(MAX_DRAWS):
        matrix = rng.standard_normal(shape)
        if not tame or min(shape) < 2 or np.linalg.cond(matrix) < MAX_COND:
            return matrix
    return matrix


def _symmetrized(outline, values):
    """``values`` with every square constant matrix (A, not X or dX) replaced by its symmetric part; None if none is."""
    square = [m for m in outline.constant_matrices if values[m].shape[0] == values[m].shape[1] > 1]
    if not square:
        return None
    return {**values, **{m: (values[m] + values[m].T) / 2 for m in square}}


def _diagonal_values(outline, sizes, rng):
    """Values where every matrix is diagonal (rectangular ones too), so that any two products commute:
    a step that is right here but not in general has two factors in the wrong order."""
    values = {**sizes, **{c: float(rng.standard_normal()) for c in outline.constants}}
    for name, shape in outline.matrices.items():
        shape = _concrete(shape, sizes)
        matrix = np.zeros(shape)
        k = min(shape)
        matrix[np.arange(k), np.arange(k)] = rng.choice([-1.0, 1.0], k) * rng.uniform(0.5, 2.0, k)
        values[name] = matrix
    return values
