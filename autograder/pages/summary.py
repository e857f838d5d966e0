"""The summary at the top of every feedback page: per exercise, points and what is likely wrong
(laid out by ``templates/course_pages/summary.html.j2``)."""
from __future__ import annotations

from pathlib import Path

from autograder.coursedir.workspace import Workspace
from autograder.grading.outcome import Outcome
from autograder.pages.render import render


def summary_html(outcome: Outcome) -> str:
    """An HTML block: the total, any repairs or reason the notebook was not graded, and a row per exercise."""
    return render("summary.html.j2", outcome=outcome)


def add_summary(page: str, outcome: Outcome) -> str:
    """nbgrader's feedback page ``page`` (HTML text) with the summary inserted at the top of its body."""
    start = page.find("<body")
    if start < 0:
        return summary_html(outcome) + page
    end = page.index(">", start) + 1
    return page[:end] + summary_html(outcome) + page[end:]


def standalone_page(outcome: Outcome) -> str:
    """A feedback page for a submission nbgrader could not grade at all."""
    return render("standalone.html.j2", outcome=outcome)


def write_page(workspace: Workspace, outcome: Outcome) -> Path:
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
