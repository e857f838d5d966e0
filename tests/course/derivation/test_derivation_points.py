"""Random points (course.derivation.points): sizes, the variants that explain mistakes, references."""
import numpy as np
import sympy as sp

from course.derivation.data import Outline, Point
from course.derivation.points import draw, with_references

OUTLINE = Outline({"X": ("n", "m"), "dX": ("n", "m"), "A": ("n", "n"), "B": ("m", 3)}, ("c",), "X", "dX", (), True)


def value_of(values):
    X, A, B = values["X"], values["A"], values["B"]
    return values["c"] * np.trace(X.T @ A @ X) + np.sum(X @ B)


def test_each_trial_has_a_general_a_symmetric_and_a_commuting_point():
    points = draw(OUTLINE, 3, np.random.default_rng(0), value_of)
    assert [(p.trial, p.kind) for p in points] == [(t, k) for t in range(3) for k in ("general", "symmetric", "commuting")]
    for general, symmetric, commuting in zip(points[::3], points[1::3], points[2::3]):
        assert general.values["n"] != general.values["m"] and symmetric.values["n"] == general.values["n"]
        assert np.allclose(symmetric.values["A"], symmetric.values["A"].T)
        assert np.array_equal(symmetric.values["X"], general.values["X"])  # only the constant square matrices change
        for name in OUTLINE.matrices:
            matrix = commuting.values[name]
            assert np.array_equal(matrix, np.diag(np.diag(matrix)) if matrix.shape[0] == matrix.shape[1] else
                                  np.eye(*matrix.shape) * matrix)


def test_references_are_the_derivatives_of_f():
    for point in draw(OUTLINE, 2, np.random.default_rng(1), value_of):
        X, dX, A, B, c = (point.values[k] for k in ("X", "dX", "A", "B", "c"))
        gradient = c * (A + A.T) @ X + np.ones((X.shape[0], B.shape[1])) @ B.T
        assert np.allclose(point.gradient, gradient, rtol=1e-6, atol=1e-6)
        assert np.isclose(point.differential, np.sum(gradient * dX), rtol=1e-6)


def test_references_come_on_a_copy_of_the_point():
    given = draw(OUTLINE, 1, np.random.default_rng(4), value_of)[0]
    bare = Point(given.trial, given.kind, given.values)
    referenced = with_references(OUTLINE, bare, value_of)
    assert referenced is not bare and (bare.differential, bare.gradient) == (None, None)
    assert np.allclose(referenced.gradient, given.gradient)


def test_a_trace_of_a_matrix_function_is_differentiated_as_a_matrix():
    outline = Outline({"X": ("n", "n"), "dX": ("n", "n")}, (), "X", "dX", ("n", "n"), True, inner=True)
    for point in draw(outline, 2, np.random.default_rng(2), lambda v: v["X"] @ v["X"]):
        X, dX = point.values["X"], point.values["dX"]
        assert np.allclose(point.differential, dX @ X + X @ dX, rtol=1e-6, atol=1e-8)
        assert np.allclose(point.gradient, 2 * X.T, rtol=1e-6, atol=1e-8)


def test_sizes_can_be_fixed_and_symbols_agree_with_sympy():
    outline = Outline({"X": ("n", "n"), "dX": ("n", "n")}, (), "X", "dX", (), True, fixed_sizes={"n": 4})
    points = draw(outline, 3, np.random.default_rng(3), lambda v: np.trace(v["X"]))
    assert {p.values["n"] for p in points} == {4}
    assert sp.Symbol("n").name in outline.dimensions
