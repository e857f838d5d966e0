"""Independent verification: call each graded function on hidden inputs in a contained process
and judge the plain numbers it returns here, against the reference solution.

nbgrader runs the hidden tests inside the learner's kernel, where a solution cell can rebind
anything the tests use. Here the learner's code runs in a separate, fresh process (own network,
process and mount namespaces, an unprivileged user, a private /tmp, limits on memory, CPU time,
file size and processes); only JSON comes back, and the verdict is computed in this process,
which never runs learner code. Answers that carry finite-difference error earn nothing where the
exercise asks for the derivative itself; calls to an estimating helper (the course's or SciPy's)
earn nothing anywhere, even where the exercise is a difference quotient (it must be the learner's).

Derivation exercises (``verification/derivations.toml``) are checked the same way: this process
draws random points (sizes and matrices), the contained process evaluates the learner's steps and
gradient there and sends back numbers, and the verdict is :func:`course.derivation.judge.judge`
on those numbers, with references from the instructor's NumPy formula of f. Learner expressions
are never parsed or evaluated here.
"""
from __future__ import annotations

import json
import secrets
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat
import numpy as np
import tomllib
from nbformat import NotebookNode

from autograder.containment import isolation
from autograder.containment.forkserver import ONE_THREAD
from autograder.containment.processes import kill_tree
from autograder.containment.sandbox import definitions_only
from autograder.containment.wire import plain, restore
from autograder.coursedir.cells import is_graded
from autograder.coursedir.paths import source_notebook
from course.compare import relative_error
from course.diagnosis import diagnose

if TYPE_CHECKING:  # imported where used, only for derivation exercises
    from course.derivation.data import Outline, Point

SPECS = Path(__file__).resolve().parent / "verification"
DERIVATIONS = SPECS / "derivations.toml"
EXACT = 1e-11  # exact formulas agree this closely on the well-conditioned hidden inputs; estimates do not
SECONDS_PER_CALL = 10
DERIVATION_TRIALS = 3  # random points (each with its symmetric and commuting variants) per derivation
Spec = dict[str, Any]  # a graded function's table in verification/*.toml


@dataclass(frozen=True)
class Verdict:
    """The independent check's view of one graded function."""

    function: str
    passed: bool | None  # None: it could not be verified, so nbgrader's score stands
    reason: str | None = None
    score: float = 0.0  # the share of the points it earns here when not passed (a derivation's partial credit)


def specs(assignment: str) -> dict[str, Spec]:
    """``{function: spec}`` from ``autograder/containment/verification/<assignment>.toml`` (empty if none)."""
    path = SPECS / f"{assignment}.toml"
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def derivation_specs(assignment: str) -> dict[str, Spec]:
    """``{function: spec}`` of the derivation exercises of ``assignment`` in ``verification/derivations.toml``."""
    return tomllib.loads(DERIVATIONS.read_text(encoding="utf-8")).get(assignment, {}) if DERIVATIONS.exists() else {}


def private_tmp() -> bool:
    """True when the sandbox runs in a private view (:mod:`autograder.containment.isolation`), with a /tmp of its own."""
    return isolation.problem() is None


def sandbox_command(forkserver: str | Path | None = None) -> list[str]:
    """The command that runs the sandbox in its private view (:mod:`autograder.containment.sandbox_launcher`),
    as a fork of ``forkserver`` (a socket, see :mod:`autograder.containment.forkserver`) if given."""
    server = ["--forkserver", str(forkserver)] if forkserver else []
    return isolation.python_main("autograder.containment.sandbox_launcher", *server,
                                 *([] if private_tmp() else ["--uncontained"]))


def run_contained(request: dict[str, Any], *, timeout: float, forkserver: str | Path | None = None) -> dict[str, Any]:
    """Run the sandbox on ``request`` (a fork of ``forkserver`` if given); returns its JSON answer, or
    ``{"failure": reason}``."""
    env = isolation.environment(MPLBACKEND="agg", **ONE_THREAD)
    process = subprocess.Popen(sandbox_command(forkserver), cwd="/tmp", env=env, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        out, _ = process.communicate(json.dumps(request).encode(), timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"failure": f"the verification run took longer than {timeout} s"}
    finally:
        kill_tree(process.pid)
        process.wait()
    try:
        return json.loads(out.decode("utf-8", "replace"))
    except json.JSONDecodeError:
        return {"failure": "the verification run ended without an answer (it crashed, or was killed)"}


@lru_cache(maxsize=None)
def _reference_namespace(assignment):
    """The reference solution's definitions (the course's own code, never the learner's)."""
    notebook = nbformat.read(source_notebook(assignment), as_version=4)
    namespace = {"__name__": "__reference__"}
    for cell in notebook.cells:
        if cell.cell_type == "code" and not is_graded(cell):
            code = definitions_only(cell.source)
            if code is not None:
                try:
                    exec(code, namespace)
                except Exception:  # a lesson statement that needed a skipped demonstration
                    pass
    return namespace


def reference_results(assignment: str, function: str, spec: Spec, seed: int) -> list[Any]:
    """What the reference solution returns on the hidden cases, as plain data restored. The cases may
    call the graded functions the spec ``uses`` (the reference's own here, the learner's in the sandbox)."""
    namespace = _reference_namespace(assignment)
    scope = {**{name: namespace[name] for name in spec.get("uses", [])}, "np": np, "rng": np.random.default_rng(seed)}
    exec(spec["cases"], scope)
    solve = namespace[function]
    return [restore(plain(solve(*case))) for case in scope["cases"]]


def _answer_problem(function, spec, answer):
    """The :class:`Verdict` when the contained run gives nothing to compare (None when it does)."""
    if "unverifiable" in answer:
        return Verdict(function, None, answer["unverifiable"])
    if "error" in answer:
        return Verdict(function, False, answer["error"])
    if answer["estimates"]:
        helpers = " and ".join(answer["estimates"])
        if spec.get("estimate_allowed"):
            return Verdict(function, False, f"calling {helpers} earns nothing: writing your own difference "
                                            "quotient is the exercise")
        return Verdict(function, False, f"it calls {helpers}, a finite-difference helper; the exercise asks for the "
                                        "derivative itself, not an estimate of it")
    return None


def judge(function: str, spec: Spec, answer: dict[str, Any], expected: list[Any]) -> Verdict:
    """Compare the learner's restored results with the reference ones; returns a :class:`Verdict`."""
    problem = _answer_problem(function, spec, answer)
    if problem:
        return problem
    mode = spec.get("compare", "values")
    if mode == "share":
        return _share_verdict(function, restore(answer["results"][0]), expected[0])
    for got, want in zip((restore(r) for r in answer["results"]), expected):
        if isinstance(got, dict) and "error" in got and mode != "exact":
            return Verdict(function, False, f"it raised {got['error']}")
        problem = _problem(mode, got, want, spec)
        if problem:
            return Verdict(function, False, problem)
    return Verdict(function, True)


def _share_verdict(function, got, want):
    """A dict of labels (an audit) earns the share of its keys labelled as the reference labels them;
    the sentence says how many, never which, so it gives no label away."""
    if not isinstance(got, dict):
        return Verdict(function, False, f"it returned {type(got).__name__}, where a dict of labels was expected")
    right = sum(got.get(key) == label for key, label in want.items())
    if right == len(want) and got.keys() == want.keys():
        return Verdict(function, True)
    return Verdict(function, False, f"{right} of the {len(want)} labels are right here", score=right / len(want))


def _parts(value):
    return list(value) if isinstance(value, (tuple, list)) else [value]


def _problem(mode, got, want, spec):
    if mode == "exact":
        return None if _same(got, want) else f"it returned {_short(got)} where {_short(want)} was expected"
    if mode == "first":  # a tuple whose first part is judged (forward's loss; its cache is free-form)
        if not isinstance(got, (tuple, list)) or len(got) != len(want):
            return f"it returned {_short(got)} where a tuple of {len(want)} was expected"
        got, want = got[0], want[0]
    if isinstance(want, np.ndarray):  # a list of numbers is as good as an array
        got_parts, want_parts = [got], [want]
    else:
        got_parts, want_parts = _parts(got), _parts(want)
    if len(got_parts) != len(want_parts):
        return f"it returned {len(got_parts)} results where {len(want_parts)} were expected"
    for mine, right in zip(got_parts, want_parts):
        sentences = diagnose(mine, right, tol=spec.get("tolerance", 1e-6))
        if sentences:
            return "; ".join(sentences)
        mine = np.asarray(mine)
        if not spec.get("estimate_allowed") and mine.dtype == np.float64 and relative_error(mine, right) > EXACT:
            return (f"its results carry finite-difference error (relative error {relative_error(mine, right):.1e} "
                    "against the exact derivative): the exercise asks for the derivative itself, not an estimate")
    return None


def _same(a, b):
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.shape(a) == np.shape(b) and bool(np.all(np.asarray(a) == np.asarray(b)))
    return a == b and type(a) is not dict


def _short(value):
    text = repr(value)
    return text if len(text) < 80 else text[:77] + "..."


# --- derivation exercises ----------------------------------------------------------------------


def derivation_outline(spec: Spec) -> Outline:
    """The :class:`~course.derivation.data.Outline` of a derivation spec (f is a scalar; ``inner_shape`` with ``inner``)."""
    from course.derivation.data import Outline

    matrices = {name: tuple(shape) for name, shape in spec["matrices"].items()}
    inner = "inner" in spec
    return Outline(matrices, (), spec["wrt"], spec["direction"], tuple(spec.get("inner_shape", ())) if inner else (),
                   scalar=True, inner=inner)


def derivation_points(spec: Spec, seed: int) -> list[Point]:
    """The random points (with reference derivatives from the NumPy formula of f, or of G) a derivation is checked at."""
    from course.derivation.points import draw

    formula = compile(spec.get("inner", spec["function"]), "<derivation spec>", "eval")
    value_of = lambda values: eval(formula, {"np": np}, dict(values))  # noqa: E731 - the instructor's formula
    return draw(derivation_outline(spec), DERIVATION_TRIALS, np.random.default_rng(seed), value_of)


def derivation_call(function: str, spec: Spec, points: list[Point]) -> dict[str, Any]:
    """The request for the contained process: the outline and the points' values, nothing else."""
    return {"function": function, "derivation": {"outline": derivation_outline(spec).to_plain(),
                                                 "points": [plain(p.values) for p in points]}}


def judge_derivation(function: str, spec: Spec, answer: dict[str, Any], points: list[Point]) -> Verdict:
    """The :class:`Verdict` on a derivation from the numbers the contained process sent back."""
    from course.derivation.data import Tabulated
    from course.derivation.judge import judge as judge_numbers

    problem = _answer_problem(function, spec, answer)
    if problem:
        return problem
    result = restore(answer["results"][0])
    if isinstance(result, dict) and "error" in result:
        return Verdict(function, False, f"it raised {result['error']}")
    try:  # the answer crossed from the learner's process: anything but a derivation's numbers earns nothing
        verdict = judge_numbers(derivation_outline(spec), points, Tabulated.from_plain(result), spec["text"])
    except (TypeError, KeyError, ValueError, AttributeError, IndexError):
        return Verdict(function, False, "the verification run sent back something other than the derivation's numbers")
    if verdict.fraction == 1.0:
        return Verdict(function, True)
    reasons = "; ".join(verdict.messages) or "the derivation has no steps"
    return Verdict(function, False, f"the derivation scores {verdict.fraction:.0%} here: {reasons}", verdict.fraction)


def verify(assignment: str, notebook: NotebookNode, *, seed: int | None = None,
           forkserver: str | Path | None = None) -> dict[str, Verdict]:
    """Verdicts for every graded function of ``assignment`` that has verification inputs.

    ``notebook`` is the (repaired) submitted notebook; its test cells are not run. The sandbox is a
    fork of ``forkserver`` (a socket) if given.
    """
    wanted, derivations = specs(assignment), derivation_specs(assignment)
    if not wanted and not derivations:
        return {}
    seed = secrets.randbits(63) if seed is None else seed
    cells = [c.source for c in notebook.cells if c.cell_type == "code" and not is_graded(c)]
    calls = [{"function": f, "cases": s["cases"], "seed": seed, "repeat": s.get("repeat", False), "uses": s.get("uses", [])}
             for f, s in wanted.items()]
    points = {f: derivation_points(s, seed) for f, s in derivations.items()}
    calls += [derivation_call(f, s, points[f]) for f, s in derivations.items()]
    request = {"cells": cells, "calls": calls, "seconds_per_call": SECONDS_PER_CALL}
    answer = run_contained(request, timeout=SECONDS_PER_CALL * len(calls) + 60, forkserver=forkserver)
    if "failure" in answer:
        return {call["function"]: Verdict(call["function"], False, answer["failure"]) for call in calls}
    verdicts = {}
    for call, reply in zip(calls, answer["answers"]):
        name = call["function"]
        if name in derivations:
            verdicts[name] = judge_derivation(name, derivations[name], reply, points[name])
        else:
            verdicts[name] = judge(name, wanted[name], reply, reference_results(assignment, name, wanted[name], seed))
    return verdicts
