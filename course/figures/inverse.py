"""Figures for the inverse in notebook 05 (both are shown after the exercise they illustrate).

:class:`InverseExplorer`: how well d(X⁻¹) = −X⁻¹ dX X⁻¹ predicts the true change of the inverse
as the perturbation shrinks. The left panel is a log-log plot of the error of two first-order
predictions of ``(X + εV)⁻¹ − X⁻¹`` against ε: the right one, ``−ε X⁻¹VX⁻¹``, whose error falls
like ε², and the tempting wrong one, ``−ε X⁻¹X⁻¹V``, whose error falls only like ε. The right
panel compares, entry by entry, the true change at the chosen ε with both predictions.

:class:`AdjointTimings`: the learner's gradient through a linear solve, timed against forming the
inverse and against one solve, for growing matrices.
"""
from __future__ import annotations

import io
import time
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from course.interactive import InteractiveFigure

EPSILONS = np.logspace(-6, 0, 25)


def perturbed_inverse_errors(X: np.ndarray, V: np.ndarray, epsilons: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Norms of the true change of the inverse and the errors of the right and the wrong prediction.

    Parameters
    ----------
    X : ndarray, shape (n, n)
        An invertible matrix.
    V : ndarray, shape (n, n)
        The direction of the perturbation ``dX = εV``.
    epsilons : array_like
        Perturbation sizes ε.

    Returns
    -------
    change, right, wrong : ndarray
        ``‖(X+εV)⁻¹ − X⁻¹‖``, ``‖… − (−ε X⁻¹VX⁻¹)‖`` and ``‖… − (−ε X⁻¹X⁻¹V)‖`` (Frobenius) for each ε.
    """
    inverse = np.linalg.inv(X)
    right_slope = -inverse @ V @ inverse
    wrong_slope = -inverse @ inverse @ V
    change, right, wrong = [], [], []
    for epsilon in np.asarray(epsilons, dtype=float):
        true_change = np.linalg.inv(X + epsilon * V) - inverse
        change.append(np.linalg.norm(true_change))
        right.append(np.linalg.norm(true_change - epsilon * right_slope))
        wrong.append(np.linalg.norm(true_change - epsilon * wrong_slope))
    return np.array(change), np.array(right), np.array(wrong)


def random_problem(size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A well-conditioned random ``X`` (non-symmetric) and a unit-norm direction ``V``."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((size, size)) + size * np.eye(size)
    V = rng.standard_normal((size, size))
    return X, V / np.linalg.norm(V)


class InverseExplorer(InteractiveFigure):
    """Sliders for ε, the matrix size and the random seed; the plots show both predictions' errors."""

    def __init__(self) -> None:
        controls = {
            "epsilon": widgets.FloatLogSlider(value=1e-2, base=10, min=-6, max=0, step=0.25, description="ε"),
            "size": widgets.IntSlider(value=3, min=2, max=6, description="n"),
            "seed": widgets.IntSlider(value=0, min=0, max=20, description="seed"),
        }
        super().__init__(controls, figsize=(10, 4))

    def draw(self, epsilon: float, size: int, seed: int) -> None:
        """Redraw both panels for perturbation size ``epsilon`` of a random ``size``×``size`` problem."""
        X, V = random_problem(size, seed)
        change, right, wrong = perturbed_inverse_errors(X, V, EPSILONS)
        self.figure.clear()
        errors, entries = self.figure.subplots(1, 2)

        errors.loglog(EPSILONS, right, "o-", color="C0", label=r"right: $-X^{-1}\,dX\,X^{-1}$")
        errors.loglog(EPSILONS, wrong, "s-", color="C3", label=r"wrong: $-X^{-1}X^{-1}\,dX$")
        errors.loglog(EPSILONS, change, ":", color="gray", label=r"size of the true change")
        for error, power, colour in ((right, 2, "C0"), (wrong, 1, "C3")):
            reference = 0.1 * error[-1] * EPSILONS**power  # a guide line below the data
            errors.loglog(EPSILONS, reference, "--", color=colour, alpha=0.5, label=rf"slope {power}")
        errors.axvline(epsilon, color="black", linewidth=0.8)
        errors.set_xlabel(r"perturbation size $\varepsilon$ ($dX = \varepsilon V$, $\|V\| = 1$)")
        errors.set_ylabel(r"$\|(X+dX)^{-1} - X^{-1} - \mathrm{prediction}\|$")
        errors.set_title("error of the first-order prediction")
        errors.legend(fontsize=8, loc="upper left")

        inverse = np.linalg.inv(X)
        true_change = np.linalg.inv(X + epsilon * V) - inverse
        right_prediction = -epsilon * inverse @ V @ inverse
        wrong_prediction = -epsilon * inverse @ inverse @ V
        scale = max(np.abs(true_change).max(), np.abs(wrong_prediction).max()) * 1.1
        entries.plot([-scale, scale], [-scale, scale], color="gray", linewidth=0.8)
        entries.plot(true_change.ravel(), right_prediction.ravel(), "o", color="C0", label="right prediction")
        entries.plot(true_change.ravel(), wrong_prediction.ravel(), "s", color="C3", label="wrong prediction")
        entries.set_xlim(-scale, scale)
        entries.set_ylim(-scale, scale)
        entries.set_aspect("equal")
        entries.set_xlabel(r"true change of each entry of $X^{-1}$")
        entries.set_ylabel("predicted change")
        entries.set_title(rf"entries at $\varepsilon$ = {epsilon:.2g} (on the line = exact)")
        entries.legend(fontsize=8, loc="upper left")


TIMING_SIZES = (50, 100, 200, 400)


def best_time(function: Callable[..., Any], *args: Any, repeats: int = 3) -> float:
    """The shortest wall-clock time, in seconds, of ``repeats`` calls of ``function(*args)``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def adjoint_timings(
    gradient: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray], sizes: Sequence[int] = TIMING_SIZES, *,
    repeats: int = 3, seed: int = 0,
) -> tuple[dict[str, np.ndarray | None], str | None]:
    """Seconds per size for one solve, for forming the inverse, and for ``gradient(A, b, c)``.

    Returns
    -------
    timings : dict
        ``{"one solve": array, "forming the inverse": array, "your gradient": array or None}``;
        the gradient's entry is None when calling it fails (e.g. it is not implemented yet).
    problem : str or None
        Why the gradient was not timed.
    """
    rng = np.random.default_rng(seed)
    problems = [(rng.standard_normal((n, n)) + np.sqrt(n) * np.eye(n), rng.standard_normal(n), rng.standard_normal(n))
                for n in sizes]
    timings = {
        "one solve": np.array([best_time(np.linalg.solve, A, b, repeats=repeats) for A, b, _ in problems]),
        "forming the inverse": np.array([best_time(np.linalg.inv, A, repeats=repeats) for A, _, _ in problems]),
    }
    try:
        timings["your gradient"] = np.array([best_time(gradient, *problem, repeats=repeats) for problem in problems])
        problem = None
    except NotImplementedError:
        timings["your gradient"], problem = None, "not implemented yet"
    except Exception as error:  # a broken answer: its test cell says what is wrong
        timings["your gradient"], problem = None, f"it raised {type(error).__name__}"
    return timings, problem


class AdjointTimings:
    """A log-log plot of :func:`adjoint_timings`; a notebook shows it as a PNG picture.

    Making one times ``gradient`` there and then (a few seconds): the plot shows those measurements.
    """

    def __init__(
        self, gradient: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray], sizes: Sequence[int] = TIMING_SIZES
    ) -> None:
        self.sizes = np.array(sizes)
        self.timings, self.problem = adjoint_timings(gradient, sizes)
        self.figure = Figure(figsize=(6, 4), layout="constrained")
        self.draw(getattr(gradient, "__name__", "your gradient"))

    def draw(self, name: str) -> None:
        """One line per timed computation, with a guide line of slope 3 (cubic cost)."""
        axes = self.figure.subplots()
        styles = {"one solve": ("^--", "gray"), "forming the inverse": ("s-", "C3"), "your gradient": ("o-", "C0")}
        for label, seconds in self.timings.items():
            if seconds is not None:
                marker, colour = styles[label]
                axes.loglog(self.sizes, seconds, marker, color=colour, label=name if label == "your gradient" else label)
        cubic = self.timings["forming the inverse"][-1] * (self.sizes / self.sizes[-1]) ** 3
        axes.loglog(self.sizes, cubic, ":", color="black", alpha=0.5, label=r"slope 3 ($n^3$)")
        axes.set_xlabel("matrix size $n$")
        axes.set_ylabel("seconds (best of 3)")
        note = f" ({name}: {self.problem})" if self.problem else ""
        axes.set_title("gradient by solves vs forming the inverse" + note, fontsize=10)
        axes.legend(fontsize=8)

    def png(self) -> bytes:
        """The figure as PNG bytes."""
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=90)
        return buffer.getvalue()

    def _repr_png_(self) -> bytes:
        return self.png()
