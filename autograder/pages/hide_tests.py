"""The feedback copy of an autograded notebook: what a learner may see of the tests, and nothing more.

nbgrader's feedback page shows the autograded notebook whole, hidden tests included (its issue
#917): next year's answers, named-mistake catalogues and reference formulas handed to the class.
:class:`HideTests` runs in ``GenerateFeedback``'s pipeline (see ``nbgrader_config.py``), so every
way of making a feedback page strips them: ``make grade``, ``make feedback``, ``make grade-me``,
``nbgrader generate_feedback`` and the formgrader's button. The notebooks in ``autograded/`` are
not touched: the instructor keeps everything.

In a test cell the page keeps the visible checks, a line saying where hidden tests ran, the
outcome (the error's sentence, or what the cell printed) and the points. An error with a traceback
shows as its one-line sentence: the frames of a traceback quote the code around the failing line,
hidden lines included. The course's own short box for a wrong answer stays as it is.
"""
from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from traitlets import Bool, List, Unicode

from autograder.coursedir.cells import is_test_cell

ANSI = re.compile(r"\x1b\[[0-9;]*m")
RED, RESET = "\x1b[0;31m", "\x1b[0m"
# A removed line this long, quoted in an output, is a leak; shorter ones (``else:``, ``)``) say nothing
# and would blank innocent lines. The same length bounds solution lines in release notebooks.
QUOTABLE = 12
# An IPython traceback: its frames quote the code around each failing line, hidden lines included.
FRAMES = re.compile(r"Traceback \(most recent call last\)|^\s*(Cell In ?\[|Input In \[|File )", re.M)


def split_regions(source: str, regions: Sequence[Sequence[str]],
                  placeholder: str | None = None) -> tuple[list[str], list[str]]:
    """``(kept lines, removed lines)`` of ``source`` with every ``(begin, end)`` region cut out,
    delimiter lines included, and ``placeholder`` (if given) standing where each region was; a
    region that is never closed runs to the end of the cell."""
    kept, removed, closing = [], [], None
    for line in source.splitlines():
        if closing is None:
            closing = next((end for begin, end in regions if begin in line), None)
            if closing is None:
                kept.append(line)
                continue
            if placeholder is not None:
                kept.append(line[: len(line) - len(line.lstrip())] + placeholder)
        elif closing in line:
            closing = None
        removed.append(line)
    return kept, removed


class HideTests(Preprocessor):
    """Cut hidden tests and solution regions out of test cells; keep every output from quoting them."""

    enabled = Bool(True, help="nbconvert runs only enabled preprocessors; this one always runs.").tag(config=True)

    regions = List(
        [["### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"], ["### BEGIN SOLUTION", "### END SOLUTION"]],
        help="Pairs of markers (begin, end) whose regions never appear in a feedback page.",
    ).tag(config=True)

    placeholder = Unicode(
        "# … hidden tests ran here on fresh inputs (not shown); their outcome is below the cell",
        help="The line that stands where hidden tests were cut out.",
    ).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        """Cut every test cell's hidden regions, then shorten every output that could quote them."""
        secret = set()
        for cell in filter(is_test_cell, nb.cells):
            kept, removed = split_regions(cell.source, self.regions, self.placeholder)
            cell.source = "\n".join(kept)
            secret |= {code for code in map(str.strip, removed) if len(code) >= QUOTABLE and not code.startswith("#")}
        # any cell's outputs: a learner's function can print its caller's code, or update a display
        # of its own cell from inside a test
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                _shorten(output, secret, is_test_cell(cell))
        return nb, resources


def _shorten(output, secret, in_test_cell):
    """Make ``output`` what a learner may see: no line that quotes a ``secret`` line of code, and in a
    test cell, an error with a traceback cut to its sentence."""
    if output.output_type == "error":
        if in_test_cell and FRAMES.search(ANSI.sub("", "\n".join(output.get("traceback", [])))):
            sentence = ANSI.sub("", output.get("evalue", "")).strip()
            output.traceback = [f"{RED}{output.ename}{RESET}" + (f": {sentence}" if sentence else "")]
        else:  # the course's own short box (AnswerError's _render_traceback_), or the learner's own error
            output.traceback = [line for line in output.get("traceback", []) if not _quotes(line, secret)]
    elif output.output_type == "stream":
        output.text = _without(output.text, secret)
    elif output.output_type in ("execute_result", "display_data"):
        for mime, value in output.get("data", {}).items():
            if isinstance(value, str):
                output.data[mime] = _without(value, secret)


def _without(text, secret):
    """``text`` less every line that contains one of the ``secret`` lines."""
    return "".join(line for line in text.splitlines(keepends=True) if not _quotes(line, secret))


def _quotes(line, secret):
    """True when ``line`` (of an output: text, ANSI-coloured or HTML) contains one of the ``secret`` lines of code."""
    plain = html.unescape(ANSI.sub("", line))
    return any(code in plain for code in secret)
