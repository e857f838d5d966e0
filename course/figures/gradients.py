"""Figures of notebook 01: why the finite-difference step size matters, and what sets the best one."""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from course.interactive import InteractiveFigure
from course.step_sizes import step_sizes

EPS = np.finfo(np.float64).eps
STEP_SIZES = np.logspace(-16, 0, 161)  # the steps h along the figure's horizontal axis


def power(x: float | np.ndarray) -> float | np.ndarray:
    """x^(5/2): it looks the same at every scale, like the functions the scaled step is made for."""
    return x ** 2.5


def power_derivative(x: float | np.ndarray) -> float | np.ndarray:
    """The exact derivative of :func:`power`."""
    return 2.5 * x ** 1.5


def best_step_sizes(x: float) -> dict[str, float]:
    """The steps that minimise truncation plus rounding error for :func:`power` at ``x > 0``.

    Forward differences: ``h|f''|/2 + 2ε|f|/h`` is least at ``2√(ε|f|/|f''|)``; central ones:
    ``h²|f'''|/6 + ε|f|/h`` at ``(3ε|f|/|f'''|)^(1/3)``. Both are set by the function (its size
    against that of its higher derivatives), not by a rule of thumb on x.
    """
    second, third = 3.75 * x ** 0.5, 1.875 * x ** -0.5
    return {"forward": 2 * np.sqrt(EPS * power(x) / second), "central": (3 * EPS * power(x) / third) ** (1 / 3)}


def difference_errors(x: float, h: np.ndarray = STEP_SIZES) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(h, forward, central)``: the step sizes ``h`` below ``x`` (where x − h stays in the domain of
    :func:`power`) and the relative errors of forward and central differences at ``x``, one per step."""
    h = h[h < x]
    exact = power_derivative(x)
    forward = (power(x + h) - power(x)) / h
    central = (power(x + h) - power(x - h)) / (2 * h)
    scale = max(abs(exact), 1e-300)
    return h, np.abs(forward - exact) / scale, np.abs(central - exact) / scale


class StepSizeExplorer(InteractiveFigure):
    """Error of forward and central differences against the step h, log-log, at a point chosen by slider.

    Too large a step and the truncation error (the Taylor terms we drop) dominates; too small
    and rounding error (about eps/h) takes over. The best step sits between; for x^(5/2) it is
    proportional to x, while the course's default step is held at its value for |x| = 1 below 1.
    """

    def __init__(self) -> None:
        super().__init__(
            {
                "x": widgets.FloatLogSlider(value=1.0, base=10, min=-2, max=4, step=0.1, description="point x",
                                            readout_format=".3g"),
                "method": widgets.ToggleButtons(options=["both", "forward", "central"], value="both",
                                                description="method"),
            },
            figsize=(8, 4.2),
        )

    def draw(self, x: float, method: str) -> None:
        """Draw the error curves of ``method`` ("both", "forward" or "central") at ``x``, with the course's and the best steps."""
        self.figure.clear()
        axes = self.figure.add_subplot()
        h, forward, central = difference_errors(x)
        best = best_step_sizes(x)
        curves = {"forward": (forward, "tab:orange"), "central": (central, "tab:blue")}
        for name, (errors, colour) in curves.items():
            if method in ("both", name):
                axes.loglog(h, np.maximum(errors, 1e-17), color=colour, label=f"{name} differences")
                course_step = float(step_sizes(np.array(float(x)), name))
                axes.axvline(course_step, color=colour, linestyle=":", label=f"course's {name} step")
                axes.axvline(best[name], color=colour, linestyle="--", alpha=0.6, label=f"best {name} step h*")
        axes.set_xlim(STEP_SIZES[0], STEP_SIZES[-1])
        axes.set_xlabel("step h")
        axes.set_ylabel("relative error of f'(x)")
        axes.set_ylim(1e-17, 10)
        axes.set_title(f"f(x) = x^(5/2) at x = {x:.3g}: rounding error (left) vs truncation error (right)")
        axes.legend(loc="lower left", fontsize=8)
        axes.grid(True, which="major", alpha=0.3)
