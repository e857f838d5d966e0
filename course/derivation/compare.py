"""Comparing steps: is each step equal to its reference, and if not, which mistake turns one into the other.

Numbers only (the :class:`Item` of each step at every point), so the grader can judge the
independent check's numbers with this module too. Step 0 is compared with the true
differential (finite differences, so a looser tolerance), each later step with the step before
(or its trace) at a tight one, and the gradient with the finite-difference gradient.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course.compare import relative_error
from course.derivation.data import Item, Outline, Point
from course.diagnosis import diagnose

STEP_TOL = 1e-8  # relative tolerance between two exact formulas (consecutive steps, ⟨G, dX⟩ vs last step)
NUMERIC_TOL = 1e-5  # relative tolerance against finite differences (step 0, the gradient)

__all__ = ["Comparison", "Verdict", "kind_of"]


@dataclass(frozen=True)
class Verdict:
    """One step's or the gradient's verdict: right or not, why (a sentence) and the mistake's short name."""

    ok: bool
    reason: str | None = None
    kind: str | None = None


def kind_of(sentence: str) -> str:
    """A short name for the mistake a sentence describes."""
    for words, kind in (
        ("not a transpose, sign or factor", "other"),
        ("do not commute", "order"),
        ("the transpose of", "transpose"),
        ("wrong sign", "sign"),
        ("off by a factor", "factor"),
        ("times the expected", "factor"),
        ("only for symmetric", "symmetric-only"),
        ("contains NaN", "nonfinite"),
        ("contains inf", "nonfinite"),
        ("not linear in", "nonlinear"),
        ("a term without", "nonlinear"),
        ("does not contain", "nonlinear"),
    ):
        if words in sentence:
            return kind
    return "other"


def _rephrase(sentence, subject, reference):
    return sentence.replace("your result", subject).replace("the expected one", reference)


def _stacked_error(got, expected):
    """Relative error over several points at once (NaN when something is not finite or shapes differ)."""
    if any(np.shape(g) != np.shape(e) for g, e in zip(got, expected)):
        return np.nan
    got = np.concatenate([np.ravel(g) for g in got])
    expected = np.concatenate([np.ravel(e) for e in expected])
    if not (np.all(np.isfinite(got)) and np.all(np.isfinite(expected))):
        return np.nan
    return relative_error(got, expected)


def _traced(array):
    """The trace over the first two axes (a matrix's trace; for coefficients J, those of its trace)."""
    return np.trace(array, axis1=0, axis2=1)


class Comparison:
    """The verdicts on a derivation, from its numbers.

    Parameters
    ----------
    outline : Outline
    points : list of Point
        With their reference differential and gradient.
    steps : list of Item or None
        One per step; None for a step that could not be evaluated (it is wrong, with its own message).
    gradient : Item or None
    """

    def __init__(self, outline: Outline, points: list[Point], steps: list[Item | None], gradient: Item | None) -> None:
        self.outline, self.points, self.steps, self.gradient = outline, points, steps, gradient
        self.general = [k for k, p in enumerate(points) if p.kind == "general"]
        self.direction = outline.direction

    def of_kind(self, kind: str) -> list[int]:
        """Indices of the points of ``kind``, in the order of their trials."""
        return [k for k, p in enumerate(self.points) if p.kind == kind]

    def _variant(self, kind, trial):
        return next((k for k in self.of_kind(kind) if self.points[k].trial == trial), None)

    # --- steps ---------------------------------------------------------------------------------

    def step(self, index: int) -> Verdict:
        """The :class:`Verdict` on step ``index`` (which could be evaluated) against its reference."""
        item, tol = self.steps[index], NUMERIC_TOL if index == 0 else STEP_TOL
        expected = self._reference_values(index)
        if expected is None:
            return Verdict(False, "the step before could not be checked, so this one cannot be compared with it",
                           "other")
        if _stacked_error([item.values[k] for k in self.general], [expected[k] for k in self.general]) <= tol:
            return Verdict(True)
        reason = self._step_reason(index, expected, tol)
        claim = "the differential of f" if index == 0 else "equal to the step before"
        if index == 0 and self.outline.inner:
            claim = "the matrix differential dG of f = tr(G)"
        return Verdict(False, f"is not {claim}: {reason}", kind_of(reason))

    def _reference_name(self, index):
        if index == 0:
            return "the true differential"
        return "the trace of the step before" if self._traces(index) else "the step before"

    def _traces(self, index):
        """True when step ``index`` is a scalar after a matrix step: it must equal the trace of the step before."""
        return index > 0 and self.steps[index].scalar and not self.steps[index - 1].scalar

    def _reference_values(self, index):
        if index == 0:
            return [p.differential for p in self.points]
        before = self.steps[index - 1]
        if before is None or not all(np.all(np.isfinite(before.values[k])) for k in self.general):
            return None
        return [_traced(v) for v in before.values] if self._traces(index) else before.values

    def _reference_coefficients(self, index):
        """The reference's ``G`` with ``step = tr(Gᵀ dX)`` per point, for a scalar step (None if unknown)."""
        if index == 0:
            return None if self.outline.inner else [p.gradient for p in self.points]
        before = self.steps[index - 1].coefficients
        if before is None:
            return None
        return [_traced(J) for J in before] if self._traces(index) else before

    def _step_reason(self, index, expected, tol):
        item, d = self.steps[index], self.direction
        reference = self._reference_name(index)
        bad = next((item.values[k] for k in self.general if not np.all(np.isfinite(item.values[k]))), None)
        if bad is not None:
            return diagnose(bad, np.zeros_like(bad))[0]
        linearity = self._linearity(item)
        if linearity:
            return linearity
        theirs = self._reference_coefficients(index) if item.scalar else None
        by_coefficients = theirs is not None and all(np.all(np.isfinite(theirs[k])) for k in self.general)
        if by_coefficients:  # a scalar step tr(M dX): compare the matrices M, so a transpose or a factor shows
            sentence = self._compare(item.coefficients, theirs, tol)
        else:
            sentence = self._compare(item.values, expected, tol, stack=item.scalar)
        if kind_of(sentence) == "other" and self._commutes(item.values, expected, tol):
            return self._order_sentence(reference)
        if by_coefficients:
            return _scalar_reason(sentence, reference, d)
        if item.scalar and kind_of(sentence) == "other":
            sentence = "its value differs from the expected one"
        return _rephrase(sentence, "it", reference)

    def _linearity(self, item):
        """A sentence when ``item`` is not a linear function of the differential (None when it is)."""
        d = self.direction
        if not item.direction:
            return f"it does not contain {d}: a differential is a linear function of {d}"
        for k in self.general:
            value, offset, J = item.values[k], item.offsets[k], item.coefficients[k]
            dX = self.points[k].values[d]
            scale = max(np.abs(value).max(initial=0.0), np.abs(J).max(initial=0.0))
            if np.all(np.isfinite(offset)) and np.abs(offset).max(initial=0.0) > STEP_TOL * scale:
                return f"it has a term without {d}: every term of a differential contains {d} exactly once"
            if not (np.all(np.isfinite(J)) and relative_error(np.tensordot(J, dX, axes=dX.ndim), value) <= STEP_TOL):
                return (f"it is not linear in {d}: a differential keeps only the terms with exactly one {d} "
                        "(drop products of two differentials)")
        return None

    def _commutes(self, got, expected, tol):
        """True when ``got`` equals ``expected`` where all matrices commute (and so differs only in the order of factors)."""
        commuting = self.of_kind("commuting")
        if not commuting:
            return False
        return _stacked_error([got[k] for k in commuting], [expected[k] for k in commuting]) <= max(tol, NUMERIC_TOL)

    @staticmethod
    def _order_sentence(reference):
        return (f"it would equal {reference} only if matrices commuted: two factors are swapped, and matrices do "
                "not commute (A B ≠ B A); keep every product in its order")

    def _compare(self, got, expected, tol, stack=False):
        """The likeliest mistake turning ``expected`` into ``got`` (lists over the points)."""
        symmetric = self.of_kind("symmetric")
        if stack:  # one number per point: compare them all at once, so a factor means something
            pick = lambda values, ks: np.stack([values[k] for k in ks])  # noqa: E731
            on_symmetric = None
            if symmetric and len(symmetric) == len(self.general):
                on_symmetric = lambda: (pick(got, symmetric), pick(expected, symmetric))  # noqa: E731
            return diagnose(pick(got, self.general), pick(expected, self.general), on_symmetric=on_symmetric,
                            tol=tol)[0]
        k = next((k for k in self.general if not _close(got[k], expected[k], tol)), self.general[0])
        s = self._variant("symmetric", self.points[k].trial)
        on_symmetric = None if s is None else (lambda: (got[s], expected[s]))
        return diagnose(got[k], expected[k], on_symmetric=on_symmetric, tol=tol)[0]

    # --- the gradient --------------------------------------------------------------------------

    def gradient_verdict(self, last_step: int | None) -> Verdict:
        """The :class:`Verdict` on the read-off gradient: it must match finite differences and the last step.

        ``last_step`` is the index of the last step, or None when there is no step to compare it with.
        """
        d, wrt = self.direction, self.outline.wrt
        G = self.gradient.values
        truth = [p.gradient for p in self.points]
        right = _stacked_error([G[k] for k in self.general], [truth[k] for k in self.general]) <= NUMERIC_TOL
        last = self._scalar_values(last_step)
        consistent = True
        if last is not None:
            pairing = [np.asarray(np.vdot(G[k], self.points[k].values[d])) for k in self.general]
            consistent = _stacked_error(pairing, [last[k] for k in self.general]) <= STEP_TOL
        if right and consistent:
            return Verdict(True)
        if right:
            return Verdict(False, f"the gradient is right, but ⟨G, {d}⟩ = tr(Gᵀ {d}) is not your last step: "
                                  "read the gradient off the last step of the derivation", "inconsistent")
        sentence = self._compare(G, truth, NUMERIC_TOL)
        kind = kind_of(sentence)
        reason = f"the gradient is not ∂f/∂{wrt}: {_rephrase(sentence, 'it', 'the finite-difference gradient')}"
        if kind == "transpose":
            reason += f" (from d f = tr(M {d}) the gradient is Mᵀ)"
        if last is not None:
            reason += ("; it does match your last step, so the slip is in a step above" if consistent
                       else f"; ⟨G, {d}⟩ is not your last step either")
        return Verdict(False, reason, kind)

    def _scalar_values(self, index):
        """The values of step ``index`` as scalars (traced when it is a matrix), or None."""
        item = None if index is None else self.steps[index]
        if item is None:
            return None
        return item.values if item.scalar else [_traced(v) for v in item.values]


def _close(got, expected, tol):
    return np.shape(got) == np.shape(expected) and np.all(np.isfinite(got)) and relative_error(got, expected) <= tol


def _scalar_reason(sentence, reference, d):
    """A sentence comparing the matrices ``M`` of ``tr(M dX)``, retold about the scalar steps themselves."""
    kind = kind_of(sentence)
    if kind == "transpose":
        return (f"it is the transpose of {reference}: it equals {reference} with {d} replaced by {d}ᵀ "
                f"(tr(Mᵀ {d}) in place of tr(M {d})); check the layout")
    if kind in ("sign", "factor", "symmetric-only"):
        return _rephrase(sentence, "it", reference)
    detail = _rephrase(sentence, "its M", "the other M")
    return f"written as tr(M {d}), its M differs from that of {reference}: {detail}"
