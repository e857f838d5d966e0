"""The reference solution of 06_backprop, outside nbgrader: its gradients are right, `train` follows the
exact specification, every formula the lesson states holds on random non-square inputs, the lesson's
claims about gradient checks hold, and the hidden tests never fail a correct answer by bad luck."""
import contextlib
import io
import time

import matplotlib

matplotlib.use("Agg")

import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import course  # noqa: E402
from autograder.coursedir.paths import source_notebook  # noqa: E402


def _cells():
    return nbformat.read(source_notebook("06_backprop"), as_version=4).cells


@pytest.fixture(scope="module")
def notebook():
    """The namespace left by running every lesson and solution cell of the source notebook (no test cells)."""
    namespace = {"__name__": "backprop_notebook"}
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        for cell in _cells():
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


def exact_descent(X, Y, hidden, steps, lr, seed):
    """The contract's train, written independently: seeded W1 then W2, zero biases, loss before each step."""
    rng = np.random.default_rng(seed)
    W1 = rng.standard_normal((X.shape[1], hidden)) / np.sqrt(X.shape[1])
    W2 = rng.standard_normal((hidden, Y.shape[1])) / np.sqrt(hidden)
    b1, b2 = np.zeros(hidden), np.zeros(Y.shape[1])
    losses = []
    for _ in range(steps):
        h = np.tanh(X @ W1 + b1)
        residual = h @ W2 + b2 - Y
        losses.append(np.mean(np.sum(residual**2, axis=1)))
        g = 2 * residual / len(X)
        gz = (g @ W2.T) * (1 - h**2)
        W1, b1, W2, b2 = W1 - lr * X.T @ gz, b1 - lr * gz.sum(0), W2 - lr * h.T @ g, b2 - lr * g.sum(0)
    return np.array(losses)


# --- the reference solution ------------------------------------------------------------------------


def test_notebook_code_runs_quickly(notebook):
    assert notebook["seconds"] < 20


def test_train_lowers_the_loss_tenfold_on_the_notebook_data(notebook):
    losses = notebook["losses"]
    assert len(losses) == 500 and np.all(np.isfinite(losses))
    assert losses[0] / losses[-1] >= 10


def test_a_tiny_batch_is_overfit(notebook):
    assert notebook["tiny_losses"][-1] < 1e-6 < notebook["tiny_losses"][0]


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


def test_affine_layer_matches_finite_differences(notebook, problem):
    x, _, W, b, _, _ = problem
    dout = np.random.default_rng(1).standard_normal((x.shape[0], W.shape[1]))
    out, cache = notebook["affine_forward"](x, W, b)
    assert np.allclose(out, x @ W + b)
    gradients = notebook["affine_backward"](dout, cache)
    arguments = [x, W, b]
    for position, gradient in enumerate(gradients):
        def scalar(value, position=position):
            args = arguments[:position] + [value] + arguments[position + 1 :]
            return np.sum(dout * notebook["affine_forward"](*args)[0])

        assert course.check_gradient(scalar, gradient, arguments[position]), position


@pytest.mark.parametrize("spread", [0.0, 1000.0])
def test_softmax_cross_entropy_is_right_and_stable(notebook, spread):
    rng = np.random.default_rng(7)
    scores = 3 * rng.standard_normal((6, 4))
    scores[0] += spread
    scores[1] -= spread
    scores[2, :2] += [spread, -spread]
    labels = rng.integers(0, 4, size=6)
    loss, dscores = notebook["softmax_cross_entropy"](scores, labels)
    log_p = scores - np.logaddexp.reduce(scores, axis=1, keepdims=True)
    assert np.isfinite(loss) and loss == pytest.approx(-np.mean(log_p[np.arange(6), labels]), rel=1e-12)
    assert np.allclose(dscores, (np.exp(log_p) - np.eye(4)[labels]) / 6, rtol=1e-10, atol=1e-13)
    if spread == 0:
        assert course.check_gradient(lambda s: notebook["softmax_cross_entropy"](s, labels)[0], dscores, scores)


def test_train_follows_the_specification_entry_by_entry(notebook, problem):
    X, Y = problem[:2]
    first = notebook["train"](X, Y, 6, 40, 0.1, 7)
    assert len(first) == 40 and np.all(np.asarray(first) == notebook["train"](X, Y, 6, 40, 0.1, 7))
    assert np.allclose(first, exact_descent(X, Y, 6, 40, 0.1, 7), rtol=1e-12, atol=0)
    assert not np.allclose(first, notebook["train"](X, Y, 6, 40, 0.1, 8))
    assert np.all(notebook["train"](X, Y, 6, 5, 0.0, 7) == first[0])


# --- what the lesson states ------------------------------------------------------------------------


def test_lesson_uses_distinct_sizes(notebook):
    assert len({notebook[name] for name in ("n", "m", "k")}) == 3


def test_each_backward_step_of_the_lesson_passes_its_check(notebook):
    ns = notebook
    x, W, b, V, t = ns["x"], ns["W"], ns["b"], ns["V"], ns["t"]

    def loss(W=W, b=b, V=V):
        return ns["relu_net_forward"](x, W, b, V, t)[0]

    assert 0 < np.sum(ns["z"] > 0) < len(ns["z"]), "the lesson's example should have an inactive unit"
    assert course.check_gradient(lambda y: 0.5 * np.sum((y - t) ** 2), ns["gy"], ns["y"])
    assert course.check_gradient(lambda h: 0.5 * np.sum((V @ h - t) ** 2), ns["gh"], ns["h"])
    assert course.check_gradient(lambda z: 0.5 * np.sum((V @ np.maximum(z, 0) - t) ** 2), ns["gz"], ns["z"])
    gx = W.T @ ns["gz"]  # rule 1's x̄ = Wᵀ z̄, stated in the lesson and not computed there
    assert course.check_gradient(lambda u: ns["relu_net_forward"](u, W, b, V, t)[0], gx, x)
    assert course.check_gradient(lambda A: loss(V=A), ns["gV"], V)
    assert course.check_gradient(lambda A: loss(W=A), ns["gW"], W)
    assert course.check_gradient(lambda c: loss(b=c), ns["gb"], b)
    assert course.check_gradient(ns["batch_loss"], ns["gW_batch"], W)


def test_rows_of_a_batch_are_the_transposed_column_results():
    rng = np.random.default_rng(3)
    X, W1 = rng.standard_normal((5, 3)), rng.standard_normal((3, 4))
    assert np.allclose(X @ W1, np.stack([W1.T @ row for row in X]))


def test_fan_out_needs_both_paths(notebook):
    ns = notebook
    check = lambda guess: course.check_gradient(ns["residual_loss"], guess, ns["x"])  # noqa: E731
    assert not check(ns["skip_path"]) and not check(ns["layer_path"])
    assert check(ns["skip_path"] + ns["layer_path"])


def test_logistic_loss_identities_and_gradient(notebook):
    s = np.linspace(-10, 10, 41)  # where 1 − σ(s) is still accurate in double precision
    sigma = 1 / (1 + np.exp(-s))
    assert np.allclose(0.5 * (1 + np.tanh(s / 2)), sigma, rtol=0, atol=1e-15)
    with np.errstate(all="raise"):  # the tanh form of σ never overflows
        assert list(0.5 * (1 + np.tanh(np.array([-1000.0, 1000.0]) / 2))) == [0.0, 1.0]
    assert np.allclose(np.log(sigma), s - np.log1p(np.exp(s)))
    assert np.allclose(np.log(1 - sigma), -np.log1p(np.exp(s)))
    label = (s > 3).astype(float)
    cross_entropy = -label * np.log(sigma) - (1 - label) * np.log(1 - sigma)
    assert np.allclose(cross_entropy, np.logaddexp(0, s) - label * s)
    assert course.check_gradient(lambda u: notebook["logistic_loss"](u, notebook["label"]), notebook["g_s"], notebook["s"])
    assert notebook["logistic_loss"](np.array([1000.0]), np.array([0.0])) == pytest.approx(1000.0)


def test_float32_check_fails_with_the_default_step_and_passes_with_a_larger_one(notebook):
    args = notebook["loss32"], notebook["gW32"], notebook["W32"]
    assert notebook["gW32"].dtype == np.float32
    assert not course.check_gradient(*args)
    assert course.check_gradient(*args, h=5e-3)


def test_relu_check_fails_exactly_at_the_kinks(notebook):
    z, weights = notebook["z_kink"], notebook["weights"]
    result = course.check_gradient(notebook["relu_loss"], weights * (z > 0), z)
    assert not result
    wrong = ~np.isclose(result.analytic, result.numerical, rtol=1e-6)
    assert list(np.flatnonzero(wrong)) == [2, 4]


def test_realistic_regularization_hides_the_bug_only_late_in_training(notebook):
    ns = notebook
    x, W, b, V, y, t, k = ns["x"], ns["W"], ns["b"], ns["V"], ns["y"], ns["t"], ns["k"]

    def verdict(target, lam):
        bug = np.outer(V.T @ (y - target), x)
        return course.check_gradient(lambda A: ns["relu_net_forward"](x, A, b, V, target)[0] + lam * np.sum(A**2),
                                     bug + 2 * lam * W, W).verdict

    late = y + 1e-4 * np.random.default_rng(0).standard_normal(k)
    assert all(verdict(t, lam) == "wrong" for lam in (0.0, 1e-4, 1e-2, 1e-1))
    assert verdict(late, 0.0) == "wrong" and verdict(late, 1e-2) == "imprecise"


def test_common_mistakes_of_the_lesson_fail_and_the_right_forms_pass(notebook):
    ns = notebook
    right, transposed = np.outer(ns["g_z_res"], ns["x"]), np.outer(ns["x"], ns["g_z_res"])
    assert right.shape == transposed.shape
    assert course.check_gradient(ns["residual_loss_of_U"], right, ns["U"])
    assert not course.check_gradient(ns["residual_loss_of_U"], transposed, ns["U"])
    z, gh, V, t = ns["z"], ns["gh"], ns["V"], ns["t"]
    loss_of_z = lambda u: 0.5 * np.sum((V @ np.maximum(u, 0) - t) ** 2)  # noqa: E731
    assert course.check_gradient(loss_of_z, gh * (z > 0), z)
    assert not course.check_gradient(loss_of_z, gh * (gh > 0), z)


# --- the hidden tests never fail a correct answer ----------------------------------------------------

DRAWS = {"test_forward": 200, "test_affine_forward": 200, "test_backward": 60, "test_affine_backward": 60,
         "test_backward_mse": 40, "test_softmax_cross_entropy": 60, "test_train": 20}


@pytest.mark.parametrize("cell_id", list(DRAWS))
def test_reference_passes_every_fresh_draw_of_its_test_cell(notebook, cell_id):
    """The whole test cell, hidden part included, run again and again on the reference solution."""
    (cell,) = [c for c in _cells() if c.metadata.get("nbgrader", {}).get("grade_id") == cell_id]
    code = compile(cell.source, cell_id, "exec")
    with contextlib.redirect_stdout(io.StringIO()):
        for _ in range(DRAWS[cell_id]):
            exec(code, dict(notebook))


def test_reference_train_passes_500_fresh_data_sets(notebook):
    """The hidden train check (entry by entry, relative 1e-8) on 500 fresh problems drawn as the hidden test draws them."""
    (cell,) = [c for c in _cells() if c.metadata.get("nbgrader", {}).get("grade_id") == "test_train"]
    scope = dict(notebook)
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(cell.source, "test_train", "exec"), scope)
        rng = np.random.default_rng()
        for _ in range(500):
            X, Y = scope["regression_problem"](rng, int(rng.integers(20, 41)), int(rng.integers(2, 5)), int(rng.integers(1, 4)))
            case = (X, Y, int(rng.integers(4, 9)), 40, float(rng.uniform(0.05, 0.3)), int(rng.integers(1000)))
            scope["check_train"](*case, expected=scope["descent"](*case), tol=1e-8)
