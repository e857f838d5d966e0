"""A feedback page typesets its math with the network off: Chromium, allowed to reach nothing but
``file://`` and 127.0.0.1, opens a graded page; MathJax's output is there, and no request went
elsewhere. With UPDATE_SCREENSHOTS=1 the picture is written to docs/feedback-offline.png.

Nothing is skipped: without Chromium the test fails with the command that installs it.
"""
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from autograder.coursedir.paths import ROOT
from tests.browser_support import launch_chromium
from tests.sample_submissions import graded_symmetric_only_mistake

SECONDS = 1000  # Playwright counts milliseconds
TYPESET = "() => window.MathJax && MathJax.startup && MathJax.startup.promise && MathJax.startup.promise.then(() => true)"
pytestmark = pytest.mark.browser
LOCAL = ("file://", "data:", "blob:", "http://127.0.0.1:", "ws://127.0.0.1:")


def test_feedback_page_typesets_math_offline(tmp_path):
    outcome = graded_symmetric_only_mistake(tmp_path, verification=False)

    with sync_playwright() as playwright:
        context = launch_chromium(playwright, tmp_path / "profile")  # aborts anything not on this machine
        tab = context.new_page()
        requested = []
        tab.on("request", lambda request: requested.append(request.url))
        tab.goto(Path(outcome.feedback).as_uri())
        tab.wait_for_function(TYPESET, timeout=60 * SECONDS)
        typeset = tab.locator("mjx-container[jax='SVG']")
        count = typeset.count()
        failed = tab.locator("mjx-merror").count()
        text = "\n".join(tab.locator(".text_cell_render").all_inner_texts())
        tab.set_viewport_size({"width": 1100, "height": 760})
        tab.locator("a[name='test_grad_quadratic']").evaluate("anchor => anchor.scrollIntoView({block: 'center'})")
        shot = tmp_path / "feedback-offline.png"
        tab.screenshot(path=shot)
        context.close()

    assert not [url for url in requested if not url.startswith(LOCAL)], requested
    assert count >= 10 and failed == 0, (count, failed)
    assert not re.findall(r"\$[^$\s][^$]*\$", text)  # no LaTeX left as text
    print(f"screenshot: {shot}")
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        (ROOT / "docs" / "feedback-offline.png").write_bytes(shot.read_bytes())
