"""The verification child process: run a learner's notebook code and call its graded functions.

It reads one JSON request on stdin and writes one JSON answer on stdout, nothing else: results
come back as plain numbers, strings, lists and dicts, never pickles, so the grader's process
never runs or unpickles anything the learner wrote. It is started contained (see
:mod:`autograder.containment.verify`); this module only does the work inside.
"""
from __future__ import annotations

import ast
import contextlib
import json
import os
import signal
import sys
import warnings
from types import CodeType
from typing import Any

from autograder.containment.wire import plain, restore


class CallTimeout(BaseException):
    """A graded call ran past its time limit (BaseException, so ``except Exception`` cannot swallow it)."""


# The derivation checker stays unloaded even for derivation exercises: the lesson's own checks
# (assignments such as `result = check_derivation(...)`) would cost seconds, and graded functions do not use it.
UNLOADED_MODULES = ("course.figures", "course.interactive", "course.derivation", "ipywidgets", "matplotlib", "IPython")
SYMBOLIC_MODULES = ("sympy",)  # loaded only when a derivation exercise is verified


def _is_unloaded_import(node, symbolic):
    """An import of plotting, widget or (unless ``symbolic``) symbolic modules: numeric graded
    functions do not need them, and they cost seconds."""
    unloaded = UNLOADED_MODULES + (() if symbolic else SYMBOLIC_MODULES)
    names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [alias.name for alias in node.names]
    return any(name == m or name.startswith(m + ".") for name in names for m in unloaded)


def definitions_only(source: str, skipped: set[str] | None = None, symbolic: bool = False) -> CodeType | None:
    """The statements of a cell that define things (imports, functions, classes, assignments).

    Demonstrations, plots and widgets are left out: the graded functions need only definitions,
    and skipping the rest keeps verification cheap. Names of skipped imports go into ``skipped``.
    ``symbolic`` keeps the sympy imports that derivation exercises need.
    """
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return None
    kept = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign,
            ast.AnnAssign)
    body = []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)) and _is_unloaded_import(node, symbolic):
            if skipped is not None:
                skipped.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, kept):
            body.append(node)
    tree.body = body
    return compile(tree, "<learner cell>", "exec")


def run(request: dict[str, Any]) -> list[dict[str, Any]]:
    import numpy as np

    from course import guard

    namespace = {"__name__": "__main__"}
    skipped = set()
    symbolic = any("derivation" in call for call in request["calls"])
    guard_parts = _guard_parts(guard)
    for source in request["cells"]:
        code = definitions_only(source, skipped, symbolic)
        if code is not None:
            try:
                exec(code, namespace)
            except Exception:
                pass  # the in-kernel run reports the learner's own errors
    if _guard_parts(guard) != guard_parts:
        return [{"error": "it rebinds the course's guard against estimates"} for _ in request["calls"]]
    return [_call(namespace, call, np, guard, request["seconds_per_call"], skipped) for call in request["calls"]]


def _guard_parts(guard):
    """What refusing estimates relies on (the guard's definitions, and the module the course's
    helpers call), by identity, to see that the learner's cells left it alone."""
    import course.numerical

    parts = [value for name, value in vars(guard).items() if not name.startswith("__")]
    return [id(value) for value in parts + [vars(course.numerical).get("guard")]]


def _call(namespace, call, np, guard, seconds, skipped):
    """Call one graded function on its cases, with every estimating helper refused (the course's
    through :func:`course.guard.ensure_estimate_allowed`, SciPy's noticed by the guard's profile hook): even where an
    estimate is the exercise (a central difference), it must be the learner's own."""
    function = namespace.get(call["function"])
    if not callable(function):
        return {"error": f"{call['function']} is not defined"}
    if "derivation" in call:
        cases, one_call = [()], lambda _case: _one_derivation(function, call["derivation"], np, seconds)
    else:
        uses = call.get("uses", [])  # graded functions the cases are built with: the learner's own
        scope = {**{name: namespace.get(name) for name in uses}, "np": np, "rng": np.random.default_rng(call["seed"])}
        try:
            exec(call["cases"], scope)
        except Exception as error:
            return {"error": f"its inputs are built with your {', '.join(uses)}, which raised {type(error).__name__}: {error}"}
        cases = scope["cases"]
        one_call = lambda case: _one_call(function, case, np, seconds, skipped, repeat=call.get("repeat", False))  # noqa: E731
    results = []
    signal.signal(signal.SIGALRM, _timeout)
    try:
        with guard.estimates_refused() as attempts:
            hook = sys.getprofile()
            for case in cases:
                result = one_call(case)
                if sys.getprofile() is not hook:
                    return {"error": "it changes the profiler (sys.setprofile), which the check of estimates uses"}
                if "unverifiable" in result:
                    return result
                results.append(result.get("value", result))
    except CallTimeout:
        return {"error": f"it ran past the time limit of {seconds} s"}
    return {"results": results, "estimates": sorted(set(attempts))}


def _one_derivation(function, request, np, seconds):
    """Call a derivation exercise and evaluate its steps and gradient at the grader's points.

    Only numbers (and the text of each step) come back: the grader judges them with
    :func:`course.derivation.judge.judge`, never seeing the learner's expressions.
    """
    from course.derivation.data import Outline, Point
    from course.derivation.evaluate import tabulate_derivation
    from course.derivation.problem import problem_from_outline

    outline = Outline.from_plain(request["outline"])
    points = [Point(k, "given", restore(values)) for k, values in enumerate(request["points"])]
    signal.alarm(seconds)
    try:
        answer = function()
        if not (isinstance(answer, (tuple, list)) and len(answer) == 2):
            return {"error": f"it returned {type(answer).__name__} {answer!r:.60}, not (steps, gradient)"}
        tabulated = tabulate_derivation(problem_from_outline(outline), *answer, points)
        return {"value": plain(tabulated.to_plain())}
    except Exception as error:
        return {"error": f"{type(error).__name__}: {error}"[:300]}
    finally:
        signal.alarm(0)


def _one_call(function, case, np, seconds, skipped, *, repeat):
    """Call ``function(*case)`` under the time limit; ``{"value": ...}``, ``{"error": ...}`` or ``{"unverifiable": ...}``.

    The inputs must come back unchanged, and with ``repeat`` a second call must give the same result.
    """
    originals = [np.array(a, copy=True) if isinstance(a, np.ndarray) else None for a in case]
    signal.alarm(seconds)
    try:
        value = plain(function(*case))
        if repeat and plain(function(*case)) != value:
            return {"error": "it gives different results for the same inputs (is its randomness seeded?)"}
    except NameError as error:
        if error.name in skipped:  # it needs a plotting module after all: no verdict
            return {"unverifiable": f"it uses {error.name}, which verification does not load"}
        return {"error": f"NameError: {error}"}
    except Exception as error:
        return {"error": f"{type(error).__name__}: {error}"[:300]}
    finally:
        signal.alarm(0)
    for number, (original, argument) in enumerate(zip(originals, case), start=1):
        if original is not None and not np.array_equal(original, argument, equal_nan=True):
            return {"error": f"it changed its argument number {number} in place"}
    return {"value": value}


def _timeout(_signum, _frame):
    raise CallTimeout()


def main() -> None:
    request = json.loads(sys.stdin.read())
    answer_stream = os.fdopen(os.dup(1), "w")
    sink_fd = os.open(os.devnull, os.O_WRONLY)
    os.dup2(sink_fd, 1)  # the learner's prints, even os.write(1, ...), go nowhere
    os.dup2(sink_fd, 2)
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        os.environ["MPLBACKEND"] = "agg"
        try:
            answer = {"answers": run(request)}
        except BaseException as error:  # noqa: BLE001 - whatever happens, answer in JSON
            answer = {"failure": f"{type(error).__name__}: {error}"[:300]}
    answer_stream.write(json.dumps(answer))
    answer_stream.flush()
    os._exit(0)  # leave at once: no atexit handlers or threads of the learner's run after us


if __name__ == "__main__":
    main()
