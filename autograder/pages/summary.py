"""The summary at the top of every feedback page: per exercise, points and what is likely wrong."""
import html

from autograder.coursedir.cells import function_of

STYLE = (
    "font-family:system-ui,sans-serif;border:1px solid #d0d7de;border-radius:6px;padding:12px 16px;"
    "margin:12px auto;max-width:1000px;background:#f6f8fa"
)


def summary_html(outcome):
    """An HTML block: the total, any repairs or reason the notebook was not graded, and a row per exercise."""
    rows = "".join(
        f"<tr><td><code>{html.escape(function_of(cell))}</code></td>"
        f"<td style='text-align:right'>{score:g} / {maximum:g}</td>"
        f"<td style='padding:0 8px'>{'✓' if score == maximum else '✗'}</td>"
        f"<td>{html.escape(outcome.messages.get(cell) or ('' if score == maximum else 'see the test output below'))}</td></tr>"
        for cell, (score, maximum) in outcome.scores.items()
    )
    notes = "".join(f"<li>{html.escape(note)}</li>" for note in outcome.notes)
    reason = f"<p><b>Not graded:</b> {html.escape(outcome.reason)}</p>" if outcome.reason else ""
    return (
        f"<div id='course-summary' style='{STYLE}'>"
        f"<h2 style='margin-top:0'>{html.escape(outcome.assignment)}: {outcome.total:g} / {outcome.maximum:g} points</h2>"
        f"{reason}{f'<p>What we repaired before grading:</p><ul>{notes}</ul>' if notes else ''}"
        "<table style='border-collapse:collapse;width:100%'><tr><th align=left>exercise</th><th>points</th><th></th>"
        f"<th align=left>what to look at</th></tr>{rows}</table></div>"
    )


def add_summary(page, outcome):
    """nbgrader's feedback page ``page`` (HTML text) with the summary inserted at the top of its body."""
    start = page.find("<body")
    if start < 0:
        return summary_html(outcome) + page
    end = page.index(">", start) + 1
    return page[:end] + summary_html(outcome) + page[end:]


def standalone_page(outcome):
    """A feedback page for a submission nbgrader could not grade at all."""
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(outcome.assignment)} feedback</title></head><body>{summary_html(outcome)}</body></html>"
    )


def write_page(workspace, outcome):
    """Write ``outcome``'s feedback page in ``workspace``: nbgrader's page topped by the summary, or,
    when nbgrader cannot make one (the notebook was not graded), the summary alone. Returns its path."""
    path = workspace.feedback_path(outcome.assignment, outcome.student)
    if outcome.graded and workspace.feedback(outcome.assignment, outcome.student)["success"]:
        page = add_summary(path.read_text(encoding="utf-8"), outcome)
    else:
        page = standalone_page(outcome)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
