"""The layout explorer of 03_layouts: every control redraws it, and each ∂yᵢ/∂xⱼ lands in the right cell."""
import base64

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from course.figures.layouts import LayoutExplorer, entry_grid, entry_label  # noqa: E402


def cells(explorer):
    """The entry labels drawn in the grid, by (row, column) counted from 1."""
    (axes,) = explorer.figure.axes
    return {(round(t.get_position()[1]) + 1, round(t.get_position()[0]) + 1): t.get_text() for t in axes.texts}


def title(explorer):
    return explorer.figure.axes[0].get_title()


@pytest.fixture
def explorer():
    return LayoutExplorer(y_kind="vector", m=3, p=2, x_kind="vector", n=2, layout="numerator")


def test_numerator_vector_by_vector_is_a_3_by_2_grid_with_y_along_rows(explorer):
    grid = cells(explorer)
    assert explorer.shape == (3, 2)
    assert "numerator layout: ∂y/∂x has shape (3, 2)" in title(explorer)
    assert set(grid) == {(i, j) for i in (1, 2, 3) for j in (1, 2)}
    assert grid[1, 2] == r"$\dfrac{\partial y_{1}}{\partial x_{2}}$"
    assert grid[3, 1] == entry_label((2,), (0,))


def test_denominator_transposes_the_grid(explorer):
    explorer.controls["layout"].value = "denominator"
    grid = cells(explorer)
    assert explorer.shape == (2, 3)
    assert "denominator layout: ∂y/∂x has shape (2, 3)" in title(explorer)
    assert grid[2, 1] == entry_label((0,), (1,))  # ∂y₁/∂x₂ moved to row 2, column 1
    assert "one row per entry of x" in explorer.figure.axes[0].get_xlabel()


@pytest.mark.parametrize(
    "name, value, shape, cell, label",
    [
        ("m", 4, (4, 2), (4, 2), entry_label((3,), (1,))),
        ("n", 4, (3, 4), (2, 4), entry_label((1,), (3,))),
        ("y_kind", "scalar", (1, 2), (1, 2), entry_label((), (1,))),
        ("x_kind", "scalar", (3, 1), (3, 1), entry_label((2,), ())),
    ],
)
def test_each_control_changes_shape_and_entries(explorer, name, value, shape, cell, label):
    before = cells(explorer)
    explorer.controls[name].value = value
    grid = cells(explorer)
    assert grid != before, f"changing {name} did not change the figure"
    assert explorer.shape == shape and f"has shape {shape}" in title(explorer)
    assert grid[cell] == label


def test_matrix_output_by_a_scalar_and_the_p_control(explorer):
    explorer.controls["x_kind"].value = "scalar"
    explorer.controls["y_kind"].value = "matrix"
    assert explorer.shape == (3, 2)
    before = cells(explorer)
    explorer.controls["p"].value = 4
    grid = cells(explorer)
    assert grid != before and explorer.shape == (3, 4)
    assert grid[2, 4] == entry_label((1, 3), (), y_is_matrix=True) == r"$\dfrac{\partial Y_{2,4}}{\partial x}$"
    explorer.controls["layout"].value = "denominator"
    assert explorer.shape == (4, 3) and cells(explorer)[4, 2] == grid[2, 4]


def test_matrix_by_vector_says_there_is_no_layout(explorer):
    explorer.controls["y_kind"].value = "matrix"
    assert explorer.shape is None
    assert "no 2-D layout" in title(explorer)
    assert any("3-D array" in text for text in cells(explorer).values())


def test_the_picture_is_rendered_into_the_output_area_once_shown_and_follows_the_controls(explorer, capsys):
    assert explorer.output.outputs == ()  # nobody can see it yet, so no picture is rendered
    explorer._ipython_display_()
    (output,) = explorer.output.outputs
    shown = output["data"]["image/png"]
    assert base64.b64decode(shown).startswith(b"\x89PNG")
    explorer.controls["layout"].value = "denominator"
    (output,) = explorer.output.outputs
    assert output["data"]["image/png"] != shown


@pytest.mark.parametrize("y_shape", [(), (3,), (3, 2)])
@pytest.mark.parametrize("x_shape", [(), (4,)])
def test_entry_grid_shapes_and_transposition(y_shape, x_shape):
    numerator = entry_grid(y_shape, x_shape, "numerator")
    denominator = entry_grid(y_shape, x_shape, "denominator")
    if len(y_shape) == 2 and x_shape:
        assert numerator is None and denominator is None
        return
    rows = y_shape[0] if y_shape else 1
    columns = x_shape[0] if x_shape else (y_shape[1] if len(y_shape) == 2 else 1)
    assert (len(numerator), len(numerator[0])) == (rows, columns)
    assert denominator == [list(column) for column in zip(*numerator)]


def test_entry_grid_rejects_an_unknown_layout():
    with pytest.raises(ValueError, match="layout must be one of"):
        entry_grid((2,), (3,), "Numerator")
