"""What the nbgrader test cells call: run the learner's function safely and explain any mistake.

Every failure raises :class:`AnswerError` with sentences from :func:`course.diagnose`,
so a learner reads what is likely wrong instead of a bare ``AssertionError``.
"""
from __future__ import annotations

import contextlib
import copy
import signal
import sys
import textwrap
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from course import guard
from course.diagnosis import CLOSE, diagnose
from course.numerical import numerical_jacobian


class AnswerError(AssertionError):
    """A graded answer is wrong; the message says what is likely wrong and how to fix it."""

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback through the course's code: the sentence, in a
        short red-marked box like the lesson's FAIL reports (the cell still counts as failed)."""
        bar = "\x1b[31m│\x1b[0m "
        lines = textwrap.wrap(str(self), width=100) or [""]
        return ["\x1b[1;31m✗ Not right yet\x1b[0m", *(bar + line for line in lines)]


def symmetric_part(A: np.ndarray) -> np.ndarray:
    """``(A + Aᵀ) / 2``: the matrix a formula that assumes symmetry gets right."""
    return (A + A.T) / 2


def quietly(function: Callable[..., Any], *args: Any) -> Any:
    """Call ``function`` with warnings silenced and anything it writes to stderr sent to stdout.

    nbgrader gives zero points to a test cell that writes to stderr, so a harmless
    overflow warning (or a debugging print) in a learner's code must not cost them the exercise.
    """
    with warnings.catch_warnings(), np.errstate(all="ignore"), contextlib.redirect_stderr(sys.stdout):
        warnings.simplefilter("ignore")
        return function(*args)


def _unchanged(original: object, copied: object) -> bool:
    """True when a learner's call left its argument as it was (arrays compared by value)."""
    try:
        if isinstance(original, np.ndarray):
            return original.shape == copied.shape and bool(np.all((original == copied) | (original != original)))
        return bool(original == copied)
    except Exception:  # objects that cannot be compared are not checked
        return True


def run_learner(function: Callable[..., Any], *args: Any, name: str | None = None, refuse_estimators: bool = False) -> Any:
    """Call the learner's ``function`` on copies of ``args`` and return its result.

    With ``refuse_estimators``, the call may not use anyone else's finite differences (the course's
    helpers or SciPy's): the exercise is to write the difference quotient yourself.

    Raises
    ------
    AnswerError
        When it is not implemented yet, raises an exception, changes its inputs in place, or
        (with ``refuse_estimators``) calls an estimator.
    """
    name = name or getattr(function, "__name__", "your function")
    copies = [copy.deepcopy(a) if isinstance(a, (np.ndarray, list, dict)) else a for a in args]
    refusing = guard.estimates_refused() if refuse_estimators else contextlib.nullcontext([])
    with refusing as attempts:
        try:
            result, failure = quietly(function, *copies), None
        except NotImplementedError:
            failure = f"{name}: not implemented yet: replace `raise NotImplementedError` in its cell with your solution"
        except Exception as error:
            failure = f"{name} raised {type(error).__name__}: {error}"
    if attempts:
        failure = (f"{name} calls {' and '.join(attempts)}, which earns nothing here: writing your own "
                   "difference quotient is the exercise")
    if failure:
        raise AnswerError(failure)
    for position, (original, passed) in enumerate(zip(args, copies)):
        if not _unchanged(original, passed):
            raise AnswerError(
                f"{name} changed its argument number {position + 1} in place: work on a copy (e.g. x.copy())"
            )
    return result


def run_on_a_budget(function: Callable[..., Any], *args: Any, seconds: int, memory: int, too_costly: str) -> Any:
    """:func:`run_learner` with the time and extra memory an efficient answer needs, and no more.

    An answer that runs out of either fails at once with ``too_costly`` (say, "forming the n × n
    matrix needs 8 TB") instead of filling the machine's memory. Memory is capped where the
    system allows it (Linux), time where it has alarms (not Windows). ``memory`` is in bytes; both limits and
    the alarm handler are put back as they were when the call ends.
    """
    def too_slow(signum, frame):
        raise TimeoutError

    with contextlib.ExitStack() as restore:
        if hasattr(signal, "SIGALRM"):
            restore.callback(signal.signal, signal.SIGALRM, signal.signal(signal.SIGALRM, too_slow))
            restore.callback(signal.alarm, 0)
            signal.alarm(seconds)
        with contextlib.suppress(ImportError, OSError, ValueError):
            import resource

            used = int(open("/proc/self/statm").read().split()[0]) * resource.getpagesize()
            soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            cap = min(limit for limit in (soft, hard, used + memory) if limit != resource.RLIM_INFINITY)
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
            restore.callback(resource.setrlimit, resource.RLIMIT_AS, (soft, hard))
        try:
            return run_learner(function, *args, refuse_estimators=True)
        except AnswerError as error:
            if "MemoryError" not in str(error) and "TimeoutError" not in str(error):
                raise
            cause = "ran out of memory" if "MemoryError" in str(error) else f"took more than {seconds} s"
            raise AnswerError(f"{function.__name__}: it {cause}: {too_costly}") from None


def expect_close(
    answer: object, expected: ArrayLike | tuple, *, name: str, on_symmetric: Callable[[], tuple] | None = None,
    tol: float = CLOSE, parts: Sequence[str] | None = None, mistakes: dict[str, object] | None = None,
) -> None:
    """Raise :class:`AnswerError` unless ``answer`` matches ``expected``; print a check mark if it does.

    Parameters
    ----------
    answer : array_like, float, tuple or None
        What the learner returned.
    expected : array_like or tuple
        The right answer; a tuple is compared part by part (``parts`` names them).
    name : str
        The graded function's name, which starts every message.
    on_symmetric : callable, optional
        Passed to :func:`course.diagnose` to detect formulas right only for symmetric input.
    tol : float
        Relative error under which the answer counts as right.
    parts : list of str, optional
        Names of the parts of a tuple answer, used in messages.
    mistakes : dict, optional
        Known wrong answers for this exercise, ``{sentence: wrong_value}``; an answer equal to
        one of them gets that sentence, which is more specific than the generic diagnosis.
    """
    if isinstance(expected, tuple):
        parts = parts or [f"part {i + 1}" for i in range(len(expected))]
        if not isinstance(answer, (tuple, list)) or len(answer) != len(expected):
            raise AnswerError(
                f"{name}: expected a tuple of {len(expected)} results ({', '.join(parts)}), got {type(answer).__name__}"
            )
        problems = [(part, _sentences(got, want, None, tol)) for part, got, want in zip(parts, answer, expected)]
        if any(sentences for _, sentences in problems):
            _raise_known_mistake(answer, mistakes, tol, name)
        for part, sentences in problems:
            if sentences:
                raise AnswerError(f"{name} ({part}): " + "; ".join(sentences))
    elif _sentences(answer, expected, on_symmetric, tol):
        _raise_known_mistake(answer, mistakes, tol, name)
        raise AnswerError(f"{name}: " + "; ".join(_sentences(answer, expected, on_symmetric, tol)))
    print(f"✓ {name} is right")


def _sentences(answer, expected, on_symmetric, tol) -> list[str]:
    """What :func:`course.diagnose` says of ``answer``; empty when it is right."""
    return quietly(lambda: diagnose(answer, expected, on_symmetric=on_symmetric, tol=tol))


def _matches(answer, value, tol):
    if isinstance(value, tuple):
        return isinstance(answer, (tuple, list)) and len(answer) == len(value) and all(
            not _sentences(a, v, None, tol) for a, v in zip(answer, value)
        )
    return not _sentences(answer, value, None, tol)


def _raise_known_mistake(answer, mistakes, tol, name):
    """Raise :class:`AnswerError` with the sentence of the first known mistake ``answer`` equals."""
    for sentence, wrong in (mistakes or {}).items():
        if _matches(answer, wrong, tol):
            raise AnswerError(f"{name}: {sentence}")


def _with(args: tuple, position: int, value: object) -> tuple:
    """``args`` with the entry at ``position`` replaced by ``value``."""
    return args[:position] + (value,) + args[position + 1 :]


def expect_derivative(
    function: Callable[..., Any], args: Sequence[Any], *, of: Callable[..., ArrayLike], wrt: int = -1,
    symmetric: int | None = None, name: str | None = None, tol: float = CLOSE,
    mistakes: dict[str, Callable[..., Any]] | None = None, refuse_estimators: bool = False,
) -> None:
    """Check the learner's derivative ``function(*args)`` against finite differences of ``of``.

    Parameters
    ----------
    function : callable
        The learner's derivative, called as ``function(*args)``.
    args : tuple of arrays
        Its inputs; drawn at random by the test.
    of : callable
        The function being differentiated, called as ``of(*args)``.
    wrt : int
        Position in ``args`` of the variable. A scalar ``of`` gives a gradient (the shape of
        the variable); an array-valued one a numerator-layout Jacobian.
    symmetric : int, optional
        Position of a square matrix argument: a wrong answer is re-tested with its symmetric
        part to tell the learner when their formula is right only for symmetric matrices.
    mistakes : dict, optional
        ``{sentence: wrong_formula}``: typical wrong formulas, called as ``wrong_formula(*args)``;
        an answer that equals one gets that sentence as its diagnosis.
    refuse_estimators : bool
        The learner's function may not call anyone else's finite differences (see :func:`run_learner`).
    """
    args = tuple(args)
    name = name or getattr(function, "__name__", "your function")
    wrt = wrt % len(args)

    def numerical(arguments):
        return quietly(lambda: numerical_jacobian(lambda v: of(*_with(arguments, wrt, v)), arguments[wrt]))

    answer = run_learner(function, *args, name=name, refuse_estimators=refuse_estimators)
    on_symmetric = None
    if symmetric is not None:
        sym_args = _with(args, symmetric, symmetric_part(args[symmetric]))
        on_symmetric = lambda: (run_learner(function, *sym_args, name=name), numerical(sym_args))  # noqa: E731
    expect_close(
        answer, numerical(args), name=name, on_symmetric=on_symmetric, tol=tol, mistakes=_evaluated(mistakes, args)
    )


def expect_matches(
    function: Callable[..., Any], args: Sequence[Any], reference: Callable[..., Any], *, symmetric: int | None = None,
    name: str | None = None, tol: float = CLOSE, parts: Sequence[str] | None = None,
    mistakes: dict[str, Callable[..., Any]] | None = None, refuse_estimators: bool = False,
) -> None:
    """Check ``function(*args)`` against ``reference(*args)``, an exact formula known to the test.

    Options as in :func:`expect_derivative`; ``parts`` names the parts of a tuple result.
    """
    args = tuple(args)
    name = name or getattr(function, "__name__", "your function")
    answer = run_learner(function, *args, name=name, refuse_estimators=refuse_estimators)
    on_symmetric = None
    if symmetric is not None:
        sym_args = _with(args, symmetric, symmetric_part(args[symmetric]))
        on_symmetric = lambda: (run_learner(function, *sym_args, name=name), reference(*sym_args))  # noqa: E731
    expect_close(
        answer, reference(*args), name=name, on_symmetric=on_symmetric, tol=tol, parts=parts,
        mistakes=_evaluated(mistakes, args),
    )


def _evaluated(mistakes: dict[str, Callable[..., Any]] | None, args: tuple) -> dict[str, object]:
    """Known wrong formulas evaluated at the test's inputs: ``{sentence: value}``.

    A formula that cannot be evaluated on these inputs (e.g. factors that do not fit) is skipped.
    """
    values = {}
    for sentence, formula in (mistakes or {}).items():
        try:
            values[sentence] = quietly(formula, *args)
        except Exception:
            continue
    return values
