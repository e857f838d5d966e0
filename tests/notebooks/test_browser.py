"""The course as a learner meets it: the real JupyterLab in headless Chromium.

One server serves every release notebook with the reference solutions filled in. For each
notebook the test does what a person does: opens it, chooses Run → Run All Cells, waits for the
kernel to be idle, and looks. No error output, every widget drawn (no "Error displaying widget",
no lingering "Loading widget…"), and moving a slider redraws the figure. A screenshot of each
notebook's figure goes to a temporary folder (`pytest -s` prints it); with UPDATE_SCREENSHOTS=1
the README's pictures in docs/ are written again.

Nothing is skipped: without Chromium the tests fail with the command that installs it.
"""
import json
import os
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect, sync_playwright

from autograder.coursedir.paths import ROOT, assignments, release_notebook
from tests.browser_support import JupyterLab, launch_chromium, require_chromium, solved_course
from tests.sample_submissions import graded_symmetric_only_mistake

pytestmark = pytest.mark.browser


UPDATE = os.environ.get("UPDATE_SCREENSHOTS") == "1"
DOCS = ROOT / "docs"
README_WIDGET = "04_chain_product_rules"  # the notebook whose figure illustrates the README
SECONDS = 1000  # Playwright counts milliseconds
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook in the current tab
IDLE = ".jp-StatusBar-TextItem:has-text('| Idle')"
ERROR_OUTPUT = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"  # tracebacks too
# Run All Cells is over when every cell has its execution count, or when an error stopped it
# (the cells after the error are no longer queued).
RUN_OVER = """([panel, ERROR]) => {
    const prompts = [...document.querySelectorAll(panel + ' .jp-CodeCell .jp-InputArea-prompt')];
    const stopped = document.querySelector(panel + " " + ERROR) !== null && !prompts.some(p => p.textContent.includes('*'));
    return stopped || (prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent)));
}"""
WAITING_CELLS = """(panel) => [...document.querySelectorAll(panel + ' .jp-CodeCell')]
    .filter(cell => !/\\[\\d+\\]/.test(cell.querySelector('.jp-InputArea-prompt').textContent))
    .map(cell => cell.querySelector('.jp-InputArea-prompt').textContent + ' '
                 + cell.querySelector('.jp-InputArea-editor').textContent.slice(0, 80))"""
# Controls a learner cannot see or grab: off the right edge of the figure's widget, or a slider with no track.
HIDDEN_CONTROLS = """(root) => {
    const edge = root.getBoundingClientRect().right;
    const bad = [];
    for (const control of root.querySelectorAll('.widget-inline-hbox, .widget-toggle-buttons, .widget-dropdown')) {
        const box = control.getBoundingClientRect();
        const name = (control.querySelector('.widget-label') || control).textContent.trim() || control.className;
        if (box.right > edge + 1 || box.width === 0) bad.push(name + ': outside the visible area');
        const track = control.querySelector('.noUi-target');
        if (track && track.getBoundingClientRect().width < 20) bad.push(name + ': slider track has no room');
    }
    return bad;
}"""
FIGURE_CHANGED = """([root, before]) => {
    const image = root.querySelector('img');
    return image !== null && image.src !== before;
}"""


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    """The folder for this run's screenshots."""
    folder = tmp_path_factory.mktemp("screenshots")
    print(f"screenshots: {folder}")
    return folder


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on the solved course, shut down (kernels and all) at the end."""
    require_chromium()
    root, state = tmp_path_factory.mktemp("course"), tmp_path_factory.mktemp("lab-state")
    solved_course(root)
    server = JupyterLab(root, state).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Headless Chromium (one for the module)."""
    require_chromium()
    with sync_playwright() as playwright:
        context = launch_chromium(playwright, tmp_path_factory.mktemp("chromium") / "profile")
        yield context
        context.close()


@pytest.fixture
def page(lab, browser):
    """A browser tab on the Lab, opened fresh (no restored workspace) for each test; when it is
    closed, the kernels it started are shut down, so no notebook meets another's state."""
    tab = browser.new_page()
    tab.set_default_timeout(60 * SECONDS)
    tab.goto(f"{lab.url}/lab?reset&token={lab.token}")
    tab.locator(".jp-LauncherCard, .jp-DirListing-item").first.wait_for()
    yield tab
    tab.close()
    shut_down_kernels(lab)


def menu(page, *path):
    """Click through the main menu, e.g. ``menu(page, "Run", "Run All Cells")``."""
    page.locator(".lm-MenuBar-itemLabel", has_text=path[0]).click()
    for label in path[1:]:
        page.locator(".lm-Menu-itemLabel").get_by_text(label, exact=True).click()


def open_notebook(page, assignment, *, kernel=True):
    """Open a notebook with File → Open from Path…, as a person would, and (``kernel``) wait for its kernel."""
    path = f"{assignment}/{release_notebook(assignment).name}"
    menu(page, "File", "Open from Path…")
    field = page.locator(".jp-Dialog input")
    field.fill(path)
    field.press("Enter")
    page.locator(f".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current:has-text('{release_notebook(assignment).name}')").wait_for()
    page.locator(f"{NOTEBOOK} .jp-Cell").first.wait_for()
    if kernel:
        page.locator(IDLE).wait_for()
    return page.locator(NOTEBOOK)


def shut_down_kernels(lab):
    """Free the core: shut down every kernel the Lab started."""
    with urllib.request.urlopen(f"{lab.url}/api/sessions?token={lab.token}") as answer:
        sessions = json.load(answer)
    for session in sessions:
        request = urllib.request.Request(f"{lab.url}/api/sessions/{session['id']}?token={lab.token}", method="DELETE")
        urllib.request.urlopen(request).close()


def test_nbgrader_extension_is_loaded(page):
    """Learners get nbgrader's UI: its labextension is loaded, its menu is there."""
    config = json.loads(page.locator("#jupyter-config-data").text_content())
    assert "@jupyter/nbgrader" in {extension["name"] for extension in config["federated_extensions"]}
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    for entry in ("Assignment List", "Formgrader"):
        page.locator(".lm-Menu-itemLabel").get_by_text(entry, exact=True).wait_for()
    page.keyboard.press("Escape")


@pytest.mark.parametrize("assignment", assignments())
def test_notebook_runs_in_jupyterlab(page, shots, assignment):
    run_and_look(page, shots, assignment)


def test_validate_button_passes_a_solved_notebook(page):
    """nbgrader's Validate button (what a learner clicks before handing in) runs the notebook's
    tests and says the solved notebook passes."""
    open_notebook(page, "01_gradients", kernel=False)  # Validate runs the notebook in a kernel of its own
    page.locator(f"{NOTEBOOK} .jp-Toolbar-item").get_by_text("Validate", exact=True).click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("Success", timeout=120 * SECONDS)
    dialog.locator("button").last.click()


def run_and_look(page, shots, assignment):
    """Open, Run All Cells, and check what a learner sees; screenshots go to ``shots``."""
    notebook = open_notebook(page, assignment)
    # nbgrader's "Validate" button is in the notebook's toolbar.
    notebook.locator(".jp-Toolbar-item").get_by_text("Validate", exact=True).wait_for()
    menu(page, "Run", "Run All Cells")
    try:
        page.wait_for_function(RUN_OVER, arg=[NOTEBOOK, ERROR_OUTPUT], timeout=150 * SECONDS)
    except PlaywrightTimeout:
        waiting = page.evaluate(WAITING_CELLS, NOTEBOOK)
        page.screenshot(path=shots / f"{assignment}-stuck.png")
        pytest.fail(f"{assignment}: Run All Cells did not finish; cells without an execution count: {waiting}")
    page.locator(IDLE).wait_for()

    errors = notebook.locator(ERROR_OUTPUT)
    shown = "\n---\n".join(t[-1500:] for t in errors.all_text_contents())
    assert errors.count() == 0, f"{assignment}: error output in JupyterLab:\n{shown}"
    text = notebook.text_content()
    for broken in ("Error displaying widget", "Loading widget", "Failed to display"):
        assert broken not in text, f"{assignment}: a widget shows {broken!r}"

    widgets = notebook.locator(".jp-OutputArea-output > .jupyter-widgets")
    assert widgets.count() >= 1, f"{assignment}: no interactive figure was rendered"
    for index in range(widgets.count()):
        assert widgets.nth(index).locator("img").count() == 1, f"{assignment}: widget {index} shows no figure"

    figure = widgets.first
    figure.locator("img").scroll_into_view_if_needed()
    expect(figure.locator("img")).to_be_in_viewport(ratio=0.5)
    page.screenshot(path=shots / f"{assignment}.png")
    if UPDATE and assignment == README_WIDGET:
        DOCS.mkdir(exist_ok=True)
        page.screenshot(path=DOCS / "widget.png")
    hidden = figure.evaluate(HIDDEN_CONTROLS)
    assert not hidden, f"{assignment}: controls a learner cannot use (window 1280 px wide): {hidden}"

    before = figure.locator("img").get_attribute("src")
    slider = figure.locator(".widget-slider .noUi-handle").first
    slider.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(FIGURE_CHANGED, arg=[figure.element_handle(), before], timeout=30 * SECONDS)
    figure.screenshot(path=shots / f"{assignment}-moved.png")


def test_feedback_page_names_the_mistake(browser, tmp_path, shots):
    """A learner who writes 2Ax for the gradient of xᵀAx sees, at the top of the feedback page, the
    points lost and why: "right only for symmetric A"."""
    outcome = graded_symmetric_only_mistake(tmp_path)

    tab = browser.new_page()
    tab.goto(Path(outcome.feedback).as_uri())
    summary = tab.locator("#course-summary")
    lost = outcome.scores["test_grad_quadratic"][1]
    expect(summary).to_contain_text(f"{outcome.maximum - lost:g} / {outcome.maximum:g} points")
    expect(summary.locator("tr", has_text="grad_quadratic")).to_contain_text("right only for symmetric A")
    expect(tab.locator("body")).to_contain_text("right only for symmetric A", timeout=5 * SECONDS)
    tab.set_viewport_size({"width": 1100, "height": 560})
    tab.screenshot(path=shots / "feedback.png")
    if UPDATE:
        DOCS.mkdir(exist_ok=True)
        tab.screenshot(path=DOCS / "feedback.png")
    tab.close()
