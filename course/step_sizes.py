"""Step sizes for finite differences: one step per entry, scaled to the entry's magnitude."""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

METHODS = ("central", "forward", "complex")

_EPS = np.finfo(np.float64).eps
_BASE_STEP = {
    "central": _EPS ** (1 / 3),  # balances O(h^2) truncation against eps/h rounding
    "forward": _EPS ** (1 / 2),  # balances O(h) truncation against eps/h rounding
    "complex": 1e-20,  # no subtraction, so no rounding error: any tiny step works
}


def validate_method(method: str) -> None:
    """Raise a ValueError naming the valid choices when ``method`` is unknown."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")


def step_sizes(x: ArrayLike, method: str = "central", h: float | ArrayLike | None = None) -> np.ndarray:
    """Per-entry steps for differencing at ``x``.

    Parameters
    ----------
    x : ndarray of float
        The point; the steps get its shape.
    method : {"central", "forward", "complex"}
        The difference scheme, which fixes the base step (SciPy's rule).
    h : float or ndarray, optional
        A step chosen by the caller; it replaces the scaled default.

    Returns
    -------
    ndarray
        Steps of ``x``'s shape. Real steps are rounded so that ``x + h`` is exactly
        representable, which removes one source of rounding error.

    Raises
    ------
    ValueError
        If a real step ``h`` is so small against ``x`` that ``x + h == x``.
    """
    validate_method(method)
    x = np.asarray(x)
    if h is None:
        sizes = _BASE_STEP[method] * np.maximum(1.0, np.abs(x))
    else:
        sizes = np.broadcast_to(np.asarray(h, dtype=np.float64), x.shape).copy()
    if method != "complex":
        sizes = (x.real + sizes) - x.real
        if not np.all(sizes):
            raise ValueError(f"the step h is too small for x: x + h == x where |x| = {np.abs(x[sizes == 0]).max():g}")
    return sizes
