"""The backprop stepper of 06_backprop: each step draws one more gradient, with the right identity and shapes."""
import re

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import course  # noqa: E402
from course.figures.backprop import CURRENT, STEPS, BackpropStepper, network_arrays  # noqa: E402

SIZES = {"N": 6, "d": 3, "H": 4, "K": 2}


@pytest.fixture
def stepper():
    return BackpropStepper(N=SIZES["N"], d=SIZES["d"], hidden=SIZES["H"], outputs=SIZES["K"])


def axes(stepper):
    (ax,) = stepper.figure.axes
    return ax


def image_extents(stepper):
    return [tuple(image.get_extent()) for image in axes(stepper).images]


def red_labels(stepper):
    """The labels drawn in the colour of the current step."""
    return [t.get_text() for t in axes(stepper).texts if matplotlib.colors.same_color(t.get_color(), CURRENT)]


def test_step_zero_shows_the_forward_pass_only(stepper):
    assert len(axes(stepper).images) == 7
    assert "forward pass" in axes(stepper).get_title(loc="left")
    assert red_labels(stepper) == []


@pytest.mark.parametrize("step", range(1, len(STEPS) + 1))
def test_each_step_adds_its_gradient_and_states_its_identity(stepper, step):
    before = image_extents(stepper)
    stepper.controls["step"].value = step
    current = STEPS[step - 1]
    title = axes(stepper).get_title(loc="left")
    assert current.identity in title and current.shapes in title
    assert len(axes(stepper).images) == 7 + step
    assert image_extents(stepper) != before
    (label,) = red_labels(stepper)
    rows, cols = network_arrays(6, 3, 4, 2)[current.gradient].shape
    assert label == f"{current.gradient}\n{rows}×{cols}"


@pytest.mark.parametrize("step", STEPS, ids=[s.gradient for s in STEPS])
def test_shape_arithmetic_ends_in_the_shape_of_the_gradient(step):
    result = re.search(r"→ \((\w), (\w)\)$", step.shapes).groups()
    arrays = network_arrays(SIZES["N"], SIZES["d"], SIZES["H"], SIZES["K"])
    assert arrays[step.gradient].shape == tuple(SIZES[letter] for letter in result)


def test_changing_the_batch_size_changes_the_drawing_but_not_the_weight_gradients(stepper):
    stepper.controls["step"].value = len(STEPS)
    before = image_extents(stepper)
    stepper.controls["N"].value = 3
    assert image_extents(stepper) != before
    labels = [t.get_text() for t in axes(stepper).texts]
    assert "dW₁\n3×4" in labels and "dW₂\n4×2" in labels and "X\n3×3" in labels


def test_drawn_gradients_are_the_gradients_of_the_loss():
    a = network_arrays(5, 3, 4, 2, seed=1)
    X, W1, W2 = a["X"], a["W₁"], a["W₂"]
    downstream = {
        "dŷ": (lambda Y: np.sum(Y**2), a["ŷ"]),
        "dW₂": (lambda W: np.sum((a["h₁"] @ W) ** 2), W2),
        "dh₁": (lambda h: np.sum((h @ W2) ** 2), a["h₁"]),
        "dz₁": (lambda z: np.sum((np.tanh(z) @ W2) ** 2), a["z₁"]),
        "dW₁": (lambda W: np.sum((np.tanh(X @ W) @ W2) ** 2), W1),
    }
    for name, (loss, variable) in downstream.items():
        assert course.check_gradient(loss, a[name], variable, name=name), name
    assert a["L"].item() == pytest.approx(np.sum(a["ŷ"] ** 2))
