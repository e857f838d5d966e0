"""The independent check: answers that game the in-kernel tests, and estimates handed in as
derivatives, earn nothing; derivations are judged here from numbers alone; correct answers keep
their points; learner code stays contained."""
import json
import os
import subprocess
import sys
import time

import nbformat
import pytest

from autograder.containment.verify import (
    derivation_call,
    derivation_outline,
    derivation_points,
    derivation_specs,
    judge,
    judge_derivation,
    private_tmp,
    run_contained,
    specs,
    verify,
)
from autograder.containment.processes import adopt_orphans, descendants, stat_fields
from autograder.coursedir.cells import fill_in, reference_solutions, solution_cells
from autograder.coursedir.paths import ROOT, release_notebook, source_notebook
from autograder.grading.grader import Grader
from autograder.variants.loader import available
from course.derivation.evaluate import tabulate_derivation
from course.derivation.judge import judge as judge_numbers
from course.derivation.problem import problem_from_outline
from tests.browser_support import running
from tests.feedback_text import visible_text
from tests.autograder.variants.test_variants import submissions

pytestmark = pytest.mark.nbgrader

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


FOOLED_DERIVATION = (
    "import course.derivation\n"
    "class FullMarks:\n    def points(self, maximum):\n        return float(maximum)\n"
    "course.derivation.check_derivation = lambda *args, **options: FullMarks()\n")


def test_a_fooled_derivation_keeps_only_the_share_the_independent_check_grants(grade):
    """Right steps, a gradient right only for symmetric A, and a checker rebound to give full marks:
    the independent check grants half the points, so nbgrader's full marks come down to half."""
    half_right = "steps = [dx.T * A * x + x.T * A * dx, x.T * (A.T + A) * dx]\ngradient = 2 * A * x"
    outcome = grade("fooled derivation", notebook(top_level=FOOLED_DERIVATION, derivation_quadratic=half_right))
    assert outcome.scores["test_derivation_quadratic"] == (1.0, 2.0)
    assert "derivation_quadratic" in outcome.overruled
    assert "the derivation scores 50% here" in outcome.messages["test_derivation_quadratic"]


@pytest.mark.parametrize("assignment", available())
def test_correct_variants_pass_and_wrong_ones_fail_the_independent_check(assignment):
    """No false alarm on any correct variant in the variant data, and no rubber stamp: every typical
    mistake fails the check too (batched as in the variant test, so each verdict is its own)."""
    release = nbformat.read(release_notebook(assignment), as_version=4)
    for codes, variants in submissions(assignment).values():
        verdicts = verify(assignment, fill_in(release, codes))
        for variant in variants:
            verdict = verdicts.get(variant.function)
            if verdict is None:  # no verification inputs for it
                continue
            if variant.correct:
                assert verdict.passed is not False, (variant.key, verdict.reason)
            else:
                assert verdict.passed is not True, variant.key


def started_since(ticks):
    """The living descendants of this process that started after ``ticks`` (clock ticks since boot)."""
    return [pid for pid in descendants(os.getpid())
            if running(pid) and int(stat_fields(pid)[19]) >= ticks]  # field 22 of proc(5): start time


def test_contained_code_cannot_fork_write_or_reach_the_network(tmp_path):
    marker = ROOT / "autograder" / "written-by-a-learner"
    hoard_start = time.monotonic()
    adopt_orphans()  # what this run leaves behind stays this process's descendant, never another test's sandbox
    run_start = int(time.clock_gettime(time.CLOCK_BOOTTIME) * os.sysconf("SC_CLK_TCK"))
    cells = [  # only definitions and assignments run in verification, so each act is an assignment
        "import os, socket, subprocess, time, numpy as np",
        f"handle = open({str(marker)!r}, 'w')",
        "child = subprocess.Popen(['sleep', '600.17'])",
        "def spawn():\n    if os.fork() == 0:\n        time.sleep(600)\n        os._exit(0)\n    return 1\nspawned = spawn()",
        "connection = socket.create_connection(('127.0.0.1', 22), timeout=2)",
        "hoard = [np.ones(10**8) for _ in range(100)]",
        # /tmp holds nothing of the grader's, but the way to the course package when the course lives in /tmp
        "def grad_linear(a, x):\n    import os\n    return [float(os.getuid()), float(len([e for e in os.listdir('/tmp')"
        f" if not {str(ROOT) + '/'!r}.startswith('/tmp/' + e + '/')]))]",
    ]
    request = {"cells": cells, "seconds_per_call": 5,
               "calls": [{"function": "grad_linear", "cases": "cases = [(1, 2)]", "seed": 0, "estimate_allowed": True}]}
    answer = run_contained(request, timeout=60)
    uid, tmp_entries = answer["answers"][0]["results"][0]["sequence"]
    assert not marker.exists()
    if os.geteuid() == 0:
        assert uid == 65534  # ran as nobody
        assert tmp_entries == 0 or not private_tmp()  # in a /tmp of its own, where a private view can be made
    for _ in range(30):  # SIGKILL is delivered at once, but the exit may take a moment to be seen
        leftovers = (subprocess.run(["pgrep", "-f", "sleep 600.17"], capture_output=True).stdout.split()
                     + started_since(run_start))
        if not leftovers:
            break
        time.sleep(0.1)
    assert not leftovers, "a process the learner started outlived the verification run"
    assert time.monotonic() - hoard_start < 60


# --- estimates refused everywhere, derivations judged from numbers --------------------------------

OTHERS_DIFFERENCES = {
    "course_helper": "def course_helper(f, x, h=1e-6):\n    import course\n    return course.numerical_gradient(f, x, h=h)",
    "scipy_helper": ("from scipy.optimize import approx_fprime\n\ndef scipy_helper(f, x, h=1e-6):\n"
                     "    return approx_fprime(x.ravel(), lambda z: f(z.reshape(x.shape)), h).reshape(x.shape)"),
}


def test_someone_elses_difference_quotient_earns_nothing_where_writing_one_is_the_exercise():
    """``estimate_allowed`` only relaxes the tolerance: the course's and SciPy's estimators stay refused."""
    pytest.importorskip("scipy")
    spec = specs("01_gradients")["central_difference_gradient"]
    assert spec["estimate_allowed"]
    calls = [{"function": name, "cases": spec["cases"], "seed": 1} for name in OTHERS_DIFFERENCES]
    answer = run_contained({"cells": ["import numpy as np", *OTHERS_DIFFERENCES.values()], "calls": calls,
                            "seconds_per_call": 10}, timeout=120)
    for call, reply in zip(calls, answer["answers"]):
        verdict = judge(call["function"], spec, reply, [None] * 2)
        assert verdict.passed is False, call["function"]
        assert verdict.reason.startswith("calling ") and "earns nothing: writing your own difference quotient" in verdict.reason
    unguarded = run_contained({"cells": ["import numpy as np\nimport course.guard\ncourse.guard.ensure_estimate_allowed = print",
                                         OTHERS_DIFFERENCES["course_helper"]], "calls": calls[:1], "seconds_per_call": 10},
                              timeout=120)
    assert unguarded["answers"][0] == {"error": "it rebinds the course's guard against estimates"}


QUADRATIC = {
    "right": ("steps = [dx.T * A * x + x.T * A * dx, x.T * (A.T + A) * dx]", "(A + A.T) * x", True, 1.0),
    "right steps, gradient only for symmetric A": ("steps = [dx.T * A * x + x.T * A * dx, x.T * (A.T + A) * dx]",
                                                   "2 * A * x", False, 0.5),
    "no steps": ("steps = []", "(A + A.T) * x", False, 0.5),
    "padded wrong step": ("steps = [2 * x.T * A * dx] * 20", "2 * A * x", False, 0.0),
    "malformed step, then right": ("steps = ['dxᵀAx + xᵀA dx', x.T * (A.T + A) * dx]", "(A + A.T) * x", False, 0.5),
}


def _quadratic_cell(function, steps, gradient):
    return (f"import sympy as sp\n\ndef {function}():\n    n = sp.Symbol('n')\n"
            "    x, dx, A = sp.MatrixSymbol('x', n, 1), sp.MatrixSymbol('dx', n, 1), sp.MatrixSymbol('A', n, n)\n"
            f"    {steps}\n    return steps, {gradient}\n")


def test_derivations_are_evaluated_contained_and_judged_here_from_numbers_only():
    """The contained process sends back text and numbers; the verdict, computed here, scores as the notebook does."""
    spec = derivation_specs("01_gradients")["derivation_quadratic"]
    points = derivation_points(spec, seed=7)
    functions = {f"derivation_{number}": name for number, name in enumerate(QUADRATIC)}
    request = {"cells": [_quadratic_cell(f, *QUADRATIC[name][:2]) for f, name in functions.items()],
               "calls": [derivation_call(f, spec, points) for f in functions], "seconds_per_call": 10}
    replies = run_contained(request, timeout=120)["answers"]
    for (function, name), reply in zip(functions.items(), replies):
        steps, gradient, passed, score = QUADRATIC[name]
        assert _plain_json_only(reply), name
        verdict = judge_derivation(function, spec, reply, points)
        assert verdict.passed is passed, (name, verdict.reason)
        if not passed:
            assert verdict.score == pytest.approx(score), (name, verdict.reason)
            assert verdict.reason.startswith(f"the derivation scores {score:.0%} here: "), verdict.reason


def _plain_json_only(value):
    """True when ``value`` is JSON data: dicts, lists, strings, numbers, booleans and None."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain_json_only(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain_json_only(v) for v in value)
    return value is None or isinstance(value, (str, int, float, bool))


DERIVATION_ASSIGNMENTS = ("01_gradients", "04_chain_product_rules", "05_trace_det_inverse")


def test_every_derivation_spec_matches_its_notebook_and_the_grader_never_loads_sympy():
    """Each derivation in derivations.toml is a graded function of its notebook and its reference
    solution passes; judging the derivations never imports sympy in the grader's process."""
    code = ("import json, sys, nbformat\n"
            "from autograder.coursedir.paths import release_notebook, source_notebook\n"
            "from autograder.coursedir.cells import fill_in, reference_solutions\n"
            "from autograder.containment.verify import derivation_specs, verify\n"
            "found = {}\n"
            f"for a in {DERIVATION_ASSIGNMENTS!r}:\n"
            "    nb = fill_in(nbformat.read(release_notebook(a), as_version=4), reference_solutions(source_notebook(a)))\n"
            "    verdicts = verify(a, nb)\n"
            "    found[a] = {f: [verdicts[f].passed, verdicts[f].reason] for f in derivation_specs(a)}\n"
            "print(json.dumps({'verdicts': found, 'sympy': 'sympy' in sys.modules}))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600)
    answer = json.loads(out.stdout or "{}") if out.returncode == 0 else pytest.fail(out.stderr[-2000:])
    assert answer["sympy"] is False
    for assignment in DERIVATION_ASSIGNMENTS:
        wanted = derivation_specs(assignment)
        assert wanted and set(wanted) <= set(reference_solutions(source_notebook(assignment))), assignment
        for function, (passed, reason) in answer["verdicts"][assignment].items():
            assert passed is True, (assignment, function, reason)


def test_reference_derivations_never_fail_the_independent_check_by_bad_luck():
    """The judging half of the independent check, run here on the reference steps at many fresh points."""
    for assignment in DERIVATION_ASSIGNMENTS:
        cells = solution_cells(nbformat.read(source_notebook(assignment), as_version=4))
        for function, spec in derivation_specs(assignment).items():
            namespace = {}
            exec("import sympy as sp\n" + cells[function].source, namespace)
            steps, gradient = namespace[function]()
            outline = derivation_outline(spec)
            problem = problem_from_outline(outline)
            for _ in range(10):  # (300 draws each, once: all full marks)
                points = derivation_points(spec, seed=None)
                result = judge_numbers(outline, points, tabulate_derivation(problem, steps, gradient, points), spec["text"])
                assert result.fraction == 1.0, (assignment, function, result.messages)


def test_inputs_built_with_the_learners_own_function_name_it_when_it_fails():
    """affine_backward's hidden inputs hold the cache of the learner's own affine_forward: a forward
    that raises fails the backward's check with a sentence naming the forward, and nothing else."""
    assignment = "06_backprop"
    release = nbformat.read(release_notebook(assignment), as_version=4)
    codes = {**reference_solutions(source_notebook(assignment)), "affine_forward": "raise ValueError('not yet')"}
    verdicts = verify(assignment, fill_in(release, codes))
    assert verdicts["affine_backward"].passed is False
    assert "built with your affine_forward, which raised ValueError: not yet" in verdicts["affine_backward"].reason
    assert verdicts["backward"].passed is True
