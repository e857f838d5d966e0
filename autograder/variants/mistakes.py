"""Name the mistake behind a feedback sentence, in the course's own words where it has them.

The variant data (``autograder/variants/``) gives every typical wrong answer a short label and a
piece of the sentence the grader says about it; a sentence containing that piece gets the label.
Sentences no variant foresaw get a generic category read off the wording of ``course.diagnose``
and ``course.grading``.
"""
from __future__ import annotations

import re
from functools import lru_cache

from autograder.coursedir.cells import function_of
from autograder.grading.outcome import OVERRULED
from autograder.variants.loader import load

# (category, pattern): the first pattern found in a sentence names it; order matters, since one
# sentence can say several things ("shape (4, 3) but expected (3, 4); ... the transpose ...").
CATEGORIES = [
    ("not implemented", r"not implemented|NotImplementedError"),
    ("time limit", r"time limit|was stopped after|took longer than"),
    ("NaN or inf", r"\b(NaN|inf)\b"),
    ("transposed / layout", r"transpose|layout"),
    ("right only for symmetric input", r"symmetric"),
    ("wrong sign", r"wrong sign|negative of the expected"),
    ("off by a factor", r"factor|twice the expected|half the expected|times the expected"),
    ("wrong shape", r"\bshape\b|returned None|not an array"),
    ("raised an exception", r"\braised \w+|\w+Error\b|kernel died"),
]

UNANSWERED = ("not implemented", "time limit")


@lru_cache(maxsize=None)
def _diagnoses(assignment, function):
    """``[(diagnosis, name), ...]`` of the function's wrong variants, the most specific first.

    Variants that share a diagnosis cannot be told apart by their sentence, so they share a name
    (``"a or b"``). A diagnosis is as specific as what it says beyond the function's name: a bare
    ``"cofactor_matrix: "`` catches whatever the others do not.
    """
    labels = {}
    for variant in load(assignment).get(function, []):
        if not variant.correct and variant.diagnosis:
            labels.setdefault(variant.diagnosis, []).append(variant.label)

    def specificity(diagnosis):
        said = diagnosis.removeprefix(function).lstrip(":").strip()
        return len(said), len(diagnosis)

    ranked = sorted(labels, key=specificity, reverse=True)
    return [(diagnosis, " or ".join(labels[diagnosis])) for diagnosis in ranked]


# What a sentence rules out names no mistake: "it is not a transpose, sign or factor slip".
DENIAL = re.compile(r"\bit is not an? [^;:.]*")


def category(message: str) -> str:
    """The generic name of the mistake a feedback sentence describes (``"other"`` if none fits)."""
    said = DENIAL.sub("", message)
    for name, pattern in CATEGORIES:
        if re.search(pattern, said):
            return name
    return "other"


OVERRULED_NAME = "passed the in-kernel tests only (independent check failed)"


def name_mistake(assignment: str, cell: str, message: str | None) -> str | None:
    """A short name for the mistake behind ``message``, the sentence test ``cell`` of ``assignment`` printed.

    The label of the function's wrong variant whose diagnosis the sentence contains (the most
    specific such diagnosis), else a generic :func:`category`; None when it passed.
    An answer that was never given or never finished is named so first, since a short diagnosis
    such as ``"grad_det: "`` would match its sentence too.
    """
    if message is None:
        return None
    if message.startswith(OVERRULED):
        return OVERRULED_NAME
    if category(message) in UNANSWERED:
        return category(message)
    for diagnosis, name in _diagnoses(assignment, function_of(cell)):
        if diagnosis in message:
            return name
    return category(message)
