"""The chain rule as a product of Jacobians: ``J_{F∘G}(x) = J_F(G(x)) J_G(x)``, next to finite differences."""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.axes import Axes

from course.interactive import InteractiveFigure
from course.numerical import numerical_jacobian

PANELS = ("outer", "inner", "product", "numerical", "error")  # the axes' labels, left to right


def inner_map(x: np.ndarray, a: float) -> np.ndarray:
    """G: ℝ² → ℝ³, ``(x₁, x₂) ↦ (x₁x₂, sin(a x₁), x₁ + x₂²)``."""
    return np.array([x[0] * x[1], np.sin(a * x[0]), x[0] + x[1] ** 2])


def inner_jacobian(x: np.ndarray, a: float) -> np.ndarray:
    """The 3 × 2 Jacobian of :func:`inner_map` at ``x`` (numerator layout)."""
    return np.array([[x[1], x[0]], [a * np.cos(a * x[0]), 0.0], [1.0, 2 * x[1]]])


def outer_map(u: np.ndarray) -> np.ndarray:
    """F: ℝ³ → ℝ², ``(u₁, u₂, u₃) ↦ (u₁u₃ + u₂, exp(−u₁) + u₂u₃)``."""
    return np.array([u[0] * u[2] + u[1], np.exp(-u[0]) + u[1] * u[2]])


def outer_jacobian(u: np.ndarray) -> np.ndarray:
    """The 2 × 3 Jacobian of :func:`outer_map` at ``u`` (numerator layout)."""
    return np.array([[u[2], 1.0, u[0]], [-np.exp(-u[0]), u[2], u[1]]])


def panels(x1: float, x2: float, a: float) -> dict[str, np.ndarray]:
    """The matrices the figure shows at the point ``x = (x₁, x₂)``, by panel name.

    Returns
    -------
    dict of ndarray
        ``outer`` = J_F(G(x)) (2 × 3), ``inner`` = J_G(x) (3 × 2), their ``product`` (2 × 2),
        the ``numerical`` Jacobian of F∘G by central differences and the ``error`` |product − numerical|.
    """
    x = np.array([x1, x2], dtype=float)
    outer = outer_jacobian(inner_map(x, a))
    inner = inner_jacobian(x, a)
    product = outer @ inner
    numerical = numerical_jacobian(lambda v: outer_map(inner_map(v, a)), x)
    return {"outer": outer, "inner": inner, "product": product, "numerical": numerical,
            "error": np.abs(product - numerical)}


def heatmap(axes: Axes, matrix: np.ndarray, *, limit: float, cmap: str, fmt: str) -> None:
    """Draw ``matrix`` as coloured cells with its entries written in them."""
    axes.imshow(matrix, cmap=cmap, vmin=-limit if cmap == "RdBu_r" else 0.0, vmax=limit)
    for (i, j), value in np.ndenumerate(matrix):
        dark = abs(value) > 0.6 * limit
        axes.text(j, i, format(value, fmt), ha="center", va="center", fontsize=9,
                  color="white" if dark else "black")
    axes.set_xticks(range(matrix.shape[1]))
    axes.set_yticks(range(matrix.shape[0]))
    axes.tick_params(length=0, labelsize=8)


class ChainRuleExplorer(InteractiveFigure):
    """Sliders for the point ``x`` and the parameter ``a`` of G; five heatmaps show the chain rule at work.

    ``self.matrices`` holds the drawn matrices (see :func:`panels`); the axes are labelled by
    the names in ``PANELS``, so a test can read each heatmap's data from the figure itself.
    """

    def __init__(self, x1: float = 0.8, x2: float = -0.5, a: float = 1.5) -> None:
        controls = {
            "x1": widgets.FloatSlider(value=x1, min=-2.0, max=2.0, step=0.05, description="x₁"),
            "x2": widgets.FloatSlider(value=x2, min=-2.0, max=2.0, step=0.05, description="x₂"),
            "a": widgets.FloatSlider(value=a, min=0.1, max=3.0, step=0.05, description="a in G"),
        }
        self.matrices = None
        super().__init__(controls, figsize=(11, 3.4))

    def draw(self, x1: float, x2: float, a: float) -> None:
        """Draw J_F(G(x)), J_G(x), their product, the finite-difference Jacobian and the gap."""
        self.matrices = panels(x1, x2, a)
        limit = max(float(np.abs(self.matrices[name]).max()) for name in PANELS[:4])
        self.figure.clear()
        grid = self.figure.subplots(1, 5, gridspec_kw={"width_ratios": [3, 2, 2, 2, 2]})
        titles = {
            "outer": "J_F(G(x))   2×3",
            "inner": "× J_G(x)   3×2",
            "product": "= product   2×2",
            "numerical": "finite differences\nof F∘G   2×2",
            "error": "|product − finite diff.|",
        }
        for axes, name in zip(grid, PANELS):
            axes.set_label(name)
            error = name == "error"
            heatmap(axes, self.matrices[name], limit=max(float(self.matrices["error"].max()), 1e-16) if error else limit,
                    cmap="Greys" if error else "RdBu_r", fmt=".0e" if error else ".2f")
            axes.set_title(titles[name], fontsize=10)
        self.figure.suptitle(
            f"x = ({x1:.2f}, {x2:.2f}), a = {a:.2f}: the product of the Jacobians matches finite differences "
            f"to {self.matrices['error'].max():.1e}", fontsize=11,
        )


FLATTENINGS = ("vec", "ravel", "vec transposed")  # the axes' labels of the shuffle explorer, left to right


def flattened_jacobians(A: np.ndarray, B: np.ndarray) -> dict[str, np.ndarray]:
    """Jacobians of X ↦ AXB with both sides flattened column-major (vec) and row-major (ravel).

    Returns
    -------
    dict of ndarray
        ``vec``: the Jacobian of vec(AXB) by vec(X); ``ravel``: of ravel(AXB) by ravel(X); ``vec transposed``:
        the transpose of the first, which is not the second. All by finite differences of the map itself.
    """
    n, p = A.shape[1], B.shape[0]
    X = np.zeros((n, p))  # the map is linear: its Jacobian is the same everywhere
    by_vec = numerical_jacobian(lambda v: (A @ v.reshape(n, p, order="F") @ B).ravel(order="F"), X.ravel(order="F"))
    by_ravel = numerical_jacobian(lambda v: (A @ v.reshape(n, p) @ B).ravel(), X.ravel())
    return {"vec": by_vec, "ravel": by_ravel, "vec transposed": by_vec.T}


def shuffle(rows: int, cols: int) -> np.ndarray:
    """The perfect shuffle: the permutation matrix P with ``M.ravel() = P @ M.ravel(order="F")`` for M (rows, cols)."""
    return np.eye(rows * cols)[np.arange(rows * cols).reshape(rows, cols, order="F").ravel()]


class ShuffleExplorer(InteractiveFigure):
    """Sizes of A (m × n) and B (p × q) in X ↦ AXB; heatmaps of its Jacobian for each way of flattening.

    A and B hold small integers, so every entry of a Jacobian is a product A_ik B_lj that can be
    found again in the other panel: the same numbers, in shuffled places.
    """

    def __init__(self, m: int = 2, n: int = 2, p: int = 3, q: int = 2, seed: int = 0) -> None:
        sizes = {name: widgets.IntSlider(value=value, min=1, max=3, description=name)
                 for name, value in {"m": m, "n": n, "p": p, "q": q}.items()}
        controls = {**sizes, "seed": widgets.IntSlider(value=seed, min=0, max=20, description="new A, B")}
        self.matrices = None
        super().__init__(controls, figsize=(11, 4))

    def draw(self, m: int, n: int, p: int, q: int, seed: int) -> None:
        """Draw the vec Jacobian, the ravel Jacobian and the transpose of the first."""
        rng = np.random.default_rng(seed)
        A, B = rng.integers(-3, 4, size=(m, n)).astype(float), rng.integers(-3, 4, size=(p, q)).astype(float)
        self.matrices = {name: np.round(J, 6) for name, J in flattened_jacobians(A, B).items()}
        shuffled = np.allclose(self.matrices["ravel"], shuffle(m, q) @ self.matrices["vec"] @ shuffle(n, p).T)
        transposed = self.matrices["ravel"].shape == self.matrices["vec transposed"].shape and np.allclose(
            self.matrices["ravel"], self.matrices["vec transposed"])
        limit = max(float(np.abs(self.matrices["vec"]).max()), 1.0)
        self.figure.clear()
        titles = {"vec": "vec (columns stacked)", "ravel": "ravel() (rows stacked)",
                  "vec transposed": "transpose of vec's"}
        for axes, name in zip(self.figure.subplots(1, 3), FLATTENINGS):
            axes.set_label(name)
            rows, cols = self.matrices[name].shape
            heatmap(axes, self.matrices[name], limit=limit, cmap="RdBu_r", fmt=".0f")
            axes.set_title(f"{titles[name]}   {rows}×{cols}", fontsize=10)
        self.figure.suptitle(
            f"Jacobian of X ↦ AXB, A {m}×{n}, B {p}×{q}: ravel's is vec's with rows and columns shuffled "
            f"({shuffled}); it is the transpose of vec's ({transposed})", fontsize=11,
        )
