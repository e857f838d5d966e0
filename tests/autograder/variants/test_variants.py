"""Every variant answer in autograder/variants/, graded by the real nbgrader: correct ones earn
their test's full points, wrong ones earn zero and their feedback names the mistake."""
import nbformat
import pytest

from autograder.coursedir.cells import fill_in, grade_id, reference_solutions
from autograder.coursedir.paths import source_notebook
from autograder.grading.grader import Grader
from autograder.variants.loader import available, batches, dependencies, load
from tests.feedback_text import visible_text

pytestmark = pytest.mark.nbgrader

CASES = [(a, v) for a in available() for vs in load(a).values() for v in vs]


def submissions(assignment):
    """``{student: (codes, variants)}``: the assignment's variants batched into few submissions."""
    nb = nbformat.read(source_notebook(assignment), as_version=4)
    reference = reference_solutions(source_notebook(assignment))
    data = load(assignment)
    tests = {cell.metadata["nbgrader"]["grade_id"]: cell.source for cell in nb.cells if grade_id(cell)}
    texts = {f: [reference[f], tests.get(f"test_{f}", ""), *(v.code for v in data.get(f, []))] for f in reference}
    groups = batches([v for vs in data.values() for v in vs], dependencies(list(reference), texts))
    return {
        f"{'correct' if next(iter(group.values())).correct else 'wrong'}_{number}":
            ({**reference, **{f: v.code for f, v in group.items()}}, list(group.values()))
        for number, group in enumerate(groups)
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade an assignment's variant submissions once; ``graded(assignment)`` returns, per variant,
    its test cell's score, the sentence that test cell printed, and the feedback page's text."""
    results = {}

    def grade(assignment):
        if assignment not in results:
            grader = Grader(tmp_path_factory.mktemp(assignment))
            release = grader.workspace.release_notebook(assignment)
            handed_in = tmp_path_factory.mktemp(f"{assignment}-submitted")
            outcome = {}
            for student, (codes, variants) in submissions(assignment).items():
                folder = handed_in / student
                folder.mkdir()
                nbformat.write(fill_in(release, codes), folder / grader.workspace.notebook_name(assignment))
                result = grader.grade(student, assignment, folder)
                page = visible_text(open(result.feedback, encoding="utf-8").read())
                for variant in variants:
                    cell = f"test_{variant.function}"
                    outcome[variant.key] = (result.scores.get(cell), result.messages.get(cell) or "", page)
            results[assignment] = outcome
        return results[assignment]

    return grade


@pytest.mark.parametrize("assignment", available())
def test_variant_data_is_complete(assignment):
    """At least two correct and three wrong variants for every graded function, each wrong one with its diagnosis."""
    data = load(assignment)
    functions = set(reference_solutions(source_notebook(assignment)))
    assert set(data) == functions, f"variants for {sorted(set(data) ^ functions)} missing or unknown"
    for function, variants in data.items():
        assert sum(v.correct for v in variants) >= 2, function
        wrong = [v for v in variants if not v.correct]
        assert len(wrong) >= 3 and all(v.diagnosis for v in wrong), function


@pytest.mark.parametrize(("assignment", "variant"), CASES, ids=[f"{a}:{v.key}" for a, v in CASES])
def test_variant_is_graded_as_expected(graded, assignment, variant):
    score, message, feedback = graded(assignment)[variant.key]
    assert score is not None, f"no grade for test_{variant.function}"
    points, maximum = score
    if variant.correct:
        assert points == maximum, f"a correct answer ({variant.label}) lost points: {message}"
    else:
        assert points == pytest.approx(variant.points), f"a wrong answer ({variant.label}) earned {points}"
        assert variant.diagnosis in message, f"the test said {message!r}, not {variant.diagnosis!r}"
        assert message in feedback, "the feedback page does not show the test's sentence"
