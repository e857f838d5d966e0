"""The polar-grid explorer of 02_jacobians: every control redraws it, and the reported gap is right."""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course.figures.jacobians import PolarGridExplorer, column_arrows, grid_lines, images, polar_map  # noqa: E402


def line_data(explorer):
    """Every line of every axes of the figure, as one list of (n, 2) arrays."""
    return [np.column_stack(line.get_data()) for axes in explorer.figure.axes for line in axes.lines]


def same_data(a, b):
    return len(a) == len(b) and all(x.shape == y.shape and np.allclose(x, y) for x, y in zip(a, b))


@pytest.fixture
def explorer():
    return PolarGridExplorer()


def test_builds_two_panels_with_the_grid_and_its_linearization(explorer):
    left, right = explorer.figure.axes
    assert len(left.lines) >= 10 and len(right.lines) >= 20
    assert "largest gap" in explorer.figure.get_suptitle()
    assert "rad" in explorer.figure.get_suptitle() and "rad" in explorer.controls["theta"].description


@pytest.mark.parametrize("name, value", [("r", 2.5), ("theta", -2.0), ("half_width", 0.05)])
def test_each_control_changes_the_drawn_data(explorer, name, value):
    before = line_data(explorer)
    explorer.controls[name].value = value
    assert explorer.values()[name] == pytest.approx(value, rel=1e-2)
    assert not same_data(before, line_data(explorer)), f"changing {name} did not change the figure"


def test_gap_shrinks_quadratically_with_the_grid(explorer):
    gaps = []
    for half_width in (1.0, 0.3, 0.1, 0.03, 0.01):
        explorer.controls["half_width"].value = half_width
        gaps.append(explorer.gap)
        assert f"{explorer.gap:.2e}" in explorer.figure.get_suptitle()
    assert all(a > b for a, b in zip(gaps, gaps[1:])), gaps
    ratio = gaps[-2] / gaps[-1]  # δ shrinks by 3: a second-order gap shrinks by about 9
    assert 7 < ratio < 11, gaps


def test_linearization_agrees_with_the_map_at_the_centre_and_to_first_order():
    r, theta = 1.3, 2.2
    curved, straight, gap = images(r, theta, 1e-3)
    centre = polar_map(np.array([r, theta]))
    middle = grid_lines(np.array([r, theta]), 1e-3)[2, 20]  # the centre lies on the middle line
    assert np.allclose(middle, [r, theta])
    assert np.allclose(curved[2, 20], centre) and np.allclose(straight[2, 20], centre)
    assert gap < 1e-5
    # the exact Jacobian of the polar map, applied to a step, matches the straight image
    J = np.array([[np.cos(theta), -r * np.sin(theta)], [np.sin(theta), r * np.cos(theta)]])
    step = grid_lines(np.array([r, theta]), 1e-3)[0, 0] - [r, theta]
    assert np.allclose(straight[0, 0], centre + J @ step)


def exact_polar_jacobian(r, theta):
    return np.array([[np.cos(theta), -r * np.sin(theta)], [np.sin(theta), r * np.cos(theta)]])


@pytest.mark.parametrize("r, theta, half_width", [(1.5, 0.8, 0.4), (2.7, -2.3, 0.05), (0.4, 3.0, 0.2)])
def test_arrows_are_the_columns_of_the_jacobian_times_the_grid_step(r, theta, half_width):
    """The arrows are δ·J[:, 0] and δ·J[:, 1]; as the notebook says after Exercise 8, the first is a radial unit
    vector (times δ), the second perpendicular to it (anticlockwise) with length r (times δ)."""
    arrows = column_arrows(r, theta, half_width)
    assert np.allclose(arrows, half_width * exact_polar_jacobian(r, theta).T, rtol=1e-8)
    radial = np.array([np.cos(theta), np.sin(theta)])
    assert np.allclose(arrows[0], half_width * radial)
    assert np.isclose(np.linalg.norm(arrows[1]), r * half_width) and abs(arrows[0] @ arrows[1]) < 1e-9
    assert arrows[0, 0] * arrows[1, 1] - arrows[0, 1] * arrows[1, 0] > 0  # anticlockwise
    assert np.isclose(abs(np.linalg.det(exact_polar_jacobian(r, theta))), r)


def test_arrows_are_drawn_at_the_point_and_follow_the_controls(explorer):
    right = explorer.figure.axes[1]
    centre = polar_map(np.array([explorer.values()["r"], explorer.values()["theta"]]))
    tips = [np.array(a.xy) for a in right.texts if hasattr(a, "xy") and a.arrow_patch is not None]
    assert len(tips) == 2 and np.allclose(tips, centre + explorer.arrows)
    before = explorer.arrows.copy()
    explorer.controls["r"].value = 2.5
    assert not np.allclose(before, explorer.arrows)
