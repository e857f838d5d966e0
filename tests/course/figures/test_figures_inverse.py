"""The inverse explorer: its data follow the controls, and the error slopes are 2 (right) and 1 (wrong).
The adjoint timings: every computation timed at every size, a missing gradient left out with a note."""
import numpy as np

from course.figures.inverse import (
    EPSILONS,
    AdjointTimings,
    InverseExplorer,
    adjoint_timings,
    best_time,
    perturbed_inverse_errors,
    random_problem,
)


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


def _gradient_by_solves(A, b, c):
    return -np.outer(np.linalg.solve(A.T, c), np.linalg.solve(A, b))


def test_timings_cover_every_size_and_the_plot_has_a_line_for_each():
    timings = AdjointTimings(_gradient_by_solves, sizes=(8, 16, 32))
    assert timings.problem is None
    for seconds in timings.timings.values():
        assert seconds.shape == (3,) and np.all(seconds > 0)
    labels = [line.get_label() for line in timings.figure.axes[0].get_lines()]
    assert labels == ["one solve", "forming the inverse", "_gradient_by_solves", "slope 3 ($n^3$)"]
    assert timings._repr_png_().startswith(b"\x89PNG")


def test_a_gradient_not_implemented_yet_is_left_out_with_a_note():
    def grad_solve_adjoint(A, b, c):
        raise NotImplementedError

    timings = AdjointTimings(grad_solve_adjoint, sizes=(8, 16))
    assert timings.timings["your gradient"] is None and timings.problem == "not implemented yet"
    assert "not implemented yet" in timings.figure.axes[0].get_title()
    assert len(timings.figure.axes[0].get_lines()) == 3


def test_best_time_is_the_shortest_of_the_runs():
    calls = []
    assert best_time(lambda: calls.append(1), repeats=4) >= 0 and len(calls) == 4


def test_timings_call_the_gradient_with_a_solvable_problem():
    seen = []

    def recording(A, b, c):
        seen.append((A.shape, b.shape, c.shape, np.linalg.cond(A)))
        return _gradient_by_solves(A, b, c)

    adjoint_timings(recording, sizes=(5, 9), repeats=1)
    assert [shapes[:3] for shapes in seen] == [((5, 5), (5,), (5,)), ((9, 9), (9,), (9,))]
    assert all(condition < 1e3 for *_, condition in seen)
