"""The HTML exporter of feedback pages: nbgrader's page, each graded cell named by its exercise,
its math typeset by a MathJax inside the page.

``nbgrader_config.py`` makes it ``GenerateFeedback``'s exporter, so every way of making a
feedback page uses it. The template is ``templates/course_feedback/`` beside this file: its
``page.html.j2`` extends nbgrader's ``feedback/index.html.j2``, and its ``mathjax.html.j2`` stands
in for nbconvert's, which loads MathJax from a CDN.
"""
import re
from pathlib import Path
from typing import Any

import nbgrader
from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbformat import NotebookNode
from traitlets import default

from autograder.pages.course_template import CourseTemplate

NBGRADER_TEMPLATES = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates"
IMAGE_WITHOUT_ALT = re.compile(r"<img(?![^>]*\salt=)")
NO_ALT = '<img alt="No description has been provided for this image"'  # nbconvert's words


class OnePassHTMLExporter(HTMLExporter):
    """nbconvert's HTML exporter without its second pass over the finished page.

    That pass parses the whole page with BeautifulSoup in pure Python (a second and more for a
    notebook with much code: every highlighted token is a tag) to give images without alt text
    nbconvert's alt text, and tabindex to JupyterLab-style cells. The classic template nbgrader's page
    extends has no such cells; the alt text is added here to the ``<img>`` tags that lack it.
    """

    def from_notebook_node(self, nb: NotebookNode, resources: dict[str, Any] | None = None,
                           **kw: Any) -> tuple[str, dict[str, Any]]:
        """The page, with the filters :meth:`HTMLExporter.from_notebook_node` registers first."""
        language = nb.metadata.get("language_info", {})
        lexer = language.get("pygments_lexer", language.get("name"))
        self.register_filter("highlight_code",
                             self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
        resources = self._init_resources(resources)
        self.register_filter("filter_data_type",
                             WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources))
        page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return IMAGE_WITHOUT_ALT.sub(NO_ALT, page), resources


class FeedbackExporter(CourseTemplate, OnePassHTMLExporter):
    """HTML with the course's feedback template, over nbgrader's."""

    course_template = "course_feedback"
    template_bases = (NBGRADER_TEMPLATES,)

    @default("template_file")
    def _course_template_file(self):
        return "page.html.j2"
