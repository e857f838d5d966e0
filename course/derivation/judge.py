"""From numbers to a verdict: a :class:`DerivationResult` from the points and the learner's :class:`Tabulated`.

Used by :func:`check_derivation` in the notebook and, on the numbers sent back by the contained
process, by the independent check (:mod:`autograder.containment.verify`), so both score alike.
"""
from __future__ import annotations

from course.derivation.compare import Comparison, Verdict
from course.derivation.data import Outline, Point, Tabulated
from course.derivation.result import DerivationResult, step_name

__all__ = ["judge"]


def judge(outline: Outline, points: list[Point], tabulated: Tabulated, function_text: str) -> DerivationResult:
    """The :class:`DerivationResult` of the learner's derivation ``tabulated`` at ``points``."""
    comparison = Comparison(outline, points, tabulated.step_items, tabulated.gradient_item)
    count = len(tabulated.step_texts)
    verdicts = []
    for index, message in enumerate(tabulated.step_messages):
        if message:
            verdicts.append(Verdict(False, _without_name(message, step_name(index, count)), "malformed"))
            continue
        verdict = comparison.step(index)
        repeat = tabulated.repeats[index]
        if verdict.ok and repeat is not None:
            verdict = Verdict(True, f"written exactly like {step_name(repeat, count)}: an unchanged step earns nothing")
        verdicts.append(verdict)
    result = DerivationResult(
        function_text, tabulated.step_texts, tabulated.gradient_text, outline.wrt, outline.direction,
        [v.ok for v in verdicts], [v.reason for v in verdicts], [v.kind for v in verdicts], tabulated.repeats,
        sizes=[{d: p.values[d] for d in outline.dimensions} for p in points if p.kind == "general"],
    )
    if tabulated.gradient_asked:
        if tabulated.gradient_message:
            gradient = Verdict(False, tabulated.gradient_message, "malformed")
        else:
            gradient = comparison.gradient_verdict(count - 1 if count else None)
        result.gradient_ok, result.gradient_reason, result.gradient_kind = gradient.ok, gradient.reason, gradient.kind
    return result


def _without_name(message, name):
    """``message`` without its leading step name (the report puts the name in front itself)."""
    return message[len(name):].lstrip() if message.startswith(name) else message
