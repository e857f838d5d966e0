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
from traitlets import List, Unicode, default

from autograder.offline_math import mathjax_script

TEMPLATES = Path(__file__).with_name("templates")
NBGRADER_TEMPLATES = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates"


class FeedbackExporter(HTMLExporter):
    """HTML with the course's feedback template.

    Its template traits are not configurable: nbgrader sets ``HTMLExporter.template_name`` to
    ``feedback`` on every run (for its own exporter), which would otherwise replace the course's.
    """

    template_name = Unicode().tag(affects_template=True)
    extra_template_basedirs = List(Unicode()).tag(affects_environment=True)

    @default("template_name")
    def _course_template_name(self):
        return "course_feedback"

    @default("template_file")
    def _course_template_file(self):
        return "page.html.j2"

    @default("extra_template_basedirs")
    def _course_template_basedirs(self):
        return [str(TEMPLATES), str(NBGRADER_TEMPLATES)]

    def default_filters(self):
        yield from super().default_filters()
        yield "mathjax_script", lambda _: mathjax_script()
