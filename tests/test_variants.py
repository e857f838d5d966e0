"""Every variant answer in autograder/variants/, graded by the real nbgrader: correct ones earn
their test's full points, wrong ones earn zero and their feedback names the mistake."""
import nbformat
import pytest

from autograder.layout import source_notebook
from autograder.solutions import fill_in, grade_id, reference_solutions
from autograder.variants import available, batches, dependencies, load
from autograder.workspace import Workspace
from tests.feedback_text import visible_text

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
    """Grade an assignment's variant submissions once; ``graded(assignment)`` returns the results."""
    results = {}

    def grade(assignment):
        if assignment not in results:
            workspace = Workspace(tmp_path_factory.mktemp(assignment), [assignment])
            release = workspace.release_notebook(assignment)
            outcome = {}
            plan = submissions(assignment)
            for student, (codes, variants) in plan.items():
                workspace.submit(student, assignment, fill_in(release, codes))
                workspace.autograde(assignment, student)
                workspace.feedback(assignment, student)
                scores = workspace.scores(assignment, student)
                text = visible_text(workspace.feedback_html(assignment, student))
                for variant in variants:
                    outcome[variant.key] = (scores.get(f"test_{variant.function}"), text)
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
    score, feedback = graded(assignment)[variant.key]
    assert score is not None, f"no grade for test_{variant.function}"
    points, maximum = score
    if variant.correct:
        assert points == maximum, f"a correct answer ({variant.label}) lost points:\n{feedback[-3000:]}"
    else:
        assert points == 0, f"a wrong answer ({variant.label}) earned {points}"
        assert variant.diagnosis in feedback, f"feedback lacks {variant.diagnosis!r}:\n{feedback[-3000:]}"
