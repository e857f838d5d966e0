"""The HTML exporter of feedback pages: nbgrader's page, each graded cell named by its exercise,
its math typeset by a MathJax inside the page.

``nbgrader_config.py`` makes it ``GenerateFeedback``'s exporter, so every way of making a
feedback page uses it. The template is ``templates/course_feedback/`` beside this file: its
``page.html.j2`` extends nbgrader's ``feedback/index.html.j2``, and its ``mathjax.html.j2`` stands
in for nbconvert's, which loads MathJax from a CDN.
"""
from pathlib import Path

import nbgrader
from nbconvert.exporters import HTMLExporter
from traitlets import default

from autograder.pages.course_template import CourseTemplate

NBGRADER_TEMPLATES = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates"


class FeedbackExporter(CourseTemplate, HTMLExporter):
    """HTML with the course's feedback template, over nbgrader's."""

    course_template = "course_feedback"
    template_bases = (NBGRADER_TEMPLATES,)

    @default("template_file")
    def _course_template_file(self):
        return "page.html.j2"
