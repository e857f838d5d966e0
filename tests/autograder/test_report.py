"""The instructor report on a small synthetic class: its figures exist, and every planned mistake
is counted under its own name."""
import html
import shutil
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from autograder.coursedir.paths import ROOT, release_notebook
from autograder.demo_class import build
from autograder.grade_class import grade_class
from autograder.report import main, write_report
from autograder.variants.loader import load
from autograder.variants.mistakes import OVERRULED_NAME
from tests.autograder.containment.test_verification import GAMES, WRONG, notebook

pytestmark = pytest.mark.nbgrader

ASSIGNMENTS = ["01_gradients", "02_jacobians"]
BROKEN = "zz_no_notebook"
GAMER = "zz_gamer"


class Page(HTMLParser):
    """The images and the named-mistake rows of a report page."""

    def __init__(self, text):
        super().__init__()
        self.images, self.mistakes, self.listed = [], Counter(), Counter()
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs["src"])
        elif tag == "tr" and attrs.get("class") == "mistake":
            self.mistakes[attrs["data-cell"], attrs["data-mistake"]] += int(attrs["data-count"])
        elif tag == "li":
            self.listed[attrs.get("class")] += 1


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """A class of 3 students (one renamed a notebook; a fourth handed in none), graded, and its report."""
    course = tmp_path_factory.mktemp("course")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    for assignment in ASSIGNMENTS:
        shutil.copytree(ROOT / "source" / assignment, course / "source" / assignment)
    plan = build(course, students=3, seed=5, assignment_names=ASSIGNMENTS)
    broken = course / "submitted" / BROKEN / ASSIGNMENTS[0]
    broken.mkdir(parents=True)
    (broken / "answers.txt").write_text("I did it on paper", encoding="utf-8")
    (renamed,) = (course / "submitted" / "student_01" / ASSIGNMENTS[1]).glob("*.ipynb")
    renamed.rename(renamed.with_name("my work.ipynb"))
    gamer = course / "submitted" / GAMER / ASSIGNMENTS[0]
    gamer.mkdir(parents=True)
    nbformat.write(notebook(top_level=GAMES["rebinds the course's checks"], **WRONG),
                   gamer / release_notebook(ASSIGNMENTS[0]).name)
    grade_class(course, workers=2, progress=False)
    path = write_report(course)
    return plan, path, Page(path.read_text(encoding="utf-8"))


def planned_name(assignment, function, answer):
    """The name the report should give a planned answer: its variant label, with any variants
    that share its diagnosis (the feedback cannot tell those apart); a blank is "not implemented"."""
    if answer["kind"] == "blank":
        return "not implemented"
    variants = [v for v in load(assignment)[function] if not v.correct]
    (diagnosis,) = {v.diagnosis for v in variants if v.label == answer["label"]}
    return " or ".join(v.label for v in variants if v.diagnosis == diagnosis)


def test_the_page_shows_figures_that_exist(graded_class):
    _, path, page = graded_class
    assert len(page.images) == len(ASSIGNMENTS)
    for image in page.images:
        assert not Path(image).is_absolute() and (path.parent / image).stat().st_size > 1000


def test_every_planned_mistake_is_counted_under_its_name(graded_class):
    plan, _, page = graded_class
    expected = Counter(
        (f"test_{function}", planned_name(assignment, function, answer))
        for assignments in plan.values()
        for assignment, functions in assignments.items()
        for function, answer in functions.items()
        if answer["kind"] != "correct"
    ) + Counter((f"test_{function}", OVERRULED_NAME) for function in WRONG)
    assert expected, "the demo plan should contain mistakes"
    assert page.mistakes == expected


def test_problem_submissions_are_listed_with_reason_and_repairs(graded_class):
    _, path, page = graded_class
    text = html.unescape(path.read_text(encoding="utf-8"))
    assert page.listed == {"failed": 1, "repaired": 1, "overruled": 1}
    assert f"{GAMER}/{ASSIGNMENTS[0]}</code>: grad_linear: your answer passed the notebook's tests" in text
    assert f"{BROKEN}/{ASSIGNMENTS[0]}</code>: no notebook was handed in" in text
    assert f"student_01/{ASSIGNMENTS[1]}</code>: the notebook was named my work.ipynb" in text


def test_an_empty_course_gets_a_page_saying_so(tmp_path, capsys):
    assert main(["--course", str(tmp_path)]) == 0
    assert "Nothing graded yet" in (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    assert "make grade" in capsys.readouterr().out
