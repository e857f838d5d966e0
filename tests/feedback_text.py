"""Read nbgrader's feedback HTML as the plain text a learner sees, and find what it must never show."""
import html
import re

import nbformat

from autograder.coursedir.paths import release_notebook, source_notebook
from autograder.pages.hide_tests import QUOTABLE, split_regions

HIDDEN = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
SOLUTION = ("### BEGIN SOLUTION", "### END SOLUTION")


def visible_text(page):
    """The page's text without tags, scripts, styles or entities (ANSI colour spans included)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def secret_lines(assignment):
    """The lines a learner must never be shown: of hidden tests and solutions in the source notebook."""
    nb = nbformat.read(source_notebook(assignment), as_version=4)
    lines = set()
    for cell in nb.cells:
        _, removed = split_regions(cell.source, [HIDDEN, SOLUTION])
        lines |= {code for code in map(str.strip, removed) if len(code) >= QUOTABLE and not code.startswith("#")}
    return lines


def leaks(page, assignment, submitted):
    """The secret lines that a line of the page contains, other than a line the learner was given (the
    release notebook) or wrote (``submitted``)."""
    given = nbformat.read(release_notebook(assignment), as_version=4)
    own = {line.strip() for nb in (given, submitted) for cell in nb.cells for line in cell.source.splitlines()}
    shown = {line.strip() for line in visible_text(page).splitlines()} - own
    return sorted(code for code in secret_lines(assignment) if any(code in line for line in shown))
