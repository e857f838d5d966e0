"""Relative error and the tolerance bands that turn an error into a verdict."""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

# Largest relative error at which an analytic derivative still counts as matching the
# numerical one, by difference method and by the analytic answer's precision.
TOLERANCES = {
    ("central", "float64"): 1e-6,
    ("forward", "float64"): 1e-4,
    ("complex", "float64"): 1e-10,
    ("central", "float32"): 2e-3,
    ("forward", "float32"): 2e-3,
    ("complex", "float32"): 2e-3,
}
# Above this the answer is wrong, not merely imprecise (CS231n's band).
WRONG_ABOVE = 1e-2


def relative_error(a: ArrayLike, b: ArrayLike) -> float:
    """Norm-wise relative error ``‖a − b‖ / max(‖a‖, ‖b‖)``; 0 when both are zero.

    Symmetric in its arguments, so it does not matter which one is "the truth". Both are
    scaled by their largest entry first, so huge entries (1e300) do not overflow; an
    infinite or NaN entry gives ``inf`` unless the arrays are identical.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    largest = max(np.max(np.abs(a), initial=0.0), np.max(np.abs(b), initial=0.0))
    if not np.isfinite(largest):
        return 0.0 if np.array_equal(a, b) else np.inf
    if largest == 0.0:
        return 0.0
    a, b = a / largest, b / largest
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b)))


def precision_name(array: ArrayLike) -> str:
    """``"float32"`` for single (or half) precision input, else ``"float64"``."""
    dtype = np.asarray(array).dtype
    if dtype.kind in "fc" and dtype.itemsize <= (8 if dtype.kind == "c" else 4):
        return "float32"
    return "float64"


def tolerance(method: str, answer: ArrayLike) -> float:
    """The relative-error tolerance for a check by ``method`` of an analytic ``answer``."""
    return TOLERANCES[(method, precision_name(answer))]


def verdict(error: float, tol: float) -> str:
    """One word for a relative error: ``"correct"``, ``"imprecise"`` or ``"wrong"``."""
    if error <= tol:
        return "correct"
    if error <= WRONG_ABOVE:
        return "imprecise"
    return "wrong"
