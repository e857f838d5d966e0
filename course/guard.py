"""A switch the grader's verification process turns on while it calls a graded derivative:
the course's finite-difference helpers then refuse to run, because the exercise asks for the
derivative itself, not an estimate of it. Outside grading it is always off."""
from contextlib import contextmanager


class EstimateRefused(RuntimeError):
    """A numerical estimate was asked for inside a graded derivative function."""


_state = {"refusing": False, "attempts": []}


@contextmanager
def estimates_refused():
    """Within the block, :func:`check` raises :class:`EstimateRefused` and records the attempt."""
    _state["refusing"], _state["attempts"] = True, []
    try:
        yield _state["attempts"]
    finally:
        _state["refusing"] = False


def check(helper):
    """Called by every estimating helper: refuse while a graded derivative is being verified."""
    if _state["refusing"]:
        _state["attempts"].append(helper)
        raise EstimateRefused(f"{helper} estimates a derivative; this exercise asks for the derivative itself")
