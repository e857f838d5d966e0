"""`make lab` from a clean clone, as a learner meets it, in headless Chromium.

The learner lands on the first notebook (not the Launcher), in a folder of their own that holds
the course notebooks and nothing of the instructor's (no source/, autograder/, tests/); nbgrader's
instructor tools are off while its Validate button stays; a notebook that has only been opened
is not marked unsaved; and a wrong answer's test cell shows its sentence in a few lines, not a
traceback, while nbgrader still scores that cell zero.
"""
import os
import re
import signal
import subprocess
import time

import nbformat
import pytest
from playwright.sync_api import expect, sync_playwright

from autograder.coursedir.paths import ROOT
from autograder.grading.grader import Grader
from tests.browser_support import free_port, launch_chromium, require_chromium

pytestmark = pytest.mark.servers
SECONDS = 1000
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"
FIRST = "01_gradients/gradients.ipynb"
INSTRUCTOR_ONLY = ("source", "autograder", "tests", "release", "Makefile", "nbgrader_config.py")


@pytest.fixture(scope="module")
def learner_lab(tmp_path_factory):
    """`make lab` run in a fresh clone of the course (sharing this checkout's installed venv)."""
    require_chromium()
    clone = tmp_path_factory.mktemp("learner") / "course"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    (clone / ".venv").symlink_to(ROOT / ".venv")
    state = tmp_path_factory.mktemp("lab-state")
    port = free_port()
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(state / "runtime"), "JUPYTERLAB_WORKSPACES_DIR": str(state / "ws"),
           "GRADE_ME_DIR": str(state / "grade-me")}
    log = state / "lab.log"
    with open(log, "wb") as output:  # -o: the shared venv is installed already; never rebuild it from here
        lab = subprocess.Popen(["make", "-o", ".venv/.installed", "lab", f"PORT={port}"], cwd=clone, env=env,
                               stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url, deadline = None, time.monotonic() + 120
        while url is None and time.monotonic() < deadline:
            assert lab.poll() is None, f"`make lab` stopped:\n{log.read_text()[-3000:]}"
            url = re.search(rf"http://127\.0\.0\.1:{port}/\S*\?token=\w+", log.read_text())
            time.sleep(0.3)
        assert url, f"`make lab` printed no URL:\n{log.read_text()[-3000:]}"
        yield clone, url.group(0), log
    finally:
        if lab.poll() is None:
            os.killpg(lab.pid, signal.SIGKILL)
        lab.wait()


@pytest.fixture(scope="module")
def page(learner_lab, tmp_path_factory):
    _, url, _ = learner_lab
    with sync_playwright() as playwright:
        context = launch_chromium(playwright, tmp_path_factory.mktemp("chromium") / "profile")
        tab = context.new_page()
        tab.set_default_timeout(60 * SECONDS)
        tab.goto(url)
        yield tab
        context.close()


def test_the_printed_url_opens_the_first_notebook_not_the_launcher(page, learner_lab, tmp_path):
    clone, url, log = learner_lab
    assert f"/lab/tree/{FIRST}" in url
    current = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current")
    expect(current).to_contain_text("gradients.ipynb", timeout=90 * SECONDS)
    page.locator(f"{NOTEBOOK} .jp-Cell").first.wait_for()
    assert page.locator(".jp-Launcher:visible").count() == 0
    assert (clone / "my-notebooks" / FIRST).is_file()
    page.locator(".jp-StatusBar-TextItem:has-text('| Idle')").wait_for()
    page.wait_for_timeout(1500)  # a notebook that changes on load is marked dirty within moments
    expect(current).not_to_have_class(re.compile(r"jp-mod-dirty"))
    page.screenshot(path=tmp_path / "first-notebook.png")


def test_the_file_browser_shows_the_learners_notebooks_only(page):
    page.locator(".jp-BreadCrumbs-home").first.click()  # the top of what this server shows
    listing = page.locator(".jp-DirListing-item .jp-DirListing-itemName")
    expect(listing.filter(has_text="06_backprop")).to_be_visible(timeout=30 * SECONDS)
    names = set(listing.all_text_contents())
    assert "01_gradients" in names and "06_backprop" in names
    assert not names & set(INSTRUCTOR_ONLY), names
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="gradients.ipynb").click()


def test_instructor_tools_are_off_and_validate_stays(page):
    config = page.locator("#jupyter-config-data").text_content()
    for plugin in ("formgrader", "create-assignment", "course-list"):
        assert f'"@jupyter/nbgrader:{plugin}"' in config.split('"disabledExtensions"')[1].split("]")[0]
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    items = page.locator(".lm-Menu-content .lm-Menu-itemLabel").all_text_contents()
    page.keyboard.press("Escape")
    assert "Assignment List" in items and "Formgrader" not in items and "Course List" not in items
    page.locator(f"{NOTEBOOK} .jp-Toolbar-item").get_by_text("Validate", exact=True).wait_for()


def test_a_wrong_answer_shows_its_sentence_briefly_and_nbgrader_scores_it_zero(page, learner_lab, tmp_path):
    clone, _, _ = learner_lab
    notebook = page.locator(NOTEBOOK)
    answer = notebook.locator(".jp-CodeCell", has_text="def grad_linear").first
    test = notebook.locator(".jp-CodeCell", has_text="grad_linear").filter(has_text="expect_").first
    answer.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text("def grad_linear(a, x):\n    return x\n")
    answer.locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    test.locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    output = test.locator(".jp-OutputArea-output")
    expect(output.first).to_contain_text("Not right yet", timeout=60 * SECONDS)
    text = output.first.inner_text()
    assert "grad_linear" in text and "Traceback" not in text and "grading.py" not in text
    assert len([line for line in text.splitlines() if line.strip()]) <= 4, text
    page.keyboard.press("Control+s")
    saved = clone / "my-notebooks" / FIRST
    deadline = time.monotonic() + 30
    while "return x" not in saved.read_text() and time.monotonic() < deadline:
        time.sleep(0.3)

    handed_in = tmp_path / "01_gradients"
    handed_in.mkdir()
    nbformat.write(nbformat.read(saved, as_version=4), handed_in / "gradients.ipynb")
    outcome = Grader(tmp_path / "grader").grade("learner", "01_gradients", handed_in)
    assert outcome.scores["test_grad_linear"][0] == 0
