"""The result of a derivation check and its report, as text and as HTML."""
from __future__ import annotations

from dataclasses import dataclass, field

from jinja2 import Environment

from course.derivation import scoring

__all__ = ["DerivationResult", "step_name"]

_HTML = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True).from_string("""\
<div style="border-left:4px solid {{ colour }};padding:4px 8px">
<b style="color:{{ colour }}">{{ headline }}</b>
<ul style="padding-left:0.5em">
{% for mark, label, reason in lines %}
<li style="list-style:none"><span style="color:{{ '#1a7f37' if mark == '✓' else '#cf222e' }}">{{ mark }}</span> \
<code>{{ label }}</code>{% if reason %}<br><i>{{ reason }}</i>{% endif %}</li>
{% endfor %}
</ul>
<small>{{ points }}<br>{{ footer }}</small></div>""")


def step_name(index: int, count: int) -> str:
    """How a report names step ``index`` of ``count``."""
    return f"step {index + 1} of {count} (index {index})"


@dataclass
class DerivationResult:
    """The verdict on a derivation: per step ✓/✗ with reasons, the gradient, the score and a report.

    Truthy when every step and the gradient are right. Expressions are kept as text (``steps``,
    ``gradient``, ``function``), so a result made from the independent check's numbers is the same kind of object.
    """

    function: str
    steps: list[str]
    gradient: str | None
    wrt: str
    direction: str
    step_ok: list[bool]
    step_reasons: list[str | None]
    step_kinds: list[str | None]
    repeats: list[int | None]
    gradient_ok: bool | None = None  # None: no gradient asked (a matrix-valued f)
    gradient_reason: str | None = None
    gradient_kind: str | None = None
    sizes: list[dict[str, int]] = field(default_factory=list)  # per random point, {dimension name: size}

    def __bool__(self) -> bool:
        return bool(self.steps) and all(self.step_ok) and self.gradient_ok is not False

    @property
    def first_wrong(self) -> int | None:
        """Index (0-based) of the first wrong step, or None."""
        return next((i for i, ok in enumerate(self.step_ok) if not ok), None)

    @property
    def correct_steps(self) -> int:
        """Number of leading right steps."""
        return len(self.step_ok) if self.first_wrong is None else self.first_wrong

    @property
    def step_credit(self) -> float:
        """The share of the step credit earned (see :mod:`course.derivation.scoring`)."""
        return scoring.step_credit(self.step_ok, self.repeats)

    @property
    def fraction(self) -> float:
        """The score in [0, 1]: half steps, half gradient when a gradient is asked (see :mod:`course.derivation.scoring`)."""
        return scoring.fraction(self.step_ok, self.repeats, self.gradient_ok)

    @property
    def mistake(self) -> str | None:
        """Short name of the first mistake, None when all is right.

        One of "transpose", "sign", "factor", "symmetric-only", "order" (two factors swapped),
        "nonlinear" (not a linear function of dX), "nonfinite", "inconsistent" (a right gradient that
        is not the last step), "malformed" (cannot be checked), "other".
        """
        if self.first_wrong is not None:
            return self.step_kinds[self.first_wrong]
        return self.gradient_kind

    @property
    def messages(self) -> list[str]:
        """One sentence per wrong item, in order."""
        count = len(self.steps)
        out = [f"{step_name(i, count)} {reason}"
               for i, (ok, reason) in enumerate(zip(self.step_ok, self.step_reasons)) if not ok]
        if self.gradient_ok is False:
            out.append(self.gradient_reason)
        return out

    def points(self, max_points: float) -> float:
        """The points earned out of ``max_points``: ``max_points`` times :attr:`fraction`."""
        return float(max_points) * self.fraction

    def _lines(self):
        """``(mark, label, explanation)`` per item."""
        count = len(self.steps)
        lines = [("✓" if ok else "✗", f"{step_name(i, count)}: {step}", reason)
                 for i, (ok, step, reason) in enumerate(zip(self.step_ok, self.steps, self.step_reasons))]
        if self.gradient_ok is not None:
            label = f"gradient ∂f/∂{self.wrt}: {self.gradient if self.gradient is not None else '(none given)'}"
            lines.append(("✓" if self.gradient_ok else "✗", label, self.gradient_reason))
        return lines

    def _headline(self):
        verdict = "All right" if self else "Not yet"
        first = self.first_wrong
        parts = ["no steps" if not self.steps else f"all {len(self.steps)} steps right" if first is None
                 else f"step {first + 1} of {len(self.steps)} (index {first}) is the first wrong one"]
        if self.gradient_ok is not None:
            parts.append(f"gradient {'right' if self.gradient_ok else 'wrong'}")
        return f"{verdict}: d f for f = {self.function} ({', '.join(parts)}; score {self.fraction:.0%})"

    def _points_line(self):
        distinct = sum(r is None for r in self.repeats)
        right = round(self.step_credit * distinct)
        steps = (f"{right} of {distinct} distinct steps right before the first wrong one"
                 if distinct else "no steps given, no step credit")
        if self.gradient_ok is None:
            return f"Points: all for the steps ({steps}) = {self.fraction:.0%}"
        return (f"Points: half for the steps ({steps}), half for the gradient "
                f"({'right' if self.gradient_ok else 'wrong'}) = {self.fraction:.0%}")

    def _footer(self):
        sizes = "; ".join(", ".join(f"{d}={v}" for d, v in sorted(s.items())) or "fixed" for s in self.sizes)
        return f"checked at {len(self.sizes)} random points, sizes {sizes}"

    def report(self) -> str:
        """Plain text: a headline, each step and the gradient with ✓/✗ and why, how the points add up, the sizes."""
        lines = [self._headline()]
        for mark, label, reason in self._lines():
            lines.append(f"  {mark} {label}")
            if reason:
                lines.append(f"      {reason}")
        lines += [f"  {self._points_line()}", f"  ({self._footer()})"]
        return "\n".join(lines)

    __str__ = report

    def __repr__(self) -> str:
        return f"<DerivationResult {self.fraction:.0%}, first wrong step {self.first_wrong}>"

    def _repr_html_(self) -> str:
        return _HTML.render(colour="#1a7f37" if self else "#cf222e", headline=self._headline(), lines=self._lines(),
                            points=self._points_line(), footer=self._footer())
