"""The course's own HTML pages (the feedback summary, the instructor report) from their Jinja2
templates in ``templates/course_pages/``: every value is escaped unless a template says otherwise."""
from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader

from autograder.coursedir.cells import function_of

ENVIRONMENT = Environment(
    loader=PackageLoader("autograder.pages", "templates/course_pages"),
    autoescape=True,  # learners' words (error messages, file names) reach these pages: text, never markup
    trim_blocks=True,
    lstrip_blocks=True,
)
ENVIRONMENT.filters["function_of"] = function_of  # a test cell's grade id -> its exercise


def render(template: str, **values: Any) -> str:
    """The page (or block) ``template`` filled in with ``values``."""
    return ENVIRONMENT.get_template(template).render(**values)
