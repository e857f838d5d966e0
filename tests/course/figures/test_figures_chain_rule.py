"""The explorers of 04_chain_product_rules: every control redraws them; the chain-rule product is the Jacobian, and the
shuffle explorer's panels are the Kronecker forms of X ↦ AXB, a shuffle (not a transpose) of each other."""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course import numerical_jacobian  # noqa: E402
from course.figures.chain_rule import (  # noqa: E402
    FLATTENINGS,
    PANELS,
    ChainRuleExplorer,
    ShuffleExplorer,
    inner_jacobian,
    inner_map,
    outer_jacobian,
    outer_map,
    shuffle,
)


def drawn(explorer):
    """The matrix shown in each heatmap, read from the figure's images, by panel name."""
    shown = {axes.get_label(): np.asarray(axes.images[0].get_array()) for axes in explorer.figure.axes if axes.images}
    assert set(shown) == set(PANELS)
    return shown


@pytest.fixture
def explorer():
    return ChainRuleExplorer()


def test_shows_five_heatmaps_with_their_numbers(explorer):
    shown = drawn(explorer)
    assert shown["outer"].shape == (2, 3) and shown["inner"].shape == (3, 2)
    assert shown["product"].shape == shown["numerical"].shape == (2, 2)
    outer_axes = next(axes for axes in explorer.figure.axes if axes.get_label() == "outer")
    assert [text.get_text() for text in outer_axes.texts] == [f"{v:.2f}" for v in shown["outer"].ravel()]
    assert "matches finite differences" in explorer.figure.get_suptitle()


@pytest.mark.parametrize("name, value", [("x1", -1.3), ("x2", 1.7), ("a", 0.4)])
def test_each_control_changes_the_drawn_data(explorer, name, value):
    before = drawn(explorer)
    explorer.controls[name].value = value
    assert explorer.values()[name] == pytest.approx(value)
    after = drawn(explorer)
    assert not np.allclose(before["product"], after["product"]), f"changing {name} did not change the product"
    assert not np.allclose(before["numerical"], after["numerical"])


@pytest.mark.parametrize("x1, x2, a", [(0.8, -0.5, 1.5), (-1.3, 1.7, 0.4), (2.0, 2.0, 3.0), (0.0, 0.0, 0.1)])
def test_product_in_the_figure_equals_the_finite_difference_jacobian(explorer, x1, x2, a):
    for name, value in {"x1": x1, "x2": x2, "a": a}.items():
        explorer.controls[name].value = value
    shown = drawn(explorer)
    assert np.allclose(shown["outer"] @ shown["inner"], shown["product"])
    assert np.allclose(shown["product"], shown["numerical"], rtol=1e-7, atol=1e-8)
    assert np.allclose(shown["error"], np.abs(shown["product"] - shown["numerical"]))
    assert f"{shown['error'].max():.1e}" in explorer.figure.get_suptitle()


def test_hand_written_jacobians_match_finite_differences(rng):
    for _ in range(5):
        x, a = rng.standard_normal(2), rng.uniform(0.1, 3.0)
        u = inner_map(x, a)
        assert np.allclose(inner_jacobian(x, a), numerical_jacobian(lambda v: inner_map(v, a), x), atol=1e-8)
        assert np.allclose(outer_jacobian(u), numerical_jacobian(outer_map, u), atol=1e-8)


def test_jacobians_in_the_wrong_order_do_not_give_the_composition(explorer):
    shown = drawn(explorer)
    assert (shown["inner"] @ shown["outer"]).shape == (3, 3)  # J_G J_F is not even the right shape


def test_at_x1_zero_the_output_does_not_move_with_x2(explorer):
    """The notebook's exploration: at x₁ = 0 the third column of J_F and the second column of the product vanish."""
    explorer.controls["x1"].value = 0.0
    for x2 in (-1.7, 0.4, 1.3):
        explorer.controls["x2"].value = x2
        shown = drawn(explorer)
        assert np.allclose(shown["outer"][:, 2], 0) and np.allclose(shown["product"][:, 1], 0, atol=1e-8)
        assert np.allclose(outer_map(inner_map(np.array([0.0, x2]), explorer.values()["a"])), [0.0, 1.0])


# --- the shuffle explorer: X ↦ AXB flattened column-major and row-major --------------------------------


def shown_flattenings(explorer):
    """The Jacobian shown in each heatmap of the shuffle explorer, by panel name."""
    shown = {axes.get_label(): np.asarray(axes.images[0].get_array()) for axes in explorer.figure.axes if axes.images}
    assert set(shown) == set(FLATTENINGS)
    return shown


@pytest.mark.parametrize("name, value", [("m", 3), ("n", 1), ("p", 1), ("q", 3), ("seed", 5)])
def test_each_shuffle_control_changes_the_drawn_data(name, value):
    explorer = ShuffleExplorer()
    before = shown_flattenings(explorer)
    explorer.controls[name].value = value
    after = shown_flattenings(explorer)
    assert before["vec"].shape != after["vec"].shape or not np.allclose(before["vec"], after["vec"])


@pytest.mark.parametrize("m, n, p, q", [(2, 2, 3, 2), (3, 2, 1, 2), (1, 3, 2, 3), (3, 3, 3, 3)])
def test_shuffle_panels_are_the_kronecker_products_and_a_shuffle_of_each_other(m, n, p, q):
    explorer = ShuffleExplorer(m=m, n=n, p=p, q=q, seed=3)
    shown = shown_flattenings(explorer)
    rng = np.random.default_rng(3)
    A, B = rng.integers(-3, 4, size=(m, n)), rng.integers(-3, 4, size=(p, q))
    assert np.allclose(shown["vec"], np.kron(B.T, A)) and np.allclose(shown["ravel"], np.kron(A, B.T))
    assert np.allclose(shown["ravel"], shuffle(m, q) @ shown["vec"] @ shuffle(n, p).T)
    assert np.allclose(shown["vec transposed"], shown["vec"].T)
    assert sorted(shown["vec"].ravel()) == sorted(shown["ravel"].ravel())  # the same numbers, in other places
    assert "shuffled (True)" in explorer.figure.get_suptitle()


def test_flattenings_agree_when_every_shuffle_is_trivial():
    """A matrix with one row or one column flattens the same way in both orders (the notebook's puzzle)."""
    for m, n, p, q in [(1, 2, 1, 3), (3, 1, 2, 1), (1, 1, 3, 2)]:
        shown = shown_flattenings(ShuffleExplorer(m=m, n=n, p=p, q=q, seed=1))
        assert np.allclose(shown["vec"], shown["ravel"])
    shown = shown_flattenings(ShuffleExplorer(m=2, n=2, p=2, q=2, seed=1))
    assert not np.allclose(shown["vec"], shown["ravel"])
