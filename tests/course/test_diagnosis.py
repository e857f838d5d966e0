"""Diagnoses (course.diagnose): each typical mistake gets its own sentence, a right answer none."""
import numpy as np
import pytest

from course import diagnose

pytestmark = pytest.mark.filterwarnings("error")


@pytest.fixture
def expected(rng):
    return rng.standard_normal((3, 4))


@pytest.mark.parametrize(
    "answer", [lambda E: E, lambda E: E.tolist(), lambda E: E.astype(np.float32), lambda E: E + 1e-9]
)
def test_right_answer_gives_no_sentence(expected, answer):
    assert diagnose(answer(expected), expected) == []


def test_right_scalar():
    assert diagnose(2.0, np.float64(2.0)) == []
    assert diagnose(np.float32(0.1), 0.1) == []


def test_none():
    assert diagnose(None, np.ones(3)) == ["it returned None: is the `return` statement missing?"]


@pytest.mark.parametrize(
    ("answer", "start"),
    [
        ("A.T @ x", "it returned str 'A.T @ x'"),
        ({"grad": 1}, "it returned dict {'grad': 1}"),
        ([[1.0, 2.0], [3.0]], "it returned list"),
        (np.array(["1", "2"]), "it returned ndarray"),
    ],
)
def test_not_numbers(answer, start):
    (sentence,) = diagnose(answer, np.ones(2))
    assert sentence.startswith(start) and sentence.endswith("not an array of numbers")


def test_long_text_is_shortened():
    (sentence,) = diagnose("x" * 500, np.ones(2))
    assert len(sentence) < 120


def test_complex_answers():
    assert diagnose(np.array([1 + 0j, 2 + 0j]), np.array([1.0, 2.0])) == []
    (sentence,) = diagnose(np.array([1 + 1j, 2]), np.array([1.0, 2.0]))
    assert "complex numbers" in sentence


@pytest.mark.parametrize(("bad", "word"), [(np.nan, "NaN"), (np.inf, "inf"), (-np.inf, "inf")])
def test_non_finite(bad, word):
    answer = np.ones(3)
    answer[1] = bad
    (sentence,) = diagnose(answer, np.ones(3))
    assert sentence.startswith(f"the result contains {word}") and "division by zero" in sentence


def test_column_vector_instead_of_vector():
    x = np.array([1.0, 2.0, 3.0])
    assert diagnose(x.reshape(3, 1), x) == [
        "shape (3, 1) but expected (3,)",
        "the numbers are right: return a flat array of shape (3,) "
        "(e.g. with .ravel(), or by not turning vectors into columns)",
    ]
    assert diagnose(x, x.reshape(3, 1)) == [
        "shape (3,) but expected (3, 1)",
        "the numbers are right: return a column of shape (3, 1) (e.g. with .reshape(3, 1)), not a flat array",
    ]
    assert diagnose(x[::-1].reshape(3, 1), x)[1] == "the size matches but the values do not either"


def test_flat_vector_instead_of_row_is_told_to_reshape_not_ravel():
    x = np.array([1.0, 2.0, 3.0])
    assert diagnose(x, x.reshape(1, 3))[1] == (
        "the numbers are right: return a row of shape (1, 3) (e.g. with .reshape(1, 3)), not a flat array"
    )
    assert "reshape(2, 3)" in diagnose(np.arange(6.0), np.arange(6.0).reshape(2, 3))[1]


def test_transposed_shapes(expected):
    assert diagnose(expected.T, expected) == [
        "shape (4, 3) but expected (3, 4)",
        "your result is the transpose of the expected one: check the layout",
    ]
    assert diagnose(2 * expected.T, expected)[1] == "that is the transposed shape: check the layout"


def test_transpose_of_a_square_matrix(rng):
    E = rng.standard_normal((4, 4))
    assert diagnose(E.T, E) == ["your result is the transpose of the expected one: check the layout"]


def test_other_shape(expected):
    assert diagnose(np.ones(5), expected) == ["shape (5,) but expected (3, 4)"]


def test_diagonal_of_an_elementwise_jacobian():
    d = np.array([0.2, 0.5, 0.9])
    sentences = diagnose(d, np.diag(d))
    assert sentences[0] == "shape (3,) but expected (3, 3)"
    assert "diagonal entries of the expected Jacobian" in sentences[1] and "np.diag" in sentences[1]


def test_diagonal_of_a_full_jacobian():
    z = np.array([0.3, -1.0, 2.0])
    s = np.exp(z) / np.exp(z).sum()
    J = np.diag(s) - np.outer(s, s)  # softmax: not diagonal
    sentences = diagnose(s * (1 - s), J)
    assert sentences[0] == "shape (3,) but expected (3, 3)"
    assert "only the diagonal" in sentences[1] and "off-diagonal" in sentences[1]
    assert diagnose(np.diag(s * (1 - s)), J) == [
        "only the diagonal entries are right; every off-diagonal entry is wrong"
    ]


def test_only_the_diagonal_is_wrong(rng):
    E = rng.standard_normal((3, 3))
    assert diagnose(E + np.eye(3), E) == ["only the diagonal entries are wrong; the off-diagonal ones match"]


def test_some_entries_wrong(expected):
    got = expected.copy()
    got[0, 1] += 1
    got[2, 3] -= 1
    assert diagnose(got, expected) == ["2 of 12 entries are wrong (at index (0, 1), (2, 3)); the others match"]
    many = expected.copy()
    many[:2] += 1
    assert diagnose(many, expected) == [
        "8 of 12 entries are wrong (at index (0, 0), (0, 1), (0, 2), (0, 3), (1, 0) …); the others match"
    ]
    v = np.arange(1.0, 5.0)
    w = v.copy()
    w[2] = 0
    assert diagnose(w, v) == ["1 of 4 entries are wrong (at index 2); the others match"]


@pytest.mark.parametrize(
    ("factor", "sentence"),
    [
        (-1, "wrong sign: your result is the negative of the expected one"),
        (2, "off by a factor of 2: your result is twice the expected one"),
        (0.5, "off by a factor of 2: your result is half the expected one"),
        (-2, "off by a factor of 2: your result is minus twice the expected one"),
        (3, "your result is 3 times the expected one: a constant factor is off"),
        (1.37, "your result is 1.37 times the expected one: a constant factor is off"),
    ],
)
def test_constant_factors(expected, factor, sentence):
    assert diagnose(factor * expected, expected) == [sentence]


def test_all_zeros(expected):
    assert diagnose(np.zeros_like(expected), expected) == ["the result is all zeros"]


def test_symmetric_only(rng):
    A, x = rng.standard_normal((4, 4)), rng.standard_normal(4)

    def learner(M, v):
        return 2 * M @ v  # right only when M = Mᵀ

    def right(M, v):
        return (M + M.T) @ v

    S = (A + A.T) / 2
    sentences = diagnose(learner(A, x), right(A, x), on_symmetric=lambda: (learner(S, x), right(S, x)))
    assert sentences == [
        "right only for symmetric A: your formula assumes A = Aᵀ, but the tests use "
        "non-symmetric matrices (keep A and Aᵀ apart)"
    ]
    # a mistake that is also wrong for symmetric input is not called symmetric-only
    wrong = lambda M, v: M @ v + v  # noqa: E731
    sentences = diagnose(wrong(A, x), right(A, x), on_symmetric=lambda: (wrong(S, x), right(S, x)))
    assert "symmetric" not in sentences[0]


def test_no_pattern(rng):
    E = rng.standard_normal((3, 3))
    (sentence,) = diagnose(rng.standard_normal((3, 3)), E)
    assert sentence.startswith("the values do not match (relative error")
    assert "not a transpose, sign or factor slip" in sentence


def test_tolerance(expected):
    assert diagnose(expected * (1 + 1e-3), expected) != []
    assert diagnose(expected * (1 + 1e-3), expected, tol=1e-2) == []


def test_huge_and_tiny_entries_do_not_overflow():
    x = np.array([1.0, 2.0, 3.0])
    assert diagnose(-1e300 * x, 1e300 * x) == ["wrong sign: your result is the negative of the expected one"]
    assert diagnose(3e-310 * x, 1e-310 * x) == ["your result is 3 times the expected one: a constant factor is off"]
    assert diagnose(1e200 * x, x) == ["your result is 1e+200 times the expected one: a constant factor is off"]
    assert diagnose(np.full(3, 1e300), x)[0].startswith("the values do not match")
