"""The instructor report: how the class scored, and which mistakes it made, by name.

Usage: ``python -m autograder.report [--course DIR]``. Reads every recorded outcome of the
course (scores from the gradebook, which holds any manual changes), and writes
``reports/index.html`` with its figures as PNG files beside it.
"""
import argparse
import html
import sys
from collections import Counter, defaultdict
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from autograder.coursedir.cells import function_of, testing_cell
from autograder.coursedir.cli import course_directory
from autograder.coursedir.gradebook import gradebook_exists, open_gradebook
from autograder.coursedir.paths import ROOT
from autograder.grading.merge import outcomes as recorded_outcomes
from autograder.variants.mistakes import name_mistake

REPORTS = "reports"
PAGE = "index.html"
UNNAMED = "lost points, no sentence (see the feedback)"
COLOURS = {"full": "#4c9a5f", "partial": "#e0b341", "zero": "#c8553d"}


def gradebook_scores(course_root):
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


def load(course_root):
    """The course's outcomes, with the gradebook's scores where it has them."""
    book = gradebook_scores(course_root)
    outcomes = recorded_outcomes(course_root)
    for outcome in outcomes:
        stored = book.get((outcome.student, outcome.assignment))
        if stored:
            outcome.scores = {cell: stored.get(cell, score) for cell, score in outcome.scores.items()}
    return outcomes


def named_mistakes(outcomes):
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


def exercise_levels(outcomes):
    """``{test cell: Counter(full/partial/zero)}`` for one assignment's outcomes, in notebook order."""
    levels = {}
    for outcome in outcomes:
        for cell, (score, maximum) in outcome.scores.items():
            level = "full" if score >= maximum else "zero" if score <= 0 else "partial"
            levels.setdefault(cell, Counter())[level] += 1
    return levels


def figure(assignment, outcomes, path):
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


def _rows(items):
    return "\n".join(items)


def assignment_section(assignment, outcomes, mistakes, image):
    """The HTML section of one assignment: figure, exercise table, commonest named mistakes."""
    count = len(outcomes)
    levels = exercise_levels(outcomes)
    mean = sum(o.total for o in outcomes) / count
    maximum = max(o.maximum for o in outcomes)
    exercise_rows = []
    for cell, level in levels.items():
        points = [o.scores[cell] for o in outcomes if cell in o.scores]
        fraction = sum(s for s, _ in points) / max(sum(m for _, m in points), 1e-12)
        named = mistakes.get(cell, Counter())
        top = ", ".join(
            f"{100 * n / count:.0f} % {html.escape(name)}" for name, n in named.most_common(3)
        ) or "—"
        exercise_rows.append(
            f"<tr><td><code>{html.escape(function_of(cell))}</code></td><td>{100 * fraction:.0f} %</td>"
            f"<td>{level['full']}</td><td>{level['partial']}</td><td>{level['zero']}</td><td>{top}</td></tr>"
        )
    ranked = sorted(((n, cell, name) for cell in levels for name, n in mistakes.get(cell, Counter()).items()),
                    key=lambda row: (-row[0], list(levels).index(row[1]), row[2]))
    mistake_rows = [
        f'<tr class="mistake" data-cell="{html.escape(cell)}" data-mistake="{html.escape(name)}" '
        f'data-count="{n}"><td>{100 * n / count:.0f} %</td><td>{n}</td>'
        f"<td>{html.escape(name)} — <code>{html.escape(function_of(cell))}</code></td></tr>"
        for n, cell, name in ranked
    ]
    return f"""
<section id="{html.escape(assignment)}">
<h2>{html.escape(assignment)}</h2>
<p>{count} submissions, mean {mean:.1f} of {maximum:g} points
({sum(o.graded for o in outcomes)} graded, {sum(not o.graded for o in outcomes)} not gradable).</p>
<img src="{html.escape(image)}" alt="score distribution and per-exercise results of {html.escape(assignment)}">
<h3>Exercises</h3>
<table><tr><th>exercise</th><th>mean score</th><th>full</th><th>partial</th><th>zero</th>
<th>commonest mistakes</th></tr>
{_rows(exercise_rows)}
</table>
<h3>Most common mistakes (share of the {count} submissions)</h3>
{"<table><tr><th>share</th><th>count</th><th>mistake — exercise</th></tr>" + _rows(mistake_rows) + "</table>"
 if mistake_rows else "<p>No mistakes: every graded answer earned full marks.</p>"}
</section>"""


def _listing(outcomes, css, text):
    """An HTML list of submissions, each with ``text(outcome)``; "None." when there are none."""
    if not outcomes:
        return "<p>None.</p>"
    return "<ul>" + "".join(
        f'<li class="{css}"><code>{html.escape(o.student)}/{html.escape(o.assignment)}</code>: '
        f"{html.escape(text(o))}</li>" for o in outcomes) + "</ul>"


def problems_section(outcomes):
    """The submissions that could not be graded, those graded only after repairs, and those whose
    in-kernel points the independent check took away (gaming, or estimates handed in as derivatives)."""
    failed = sorted((o for o in outcomes if not o.graded), key=lambda o: (o.assignment, o.student))
    repaired = sorted((o for o in outcomes if o.graded and o.notes), key=lambda o: (o.assignment, o.student))
    overruled = sorted((o for o in outcomes if o.overruled), key=lambda o: (o.assignment, o.student))
    return "\n".join([
        '<section id="problems"><h2>Submissions that needed attention</h2>',
        f"<h3>Could not be graded ({len(failed)}; recorded with zero points)</h3>",
        _listing(failed, "failed", lambda o: o.reason or "unknown reason"),
        f"<h3>Graded after repairs ({len(repaired)})</h3>",
        _listing(repaired, "repaired", lambda o: "; ".join(o.notes)),
        f"<h3>Points taken away by the independent check ({len(overruled)})</h3>",
        _listing(overruled, "overruled",
                 lambda o: "; ".join(f"{f}: {o.messages.get(testing_cell(f), '')}" for f in o.overruled)),
        "</section>",
    ])


STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.8em; text-align: left; }
img { max-width: 100%; }
"""


def page(body, title="Instructor report"):
    """A complete HTML page around ``body``."""
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>"
            f"<style>{STYLE}</style></head><body>\n<h1>{title}</h1>\n{body}\n</body></html>\n")


def write_report(course_root=ROOT):
    """Write ``reports/index.html`` and its figures for the course; returns the page's path."""
    folder = Path(course_root) / REPORTS
    folder.mkdir(parents=True, exist_ok=True)
    outcomes = load(course_root)
    if not outcomes:
        path = folder / PAGE
        path.write_text(page("<p>Nothing graded yet; run <code>make grade</code>.</p>"), encoding="utf-8")
        return path
    mistakes = named_mistakes(outcomes)
    by_assignment = defaultdict(list)
    for outcome in outcomes:
        by_assignment[outcome.assignment].append(outcome)
    students = {o.student for o in outcomes}
    sections = [f"<p>{len(outcomes)} submissions of {len(students)} students in {len(by_assignment)} "
                "assignments. Mistakes are named by the course's variant data where a feedback sentence "
                "matches a known wrong answer, otherwise by a generic category.</p>"]
    for assignment in sorted(by_assignment):
        image = f"scores-{assignment}.png"
        figure(assignment, by_assignment[assignment], folder / image)
        sections.append(assignment_section(assignment, by_assignment[assignment], mistakes[assignment], image))
    sections.append(problems_section(outcomes))
    path = folder / PAGE
    path.write_text(page("\n".join(sections)), encoding="utf-8")
    return path


def main(argv=None):
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
