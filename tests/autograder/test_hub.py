"""The course on a JupyterHub, end to end: real Linux accounts, the hub from ``deploy/jupyterhub`` with
its proxy, each person's JupyterLab in headless Chromium, nbgrader's exchange, the instructor's ``make``
steps. Needs root (to create accounts); elsewhere it is skipped with the reason.

The instructor hands out 01_gradients; two students log in, fetch it from the Assignments tab, fill in
the answers in the notebook (B with the symmetric-only gradient 2Ax), save and submit; the instructor
collects and grades, returns feedback, which B fetches; the formgrader shows both; Canvas gets a CSV.
With UPDATE_SCREENSHOTS=1 the pictures of the journey are written to docs/.
"""
import csv
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect, sync_playwright

from autograder import hub
from autograder.coursedir.cells import graded_cells, reference_solutions, replace_stub, solution_cells
from autograder.coursedir.paths import ROOT, release_notebook, source_notebook
from tests.browser_support import free_port, launch_chromium
from tests.feedback_text import leaks, visible_text

pytestmark = [
    pytest.mark.servers, pytest.mark.browser, pytest.mark.nbgrader,
    pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("useradd") or not shutil.which("setpriv"),
                       reason="needs root and useradd/setpriv to create the class's Linux accounts"),
]
ASSIGNMENT = "01_gradients"
WRONG = {"grad_quadratic": "return 2 * A @ x"}  # student B: right only for symmetric A
SCREENSHOTS = os.environ.get("UPDATE_SCREENSHOTS") == "1"


def _wait_for(url, seconds=90):
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@pytest.fixture(scope="module")
def course_hub():
    """The hub running on free loopback ports, with students a and b and an instructor (fresh accounts)."""
    if not hub.PROXY.exists():
        raise RuntimeError(f"{hub.PROXY} not found: `make test` provides it (tools/provide-proxy .venv)")
    token = secrets.token_hex(3)
    groups = (f"mcs{token}", f"mci{token}")
    people = {"a": f"mca{token}", "b": f"mcb{token}", "instructor": f"mct{token}"}
    passwords = {name: secrets.token_urlsafe(9) for name in people.values()}
    home = Path(tempfile.mkdtemp(prefix="course-hub-"))
    log_path = Path(tempfile.mkdtemp(prefix="course-hub-log-")) / "hub.log"
    process = None
    try:
        for role, name in people.items():
            hub.add_account(name, passwords[name], groups[1] if role == "instructor" else groups[0])
        course = hub.give_course(people["instructor"])
        port = free_port()
        env = {**os.environ, "COURSE_HUB_API_PORT": str(free_port()), "COURSE_PROXY_API_PORT": str(free_port()),
               "COURSE_STUDENTS_GROUP": groups[0], "COURSE_INSTRUCTORS_GROUP": groups[1]}
        with open(log_path, "w") as log:  # `make hub` as the README gives it, without the demo accounts
            process = subprocess.Popen(["make", "--no-print-directory", "hub", "DEMO=0", f"HUB_HOME={home}",
                                        f"HUB_PORT={port}"], cwd=ROOT, env=env, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        _wait_for(f"http://127.0.0.1:{port}/hub/api/", seconds=600)  # the users' environment is built first
        assert f"The course's hub: http://127.0.0.1:{port}/" in log_path.read_text()
        yield SimpleNamespace(url=f"http://127.0.0.1:{port}", home=home, course=course, people=people,
                              passwords=passwords)
    finally:
        if process is not None:
            os.killpg(process.pid, signal.SIGTERM)  # the hub stops the users' servers and its proxy
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
            print(log_path.read_text()[-3000:])
        shutil.rmtree(log_path.parent)
        for name in people.values():
            subprocess.run(["pkill", "-KILL", "-u", name], check=False)
            subprocess.run(["userdel", "--remove", name], check=False, capture_output=True)
        for group in groups:
            subprocess.run(["groupdel", group], check=False, capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


def instructor_runs(course_hub, *make_arguments):
    """``make <arguments>`` as the instructor in their course directory, with the hub's environment."""
    run = hub.as_instructor(course_hub.people["instructor"],
                            ["make", "--no-print-directory", *make_arguments, f"ENV={course_hub.home / 'env'}"],
                            cwd=course_hub.course, home=course_hub.home, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout + run.stderr


def log_in(context, course_hub, name):
    """Log in through the hub's login page; returns the page once the user's JupyterLab is up."""
    page = context.new_page()
    page.goto(f"{course_hub.url}/hub/login")
    page.fill("#username_input", name)
    page.fill("#password_input", course_hub.passwords[name])
    page.click("#login_submit")
    page.wait_for_url(f"**/user/{name}/lab**", timeout=120_000)
    expect(page.locator("#jp-main-dock-panel")).to_be_visible(timeout=120_000)
    return page


INSTRUCTOR_TOOLS = {"nbgrader:open-formgrader", "nbgrader:open-course-list"}


def nbgrader_menu(page):
    """Open JupyterLab's Nbgrader menu; returns the commands it shows."""
    page.locator('#jp-menu-panel div.lm-MenuBar-itemLabel:text-is("Nbgrader")').click()
    items = page.locator("#jp-mainmenu-nbgrader li[data-command]:visible")
    expect(items.first).to_be_visible()
    return set(items.evaluate_all("items => items.map(item => item.dataset.command)"))


def open_assignments(page):
    """The student's Assignments tab, from the Nbgrader menu, which offers no instructor's tool."""
    assert not nbgrader_menu(page) & INSTRUCTOR_TOOLS
    page.locator('#jp-mainmenu-nbgrader li[data-command="nbgrader:open-assignment-list"]').click()
    expect(page.locator("#released_assignments_list")).to_be_visible(timeout=30_000)


def rows(page, name, count):
    found = page.locator(f"#{name}_assignments_list > .list_item")
    expect(found).to_have_count(count, timeout=60_000)
    return found


def answers(wrong=None):
    """``{first line of a solution cell: the whole cell filled in}`` for the release notebook."""
    codes = {**reference_solutions(source_notebook(ASSIGNMENT)), **(wrong or {})}
    release = nbformat.read(release_notebook(ASSIGNMENT), as_version=4)
    return {cell.source.splitlines()[0]: replace_stub(cell.source, codes[name])
            for name, cell in solution_cells(release).items()}


def fill_in_notebook(page, filled):
    """Walk the open notebook cell by cell (command mode, j) and type each answer over its stub."""
    page.locator(".jp-Notebook .jp-Cell").first.click()
    page.keyboard.press("Escape")
    remaining = dict(filled)
    for _ in range(200):
        active = page.locator(".jp-Notebook .jp-Cell.jp-mod-active")
        if "jp-CodeCell" in (active.get_attribute("class") or ""):
            expect(active.locator(".cm-content")).to_be_visible()
            text = active.locator(".cm-content").inner_text()
            first = text.splitlines()[0] if text else ""
            if first in remaining and "raise NotImplementedError()" in text:
                page.keyboard.press("Enter")
                page.keyboard.press("Control+A")
                page.keyboard.insert_text(remaining.pop(first))
                page.keyboard.press("Escape")
        if not remaining:
            return
        page.keyboard.press("j")
    raise AssertionError(f"answer cells not found: {sorted(remaining)}")


def hand_in(page, wrong=None):
    """Fetch the assignment, open it, fill in the answers, save, submit: all in the student's JupyterLab."""
    open_assignments(page)
    page.locator("#refresh_assignments_list").click()
    rows(page, "released", 1).first.locator(".item_status button").click()
    rows(page, "fetched", 1)
    open_fetched_notebook(page)
    expect(page.locator(".jp-NotebookPanel .jp-Notebook")).to_be_visible(timeout=60_000)
    fill_in_notebook(page, answers(wrong))
    page.keyboard.press("Control+S")
    expect(page.locator(".lm-TabBar-tab.jp-mod-dirty")).to_have_count(0, timeout=30_000)
    page.locator('.lm-TabBar-tab:has-text("Assignments")').click()
    page.locator('#fetched_assignments_list .item_status button:text-is("Submit")').click()
    rows(page, "submitted", 1)


def open_fetched_notebook(page):
    """Unfold the fetched assignment and open its notebook. The extension draws its lists again, folded,
    once it has recorded the fetch: a click that lands on the list before that finds it folded again."""
    assignment = page.locator(f'#fetched_assignments_list a:text-is("{ASSIGNMENT}")')
    notebook = page.locator('#fetched_assignments_list a:text-is("gradients")')
    for _ in range(5):
        if not notebook.is_visible():
            assignment.click()
        try:
            notebook.click(timeout=10_000)
            return
        except PlaywrightTimeoutError:
            continue
    notebook.click()  # the last try says why it failed


def submission(course_hub, role):
    """The notebook the student saved and handed in, as the instructor collected it."""
    path = course_hub.course / "submitted" / course_hub.people[role] / ASSIGNMENT / "gradients.ipynb"
    return nbformat.read(path, as_version=4)


def keep(page, name, tmp_path):
    """Save a screenshot of the journey (docs/ with UPDATE_SCREENSHOTS=1)."""
    shot = tmp_path / name
    page.screenshot(path=shot)
    print(f"screenshot: {shot}")
    if SCREENSHOTS:
        (ROOT / "docs" / name).write_bytes(shot.read_bytes())


def test_a_class_hands_out_hands_in_and_gets_feedback_through_the_hub(course_hub, tmp_path):
    from nbgrader.api import Gradebook

    a, b, instructor = (course_hub.people[role] for role in ("a", "b", "instructor"))
    # 1. The instructor hands the assignment out.
    assert "Released as: matrix-calculus 01_gradients" in instructor_runs(course_hub, "hand-out", f"A={ASSIGNMENT}")

    with sync_playwright() as playwright:
        contexts = {name: launch_chromium(playwright, tmp_path / f"profile-{name}") for name in (a, b, instructor)}
        try:
            # 2. Each student logs in, fetches, answers, saves and submits from the Assignments tab.
            pages = {name: log_in(contexts[name], course_hub, name) for name in (a, b)}
            hand_in(pages[a])
            keep(pages[a], "hub-student-submitted.png", tmp_path)
            hand_in(pages[b], WRONG)

            # 3. The instructor collects and grades: A has every point, B loses exactly grad_quadratic's.
            graded = instructor_runs(course_hub, "collect", f"A={ASSIGNMENT}")
            assert "Graded 2 of 2 submissions" in graded, graded
            points = graded_cells(nbformat.read(release_notebook(ASSIGNMENT), as_version=4))
            total = sum(points.values())
            with Gradebook(f"sqlite:///{course_hub.course / 'gradebook.db'}") as gradebook:
                scores = {name: gradebook.find_submission(ASSIGNMENT, name).score for name in (a, b)}
                lost = {cell.name: cell.max_score - cell.score for cell in gradebook.find_submission_notebook(
                        "gradients", ASSIGNMENT, b).grades if cell.score < cell.max_score}
            assert scores == {a: total, b: total - points["test_grad_quadratic"]}
            assert lost == {"test_grad_quadratic": points["test_grad_quadratic"]}

            # 4. The instructor returns feedback; B fetches it from the Assignments tab and reads it.
            assert "Wrote 2 feedback pages." in instructor_runs(course_hub, "return", f"A={ASSIGNMENT}")
            page = pages[b]
            page.locator('.lm-TabBar-tab:has-text("Assignments")').click()
            page.locator("#refresh_assignments_list").click()
            page.locator('#submitted_assignments_list button:text-is("Fetch Feedback")').click()
            expect(page.locator('#submitted_assignments_list a:text("view feedback")')).to_be_visible(timeout=60_000)
            fetched = sorted(Path(pwd.getpwnam(b).pw_dir, ASSIGNMENT, "feedback").glob("*/gradients.html"))
            assert len(fetched) == 1
            relative = fetched[0].relative_to(pwd.getpwnam(b).pw_dir).as_posix()
            feedback = contexts[b].new_page()
            feedback.goto(f"{course_hub.url}/user/{b}/files/{relative}")
            expect(feedback.locator("body")).to_contain_text("symmetric", timeout=30_000)
            keep(feedback, "hub-student-feedback.png", tmp_path)
            text = fetched[0].read_text(encoding="utf-8")
            assert "symmetric" in visible_text(text) and "BEGIN HIDDEN TESTS" not in text
            assert not leaks(text, ASSIGNMENT, submission(course_hub, "b"))

            # 5. The formgrader, in the instructor's browser, lists both submissions with these scores.
            formgrader = log_in(contexts[instructor], course_hub, instructor)
            assert nbgrader_menu(formgrader) >= INSTRUCTOR_TOOLS
            formgrader.goto(f"{course_hub.url}/user/{instructor}/formgrader/manage_submissions/{ASSIGNMENT}")
            for name in (a, b):
                row = formgrader.locator("tr", has_text=name)
                expect(row).to_contain_text(f"{scores[name]:g} / {total:g}", timeout=60_000)
            keep(formgrader, "hub-formgrader.png", tmp_path)
        finally:
            for context in contexts.values():
                context.close()


def test_a_student_cannot_read_anothers_work_or_the_instructors_course(course_hub):
    """As A's Linux user, with the Python A's server runs: B's home, the exchange's inbox and the
    instructor's course directory (sources, gradebook, collected submissions) are all refused."""
    a, b = course_hub.people["a"], course_hub.people["b"]
    targets = {
        "B's notebook": Path(pwd.getpwnam(b).pw_dir, ASSIGNMENT, "gradients.ipynb"),
        "the exchange's inbox": course_hub.home / "exchange" / "matrix-calculus" / "inbound",
        "the course's sources": course_hub.course / "source" / ASSIGNMENT,
        "the gradebook": course_hub.course / "gradebook.db",
        "collected submissions": course_hub.course / "submitted",
    }
    probe = ("import json, os, sys\nrefused = {}\nfor label, path in json.loads(sys.argv[1]).items():\n"
             "    try:\n        os.listdir(path) if os.path.isdir(path) else open(path).read(1)\n"
             "        refused[label] = False\n    except PermissionError:\n        refused[label] = True\n"
             "print(json.dumps(refused))")
    account = pwd.getpwnam(a)
    run = subprocess.run(["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--init-groups",
                          str(course_hub.home / "env" / "bin" / "python"), "-c", probe,
                          json.dumps({label: str(path) for label, path in targets.items()})],
                         capture_output=True, text=True, timeout=60, cwd="/")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == dict.fromkeys(targets, True)


def test_canvas_gets_one_column_per_assignment_and_rows_matched_by_login(course_hub):
    """Canvas's gradebook import layout: identity columns, the assignment, a Points Possible row."""
    a, b = course_hub.people["a"], course_hub.people["b"]
    instructor_runs(course_hub, "export", "FORMAT=canvas")
    with open(course_hub.course / "grades-canvas.csv", newline="", encoding="utf-8") as handle:
        table = list(csv.reader(handle))
    total = sum(graded_cells(nbformat.read(release_notebook(ASSIGNMENT), as_version=4)).values())
    quadratic = graded_cells(nbformat.read(release_notebook(ASSIGNMENT), as_version=4))["test_grad_quadratic"]
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", ASSIGNMENT]
    assert table[1] == ["    Points Possible", "", "", "", "", f"{total:g}"]
    by_login = {row[3]: row for row in table[2:]}
    assert by_login[a] == [a, "", "", a, "", f"{total:g}"]
    assert by_login[b] == [b, "", "", b, "", f"{total - quadratic:g}"]


def test_the_instructor_grading_as_an_ordinary_user_gives_a_thief_nothing(course_hub):
    """`make grade` as the instructor, an ordinary Linux user (learner code is then contained through a user
    namespace): a submission that hunts for the reference solutions, the gradebook and the other students'
    notebooks by every route earns zero, and its feedback says that nothing could be found."""
    from tests.autograder.containment.test_containment import FUNCTIONS, thief

    folder = course_hub.course / "submitted" / "mallory" / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(thief(), folder / "gradients.ipynb")
    account = pwd.getpwnam(course_hub.people["instructor"])
    for path in (folder.parent, folder, folder / "gradients.ipynb"):
        os.chown(path, account.pw_uid, account.pw_gid)
    report = instructor_runs(course_hub, "grade", "STUDENT=mallory", f"ASSIGNMENT={ASSIGNMENT}")
    assert "Graded 1 of 1 submissions" in report, report
    outcome = json.loads((course_hub.course / "autograded" / "mallory" / ASSIGNMENT / "outcome.json").read_text())
    assert [score for score, _ in outcome["scores"].values()] == [0.0] * len(FUNCTIONS)
    for function in FUNCTIONS:
        assert "no one else's answer can be found from here" in outcome["messages"][f"test_{function}"]
