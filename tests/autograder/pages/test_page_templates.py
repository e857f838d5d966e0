"""The course's own pages from their templates (autograder.pages.render): a feedback summary and an
instructor report built from recorded outcomes, with no nbgrader run. What a learner controls (the
message their code raised, the name of the file they handed in, the reason it could not run) shows
as text, never as markup; the elements the browser tests and the report test look for are there."""
import json
from collections import Counter
from html.parser import HTMLParser

from autograder.grading.merge import OUTCOME_FILE
from autograder.grading.outcome import OVERRULED, Outcome
from autograder.pages.summary import add_summary, standalone_page
from autograder.report import write_report

ATTACK = "<script>alert('gotcha')</script> & \"quotes\""
INLINE = ("b", "code")
SCORES = {"test_grad_linear": (1.0, 1.0), "test_grad_quadratic": (0.0, 2.0)}


class Page(HTMLParser):
    """The tags of a page (with their attributes) and its text as a browser shows it: a space between
    blocks and table cells, none around inline elements."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags, self.words = [], []
        self.feed(text)
        self.text = " ".join("".join(self.words).split())

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in INLINE:
            self.words.append(" ")

    def handle_data(self, data):
        self.words.append(data)

    def having(self, tag, **attrs):
        return [found for name, found in self.tags if name == tag and attrs.items() <= found.items()]


def outcomes():
    """A class whose learners put markup in everything they control."""
    return [
        Outcome("alice", "01_gradients", True, dict(SCORES), messages={"test_grad_quadratic": f"ValueError: {ATTACK}"},
                notes=[f"the notebook was named {ATTACK}.ipynb; it was graded as gradients.ipynb"]),
        Outcome("bob", "01_gradients", True, {"test_grad_linear": (0.0, 1.0), "test_grad_quadratic": (2.0, 2.0)},
                overruled=["grad_linear"],
                messages={"test_grad_linear": f"{OVERRULED}: it returned {ATTACK}"}),
        Outcome("carol", "01_gradients", False, {cell: (0.0, most) for cell, (_, most) in SCORES.items()},
                reason=f"nbgrader could not grade it: {ATTACK}"),
    ]


def test_the_summary_shows_a_learners_markup_as_text():
    alice, _, carol = outcomes()
    graded, ungraded = Page(standalone_page(alice)), Page(standalone_page(carol))
    for page in (graded, ungraded):
        assert not page.having("script") and len(page.having("div", id="course-summary")) == 1
    assert f"What we repaired before grading: {alice.notes[0]}" in graded.text
    assert f"grad_quadratic 0 / 2 ✗ ValueError: {ATTACK}" in graded.text
    assert f"Not graded: {carol.reason}" in ungraded.text


def test_the_summary_goes_at_the_top_of_nbgraders_page():
    alice = outcomes()[0]
    page = add_summary("<html><body class='nbgrader'><p>the notebook</p></body></html>", alice)
    assert page.index("<body class='nbgrader'>") < page.index('id="course-summary"') < page.index("<p>the notebook")
    assert "01_gradients: 1 / 3 points" in Page(page).text and not Page(page).having("script")


def test_the_report_shows_a_learners_markup_as_text(tmp_path):
    for outcome in outcomes():
        folder = tmp_path / "autograded" / outcome.student / outcome.assignment
        folder.mkdir(parents=True)
        (folder / OUTCOME_FILE).write_text(json.dumps(outcome.to_dict()), encoding="utf-8")
    page = Page(write_report(tmp_path).read_text(encoding="utf-8"))
    assert not page.having("script")
    assert Counter(found["class"] for found in page.having("li")) == {"failed": 1, "repaired": 1, "overruled": 1}
    for listed in (f"carol/01_gradients: nbgrader could not grade it: {ATTACK}",
                   f"alice/01_gradients: the notebook was named {ATTACK}.ipynb",
                   f"bob/01_gradients: grad_linear: {OVERRULED}: it returned {ATTACK}"):
        assert listed in page.text
    assert {(row["data-cell"], row["data-count"]) for row in page.having("tr", **{"class": "mistake"})} == {
        ("test_grad_quadratic", "1"), ("test_grad_linear", "1")}
    assert [found["src"] for found in page.having("img")] == ["scores-01_gradients.png"]
    assert (tmp_path / "reports" / "scores-01_gradients.png").stat().st_size > 1000
