"""Gradient and Jacobian checks: compare an analytic derivative with finite differences.

Cheap check first, detailed diagnosis only on failure: large inputs are compared along a
few random directions, and a failure is then explained entry by entry.
"""
from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Union

import numpy as np
from numpy.typing import ArrayLike

from course.compare import relative_error, tolerance, verdict
from course.diagnosis import as_numeric, diagnose
from course.numerical import ArrayFunction, as_float_array, directional_derivative, numerical_jacobian

# The analytic derivative a check compares: the array itself, or a function returning it at the point.
Derivative = Union[ArrayLike, Callable[[np.ndarray], ArrayLike]]

FULL_CHECK_MAX_SIZE = 100  # inputs with more entries are checked along random directions


@dataclass
class CheckResult:
    """The outcome of a gradient or Jacobian check; truthy when it passed."""

    name: str
    passed: bool
    relative_error: float
    tolerance: float
    verdict: str
    method: str
    mode: str
    analytic: np.ndarray | None = None
    numerical: np.ndarray | None = None
    worst_entry: tuple[tuple[int, ...], float, float] | None = None
    diagnosis: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.passed

    def report(self) -> str:
        """A few plain-text lines: verdict, error against tolerance, worst entry, likely mistakes."""
        mark = "PASS" if self.passed else "FAIL"
        lines = [
            f"{mark}: {self.name} is {self.verdict} "
            f"(relative error {self.relative_error:.2e}, tolerance {self.tolerance:.0e}, "
            f"{self.method} differences, {self.mode})"
        ]
        if self.worst_entry is not None and not self.passed:
            index, analytic, numerical = self.worst_entry
            lines.append(f"  worst entry {index}: analytic {analytic:.6g}, numerical {numerical:.6g}")
        lines.extend(f"  likely mistake: {sentence}" for sentence in self.diagnosis)
        return "\n".join(lines)

    __str__ = report

    def __repr__(self) -> str:
        return f"<CheckResult {self.name}: {'passed' if self.passed else 'failed'}, error {self.relative_error:.2e}>"

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.passed else "#cf222e"
        first, *rest = self.report().splitlines()
        items = "".join(f"<li>{html.escape(line.strip())}</li>" for line in rest)
        return (
            f'<div style="border-left:4px solid {colour};padding:4px 8px">'
            f'<b style="color:{colour}">{html.escape(first)}</b>'
            f"{f'<ul>{items}</ul>' if items else ''}</div>"
        )


class GradientCheckError(AssertionError):
    """A failed :func:`assert_gradient` or :func:`assert_jacobian`; ``.result`` holds the details."""

    def __init__(self, result: CheckResult) -> None:
        super().__init__(result.report())
        self.result = result


def _evaluate(derivative: Derivative, x: np.ndarray) -> ArrayLike:
    """The analytic derivative as an array: call it at a copy of ``x`` when it is a function."""
    return derivative(x.copy()) if callable(derivative) else derivative


def _random_directions(shape: tuple[int, ...], count: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for _ in range(count)]


def _worst_entry(analytic: np.ndarray, numerical: np.ndarray) -> tuple[tuple[int, ...], float, float]:
    index = np.unravel_index(np.argmax(np.abs(analytic - numerical)), analytic.shape)
    index = tuple(int(i) for i in index)
    return index, float(analytic[index]), float(numerical[index])


def _check(
    F: ArrayFunction, derivative: Derivative, x: ArrayLike, *, name: str, method: str, h: float | ArrayLike | None,
    directions: int | Literal["auto"] | None, seed: int, tol: float | None, scalar: bool,
) -> CheckResult:
    """What :func:`check_gradient` (``scalar``) and :func:`check_jacobian` do: a cheap comparison first, the full
    numerical Jacobian and a diagnosis only when it fails."""
    x = as_float_array(x)
    out_shape = np.shape(F(x.copy()))
    if scalar and out_shape not in ((), (1,)):
        raise ValueError(f"check_gradient needs a scalar function, but it returned shape {out_shape}")
    out_shape = () if scalar else out_shape
    raw = _evaluate(derivative, x)
    analytic = as_numeric(raw)
    expected_shape = out_shape + x.shape
    tol = tol if tol is not None else tolerance(method, raw if analytic is not None else x)
    G = (lambda z: np.asarray(F(z)).reshape(())) if scalar else F
    if directions == "auto":
        directions = None if x.size <= FULL_CHECK_MAX_SIZE else 4
    mode = "full" if directions is None else f"{directions} random directions"

    def failed(numerical, sentences):
        return CheckResult(name, False, np.inf, tol, "wrong", method, "full", analytic, numerical, None, sentences)

    if analytic is None or analytic.shape != expected_shape or not np.all(np.isfinite(analytic)):
        numerical = numerical_jacobian(G, x, method=method, h=h)
        return failed(numerical, diagnose(raw, numerical))
    if directions is not None:
        axes = tuple(range(len(out_shape), analytic.ndim))
        errors = []
        for v in _random_directions(x.shape, directions, seed):
            predicted = np.tensordot(analytic, v, axes=(axes, tuple(range(v.ndim))))
            errors.append(relative_error(predicted, directional_derivative(G, x, v, method=method, h=h)))
        error = max(errors)
        if error <= tol:
            return CheckResult(name, True, error, tol, "correct", method, mode, analytic)
    numerical = numerical_jacobian(G, x, method=method, h=h)
    error = relative_error(analytic, numerical)
    passed = error <= tol
    return CheckResult(
        name, passed, error, tol, verdict(error, tol), method, mode if passed else "full", analytic, numerical,
        _worst_entry(analytic, numerical), [] if passed else diagnose(analytic, numerical),
    )


def check_gradient(
    f: ArrayFunction, grad: Derivative, X: ArrayLike, *, name: str = "gradient", method: str = "central",
    h: float | ArrayLike | None = None, directions: int | Literal["auto"] | None = "auto", seed: int = 0,
    tol: float | None = None,
) -> CheckResult:
    """Compare an analytic gradient with finite differences of the scalar function ``f``.

    Parameters
    ----------
    f : callable
        Scalar function of an array shaped like ``X``.
    grad : array_like or callable
        The analytic gradient at ``X`` (same shape as ``X``), or a function returning it.
    X : array_like
        The point; never modified.
    name : str
        What the report calls the checked derivative.
    method : {"central", "forward", "complex"}
        Difference scheme for the numerical gradient.
    h : float, optional
        Step size; by default chosen per entry.
    directions : "auto", int or None
        None compares every entry; an int compares that many random directions (seeded by
        ``seed``); "auto" compares fully up to 100 entries and along 4 directions beyond.
    seed : int
        Seed of the random directions, so a check gives the same verdict every time.
    tol : float, optional
        Tolerance on the relative error; by default set by ``method`` and the answer's dtype.

    Returns
    -------
    CheckResult
        Truthy when the check passes; ``print`` it for the report.
    """
    return _check(f, grad, X, name=name, method=method, h=h, directions=directions, seed=seed, tol=tol, scalar=True)


def check_jacobian(
    F: ArrayFunction, jac: Derivative, x: ArrayLike, *, name: str = "Jacobian", method: str = "central",
    h: float | ArrayLike | None = None, directions: int | Literal["auto"] | None = "auto", seed: int = 0,
    tol: float | None = None,
) -> CheckResult:
    """Compare an analytic Jacobian (numerator layout, shape ``F(x).shape + x.shape``) with finite differences.

    Parameters and return value as in :func:`check_gradient`, with ``F`` array-valued.
    """
    return _check(F, jac, x, name=name, method=method, h=h, directions=directions, seed=seed, tol=tol, scalar=False)


def assert_gradient(f: ArrayFunction, grad: Derivative, X: ArrayLike, **options: Any) -> CheckResult:
    """Like :func:`check_gradient`, but raise :class:`GradientCheckError` when the check fails."""
    result = check_gradient(f, grad, X, **options)
    if not result:
        raise GradientCheckError(result)
    return result


def assert_jacobian(F: ArrayFunction, jac: Derivative, x: ArrayLike, **options: Any) -> CheckResult:
    """Like :func:`check_jacobian`, but raise :class:`GradientCheckError` when the check fails."""
    result = check_jacobian(F, jac, x, **options)
    if not result:
        raise GradientCheckError(result)
    return result
