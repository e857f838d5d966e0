"""Read nbgrader's feedback HTML as the plain text a learner sees."""
import html
import re


def visible_text(page):
    """The page's text without tags, scripts, styles or entities (ANSI colour spans included)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", "", page))
