"""A synthetic class for demos, tests and benchmarks, built from the variant data.

Usage: ``python -m autograder.demo_class [--students N] [--seed S]``. Every student answers
every exercise either correctly (in one of its equivalent forms), not at all, or with one of
the typical mistakes; the plan is saved so tests can check what the grader made of it.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
from pathlib import Path

import nbformat

from autograder.coursedir.cells import fill_in, reference_solutions
from autograder.coursedir.paths import ROOT, release_notebook, source_notebook
from autograder.variants.loader import Variant, available, dependencies, load

PLAN_FILE = Path("reports") / "demo-class-plan.json"
CHANCES = {"correct": 0.55, "blank": 0.15, "wrong": 0.30}
# {student: {assignment: {function: {"kind": correct, blank or wrong, "label": the variant's label or None}}}}
Plan = dict[str, dict[str, dict[str, dict[str, str | None]]]]


def choose(variants: list[Variant], rng: random.Random) -> tuple[str, Variant | None]:
    """One answer for one exercise: ``(kind, variant or None)``."""
    kind = rng.choices(list(CHANCES), weights=list(CHANCES.values()))[0]
    if kind == "blank":
        return kind, None
    return kind, rng.choice([v for v in variants if v.correct == (kind == "correct")])


def callees(chosen: dict[str, tuple[str, Variant | None]]) -> set[str]:
    """The graded functions a chosen wrong answer calls: they are answered correctly, so that the
    wrong answer's test meets the mistake it was planned to show, not a blank it calls."""
    codes = {f: [variant.code] for f, (kind, variant) in chosen.items() if kind == "wrong"}
    return set().union(*dependencies(list(chosen), codes).values())


def build(course_root: str | Path = ROOT, students: int = 40, seed: int = 0,
          assignment_names: list[str] | None = None) -> Plan:
    """Write ``students`` submissions of every assignment with variant data; returns the plan."""
    rng = random.Random(seed)
    course_root = Path(course_root)
    plan = {}
    names = assignment_names or available()
    for number in range(1, students + 1):
        student = f"student_{number:02d}"
        for assignment in names:
            release = nbformat.read(release_notebook(assignment), as_version=4)
            reference = reference_solutions(source_notebook(assignment))
            codes, answers = {}, {}
            data = load(assignment)
            chosen = {function: choose(variants, rng) for function, variants in data.items()}
            for function in callees(chosen):
                chosen[function] = "correct", next(v for v in data[function] if v.correct)
            for function, (kind, variant) in chosen.items():
                codes[function] = variant.code if variant else None
                answers[function] = {"kind": kind, "label": variant.label if variant else None}
            folder = course_root / "submitted" / student / assignment
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            nbformat.write(fill_in(release, {f: c for f, c in codes.items() if f in reference}),
                           folder / release_notebook(assignment).name)
            plan.setdefault(student, {})[assignment] = answers
    (course_root / PLAN_FILE).parent.mkdir(parents=True, exist_ok=True)
    (course_root / PLAN_FILE).write_text(json.dumps(plan, indent=1), encoding="utf-8")
    return plan


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--assignment", action="append", help="only this assignment (repeatable)")
    parser.add_argument("--course", default=str(ROOT))
    options = parser.parse_args(argv)
    plan = build(options.course, options.students, options.seed, options.assignment)
    count = sum(len(v) for v in plan.values())
    print(f"wrote {count} submissions of {len(plan)} students under {Path(options.course) / 'submitted'}")


if __name__ == "__main__":
    main()
