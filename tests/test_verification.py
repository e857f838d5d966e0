"""The independent check: answers that game the in-kernel tests, and estimates handed in as
derivatives, earn nothing; correct answers keep their points; learner code stays contained."""
import os
import time

import nbformat
import pytest

from autograder.grader import Grader
from autograder.layout import ROOT, release_notebook, source_notebook
from autograder.solutions import fill_in, reference_solutions, solution_cells
from autograder.variants import available, load
from autograder.verify import run_contained, verify

WRONG = {"grad_linear": "return x", "grad_quadratic": "return 2 * A @ x", "grad_log_sum_exp": "return np.exp(x - x.max())"}
GAMES = {
    "rebinds the course's checks": (
        "import course.grading\n"
        "course.grading.expect_derivative = course.grading.expect_matches = lambda *a, **k: None\n"),
    "rebinds numpy's comparisons": (
        "np.allclose = np.array_equal = lambda *a, **k: True\n"
        "np.isclose = lambda a, b, **k: np.ones(np.shape(a), dtype=bool)\n"
        "np.max = lambda *a, **k: 0.0\n"),
    "swallows AssertionError": (
        "import builtins\nbuiltins.AssertionError = type('Ignored', (Exception,), {})\n"
        "get_ipython().set_custom_exc((BaseException,), lambda *args, **kwargs: None)\n"),
}


def notebook(assignment="01_gradients", top_level="", **codes):
    """The release notebook answered with the reference (or ``codes``), plus ``top_level`` code in
    the first answer cell, where it runs before any test."""
    release = nbformat.read(release_notebook(assignment), as_version=4)
    nb = fill_in(release, {**reference_solutions(source_notebook(assignment)), **codes})
    first = next(iter(solution_cells(nb).values()))
    first.source += "\n\n" + top_level
    return nb


@pytest.fixture(scope="module")
def grade(tmp_path_factory):
    """``grade(name, nb, verification=True)`` → the Outcome of grading ``nb`` as student ``name``."""
    graders = {flag: Grader(tmp_path_factory.mktemp(f"grader-{flag}"), verification=flag) for flag in (True, False)}
    handed_in = tmp_path_factory.mktemp("handed-in")

    def run(name, nb, assignment="01_gradients", verification=True):
        folder = handed_in / f"{name}-{verification}"
        folder.mkdir()
        nbformat.write(nb, folder / release_notebook(assignment).name)
        return graders[verification].grade(name.replace(" ", "_").replace("'", ""), assignment, folder)

    return run


@pytest.mark.parametrize("game", list(GAMES))
def test_gaming_the_kernel_earns_nothing(grade, game):
    nb = notebook(top_level=GAMES[game], **WRONG)
    fooled = grade(game, nb, verification=False)
    assert all(fooled.scores[f"test_{f}"][0] > 0 for f in WRONG), "the game should fool the in-kernel tests"
    checked = grade(game, nb)
    for function in WRONG:
        assert checked.scores[f"test_{function}"][0] == 0
        assert "passed the notebook's tests but not the independent check" in checked.messages[f"test_{function}"]
    assert set(WRONG) <= set(checked.overruled)
    page = open(checked.feedback, encoding="utf-8").read()
    assert "independent check" in page


ESTIMATES = {
    "grad_log_sum_exp": "return course.numerical_gradient(lambda z: np.log(np.sum(np.exp(z - z.max()))) + z.max(), x)",
    "grad_quadratic": """
g = np.zeros_like(x)
for i in range(len(x)):
    e = np.zeros_like(x)
    e[i] = 1e-5
    g[i] = ((x + e) @ A @ (x + e) - (x - e) @ A @ (x - e)) / 2e-5
return g
""",
    "grad_least_squares": "return np.gradient(np.array([0.0, 1.0]))[0] * 0 + course.numerical_gradient("
                          "lambda z: np.sum((A @ z - b) ** 2), x, method='complex')",
}


def test_estimates_instead_of_derivatives_earn_nothing(grade):
    outcome = grade("estimates", notebook(**ESTIMATES))
    for function in ESTIMATES:
        cell = f"test_{function}"
        assert outcome.scores[cell][0] == 0, function
        message = outcome.messages[cell]
        assert "finite-difference" in message and "the derivative itself" in message
    assert outcome.scores["test_grad_linear"] == (1.0, 1.0)


@pytest.mark.parametrize("assignment", available())
def test_no_false_alarm_on_any_correct_variant(assignment):
    variants = load(assignment)
    most = max(sum(v.correct for v in vs) for vs in variants.values())
    for k in range(most):
        chosen = {f: [v for v in vs if v.correct][k].code for f, vs in variants.items()
                  if sum(v.correct for v in vs) > k}
        verdicts = verify(assignment, notebook(assignment, **chosen))
        wrong = {f: v.reason for f, v in verdicts.items() if f in chosen and v.passed is False}
        assert not wrong, wrong


@pytest.mark.parametrize("assignment", available())
def test_every_wrong_variant_fails_the_independent_check(assignment):
    """The check is not a rubber stamp: every typical mistake in the variant data fails it too."""
    for function, variants in load(assignment).items():
        for variant in (v for v in variants if not v.correct):
            verdict = verify(assignment, notebook(assignment, **{function: variant.code})).get(function)
            assert verdict is None or verdict.passed is not True, (function, variant.label)


def test_contained_code_cannot_fork_write_or_reach_the_network(tmp_path):
    marker = ROOT / "autograder" / "written-by-a-learner"
    hoard_start = time.monotonic()
    cells = [  # only definitions and assignments run in verification, so each act is an assignment
        "import os, socket, subprocess, time, numpy as np",
        f"handle = open({str(marker)!r}, 'w')",
        "child = subprocess.Popen(['sleep', '600'])",
        "def spawn():\n    if os.fork() == 0:\n        time.sleep(600)\n        os._exit(0)\n    return 1\nspawned = spawn()",
        "connection = socket.create_connection(('127.0.0.1', 22), timeout=2)",
        "hoard = [np.ones(10**8) for _ in range(100)]",
        "def grad_linear(a, x):\n    import os\n    return [float(os.getuid()), float(len(os.listdir('/tmp')))]",
    ]
    request = {"cells": cells, "seconds_per_call": 5,
               "calls": [{"function": "grad_linear", "cases": "cases = [(1, 2)]", "seed": 0, "estimate_allowed": True}]}
    answer = run_contained(request, timeout=60)
    uid, tmp_entries = answer["answers"][0]["results"][0]["sequence"]
    assert not marker.exists()
    if os.geteuid() == 0:
        assert uid == 65534  # ran as nobody, in a /tmp of its own
        assert tmp_entries == 0
    leftovers = os.popen("pgrep -f 'sleep 600|autograder.sandbox'").read().split()
    assert not leftovers, "a process the learner started outlived the verification run"
    assert time.monotonic() - hoard_start < 60
