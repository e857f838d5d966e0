"""The Jacobian as the best local linear map: a small grid under the polar map and under its linearization,
with the Jacobian's columns drawn as arrows."""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from numpy.typing import ArrayLike

from course.interactive import InteractiveFigure
from course.numerical import numerical_jacobian

LINES = 5  # grid lines in each direction
SAMPLES = 41  # points along each grid line


def polar_map(p: np.ndarray) -> np.ndarray:
    """``(r, θ) ↦ (r cos θ, r sin θ)`` applied to the last axis of ``p`` (shape ``(..., 2)``)."""
    r, theta = p[..., 0], p[..., 1]
    return np.stack([r * np.cos(theta), r * np.sin(theta)], axis=-1)


def grid_lines(center: ArrayLike, half_width: float) -> np.ndarray:
    """Lines of constant r and of constant θ in the square of ``half_width`` around ``center``.

    Returns
    -------
    ndarray
        Shape ``(2 * LINES, SAMPLES, 2)``: each line is a polyline of ``(r, θ)`` points.
    """
    levels = np.linspace(-half_width, half_width, LINES)
    along = np.linspace(-half_width, half_width, SAMPLES)
    constant_r = [np.column_stack([np.full(SAMPLES, level), along]) for level in levels]
    constant_theta = [np.column_stack([along, np.full(SAMPLES, level)]) for level in levels]
    return np.asarray(center) + np.array(constant_r + constant_theta)


def images(r: float, theta: float, half_width: float) -> tuple[np.ndarray, np.ndarray, float]:
    """The grid around ``p = (r, θ)`` mapped by F and by its affine approximation ``F(p) + J(p)(q − p)``.

    Returns
    -------
    curved, straight : ndarray
        Both of shape ``(2 * LINES, SAMPLES, 2)``, points in the (x, y) plane.
    gap : float
        The largest distance between a grid point's two images.

    Notes
    -----
    ``J(p)`` comes from central differences, so this module does not give away the exercise.
    """
    p = np.array([r, theta])
    grid = grid_lines(p, half_width)
    jacobian = numerical_jacobian(polar_map, p)
    curved = polar_map(grid)
    straight = polar_map(p) + (grid - p) @ jacobian.T
    gap = float(np.max(np.linalg.norm(curved - straight, axis=-1)))
    return curved, straight, gap


def column_arrows(r: float, theta: float, half_width: float) -> np.ndarray:
    """The columns of ``J(p)`` scaled by the grid's half-width: the images of the steps δ in r and δ in θ.

    Returns
    -------
    ndarray
        Shape ``(2, 2)``: row 0 is ``δ·J[:, 0]`` (a step in r), row 1 is ``δ·J[:, 1]`` (a step in θ).
    """
    return half_width * numerical_jacobian(polar_map, np.array([r, theta])).T


def square_limits(points: np.ndarray, margin: float = 0.08) -> tuple[tuple[float, float], tuple[float, float]]:
    """Axis limits ``((x0, x1), (y0, y1))`` of equal length that hold all ``points`` with a margin."""
    low, high = points.min(axis=0), points.max(axis=0)
    centre, half = (low + high) / 2, (1 + margin) * float(np.max(high - low)) / 2
    return tuple((c - half, c + half) for c in centre)


class PolarGridExplorer(InteractiveFigure):
    """Sliders for ``r``, ``θ`` and the grid's half-width δ; the title reports how far F is from linear."""

    def __init__(self, r: float = 1.5, theta: float = 0.8, half_width: float = 0.4) -> None:
        controls = {
            "r": widgets.FloatSlider(value=r, min=0.2, max=3.0, step=0.05, description="r"),
            "theta": widgets.FloatSlider(value=theta, min=-np.pi, max=np.pi, step=0.05, description="θ (rad)"),
            "half_width": widgets.FloatLogSlider(
                value=half_width, base=10, min=-2, max=0, step=0.05, description="grid δ", readout_format=".3f"
            ),
        }
        self.gap = None
        self.arrows = None
        super().__init__(controls, figsize=(9.5, 4.6))

    def draw(self, r: float, theta: float, half_width: float) -> None:
        """Draw F's image of the grid (left) and the linearization over it (right) with the columns of J as
        arrows, sharing limits."""
        curved, straight, gap = images(r, theta, half_width)
        self.gap = gap
        self.arrows = column_arrows(r, theta, half_width)
        centre = polar_map(np.array([r, theta]))
        self.figure.clear()
        left, right = self.figure.subplots(1, 2)
        for line in curved:
            left.plot(line[:, 0], line[:, 1], color="tab:blue", lw=1.2)
            right.plot(line[:, 0], line[:, 1], color="0.75", lw=1.0)
        for line in straight:
            right.plot(line[:, 0], line[:, 1], color="tab:orange", lw=1.2)
        ends = zip(curved[:, [0, -1]].reshape(-1, 2), straight[:, [0, -1]].reshape(-1, 2))
        for a, b in ends:  # the gap at both ends of every grid line
            right.plot([a[0], b[0]], [a[1], b[1]], color="tab:red", lw=1.0)
        limits = square_limits(np.concatenate([curved, straight]).reshape(-1, 2))
        for axes in (left, right):
            axes.plot(*centre, "k.", ms=8)
            axes.set_xlim(limits[0])
            axes.set_ylim(limits[1])
            axes.set_aspect("equal", adjustable="box")
            axes.set_xlabel("x")
        labels = ("δ·(column 1: r)", "δ·(column 2: θ)")
        for arrow, colour, label in zip(self.arrows, ("tab:green", "tab:purple"), labels):
            right.annotate("", xy=centre + arrow, xytext=centre,
                           arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 2})
            right.text(*(centre + 1.08 * arrow), label, color=colour, fontsize=9)
        left.set_ylabel("y")
        left.set_title("F(q) = (r cos θ, r sin θ) on the grid")
        right.set_title("affine F(p) + J(p)(q − p) (orange), F (grey),\narrows: the columns of J(p) times δ",
                        fontsize=10)
        self.figure.suptitle(
            f"p = (r, θ) = ({r:.2f}, {theta:.2f} rad), grid half-width δ = {half_width:.3f}: "
            f"largest gap {gap:.2e} = {gap / half_width**2:.2f}·δ²"
        )
