"""The instructor report: how the class scored, and which mistakes it made, by name.

Usage: ``python -m autograder.report [--course DIR]``. Reads every recorded outcome of the
course (scores from the gradebook, which holds any manual changes), and writes
``reports/index.html`` (laid out by ``pages/templates/course_pages/report.html.j2``) with its figures
as PNG files beside it.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from autograder.coursedir.cells import function_of, testing_cell
from autograder.coursedir.cli import course_directory
from autograder.coursedir.gradebook import gradebook_exists, open_gradebook
from autograder.coursedir.paths import ROOT
from autograder.grading.merge import outcomes as recorded_outcomes
from autograder.grading.outcome import Outcome
from autograder.pages.render import render
from autograder.variants.mistakes import name_mistake

REPORTS = "reports"
PAGE = "index.html"
UNNAMED = "lost points, no sentence (see the feedback)"
COLOURS = {"full": "#4c9a5f", "partial": "#e0b341", "zero": "#c8553d"}


def gradebook_scores(course_root: str | Path) -> dict[tuple[str, str], dict[str, tuple[float, float]]]:
    """``{(student, assignment): {test cell: (score, max)}}`` from the course gradebook (empty if none)."""
    if not gradebook_exists(course_directory(course_root)):
        return {}
    scores = {}
    with open_gradebook(course_root) as gradebook:
        for assignment in gradebook.assignments:
            for submission in assignment.submissions:
                scores[submission.student.id, assignment.name] = {
                    grade.name: (grade.score, grade.max_score)
                    for notebook in submission.notebooks for grade in notebook.grades
                }
    return scores


def load(course_root: str | Path) -> list[Outcome]:
    """The course's outcomes, with the gradebook's scores where it has them."""
    book = gradebook_scores(course_root)
    outcomes = recorded_outcomes(course_root)
    for outcome in outcomes:
        stored = book.get((outcome.student, outcome.assignment))
        if stored:
            outcome.scores = {cell: stored.get(cell, score) for cell, score in outcome.scores.items()}
    return outcomes


def named_mistakes(outcomes: list[Outcome]) -> dict[str, dict[str, Counter]]:
    """``{assignment: {test cell: Counter(mistake name)}}`` over the graded submissions.

    A test that lost points without an error sentence (a partial-credit cell prints its verdict
    instead) is counted as :data:`UNNAMED`, so no lost point goes unreported.
    """
    table = defaultdict(lambda: defaultdict(Counter))
    for outcome in (o for o in outcomes if o.graded):
        for cell, (score, maximum) in outcome.scores.items():
            if score < maximum:
                message = outcome.messages.get(cell)
                name = name_mistake(outcome.assignment, cell, message) if message else UNNAMED
                table[outcome.assignment][cell][name] += 1
    return table


def exercise_levels(outcomes: list[Outcome]) -> dict[str, Counter]:
    """``{test cell: Counter(full/partial/zero)}`` for one assignment's outcomes, in notebook order."""
    levels = {}
    for outcome in outcomes:
        for cell, (score, maximum) in outcome.scores.items():
            level = "full" if score >= maximum else "zero" if score <= 0 else "partial"
            levels.setdefault(cell, Counter())[level] += 1
    return levels


def figure(assignment: str, outcomes: list[Outcome], path: Path) -> None:
    """Save the assignment's figure: the histogram of totals and the exercises' full/partial/zero bars."""
    levels = exercise_levels(outcomes)
    maximum = max(o.maximum for o in outcomes)
    fig = Figure(figsize=(11, 0.9 + 0.45 * max(len(levels), 5)), layout="constrained")
    totals, bars = fig.subplots(1, 2, width_ratios=[1, 1.4])
    totals.hist([o.total for o in outcomes], bins=[b - 0.5 for b in range(int(maximum) + 2)],
                color="#4a6fa5", edgecolor="white")
    totals.set(title=f"{assignment}: total points ({len(outcomes)} submissions)",
               xlabel=f"points out of {maximum:g}", ylabel="submissions")
    totals.xaxis.set_major_locator(MaxNLocator(integer=True))
    totals.yaxis.set_major_locator(MaxNLocator(integer=True))
    cells = list(levels)
    left = [0] * len(cells)
    for level, colour in COLOURS.items():
        counts = [levels[c][level] for c in cells]
        bars.barh([function_of(c) for c in cells], counts, left=left, color=colour, label=level)
        left = [b + c for b, c in zip(left, counts)]
    bars.invert_yaxis()
    bars.set(title="per exercise: full, partial or zero points", xlabel="submissions")
    bars.xaxis.set_major_locator(MaxNLocator(integer=True))
    bars.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
    fig.savefig(path, dpi=90)


def assignment_section(assignment: str, outcomes: list[Outcome], mistakes: dict[str, Counter],
                       image: str) -> dict[str, Any]:
    """What the report shows of one assignment: its counts, its figure, a row per exercise (mean score,
    full/partial/zero, commonest named mistakes) and its mistakes ranked, commonest first."""
    count = len(outcomes)
    levels = exercise_levels(outcomes)
    exercises = []
    for cell, level in levels.items():
        points = [o.scores[cell] for o in outcomes if cell in o.scores]
        fraction = sum(s for s, _ in points) / max(sum(m for _, m in points), 1e-12)
        top = [(100 * n / count, name) for name, n in mistakes.get(cell, Counter()).most_common(3)]
        exercises.append({"cell": cell, "percent": 100 * fraction, "level": level, "top": top})
    ranked = sorted(((n, cell, name) for cell in levels for name, n in mistakes.get(cell, Counter()).items()),
                    key=lambda row: (-row[0], list(levels).index(row[1]), row[2]))
    return {"name": assignment, "count": count, "mean": sum(o.total for o in outcomes) / count,
            "maximum": max(o.maximum for o in outcomes), "graded": sum(o.graded for o in outcomes),
            "image": image, "exercises": exercises, "mistakes": ranked}


def problem_lists(outcomes: list[Outcome]) -> list[tuple[str, str, list[tuple[Outcome, str]]]]:
    """``(kind, heading, [(outcome, what happened)])`` of the submissions that could not be graded, those
    graded only after repairs, and those whose in-kernel points the independent check took away (gaming,
    or estimates handed in as derivatives)."""
    def listed(kept):
        return sorted((o for o in outcomes if kept(o)), key=lambda o: (o.assignment, o.student))

    failed = listed(lambda o: not o.graded)
    repaired = listed(lambda o: o.graded and o.notes)
    overruled = listed(lambda o: o.overruled)
    return [
        ("failed", f"Could not be graded ({len(failed)}; recorded with zero points)",
         [(o, o.reason or "unknown reason") for o in failed]),
        ("repaired", f"Graded after repairs ({len(repaired)})", [(o, "; ".join(o.notes)) for o in repaired]),
        ("overruled", f"Points taken away by the independent check ({len(overruled)})",
         [(o, "; ".join(f"{f}: {o.messages.get(testing_cell(f), '')}" for f in o.overruled)) for o in overruled]),
    ]


def write_report(course_root: str | Path = ROOT) -> Path:
    """Write ``reports/index.html`` and its figures for the course; returns the page's path."""
    folder = Path(course_root) / REPORTS
    folder.mkdir(parents=True, exist_ok=True)
    outcomes = load(course_root)
    mistakes = named_mistakes(outcomes)
    by_assignment = defaultdict(list)
    for outcome in outcomes:
        by_assignment[outcome.assignment].append(outcome)
    sections = []
    for assignment in sorted(by_assignment):
        image = f"scores-{assignment}.png"
        figure(assignment, by_assignment[assignment], folder / image)
        sections.append(assignment_section(assignment, by_assignment[assignment], mistakes[assignment], image))
    path = folder / PAGE
    path.write_text(render("report.html.j2", submissions=len(outcomes), students=len({o.student for o in outcomes}),
                           sections=sections, problems=problem_lists(outcomes)), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course", default=str(ROOT), help="the course directory")
    options = parser.parse_args(argv)
    path = write_report(options.course)
    if not recorded_outcomes(options.course):
        print("Nothing graded yet; run `make grade` (or `make demo-class` first for a synthetic class).")
    print(f"report: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
