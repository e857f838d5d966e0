"""The reference solution of 06_backprop, outside nbgrader: its gradients are right, `train` fits the
notebook's data, and the claims the lesson makes about gradient checks hold."""
import time

import matplotlib

matplotlib.use("Agg")

import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import course  # noqa: E402
from autograder.layout import source_notebook  # noqa: E402


@pytest.fixture(scope="module")
def notebook():
    """The namespace left by running every lesson and solution cell of the source notebook (no test cells)."""
    nb = nbformat.read(source_notebook("06_backprop"), as_version=4)
    namespace = {"__name__": "backprop_notebook"}
    start = time.perf_counter()
    for cell in nb.cells:
        if cell.cell_type == "code" and not cell.metadata.get("nbgrader", {}).get("grade"):
            exec(compile(cell.source, "backprop.ipynb", "exec"), namespace)
    namespace["seconds"] = time.perf_counter() - start
    return namespace


@pytest.fixture
def problem():
    """Inputs and parameters whose sizes N, d, H, K all differ, so a misplaced transpose cannot pass."""
    rng = np.random.default_rng(606)
    N, d, H, K = 7, 3, 5, 2
    shapes = [(N, d), (N, K), (d, H), (H,), (H, K), (K,)]
    return tuple(rng.standard_normal(shape) for shape in shapes)


def test_notebook_code_runs_quickly(notebook):
    assert notebook["seconds"] < 10


def test_train_lowers_the_loss_tenfold_on_the_notebook_data(notebook):
    losses = notebook["losses"]
    assert len(losses) == 500 and np.all(np.isfinite(losses))
    assert losses[0] / losses[-1] >= 10


def test_forward_and_backward_match_finite_differences(notebook, problem):
    X, _, W1, _, W2, _ = problem
    L, _ = notebook["forward"](X, W1, W2)
    assert L == pytest.approx(np.sum((np.tanh(X @ W1) @ W2) ** 2))
    dW1, dW2 = notebook["backward"](X, W1, W2)
    assert course.check_gradient(lambda W: notebook["forward"](X, W, W2)[0], dW1, W1)
    assert course.check_gradient(lambda W: notebook["forward"](X, W1, W)[0], dW2, W2)


def test_backward_mse_matches_finite_differences(notebook, problem):
    gradients = notebook["backward_mse"](*problem)
    loss = notebook["mse_loss"]
    for position, gradient in zip(range(2, 6), gradients):
        def partial(value, position=position):
            return loss(*problem[:position], value, *problem[position + 1 :])

        assert course.check_gradient(partial, gradient, problem[position]), position


def test_train_is_deterministic_and_returns_one_float_per_step(notebook, problem):
    X, Y = problem[:2]
    first = notebook["train"](X, Y, 6, 40, 0.1, 7)
    assert first == notebook["train"](X, Y, 6, 40, 0.1, 7)
    assert len(first) == 40 and all(isinstance(value, float) for value in first)
    assert first != notebook["train"](X, Y, 6, 40, 0.1, 8)


def test_float32_check_fails_with_the_default_step_and_passes_with_a_larger_one(notebook):
    args = notebook["loss32"], notebook["dW1_32"], notebook["W1_32"]
    assert notebook["dW1_32"].dtype == np.float32
    assert not course.check_gradient(*args)
    assert course.check_gradient(*args, h=5e-3)


def test_relu_check_fails_exactly_at_the_kinks(notebook):
    z, weights = notebook["z"], notebook["weights"]
    result = course.check_gradient(notebook["relu_loss"], weights * (z > 0), z)
    assert not result
    wrong = ~np.isclose(result.analytic, result.numerical, rtol=1e-6)
    assert list(np.flatnonzero(wrong)) == [2, 4]


def test_large_regularization_hides_the_bug(notebook):
    X, W1, W2 = notebook["X"], notebook["W1"], notebook["W2"]
    bug = notebook["wrong_data_gradient"]

    def check(lam):
        return course.check_gradient(
            lambda W: np.sum((np.tanh(X @ W) @ W2) ** 2) + lam * np.sum(W**2), bug + 2 * lam * W1, W1
        )

    assert check(0.0).verdict == "wrong" and check(1e4).verdict == "imprecise" and check(1e7)


def test_lesson_uses_distinct_sizes(notebook):
    assert len({notebook[name] for name in ("N", "d", "H", "K")}) == 4
