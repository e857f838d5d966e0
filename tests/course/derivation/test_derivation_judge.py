"""From numbers to a verdict (course.derivation.judge and .data): a derivation judged from numbers that
went through JSON, as in the independent check, gets the very result check_derivation gives."""
import json

import numpy as np
import sympy as sp

from autograder.containment.wire import plain, restore
from course.derivation.data import Outline, Tabulated
from course.derivation.evaluate import compiled, tabulate_derivation
from course.derivation.judge import judge
from course.derivation.points import draw
from course.derivation.problem import problem_from_outline, problem_from_sympy
from tests.course.derivation.test_derivation import TR_X2, A, X, Y, dX, dY

DERIVATIONS = {
    "right, tr(XᵀAX)": (sp.Trace(Y.T * A * Y), [sp.Trace(dY.T * A * Y + Y.T * A * dY), sp.Trace(Y.T * (A + A.T) * dY)],
                        (A + A.T) * Y, Y, dY, None),
    "swapped d(X²) and a string": (TR_X2, [2 * X * dX, "tr(2 X dX)"], 2 * X, X, dX, X * X),
    "padded, transposed gradient shape": (sp.Trace(Y.T * A * Y), [sp.Trace(2 * Y.T * A * dY)] * 4, Y.T * A, Y, dY, None),
}


def _through_json(tabulated):
    return Tabulated.from_plain(restore(json.loads(json.dumps(plain(tabulated.to_plain())))))


def test_numbers_through_json_give_the_same_verdict():
    for name, (function, steps, gradient, wrt, direction, inner) in DERIVATIONS.items():
        problem = problem_from_sympy(function, wrt, direction, inner=inner)
        points = draw(problem.outline, 3, np.random.default_rng(5), compiled(problem, inner if inner is not None else function))
        here = judge(problem.outline, points, tabulate_derivation(problem, steps, gradient, points), "f")
        # the contained side knows only the outline, sent as plain data
        contained = problem_from_outline(Outline.from_plain(json.loads(json.dumps(problem.outline.to_plain()))))
        there = judge(problem.outline, points, _through_json(tabulate_derivation(contained, steps, gradient, points)), "f")
        assert here.report() == there.report(), name
        assert here.fraction == there.fraction and here.messages == there.messages, name
