"""The layout explorer of 03_layouts: where every partial derivative ∂yᵢ/∂xⱼ sits, in either layout."""
from __future__ import annotations

import ipywidgets as widgets
from matplotlib.patches import Rectangle

from course.interactive import InteractiveFigure

LAYOUTS = ("numerator", "denominator")


def numpy_shape(kind: str, rows: int, columns: int) -> tuple[int, ...]:
    """The NumPy shape of a ``"scalar"``, a ``"vector"`` of ``rows`` entries or a ``rows × columns`` ``"matrix"``."""
    return {"scalar": (), "vector": (rows,), "matrix": (rows, columns)}[kind]


def entry_label(y_index: tuple[int, ...], x_index: tuple[int, ...], y_is_matrix: bool = False) -> str:
    """Mathtext for one partial derivative, e.g. ``∂y₁/∂x₂``; indices are 0-based, shown 1-based.

    An empty index means a scalar (``y`` or ``x`` without subscript); a matrix output is written ``Y``.
    """
    def name(letter: str, index: tuple[int, ...]) -> str:
        return letter if not index else f"{letter}_{{{','.join(str(i + 1) for i in index)}}}"

    return rf"$\dfrac{{\partial {name('Y' if y_is_matrix else 'y', y_index)}}}{{\partial {name('x', x_index)}}}$"


def entry_grid(y_shape: tuple[int, ...], x_shape: tuple[int, ...], layout: str) -> list[list[str]] | None:
    """The derivative ∂y/∂x as a grid (list of rows) of entry labels, or None for a 3-D derivative.

    Vectors count as columns and scalars as 1 × 1. In numerator layout the rows follow ``y`` and
    the columns follow ``x`` (or ``y``'s columns when ``x`` is a scalar); denominator layout is the
    transpose.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, not {layout!r}")
    if len(y_shape) == 2 and len(x_shape) == 1:
        return None
    if len(x_shape) == 0:  # by a scalar: laid out like y (a vector as a column)
        rows, columns = (tuple(y_shape) + (1, 1))[:2]
        grid = [
            [entry_label((i, j)[: len(y_shape)], (), len(y_shape) == 2) for j in range(columns)]
            for i in range(rows)
        ]
    else:  # by a vector: one row per entry of y, one column per entry of x
        grid = [
            [entry_label((i,)[: len(y_shape)], (j,)) for j in range(x_shape[0])]
            for i in range(y_shape[0] if y_shape else 1)
        ]
    return grid if layout == "numerator" else [list(column) for column in zip(*grid)]


def caption(y_kind: str, x_kind: str, layout: str) -> str:
    """One sentence saying what the rows and the columns of the derivative follow."""
    if x_kind == "scalar":
        like = "y" if layout == "numerator" else "yᵀ"
        return f"by a scalar: the derivative is laid out like {like} (a vector y counts as a column)"
    if layout == "numerator":
        return "numerator layout: one row per entry of y, one column per entry of x"
    return "denominator layout: one row per entry of x, one column per entry of y"


class LayoutExplorer(InteractiveFigure):
    """Choose the kinds and sizes of y and x and a layout; see ∂y/∂x's shape and where each entry goes."""

    def __init__(
        self, y_kind: str = "vector", m: int = 3, p: int = 2, x_kind: str = "vector", n: int = 2, layout: str = "numerator"
    ) -> None:
        size = widgets.Layout(width="190px")
        controls = {
            "y_kind": widgets.Dropdown(
                options=[("scalar y", "scalar"), ("vector y (m,)", "vector"), ("matrix Y (m, p)", "matrix")],
                value=y_kind, description="output y", layout=size,
            ),
            "m": widgets.IntSlider(value=m, min=1, max=4, description="m", layout=size,
                                     style={"description_width": "initial"}),
            "p": widgets.IntSlider(value=p, min=1, max=4, description="p", layout=size,
                                     style={"description_width": "initial"}),
            "x_kind": widgets.Dropdown(
                options=[("scalar x", "scalar"), ("vector x (n,)", "vector")],
                value=x_kind, description="input x", layout=size,
            ),
            "n": widgets.IntSlider(value=n, min=1, max=4, description="n", layout=size,
                                     style={"description_width": "initial"}),
            "layout": widgets.ToggleButtons(options=list(LAYOUTS), value=layout, description="layout"),
        }
        self.shape = None
        super().__init__(controls, figsize=(7.5, 5))

    def draw(self, y_kind: str, m: int, p: int, x_kind: str, n: int, layout: str) -> None:
        """Draw the grid of entries of ∂y/∂x with its shape as the title; ``self.shape`` is that shape."""
        y_shape, x_shape = numpy_shape(y_kind, m, p), numpy_shape(x_kind, n, 1)
        grid = entry_grid(y_shape, x_shape, layout)
        self.figure.clear()
        axes = self.figure.subplots()
        problem = f"y.shape = {y_shape}, x.shape = {x_shape}"
        if grid is None:
            self.shape = None
            axes.set_axis_off()
            axes.set_title(f"{problem}\n∂Y/∂x has no 2-D layout")
            axes.text(
                0.5, 0.5, f"a matrix by a vector has m·p·n = {m * p * n} entries:\n"
                "a 3-D array, which neither layout covers",
                ha="center", va="center", fontsize=12, transform=axes.transAxes,
            )
            return
        rows, columns = len(grid), len(grid[0])
        self.shape = (rows, columns)
        fontsize = 15 if max(rows, columns) <= 3 else 12
        for i, row in enumerate(grid):
            for j, label in enumerate(row):
                axes.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor="#eef3fb", edgecolor="#4a6fa5"))
                axes.text(j, i, label, ha="center", va="center", fontsize=fontsize)
        axes.set_xlim(-0.5, columns - 0.5)
        axes.set_ylim(rows - 0.5, -0.5)
        axes.set_aspect("equal")
        axes.xaxis.tick_top()
        axes.set_xticks(range(columns), [f"col {j + 1}" for j in range(columns)])
        axes.set_yticks(range(rows), [f"row {i + 1}" for i in range(rows)])
        axes.tick_params(length=0)
        axes.set_title(f"{problem}\n{layout} layout: ∂y/∂x has shape {self.shape}", fontsize=12)
        axes.set_xlabel(caption(y_kind, x_kind, layout))
