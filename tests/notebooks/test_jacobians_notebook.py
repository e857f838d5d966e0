"""What 02_jacobians states, checked numerically on random, non-symmetric, non-square inputs, and its
test cells run with the reference solution on hundreds of fresh draws (no correct answer fails by bad luck)."""
import contextlib
import io
import time

import nbformat
import numpy as np
import pytest

from autograder.containment.sandbox import definitions_only
from autograder.coursedir.cells import grade_id
from autograder.coursedir.paths import source_notebook
from course.grading import AnswerError
from course.numerical import numerical_gradient, numerical_jacobian

NOTEBOOK = nbformat.read(source_notebook("02_jacobians"), as_version=4)
CODE = [cell for cell in NOTEBOOK.cells if cell.cell_type == "code"]
TESTS = {grade_id(cell)[len("test_"):]: cell.source for cell in CODE if cell.metadata.get("nbgrader", {}).get("grade")}


def lesson_namespace():
    """The notebook's definitions (lesson functions and reference solutions), as a learner's kernel has them."""
    namespace = {"__name__": "__notebook__"}
    with contextlib.redirect_stdout(io.StringIO()):
        for cell in CODE:
            if not cell.metadata.get("nbgrader", {}).get("grade"):
                code = definitions_only(cell.source)
                if code is not None:
                    exec(code, namespace)
    return namespace


NB = lesson_namespace()


@pytest.fixture
def rng():
    return np.random.default_rng()


def close(a, b, tol=1e-7):
    return np.allclose(a, b, rtol=tol, atol=tol)


# --- section 1: the Jacobian and why it is the best linear map --------------------------------------------

def test_worked_example_jacobian(rng):
    for _ in range(20):
        x = rng.standard_normal(3)
        assert close(NB["jacobian_F"](x), numerical_jacobian(NB["F"], x))


def test_error_is_second_order_for_J_and_first_order_for_another_matrix_except_where_it_agrees(rng):
    x, F = rng.standard_normal(3), NB["F"]
    J = NB["jacobian_F"](x)
    A = J.copy()
    A[1, 2] += 0.05  # the notebook's A₂₃

    def error(M, v, t):
        return np.linalg.norm(F(x + t * v) - F(x) - M @ (t * v))

    v = rng.standard_normal(3)
    v[2] = np.copysign(1 + abs(v[2]), v[2])  # along x₃, where A is wrong, enough that the wrong term shows
    assert 50 < error(J, v, 1e-2) / error(J, v, 1e-3) < 200  # like t²
    assert 5 < error(A, v, 1e-3) / error(A, v, 1e-4) < 20  # like t, once t is small enough that t² hides
    fooled = np.array([1.0, 1.0, 0.0])  # (A − J) fooled = 0
    assert np.allclose((A - J) @ fooled, 0) and close(error(A, fooled, 1e-3), error(J, fooled, 1e-3), 1e-12)


# --- section 2: shapes ------------------------------------------------------------------------------------

def test_generalized_jacobian_of_X_XT_has_shape_outputs_then_inputs(rng):
    X = rng.standard_normal((2, 3))
    J = numerical_jacobian(lambda X: X @ X.T, X)
    assert J.shape == (2, 2, 2, 3)
    # entry [a, b, c, d] is ∂(XXᵀ)_ab/∂X_cd = δ_ac X_bd + δ_bc X_ad
    exact = np.einsum("ac,bd->abcd", np.eye(2), X) + np.einsum("bc,ad->abcd", np.eye(2), X)
    assert close(J, exact)


# --- section 3: linear maps --------------------------------------------------------------------------------

def test_difference_map_jacobian_is_its_matrix_everywhere_and_columns_are_images_of_unit_vectors(rng):
    n = 6
    D = NB["jacobian_differences"](rng.standard_normal(n))
    assert D.shape == (n - 1, n)
    for _ in range(5):
        x = 10 * rng.standard_normal(n)
        assert close(numerical_jacobian(NB["differences"], x), D)
        assert close(numerical_jacobian(lambda x: NB["differences"](x) + 3.0, x), D)  # affine: same Jacobian
    assert close(np.column_stack([np.diff(e) for e in np.eye(n)]), D)


def test_jacobian_of_Wx_is_W(rng):
    W, x = rng.standard_normal((3, 5)), rng.standard_normal(5)
    assert close(numerical_jacobian(lambda x: W @ x, x), W)
    assert close(np.column_stack([W @ e for e in np.eye(5)]), W)


# --- section 4: elementwise maps -------------------------------------------------------------------------

def test_elementwise_maps_have_diagonal_jacobians(rng):
    x = rng.standard_normal(5)
    assert close(NB["jacobian_sin"](x), numerical_jacobian(np.sin, x))
    d, u = rng.standard_normal(5), rng.standard_normal(5)
    assert close(np.diag(d) @ u, d * u)
    # the derivative of tanh the learner derives: 1 − tanh² = sech²
    assert close(numerical_jacobian(np.tanh, x), np.diag(1 - np.tanh(x) ** 2))
    assert close(1 - np.tanh(x) ** 2, 1 / np.cosh(x) ** 2, 1e-12)


# --- section 5: two arguments, broadcasting, sums ----------------------------------------------------------

def test_elementwise_binary_maps(rng):
    w, x = rng.standard_normal(4), rng.standard_normal(4)
    x += np.copysign(0.5, x)  # |x| ≥ 0.5: w ⊘ x's Jacobian −w/x² stays where a finite difference can check it
    J_w, J_x = NB["jacobians_hypot"](w, x)
    assert close(J_w, numerical_jacobian(lambda w: np.hypot(w, x), w))
    assert close(J_x, numerical_jacobian(lambda x: np.hypot(w, x), x))
    # Parr & Howard's table: +, −, ⊙, ⊘
    for op, dw, dx in [(np.add, np.ones_like(x), np.ones_like(w)), (np.subtract, np.ones_like(x), -np.ones_like(w)),
                       (np.multiply, x, w), (np.divide, 1 / x, -w / x**2)]:
        assert close(numerical_jacobian(lambda w: op(w, x), w), np.diag(dw), 1e-6)
        assert close(numerical_jacobian(lambda x: op(w, x), x), np.diag(dx), 1e-6)


def test_broadcasting_and_sum_reduction(rng):
    x, c = rng.standard_normal(6), 0.3
    assert close(numerical_jacobian(lambda c: c * x, np.array(c)), x)  # shape (n,) + () = (n,)
    assert close(numerical_gradient(np.sum, x), np.ones(6))
    B = rng.standard_normal((4, 6))  # a non-square, nonlinear F: its sum's gradient is Jᵀ𝟙
    F = lambda x: np.tanh(B @ x)  # noqa: E731
    assert close(numerical_gradient(lambda x: F(x).sum(), x), numerical_jacobian(F, x).T @ np.ones(4))
    copies = np.full_like(x, c)
    per_copy = numerical_gradient(lambda copies: np.sum((x - copies) ** 2), copies)
    assert close(per_copy.sum(), float(numerical_gradient(lambda c: np.sum((x - c) ** 2), np.array(c))))
    assert close(per_copy, -2 * (x - c))


# --- section 6: softmax ----------------------------------------------------------------------------------

def test_softmax_jacobian_properties(rng):
    softmax = NB["softmax"]
    for _ in range(20):
        z = 2 * rng.standard_normal(5)
        s, J = softmax(z), numerical_jacobian(softmax, z)
        assert close(np.diag(J), s * (1 - s))  # the diagonal derived in the text
        assert close(J, np.diag(s) - np.outer(s, s))  # the exercise's answer
        assert close(J.sum(axis=1), 0) and close(J.sum(axis=0), 0) and close(J, J.T)
        assert close(numerical_gradient(NB["log_sum_exp"], z), s)
        assert close(numerical_jacobian(lambda z: numerical_gradient(NB["log_sum_exp"], z, h=1e-4), z), J, 1e-5)
        assert close(softmax(z + 7.0), s, 1e-12)


def test_softmax_is_stable_and_the_naive_form_is_not():
    z = np.array([1000.0, 999.0, 990.0])
    with np.errstate(over="ignore", invalid="ignore"):
        assert np.all(np.isnan(np.exp(z) / np.exp(z).sum()))
    assert close(NB["softmax"](z), NB["softmax"](z - 1000), 1e-12)


# --- section 7: normalization -----------------------------------------------------------------------------

def test_normalization_jacobian_and_the_three_predictions(rng):
    for _ in range(20):
        x = rng.uniform(0.2, 4) * rng.standard_normal(5)
        J = numerical_jacobian(lambda x: x / np.linalg.norm(x), x)
        u = x / np.linalg.norm(x)
        assert close(J, (np.eye(5) - np.outer(u, u)) / np.linalg.norm(x), 1e-6)
        assert close(J @ x, 0, 1e-6) and close(u @ J, 0, 1e-6) and close(J, J.T, 1e-6)
        assert close(numerical_gradient(np.linalg.norm, x), u)  # F is the gradient of ‖x‖


# --- section 8: JVP and VJP ---------------------------------------------------------------------------------

def test_centering_and_rank_one_products(rng):
    n = 7
    x, v = rng.standard_normal(n), rng.standard_normal(n)
    J = numerical_jacobian(NB["center"], x)
    assert close(J, np.eye(n) - np.ones((n, n)) / n)
    assert close(NB["jvp_center"](x, v), J @ v)
    a, b = rng.standard_normal(n), rng.standard_normal(n)
    assert close(np.outer(a, b) @ v, a * (b @ v)) and np.ndim(a @ b.T) == 0


def test_difference_map_jvp_vjp_and_building_J_from_them(rng):
    n = 6
    x, v, u = rng.standard_normal(n), rng.standard_normal(n), rng.standard_normal(n - 1)
    D = numerical_jacobian(NB["differences"], x)
    assert close(NB["jvp_differences"](x, v), D @ v)
    assert close(NB["vjp_differences"](x, u), u @ D)
    assert close(NB["vjp_differences"](x, u), np.r_[0.0, u] - np.r_[u, 0.0])  # u_{j−1} − u_j
    assert close(np.column_stack([NB["jvp_differences"](x, e) for e in np.eye(n)]), D)
    assert close(np.vstack([NB["vjp_differences"](x, e) for e in np.eye(n - 1)]), D)


def test_softmax_products_are_O_n(rng):
    z, v = 3 * rng.standard_normal(7), rng.standard_normal(7)
    J = numerical_jacobian(NB["softmax"], z)
    assert close(NB["jvp_softmax"](z, v), J @ v) and close(NB["vjp_softmax"](z, v), v @ J)
    z, v = rng.standard_normal(10**6), rng.standard_normal(10**6)
    start = time.perf_counter()
    NB["jvp_softmax"](z, v)
    assert time.perf_counter() - start < 5


# --- section 9: polar coordinates: the answer to the figure's question ---------------------------------------

def test_polar_jacobian_columns_radial_and_tangent(rng):
    polar = lambda p: np.array([p[0] * np.cos(p[1]), p[0] * np.sin(p[1])])  # noqa: E731
    for _ in range(20):
        r, theta = rng.uniform(0.2, 3), rng.uniform(-np.pi, np.pi)
        J = numerical_jacobian(polar, np.array([r, theta]))
        assert close(J, NB["jacobian_polar"](r, theta))
        radial = np.array([np.cos(theta), np.sin(theta)])
        assert close(J[:, 0], radial) and close(np.linalg.norm(J[:, 1]), r) and close(J[:, 0] @ J[:, 1], 0)
        assert J[0, 0] * J[1, 1] - J[1, 0] * J[0, 1] > 0 and close(np.linalg.det(J), r)


# --- section 10: difference quotients --------------------------------------------------------------------------

def test_central_error_is_second_order_and_forward_first_order():
    F, x = NB["F"], np.array([0.7, -1.3, 2.1])
    exact = NB["jacobian_F"](x)

    def error(method, h):
        return np.abs(numerical_jacobian(F, x, method=method, h=h) - exact).max()

    assert 50 < error("central", 1e-2) / error("central", 1e-3) < 200
    assert 5 < error("forward", 1e-2) / error("forward", 1e-3) < 20


def test_reference_numerical_jacobian_handles_any_shape(rng):
    X = rng.standard_normal((2, 3))
    for G in (lambda X: X @ X.T, lambda X: np.sum(X**3), lambda X: np.tanh(X.T @ X[:, :2])):
        assert close(NB["numerical_jacobian_cd"](G, X, 1e-6), numerical_jacobian(G, X), 1e-6)


# --- the test cells: the reference solution passes on hundreds of fresh draws -----------------------------------

DRAWS = {"jvp_softmax": 5, "vjp_softmax": 5}  # each run also computes two products at n = 10⁶


@pytest.mark.parametrize("function", sorted(TESTS))
def test_reference_solution_passes_its_test_cell_on_fresh_draws(function):
    """Each run draws fresh hidden inputs (np.random.default_rng() without a seed)."""
    for _ in range(DRAWS.get(function, 200)):
        namespace = dict(NB)
        with contextlib.redirect_stdout(io.StringIO()):
            exec(TESTS[function], namespace)


def test_forming_the_softmax_jacobian_fails_fast_with_a_sentence():
    """An O(n²) JVP is stopped at n = 10⁶ by a MemoryError at once, named, not by eating memory."""
    namespace = dict(NB)
    exec("def jvp_softmax(z, v):\n    return jacobian_softmax(z) @ v", namespace)
    start = time.perf_counter()
    with pytest.raises(AnswerError, match="ran out of memory: at n = 10⁶ an n × n matrix needs 8 TB"):
        with contextlib.redirect_stdout(io.StringIO()):
            exec(TESTS["jvp_softmax"], namespace)
    assert time.perf_counter() - start < 5


def test_an_n_by_n_array_is_refused_even_where_the_system_would_allow_it():
    """7 GB of address space, which Linux's overcommit heuristic grants here, is refused inside the test
    (its address-space cap), so no system setting lets an O(n²) attempt fill the memory; the cap is lifted after."""
    import resource

    namespace = dict(NB)
    exec("def vjp_softmax(z, u):\n    workspace = np.empty((30000, 30000)) if len(u) > 10 else None\n"
         "    return jvp_softmax(z, u)", namespace)
    limits = resource.getrlimit(resource.RLIMIT_AS)
    with pytest.raises(AnswerError, match="ran out of memory"):
        with contextlib.redirect_stdout(io.StringIO()):
            exec(TESTS["vjp_softmax"], namespace)
    assert resource.getrlimit(resource.RLIMIT_AS) == limits
    np.empty((30000, 30000))  # granted again
