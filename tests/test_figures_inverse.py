"""The inverse explorer: its data follow the controls, and the error slopes are 2 (right) and 1 (wrong)."""
import numpy as np

from course.figures.inverse import EPSILONS, InverseExplorer, perturbed_inverse_errors, random_problem


def _plotted(explorer):
    """The y-data of every line in both panels."""
    return [np.array(line.get_ydata(), dtype=float) for axes in explorer.figure.axes for line in axes.get_lines()]


def _slope(epsilons, errors):
    return np.polyfit(np.log(epsilons), np.log(errors), 1)[0]


def test_error_of_the_right_formula_falls_like_epsilon_squared_and_the_wrong_like_epsilon():
    for seed in range(5):
        X, V = random_problem(4, seed)
        change, right, wrong = perturbed_inverse_errors(X, V, EPSILONS)
        small = EPSILONS <= 1e-2
        assert abs(_slope(EPSILONS[small], right[small]) - 2) < 0.05
        assert abs(_slope(EPSILONS[small], wrong[small]) - 1) < 0.05
        assert abs(_slope(EPSILONS[small], change[small]) - 1) < 0.05
        assert np.all(right[small] < wrong[small]) and right[0] < 1e-4 * wrong[0]


def test_errors_are_measured_against_the_true_change():
    X, V = random_problem(3, 1)
    epsilon = 1e-3
    _, right, _ = perturbed_inverse_errors(X, V, [epsilon])
    inverse = np.linalg.inv(X)
    expected = np.linalg.inv(X + epsilon * V) - inverse + epsilon * inverse @ V @ inverse
    assert np.isclose(right[0], np.linalg.norm(expected))


def test_every_control_changes_the_figure():
    explorer = InverseExplorer()
    for name, value in {"epsilon": 0.5, "size": 5, "seed": 7}.items():
        before = _plotted(explorer)
        explorer.controls[name].value = value
        after = _plotted(explorer)
        changed = len(before) != len(after) or any(
            b.shape != a.shape or not np.allclose(b, a) for b, a in zip(before, after)
        )
        assert changed, f"changing {name} did not change the figure"
    assert explorer.png().startswith(b"\x89PNG")


def test_the_marker_follows_epsilon():
    explorer = InverseExplorer()
    explorer.controls["epsilon"].value = 1e-4
    errors_axes = explorer.figure.axes[0]
    marker = [line for line in errors_axes.get_lines() if np.allclose(line.get_xdata(), 1e-4)]
    assert marker, "no vertical line at the chosen epsilon"
