"""The independent check: answers that game the in-kernel tests, and estimates handed in as
derivatives, earn nothing; correct answers keep their points; learner code stays contained."""
import os
import subprocess
import time

import nbformat
import pytest

from autograder.grader import Grader
from autograder.layout import ROOT, release_notebook, source_notebook
from autograder.solutions import fill_in, reference_solutions, solution_cells
from autograder.variants import available
from autograder.verify import private_tmp, run_contained, verify
from tests.feedback_text import visible_text
from tests.test_variants import submissions

WRONG = {"grad_linear": "return x", "grad_quadratic": "return 2 * A @ x", "grad_log_sum_exp": "return np.exp(x - x.max())"}
GAMES = {
    "rebinds the course's checks": (
        "import course.grading\n"
        "course.grading.expect_derivative = course.grading.expect_matches = lambda *a, **k: None\n"),
    "rebinds numpy's comparisons": (
        "np.allclose = np.array_equal = lambda *a, **k: True\n"
        "np.isclose = lambda a, b, **k: np.ones(np.shape(a), dtype=bool)\n"
        "np.max = lambda *a, **k: 0.0\n"),
    "rebinds AssertionError and the exception display": (
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


FOOLS_THE_KERNEL = {"rebinds the course's checks", "rebinds numpy's comparisons"}


@pytest.mark.parametrize("game", list(GAMES))
def test_gaming_the_kernel_earns_nothing(grade, game):
    nb = notebook(top_level=GAMES[game], **WRONG)
    in_kernel = grade(game, nb, verification=False)
    fooled = {f for f in WRONG if in_kernel.scores[f"test_{f}"][0] > 0}
    assert fooled == (set(WRONG) if game in FOOLS_THE_KERNEL else set())
    checked = grade(game, nb)
    assert set(checked.overruled) == fooled
    for function in WRONG:
        assert checked.scores[f"test_{function}"][0] == 0
        message = checked.messages[f"test_{function}"]
        if function in fooled:
            assert "passed the notebook's tests but not the independent check" in message
    page = open(checked.feedback, encoding="utf-8").read()
    assert all(checked.messages[f"test_{f}"] in visible_text(page) for f in WRONG)


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
def test_correct_variants_pass_and_wrong_ones_fail_the_independent_check(assignment):
    """No false alarm on any correct variant in the variant data, and no rubber stamp: every typical
    mistake fails the check too (batched as in the variant test, so each verdict is its own)."""
    release = nbformat.read(release_notebook(assignment), as_version=4)
    for codes, variants in submissions(assignment).values():
        verdicts = verify(assignment, fill_in(release, codes))
        for variant in variants:
            verdict = verdicts.get(variant.function)
            if verdict is None:  # no verification inputs for it (the sympy derivations)
                continue
            if variant.correct:
                assert verdict.passed is not False, (variant.key, verdict.reason)
            else:
                assert verdict.passed is not True, variant.key


def test_contained_code_cannot_fork_write_or_reach_the_network(tmp_path):
    marker = ROOT / "autograder" / "written-by-a-learner"
    hoard_start = time.monotonic()
    cells = [  # only definitions and assignments run in verification, so each act is an assignment
        "import os, socket, subprocess, time, numpy as np",
        f"handle = open({str(marker)!r}, 'w')",
        "child = subprocess.Popen(['sleep', '600.17'])",
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
        assert uid == 65534  # ran as nobody
        assert tmp_entries == 0 or not private_tmp()  # in a /tmp of its own, unless the course lives in /tmp
    for _ in range(30):  # SIGKILL is delivered at once, but the exit may take a moment to be seen
        leftovers = subprocess.run(["pgrep", "-f", "sleep 600.17|autograder.sandbox"], capture_output=True).stdout
        if not leftovers:
            break
        time.sleep(0.1)
    assert not leftovers, "a process the learner started outlived the verification run"
    assert time.monotonic() - hoard_start < 60
