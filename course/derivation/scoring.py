"""Scoring: how many points a derivation earns.

- Steps: credit only for *distinct* right steps before the first wrong one, over the distinct
  steps given. A step written exactly like an earlier one counts nothing (neither as right nor
  as given); no steps, or a wrong first step, earn no step credit.
- The gradient: when one is asked for (f is a scalar, or a gradient was given), half the points
  are for the steps and half for the gradient; otherwise all points are for the steps.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["fraction", "step_credit"]


def step_credit(step_ok: Sequence[bool], repeats: Sequence[int | None]) -> float:
    """The share of step credit in [0, 1]: distinct right steps before the first wrong one, over distinct steps."""
    distinct = [index for index, repeat in enumerate(repeats) if repeat is None]
    if not distinct:
        return 0.0
    first_wrong = next((index for index, ok in enumerate(step_ok) if not ok), len(step_ok))
    return sum(index < first_wrong for index in distinct) / len(distinct)


def fraction(step_ok: Sequence[bool], repeats: Sequence[int | None], gradient_ok: bool | None) -> float:
    """The score in [0, 1]: half steps, half gradient (``gradient_ok`` None: no gradient asked, all steps)."""
    steps = step_credit(step_ok, repeats)
    return steps if gradient_ok is None else (steps + float(gradient_ok)) / 2
