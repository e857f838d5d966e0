"""What the course's HTML exporters share: a template of the course's own (``templates/<name>/``,
extending nbconvert's or nbgrader's) and MathJax inside the page.

MathJax (1 MB) goes in after nbconvert's own pass over the page (BeautifulSoup, in pure Python), so
that pass reads the notebook and not MathJax: a second less for every page. (The feedback pages skip
that pass altogether: :class:`~autograder.pages.feedback_export.OnePassHTMLExporter`.) Compiled
templates are kept (Jinja's bytecode cache): nbgrader makes a new exporter for every page.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from jinja2 import BytecodeCache, Environment, FileSystemBytecodeCache
from nbformat import NotebookNode
from traitlets import HasTraits, List, Unicode, default

from autograder.coursedir.cells import function_of
from autograder.pages.offline_math import mathjax_script

TEMPLATES = Path(__file__).with_name("templates")
MATHJAX_MARK = "<!-- MathJax, inside the page -->"  # where the template wants MathJax


@functools.cache
def template_cache() -> BytecodeCache | None:
    """Jinja's cache of compiled templates, in a private folder of this user's (None if none can be made)."""
    try:
        return FileSystemBytecodeCache()
    except RuntimeError:
        return None


class CourseTemplate(HasTraits):
    """Mixed in before an nbconvert exporter: ``course_template`` names its folder in ``templates/``,
    ``template_bases`` the other folders its templates extend.

    The template traits are not configurable: nbgrader sets ``HTMLExporter.template_name`` to
    ``feedback`` on every run (for its own exporter), which would otherwise replace the course's.
    """

    course_template = ""
    template_bases = ()
    template_name = Unicode().tag(affects_template=True)
    extra_template_basedirs = List(Unicode()).tag(affects_environment=True)

    @default("template_name")
    def _course_template_name(self):
        return self.course_template

    @default("extra_template_basedirs")
    def _course_template_basedirs(self):
        return [str(TEMPLATES), *map(str, self.template_bases)]

    def _create_environment(self) -> Environment:
        """nbconvert's template environment, with compiled templates kept: a third of a second per page
        that nbgrader's fresh exporter would spend compiling the same ten templates again."""
        environment = super()._create_environment()
        environment.bytecode_cache = template_cache()
        return environment

    def default_filters(self) -> Iterator[tuple[str, Callable]]:
        """The exporter's Jinja filters, and the course's: ``mathjax_script`` (its mark, filled in by
        :meth:`from_notebook_node`) and ``function_of``."""
        yield from super().default_filters()
        yield "mathjax_script", lambda _: MATHJAX_MARK
        yield "function_of", function_of  # a test cell's grade id -> its exercise

    def from_notebook_node(self, nb: NotebookNode, resources: dict[str, Any] | None = None,
                           **kw: Any) -> tuple[str, dict[str, Any]]:
        """The exporter's page, with MathJax where the template marked it."""
        page, resources = super().from_notebook_node(nb, resources, **kw)
        return page.replace(MATHJAX_MARK, mathjax_script(), 1), resources
