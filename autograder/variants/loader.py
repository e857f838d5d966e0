"""The variant data: for every graded function, correct answers and typical wrong ones.

It lives in ``autograder/variants/<assignment>.toml`` and drives the tests, the synthetic
demo class and the instructor report's names for mistakes.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import tomllib

VARIANTS = Path(__file__).resolve().parent  # the TOML files beside this module


@dataclass(frozen=True)
class Variant:
    """One answer to one graded function."""

    assignment: str
    function: str
    label: str
    code: str
    correct: bool
    diagnosis: str | None = None
    points: float = 0.0  # what a wrong answer still earns where the test gives partial credit

    @property
    def key(self) -> str:
        """A short unique name, e.g. ``grad_quadratic:wrong:symmetric only (2Ax)``."""
        return f"{self.function}:{'correct' if self.correct else 'wrong'}:{self.label}"


def load(assignment: str, directory: str | Path = VARIANTS) -> dict[str, list[Variant]]:
    """``{function: [Variant, ...]}`` of an assignment (empty when it has no variant file)."""
    path = Path(directory) / f"{assignment}.toml"
    if not path.exists():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {
        function: [
            Variant(assignment, function, entry["label"], entry["code"], kind == "correct", entry.get("diagnosis"),
                    float(entry.get("points", 0.0)))
            for kind in ("correct", "wrong")
            for entry in kinds.get(kind, [])
        ]
        for function, kinds in data.items()
    }


def available(directory: str | Path = VARIANTS) -> list[str]:
    """Assignments that have variant data."""
    return sorted(path.stem for path in Path(directory).glob("*.toml"))


def dependencies(functions: Iterable[str], texts: Mapping[str, Iterable[str]]) -> dict[str, set[str]]:
    """``{function: other graded functions its code or test mentions}``.

    ``texts[f]`` is every piece of code tied to ``f`` (its solution, its variants, its test
    cell). A wrong answer of ``g`` can change the grade of ``f`` only when ``f`` depends on ``g``.
    """
    return {
        f: {g for g in functions if g != f and any(re.search(rf"\b{re.escape(g)}\b", t) for t in texts.get(f, ()))}
        for f in functions
    }


def batches(variants: Iterable[Variant], depends: Mapping[str, set[str]]) -> list[dict[str, Variant]]:
    """Group variants into submissions so that every variant is graded as if it were alone.

    A submission holds at most one variant per function and never two functions where one
    depends on the other; functions a submission leaves out take the reference solution.
    Correct variants batch freely (they cannot disturb another test). Returns a list of
    ``{function: Variant}``.
    """
    groups = []
    for variant in sorted(variants, key=lambda v: (v.correct, v.function)):
        for group in groups:
            if variant.function in group or any(g.correct != variant.correct for g in group.values()):
                continue
            if variant.correct or not any(
                other in depends[variant.function] or variant.function in depends[other] for other in group
            ):
                group[variant.function] = variant
                break
        else:
            groups.append({variant.function: variant})
    return groups
