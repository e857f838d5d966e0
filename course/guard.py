"""A switch that graded calls turn on while a learner's function runs: finite-difference helpers
then refuse to run, because the exercise asks for the derivative itself (or for the learner's own
difference quotient), not for an estimate made by someone else's code. Outside grading it is off.

The course's own helpers call :func:`ensure_estimate_allowed`; SciPy's finite-difference routines, which do not,
are noticed by a profile hook while the switch is on.
"""
from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class EstimateRefused(RuntimeError):
    """A numerical estimate was asked for inside a graded derivative function."""


# Source files of SciPy's finite-difference routines, and the functions in them that estimate.
FOREIGN_ESTIMATORS = {
    "scipy/optimize/_numdiff.py": "scipy.optimize's approx_derivative",
    "scipy/differentiate/": "scipy.differentiate",
}
FOREIGN_FUNCTIONS = {"approx_fprime": "scipy.optimize.approx_fprime", "check_grad": "scipy.optimize.check_grad"}

_state = {"refusing": False, "attempts": []}


def _foreign(frame: FrameType) -> str | None:
    """The name of the SciPy estimator ``frame`` runs, or None."""
    code = frame.f_code
    path = code.co_filename.replace("\\", "/")
    if "scipy" not in path:
        return None
    if code.co_name in FOREIGN_FUNCTIONS:
        return FOREIGN_FUNCTIONS[code.co_name]
    return next((name for part, name in FOREIGN_ESTIMATORS.items() if part in path), None)


def _notice(frame: FrameType, event: str, arg: object) -> None:
    """Profile hook: record a call into one of SciPy's estimators."""
    if event == "call":
        name = _foreign(frame)
        if name and name not in _state["attempts"]:
            _state["attempts"].append(name)


@contextmanager
def estimates_refused() -> Iterator[list[str]]:
    """Within the block, :func:`ensure_estimate_allowed` raises :class:`EstimateRefused`; every attempt, the course's
    or SciPy's, is recorded in the list the block receives."""
    saved, previous = dict(_state), sys.getprofile()
    _state.update(refusing=True, attempts=[])
    sys.setprofile(_notice)
    try:
        yield _state["attempts"]
    finally:  # put back what was there, so a block inside another leaves the outer one refusing
        sys.setprofile(previous)
        _state.update(saved)


def ensure_estimate_allowed(helper: str) -> None:
    """Called by every estimating helper of the course: refuse while a graded call runs."""
    if _state["refusing"]:
        if helper not in _state["attempts"]:
            _state["attempts"].append(helper)
        raise EstimateRefused(f"{helper} estimates a derivative; this exercise asks for the derivative itself")
