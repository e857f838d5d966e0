"""The backprop stepper of 06_backprop: each step draws one more gradient of the lesson's ReLU network,
with the right rule and shapes, and the gradients it draws are the gradients of the loss."""
import re

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import course  # noqa: E402
from course.figures.backprop import CURRENT, FORWARD, MATRICES, STEPS, BackpropStepper, network_arrays  # noqa: E402

SIZES = {"n": 3, "m": 4, "k": 2}


@pytest.fixture
def stepper():
    return BackpropStepper(inputs=SIZES["n"], hidden=SIZES["m"], outputs=SIZES["k"])


def axes(stepper):
    (ax,) = stepper.figure.axes
    return ax


def image_extents(stepper):
    return [tuple(image.get_extent()) for image in axes(stepper).images]


def red_labels(stepper):
    """The labels drawn in the colour of the current step."""
    return [t.get_text() for t in axes(stepper).texts if matplotlib.colors.same_color(t.get_color(), CURRENT)]


def test_step_zero_shows_the_forward_pass_only(stepper):
    assert len(axes(stepper).images) == len(FORWARD)
    assert "forward pass" in axes(stepper).get_title(loc="left")
    assert red_labels(stepper) == []


@pytest.mark.parametrize("step", range(1, len(STEPS) + 1))
def test_each_step_adds_its_gradient_and_states_its_rule(stepper, step):
    before = image_extents(stepper)
    stepper.controls["step"].value = step
    current = STEPS[step - 1]
    title = axes(stepper).get_title(loc="left")
    assert current.identity in title and current.shapes in title
    assert len(axes(stepper).images) == len(FORWARD) + step
    assert image_extents(stepper) != before
    (label,) = red_labels(stepper)
    assert label.startswith(current.gradient + "\n")


@pytest.mark.parametrize("step", STEPS, ids=[s.gradient for s in STEPS])
def test_shape_arithmetic_ends_in_the_shape_of_the_gradient(step):
    letters = re.search(r"→ \(([^)]*)\)$", step.shapes).group(1).replace(" ", "").split(",")
    expected = tuple(SIZES[letter] for letter in letters if letter)
    drawn = network_arrays(SIZES["n"], SIZES["m"], SIZES["k"])[step.gradient]
    assert (drawn.shape if step.gradient in MATRICES else drawn.shape[:1]) == expected


def test_a_new_seed_redraws_and_an_inactive_unit_has_a_zero_row(stepper):
    stepper.controls["step"].value = len(STEPS)
    before = [image.get_array().copy() for image in axes(stepper).images]
    for seed in range(1, 21):
        stepper.controls["seed"].value = seed
        arrays = network_arrays(SIZES["n"], SIZES["m"], SIZES["k"], seed)
        inactive = arrays["z"][:, 0] <= 0
        if inactive.any() and not inactive.all():
            break
    after = [image.get_array() for image in axes(stepper).images]
    assert any(not np.array_equal(a, b) for a, b in zip(before, after))
    assert np.all(arrays["W̄"][inactive] == 0) and np.all(arrays["b̄"][inactive] == 0)
    assert np.any(arrays["W̄"][~inactive] != 0)


def test_changing_a_size_changes_the_shapes_drawn(stepper):
    stepper.controls["step"].value = len(STEPS)
    stepper.controls["hidden"].value = 5
    labels = [t.get_text() for t in axes(stepper).texts]
    assert "W̄\n5×3" in labels and "V̄\n2×5" in labels and "z̄\n(5,)" in labels


def test_drawn_gradients_are_the_gradients_of_the_loss():
    a = {name: value if name in MATRICES or name == "L" else value[:, 0]
         for name, value in network_arrays(3, 4, 2, seed=1).items()}
    x, W, b, V, t = a["x"], a["W"], a["b"], a["V"], a["t"]

    def loss(W=W, b=b, V=V):
        return 0.5 * np.sum((V @ np.maximum(W @ x + b, 0) - t) ** 2)

    downstream = {
        "ȳ": (lambda y: 0.5 * np.sum((y - t) ** 2), a["y"]),
        "V̄": (lambda A: loss(V=A), V),
        "h̄": (lambda h: 0.5 * np.sum((V @ h - t) ** 2), a["h"]),
        "z̄": (lambda z: 0.5 * np.sum((V @ np.maximum(z, 0) - t) ** 2), a["z"]),
        "W̄": (lambda A: loss(W=A), W),
        "b̄": (lambda c: loss(b=c), b),
    }
    for name, (function, variable) in downstream.items():
        assert course.check_gradient(function, a[name], variable, name=name), name
    assert a["L"].item() == pytest.approx(loss())
