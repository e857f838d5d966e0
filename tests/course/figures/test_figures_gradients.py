"""The step-size explorer of 01: its data follow the controls, the best steps it draws are where
the error is least, and what the notebook says about x = 0.01 is what the figure shows."""
import numpy as np

from course.figures.gradients import EPS, STEP_SIZES, StepSizeExplorer, best_step_sizes, difference_errors
from course.step_sizes import step_sizes


def _plotted(explorer):
    """``(x-data, y-data)`` of every line of the figure."""
    return [(np.array(line.get_xdata(), dtype=float), np.array(line.get_ydata(), dtype=float))
            for axes in explorer.figure.axes for line in axes.get_lines()]


def _typical_error(sizes, errors, h):
    """Geometric mean of the errors within half a decade of ``h`` (rounding makes single points ragged)."""
    near = (np.abs(np.log10(sizes) - np.log10(h)) <= 0.5) & (errors > 0)
    return float(np.exp(np.mean(np.log(errors[near]))))


def test_every_control_changes_the_figure():
    explorer = StepSizeExplorer()
    for name, value in {"x": 0.01, "method": "central"}.items():
        before = _plotted(explorer)
        explorer.controls[name].value = value
        after = _plotted(explorer)
        changed = len(before) != len(after) or any(
            b.shape != a.shape or not np.allclose(b, a, equal_nan=True)
            for old, new in zip(before, after) for b, a in zip(old, new)
        )
        assert changed, f"changing {name} did not change the figure"
    assert explorer.png().startswith(b"\x89PNG")


def test_the_best_steps_are_at_the_bottom_of_the_error_curves():
    """Around (3ε|f|/|f'''|)^(1/3) and 2√(ε|f|/|f''|) the measured error is at least ten times smaller
    than a hundred times to the left (rounding) or to the right (truncation)."""
    for x in (0.01, 0.3, 1.0, 50.0):
        sizes, forward, central = difference_errors(x)
        best = best_step_sizes(x)
        for name, errors in (("forward", forward), ("central", central)):
            at_best = _typical_error(sizes, errors, best[name])
            for side in (best[name] / 100, best[name] * 100):
                assert 10 * at_best < _typical_error(sizes, errors, side), (x, name, side)


def test_the_best_step_is_set_by_the_function_and_the_default_is_floored():
    """For x^(5/2) the best central step is proportional to x; the course's default is not below 1."""
    small, large = best_step_sizes(0.01)["central"], best_step_sizes(100.0)["central"]
    assert np.isclose(large / small, 1e4)
    default = float(step_sizes(np.array(0.01)))
    assert 50 < default / small < 150  # "almost a hundred times larger" at x = 0.01


def test_what_the_notebook_says_about_x_001():
    """At x = 0.01 the default step's error is about 5e-8 and the bottom of the V is below 1e-11."""
    sizes, _, central = difference_errors(0.01)
    at_default = central[np.argmin(np.abs(np.log(sizes / float(step_sizes(np.array(0.01))))))]
    assert 2e-8 < at_default < 1e-7
    assert np.min(central[central > 0]) < 1e-11


def test_the_curves_stay_in_the_domain_and_are_finite():
    for x in (0.01, 1.0, 1e4):
        sizes, forward, central = difference_errors(x)
        assert np.all(sizes < x) and np.all(np.isfinite(forward)) and np.all(np.isfinite(central))
        assert sizes.size == np.sum(STEP_SIZES < x)


def test_the_drawn_lines_include_the_default_and_the_best_step_sizes():
    explorer = StepSizeExplorer()
    explorer.controls["x"].value = 0.01
    verticals = {float(xs[0]) for xs, _ in _plotted(explorer) if xs.size == 2 and xs[0] == xs[1]}
    for name, base in (("forward", EPS ** 0.5), ("central", EPS ** (1 / 3))):
        assert any(np.isclose(v, base) for v in verticals), f"no line at the default {name} step"
        assert any(np.isclose(v, best_step_sizes(0.01)[name]) for v in verticals), f"no line at the best {name} step"
