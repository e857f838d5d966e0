"""Naming mistakes from feedback sentences: the course's own labels first, generic categories otherwise."""
import pytest

from autograder.variants.loader import available, load
from autograder.variants.mistakes import category, name_mistake

WRONG = [v for a in available() for vs in load(a).values() for v in vs if not v.correct]


def sharing(variant):
    """The labels of the variants of ``variant``'s function with the same diagnosis (itself included)."""
    same = load(variant.assignment)[variant.function]
    return [v.label for v in same if not v.correct and v.diagnosis == variant.diagnosis]


@pytest.mark.parametrize("variant", WRONG, ids=[f"{v.assignment}:{v.key}" for v in WRONG])
def test_every_diagnosis_is_named_by_its_own_label(variant):
    """Labels that share a diagnosis cannot be told apart, so they share a name ("a or b")."""
    for sentence in (variant.diagnosis, f"{variant.function}: {variant.diagnosis} (and more after it)"):
        name = name_mistake(variant.assignment, f"test_{variant.function}", sentence)
        assert name == " or ".join(sharing(variant)), sentence


def test_a_passed_test_has_no_mistake():
    assert name_mistake("01_gradients", "test_grad_linear", None) is None


def test_an_unanswered_exercise_is_not_mistaken_for_a_variant():
    """``grad_det: `` is a variant's diagnosis, but a stub is "not implemented", whatever it starts with."""
    sentence = "grad_det: not implemented yet: replace `raise NotImplementedError` in its cell with your solution"
    assert name_mistake("05_trace_det_inverse", "test_grad_det", sentence) == "not implemented"


@pytest.mark.parametrize(("sentence", "expected"), [
    ("f: shape (3, 4) but expected (4, 3); your result is the transpose of the expected one: check the layout",
     "transposed / layout"),
    ("f: wrong sign: your result is the negative of the expected one", "wrong sign"),
    ("f: off by a factor of 3: your result is 3 times the expected one", "off by a factor"),
    ("f: right only for symmetric A: your formula assumes A = Aᵀ", "right only for symmetric input"),
    ("f: shape (5,) but expected (5, 5)", "wrong shape"),
    ("f: it returned None: is the `return` statement missing?", "wrong shape"),
    ("f: the result contains NaN: look for a division by zero", "NaN or inf"),
    ("f: not implemented yet: replace `raise NotImplementedError`", "not implemented"),
    ("f raised ZeroDivisionError: division by zero", "raised an exception"),
    ("name 'g' is not defined: run the cell that defines it", "other"),
    ("the cell ran past the time limit (an endless loop, or very slow code?)", "time limit"),
    ("f: the values do not match (relative error 0.3); it is not a transpose, sign or factor slip", "other"),
])
def test_unforeseen_sentences_get_a_generic_category(sentence, expected):
    assert category(sentence) == expected
    assert name_mistake("01_gradients", "test_no_such_function", sentence) == expected
