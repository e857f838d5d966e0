"""Step through the backward pass of the lesson's network ``L = ½‖V relu(W x + b) − t‖²``.

Every array is drawn as a grid of coloured cells with its name and shape (vectors as columns); a
slider moves through the backward pass one rule at a time. The network is the lesson's worked
example, not the exercises' tanh network, so the figure shows the method without the answers.
"""
from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from course.interactive import InteractiveFigure


@dataclass(frozen=True)
class Step:
    """One backward step: the gradient it produces, the rule, and the arrays it reads."""

    gradient: str
    identity: str
    shapes: str
    reads: tuple[str, ...]


# Shape arithmetic uses n inputs, m hidden units and k outputs; a bar marks a gradient of L.
STEPS = (
    Step("ȳ", "ȳ = y − t   (the loss ½‖y − t‖²)", "(k,) → (k,)", ("y", "t")),
    Step("V̄", "V̄ = ȳ hᵀ   (affine VJP, the matrix)", "(k, 1)·(1, m) → (k, m)", ("ȳ", "h")),
    Step("h̄", "h̄ = Vᵀ ȳ   (affine VJP, the vector)", "(m, k)·(k, 1) → (m,)", ("V", "ȳ")),
    Step("z̄", "z̄ = h̄ ⊙ 1[z > 0]   (elementwise VJP of the ReLU)", "(m,) ⊙ (m,) → (m,)", ("h̄", "z")),
    Step("W̄", "W̄ = z̄ xᵀ   (affine VJP, the matrix)", "(m, 1)·(1, n) → (m, n)", ("z̄", "x")),
    Step("b̄", "b̄ = z̄   (affine VJP, the bias)", "(m,) → (m,)", ("z̄",)),
)


def network_arrays(inputs: int, hidden: int, outputs: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Every array of the forward and backward pass on random data, by display name (vectors as columns)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(inputs)
    W = rng.standard_normal((hidden, inputs))
    b = rng.standard_normal(hidden)
    V = rng.standard_normal((outputs, hidden))
    t = rng.standard_normal(outputs)
    z = W @ x + b
    h = np.maximum(z, 0)
    y = V @ h
    gy = y - t
    gh = V.T @ gy
    gz = gh * (z > 0)
    vectors = {"x": x, "b": b, "z": z, "h": h, "y": y, "t": t, "ȳ": gy, "h̄": gh, "z̄": gz, "b̄": gz}
    arrays = {name: value[:, None] for name, value in vectors.items()}
    arrays.update({"W": W, "V": V, "V̄": np.outer(gy, h), "W̄": np.outer(gz, x),
                   "L": np.array([[0.5 * np.sum((y - t) ** 2)]])})
    return arrays


# Left to right along the forward pass; each gradient is drawn under its variable.
FORWARD = ("x", "W", "b", "z", "h", "V", "y", "t", "L")
GRADIENT_OF = {"ȳ": "y", "V̄": "V", "h̄": "h", "z̄": "z", "W̄": "W", "b̄": "b"}
MATRICES = ("W", "V", "W̄", "V̄")  # drawn with both sizes; every other array is a vector, drawn as a column
CURRENT, READ, DONE = "#cf222e", "#bf8700", "#8c959f"


class BackpropStepper(InteractiveFigure):
    """Slider over the backward pass: the current gradient in red, the arrays it reads in amber.

    Step 0 shows the forward pass; step k shows the k-th backward rule with its shapes. The seed
    slider draws new data: where a unit is inactive (z ≤ 0), its entries of z̄, b̄ and its row of W̄ are zero.
    """

    def __init__(self, inputs: int = 3, hidden: int = 4, outputs: int = 2, seed: int = 0) -> None:
        controls = {
            "step": widgets.IntSlider(value=0, min=0, max=len(STEPS), description="step"),
            "inputs": widgets.IntSlider(value=inputs, min=1, max=5, description="n"),
            "hidden": widgets.IntSlider(value=hidden, min=1, max=6, description="m"),
            "outputs": widgets.IntSlider(value=outputs, min=1, max=4, description="k"),
            "seed": widgets.IntSlider(value=seed, min=0, max=20, description="seed"),
        }
        for control in controls.values():
            control.layout = widgets.Layout(width="190px")
            control.style = {"description_width": "40px"}
        super().__init__(controls, figsize=(10, 5.5))

    def draw(self, step: int, inputs: int, hidden: int, outputs: int, seed: int) -> None:
        """Draw the forward arrays on top, the gradients computed so far below, and the step's rule."""
        self.figure.clear()
        axes = self.figure.add_subplot()
        arrays = network_arrays(inputs, hidden, outputs, seed)
        current = STEPS[step - 1] if step else None
        reads = set(current.reads) if current else set()
        done = {s.gradient for s in STEPS[:step]}
        x, lefts = 0.0, {}
        for name in FORWARD:
            lefts[name] = x
            x += arrays[name].shape[1] + 1.5
        tallest = max(inputs, hidden, outputs)
        gap = tallest + 3.5
        for name in FORWARD:
            _draw_array(axes, arrays[name], name, lefts[name], 0.0, READ if name in reads else None)
        for gradient, variable in GRADIENT_OF.items():
            if gradient in done:
                colour = CURRENT if current and gradient == current.gradient else READ if gradient in reads else DONE
                _draw_array(axes, arrays[gradient], gradient, lefts[variable], -gap, colour)
        if current:
            title = f"step {step}: {current.identity}\nshapes: {current.shapes}"
        else:
            title = ("step 0: forward pass  z = W x + b,  h = relu(z),  y = V h,  L = ½‖y − t‖²\n"
                     "move the slider to run the backward pass")
        axes.set_title(title, loc="left", fontsize=11)
        for label, top in (("forward", 0.0), ("gradients ∂L/∂(·)", -gap)):
            axes.text(-0.8, top - tallest / 2, label, rotation=90, ha="right", va="center", fontsize=10, color="0.3")
        axes.set_xlim(-2, x)
        axes.set_ylim(-gap - tallest - 1.5, 2.5)
        axes.set_aspect("equal")
        axes.axis("off")


def _draw_array(axes: Axes, array: np.ndarray, name: str, left: float, top: float, edge: str | None) -> None:
    """One array as a grid of cells (rows downwards from ``top``), labelled with its name and shape."""
    rows, cols = array.shape
    scale = np.abs(array).max() or 1.0
    axes.imshow(array, cmap="coolwarm", vmin=-scale, vmax=scale, extent=(left, left + cols, top - rows, top))
    if edge is not None:
        axes.add_patch(_frame(left, top, rows, cols, edge))
    shape = "scalar" if name == "L" else f"{rows}×{cols}" if name in MATRICES else f"({rows},)"
    axes.text(left + cols / 2, top - rows - 0.4, f"{name}\n{shape}", ha="center", va="top", fontsize=10,
            color=edge or "black", fontweight="bold" if edge in (CURRENT, READ) else "normal")


def _frame(left: float, top: float, rows: int, cols: int, colour: str) -> Rectangle:
    """A thick coloured outline around an array drawn by ``_draw_array``."""
    return Rectangle((left - 0.15, top - rows - 0.15), cols + 0.3, rows + 0.3, fill=False, edgecolor=colour,
                     linewidth=3)
