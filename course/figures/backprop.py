"""Step through the backward pass of the two-layer network ``L = Σ (tanh(X W₁) W₂)²``.

Every array is drawn as a grid of coloured cells with its name and shape; a slider moves
through the backward pass one identity at a time.
"""
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Rectangle

from course.interactive import InteractiveFigure


@dataclass(frozen=True)
class Step:
    """One backward step: the gradient it produces, the identity, and the arrays it reads."""

    gradient: str
    identity: str
    shapes: str
    reads: tuple


# Shape arithmetic uses N samples, d inputs, H hidden units and K outputs.
STEPS = (
    Step("dŷ", "dŷ = 2ŷ   (derivative of Σ ŷ², elementwise)", "(N, K) → (N, K)", ("ŷ",)),
    Step("dW₂", "dW₂ = h₁ᵀ dŷ   (Y = AB ⇒ dB = Aᵀ dY)", "(H, N)·(N, K) → (H, K)", ("h₁", "dŷ")),
    Step("dh₁", "dh₁ = dŷ W₂ᵀ   (Y = AB ⇒ dA = dY Bᵀ)", "(N, K)·(K, H) → (N, H)", ("dŷ", "W₂")),
    Step("dz₁", "dz₁ = dh₁ ⊙ (1 − tanh² z₁)   (elementwise map)", "(N, H) ⊙ (N, H) → (N, H)", ("dh₁", "z₁")),
    Step("dW₁", "dW₁ = Xᵀ dz₁   (Y = AB ⇒ dB = Aᵀ dY)", "(d, N)·(N, H) → (d, H)", ("X", "dz₁")),
)


def network_arrays(N, d, hidden, outputs, seed=0):
    """Every array of the forward and backward pass on random data, by display name."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, d))
    W1 = rng.standard_normal((d, hidden)) / np.sqrt(d)
    W2 = rng.standard_normal((hidden, outputs)) / np.sqrt(hidden)
    z1 = X @ W1
    h1 = np.tanh(z1)
    yhat = h1 @ W2
    arrays = {"X": X, "W₁": W1, "z₁": z1, "h₁": h1, "W₂": W2, "ŷ": yhat, "L": np.array([[np.sum(yhat**2)]])}
    arrays["dŷ"] = 2 * yhat
    arrays["dW₂"] = h1.T @ arrays["dŷ"]
    arrays["dh₁"] = arrays["dŷ"] @ W2.T
    arrays["dz₁"] = arrays["dh₁"] * (1 - np.tanh(z1) ** 2)
    arrays["dW₁"] = X.T @ arrays["dz₁"]
    return arrays


# Left to right along the forward pass; each gradient is drawn under its variable.
FORWARD = ("X", "W₁", "z₁", "h₁", "W₂", "ŷ", "L")
GRADIENT_OF = {"dŷ": "ŷ", "dW₂": "W₂", "dh₁": "h₁", "dz₁": "z₁", "dW₁": "W₁"}
CURRENT, READ, DONE = "#cf222e", "#bf8700", "#8c959f"


class BackpropStepper(InteractiveFigure):
    """Slider over the backward pass: the current gradient in red, the arrays it reads in amber.

    Step 0 shows the forward pass; step k shows the k-th backward identity with its shapes.
    The size sliders show which dimensions a gradient keeps (a weight gradient never has N).
    """

    def __init__(self, N=6, d=3, hidden=4, outputs=2):
        controls = {
            "step": widgets.IntSlider(value=0, min=0, max=len(STEPS), description="step"),
            "N": widgets.IntSlider(value=N, min=1, max=8, description="N"),
            "d": widgets.IntSlider(value=d, min=1, max=5, description="d"),
            "hidden": widgets.IntSlider(value=hidden, min=1, max=6, description="H"),
            "outputs": widgets.IntSlider(value=outputs, min=1, max=4, description="K"),
        }
        for control in controls.values():
            control.layout = widgets.Layout(width="190px")
            control.style = {"description_width": "40px"}
        super().__init__(controls, figsize=(10, 5.5))

    def draw(self, step, N, d, hidden, outputs):
        """Draw the forward arrays on top, the gradients computed so far below, and the step's identity."""
        self.figure.clear()
        ax = self.figure.add_subplot()
        arrays = network_arrays(N, d, hidden, outputs)
        current = STEPS[step - 1] if step else None
        reads = set(current.reads) if current else set()
        done = {s.gradient for s in STEPS[:step]}
        x, lefts = 0.0, {}
        for name in FORWARD:
            lefts[name] = x
            x += arrays[name].shape[1] + 1.5
        gap = max(N, d, hidden) + 3.5
        for name in FORWARD:
            _draw_array(ax, arrays[name], name, lefts[name], 0.0, READ if name in reads else None)
        for gradient, variable in GRADIENT_OF.items():
            if gradient in done:
                colour = CURRENT if current and gradient == current.gradient else READ if gradient in reads else DONE
                _draw_array(ax, arrays[gradient], gradient, lefts[variable], -gap, colour)
        if current:
            title = f"step {step}: {current.identity}\nshapes: {current.shapes}"
        else:
            title = "step 0: forward pass  z₁ = X W₁,  h₁ = tanh z₁,  ŷ = h₁ W₂,  L = Σ ŷ²\nmove the slider to run the backward pass"
        ax.set_title(title, loc="left", fontsize=11)
        for label, top in (("forward", 0.0), ("gradients ∂L/∂(·)", -gap)):
            ax.text(-0.8, top - N / 2, label, rotation=90, ha="right", va="center", fontsize=10, color="0.3")
        ax.set_xlim(-2, x)
        ax.set_ylim(-gap - max(N, d, hidden) - 1.5, 2.5)
        ax.set_aspect("equal")
        ax.axis("off")


def _draw_array(ax, array, name, left, top, edge):
    """One array as a grid of cells (rows downwards from ``top``), labelled with its name and shape."""
    rows, cols = array.shape
    scale = np.abs(array).max() or 1.0
    ax.imshow(array, cmap="coolwarm", vmin=-scale, vmax=scale, extent=(left, left + cols, top - rows, top))
    if edge is not None:
        ax.add_patch(_frame(left, top, rows, cols, edge))
    shape = "scalar" if name == "L" else f"{rows}×{cols}"
    ax.text(left + cols / 2, top - rows - 0.4, f"{name}\n{shape}", ha="center", va="top", fontsize=10,
            color=edge or "black", fontweight="bold" if edge in (CURRENT, READ) else "normal")


def _frame(left, top, rows, cols, colour):
    """A thick coloured outline around an array drawn by ``_draw_array``."""
    return Rectangle((left - 0.15, top - rows - 0.15), cols + 0.3, rows + 0.3, fill=False, edgecolor=colour,
                     linewidth=3)
