"""Finite-difference derivatives: numerical gradients, Jacobians and directional derivatives.

The caller's array is never modified: every evaluation gets a fresh perturbed copy.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from course import guard
from course.step_sizes import step_sizes, validate_method

ArrayFunction = Callable[[np.ndarray], ArrayLike]  # a function of an array, returning a number or an array


def as_float_array(x: ArrayLike) -> np.ndarray:
    """Return a float64 copy of ``x`` (integers and float32 are cast, the caller's array is untouched)."""
    return np.array(x, dtype=np.float64, copy=True)


def _value(F: ArrayFunction, z: np.ndarray) -> np.ndarray:
    """``F(z)`` as a fresh float64 array: safe when ``F`` changes ``z`` or reuses an output buffer."""
    return np.array(F(z), dtype=np.float64, copy=True)


def _difference(F: ArrayFunction, x: np.ndarray, offset: np.ndarray, step: float, method: str) -> np.ndarray:
    """One difference quotient of ``F`` at ``x`` along ``offset`` (already multiplied by ``step``)."""
    guard.ensure_estimate_allowed("the course's finite-difference helpers")
    if method == "central":
        return (_value(F, x + offset) - _value(F, x - offset)) / (2 * step)
    if method == "forward":
        return (_value(F, x + offset) - _value(F, x.copy())) / step
    return np.imag(np.asarray(F(x + 1j * offset))) / step


def numerical_jacobian(
    F: ArrayFunction, x: ArrayLike, *, method: str = "central", h: float | ArrayLike | None = None
) -> np.ndarray:
    """Finite-difference Jacobian of ``F`` at ``x`` in numerator layout.

    Parameters
    ----------
    F : callable
        Maps an array of ``x``'s shape to a scalar or an array. For ``method="complex"``
        it must accept complex input and be real-analytic (no ``abs``, no comparisons).
    x : array_like
        The point. It is copied and cast to float64; the caller's array is never changed.
    method : {"central", "forward", "complex"}
        Central differences (default), forward differences, or the complex step.
    h : float or ndarray, optional
        Step size; by default chosen per entry from ``x``'s magnitude.

    Returns
    -------
    ndarray
        Shape ``F(x).shape + x.shape``: entry ``[i..., j...]`` is ``∂F[i...]/∂x[j...]``.
        For a scalar ``F`` this is the gradient, with the shape of ``x``.
    """
    validate_method(method)
    x = as_float_array(x)
    sizes = step_sizes(x, method, h)
    out_shape = np.shape(F(x.copy()))
    jac = np.empty(out_shape + x.shape)
    for index in np.ndindex(x.shape):
        offset = np.zeros_like(x)
        offset[index] = sizes[index]
        jac[(Ellipsis,) + index] = _difference(F, x, offset, sizes[index], method)
    return jac


def numerical_gradient(
    f: ArrayFunction, X: ArrayLike, *, method: str = "central", h: float | ArrayLike | None = None
) -> np.ndarray:
    """Finite-difference gradient of a scalar function ``f``: an array of the same shape as ``X``.

    Parameters
    ----------
    f : callable
        Maps an array of ``X``'s shape to a scalar.
    X : array_like
        The point (vector or matrix); copied and cast to float64.
    method, h
        As in :func:`numerical_jacobian`.

    Returns
    -------
    ndarray
        ``G`` with ``G[j...] = ∂f/∂X[j...]`` (the gradient convention).

    Raises
    ------
    ValueError
        If ``f`` does not return a scalar.
    """
    value = np.asarray(f(as_float_array(X)))
    if value.size != 1:
        raise ValueError(
            f"numerical_gradient needs a scalar function, but f returned shape {value.shape}; "
            "use numerical_jacobian for vector-valued functions"
        )
    return numerical_jacobian(lambda Z: np.asarray(f(Z)).reshape(()), X, method=method, h=h)


def directional_derivative(
    F: ArrayFunction, x: ArrayLike, direction: ArrayLike, *, method: str = "central", h: float | None = None
) -> np.ndarray:
    """Finite-difference estimate of ``F'(x)[direction]``, the derivative along ``direction``.

    One or two evaluations of ``F`` whatever the size of ``x``, which makes it the cheap
    check for large matrices. The step is scaled to the largest entry of ``x`` and
    divided by the largest entry of ``direction``.

    Returns
    -------
    ndarray
        Shape ``F(x).shape``.
    """
    validate_method(method)
    x = as_float_array(x)
    direction = as_float_array(direction)
    if direction.shape != x.shape:
        raise ValueError(f"direction has shape {direction.shape} but x has shape {x.shape}")
    scale = float(np.max(np.abs(direction), initial=0.0))
    if scale == 0.0:
        return np.zeros(np.shape(F(x.copy())))
    point_scale = np.array(float(np.max(np.abs(x), initial=0.0)))
    step = float(step_sizes(point_scale, method, h)) / scale
    return _difference(F, x, step * direction, step, method)
