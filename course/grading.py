"""What the nbgrader test cells call: run the learner's function safely and explain any mistake.

Every failure raises :class:`AnswerError` with sentences from :func:`course.diagnose`,
so a learner reads what is likely wrong instead of a bare ``AssertionError``.
"""
import warnings

import numpy as np

from course.diagnosis import CLOSE, diagnose
from course.numerical import numerical_jacobian


class AnswerError(AssertionError):
    """A graded answer is wrong; the message says what is likely wrong and how to fix it."""


def symmetric_part(A):
    """``(A + Aᵀ) / 2``: the matrix a formula that assumes symmetry gets right."""
    return (A + A.T) / 2


def quietly(function, *args):
    """Call ``function`` with NumPy's floating-point warnings silenced.

    nbgrader gives zero points to a test cell that writes to stderr, so a harmless
    overflow warning in a learner's code must not cost them the exercise.
    """
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return function(*args)


def run_learner(function, *args, name=None):
    """Call the learner's ``function`` on copies of ``args`` and return its result.

    Raises
    ------
    AnswerError
        When it is not implemented yet, raises an exception, or changes its inputs in place.
    """
    name = name or getattr(function, "__name__", "your function")
    copies = [np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args]
    try:
        result = quietly(function, *copies)
    except NotImplementedError:
        raise AnswerError(
            f"{name}: not implemented yet: replace `raise NotImplementedError` in its cell with your solution"
        ) from None
    except Exception as error:
        raise AnswerError(f"{name} raised {type(error).__name__}: {error}") from None
    for position, (original, copy) in enumerate(zip(args, copies)):
        if isinstance(original, np.ndarray) and not np.array_equal(original, copy, equal_nan=True):
            raise AnswerError(
                f"{name} changed its argument number {position + 1} in place: work on a copy (e.g. x.copy())"
            )
    return result


def expect_close(answer, expected, *, name, on_symmetric=None, tol=CLOSE, parts=None, mistakes=None):
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
        for part, got, want in zip(parts, answer, expected):
            _raise_if_wrong(got, want, f"{name} ({part})", None, tol, None)
    else:
        _raise_if_wrong(answer, expected, name, on_symmetric, tol, mistakes)
    print(f"✓ {name} is right")


def _raise_if_wrong(answer, expected, name, on_symmetric, tol, mistakes):
    sentences = quietly(lambda: diagnose(answer, expected, on_symmetric=on_symmetric, tol=tol))
    if not sentences:
        return
    for sentence, wrong in (mistakes or {}).items():
        if not quietly(lambda: diagnose(answer, wrong, tol=tol)):
            sentences = [sentence]
            break
    raise AnswerError(f"{name}: " + "; ".join(sentences))


def _with(args, position, value):
    return args[:position] + (value,) + args[position + 1 :]


def expect_derivative(function, args, *, of, wrt=-1, symmetric=None, name=None, tol=CLOSE, mistakes=None):
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
    """
    args = tuple(args)
    name = name or getattr(function, "__name__", "your function")
    wrt = wrt % len(args)

    def numerical(arguments):
        return quietly(lambda: numerical_jacobian(lambda v: of(*_with(arguments, wrt, v)), arguments[wrt]))

    answer = run_learner(function, *args, name=name)
    on_symmetric = None
    if symmetric is not None:
        sym_args = _with(args, symmetric, symmetric_part(args[symmetric]))
        on_symmetric = lambda: (run_learner(function, *sym_args, name=name), numerical(sym_args))  # noqa: E731
    expect_close(
        answer, numerical(args), name=name, on_symmetric=on_symmetric, tol=tol, mistakes=_evaluated(mistakes, args)
    )


def expect_matches(function, args, reference, *, symmetric=None, name=None, tol=CLOSE, parts=None, mistakes=None):
    """Check ``function(*args)`` against ``reference(*args)``, an exact formula known to the test.

    Options as in :func:`expect_derivative`; ``parts`` names the parts of a tuple result.
    """
    args = tuple(args)
    name = name or getattr(function, "__name__", "your function")
    answer = run_learner(function, *args, name=name)
    on_symmetric = None
    if symmetric is not None:
        sym_args = _with(args, symmetric, symmetric_part(args[symmetric]))
        on_symmetric = lambda: (run_learner(function, *sym_args, name=name), reference(*sym_args))  # noqa: E731
    expect_close(
        answer, reference(*args), name=name, on_symmetric=on_symmetric, tol=tol, parts=parts,
        mistakes=_evaluated(mistakes, args),
    )


def _evaluated(mistakes, args):
    """Known wrong formulas evaluated at the test's inputs: ``{sentence: value}``."""
    return {sentence: quietly(formula, *args) for sentence, formula in (mistakes or {}).items()}
