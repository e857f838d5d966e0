"""The README teaches only what works: its commands are real and run somewhere in the suite, its
first two are `make lab` and `make test` (and CI runs exactly that test command), its curriculum
table says what the notebooks say, and its pictures and links exist."""
import importlib
import os
import re
import shlex
import signal
import subprocess
import time
import urllib.request

import nbformat
import pytest

from autograder.coursedir.paths import ROOT, assignments, release_notebook, source_notebook
from autograder.workshop import curriculum
from tests.browser_support import free_port

pytestmark = pytest.mark.nbgrader

README = (ROOT / "README.md").read_text(encoding="utf-8")
FENCED = re.compile(r"```(?:sh|bash)?\n(.*?)```", re.S)
COMMAND_START = re.compile(r"(make [a-z]|python3? |\.venv/bin/|conda |jupyter |pip |sudo |[A-Z_]+=\S+ make )")

# Commands other than `make <target>`, and the test that runs each one.
RUN_ELSEWHERE = {
    "python3 -m venv .venv && .venv/bin/python -m pip install -e .":
        "tests.autograder.test_workshop:test_unpacked_kit_installs_offline_and_starts",
    'python -c "import course"': "tests.autograder.test_workshop:test_unpacked_kit_installs_offline_and_starts",
    "jupyter lab --version": "tests.autograder.test_workshop:test_unpacked_kit_installs_offline_and_starts",
    "pip install --no-index --find-links wheels -e .": "tests.autograder.test_workshop:test_wheelhouse_installs_with_no_index",
    "jupyter lab release/01_gradients/gradients.ipynb": "tests.notebooks.test_browser:test_notebook_runs_in_jupyterlab",
    "UPDATE_SCREENSHOTS=1 make test": "tests.notebooks.test_browser:test_notebook_runs_in_jupyterlab",
    'python -c "import autograder; help(autograder)"':
        "tests.test_code_style:test_the_module_map_names_every_module_of_autograder",
    # Not run (no conda, no root package manager in the suite): environment.yml is kept in step
    # with pyproject.toml by this test; tools/provide-browser installs Chromium with apt.
    "conda env create -f environment.yml": "tests.test_environment",
    "conda activate matrix-calculus": "tests.test_environment",
    "apt-get install chromium": "tests.test_provide_browser:test_make_test_provides_a_browser_on_a_fresh_clone",
}


def commands():
    """Every shell command the README shows: lines of its code blocks and inline code that reads as one."""
    found = []
    for block in FENCED.findall(README):
        found += [line.split("#")[0].strip() for line in block.splitlines()]
    prose = FENCED.sub("", README)
    found += [span for span in re.findall(r"`([^`\n]+)`", prose) if COMMAND_START.match(span)]
    return [command for command in dict.fromkeys(found) if command]


def make_targets():
    """The Makefile's documented targets, from `make help`."""
    listing = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return re.findall(r"^\s+make (\S+)", listing, re.M)


def test_first_two_commands_are_make_lab_and_make_test():
    first_block = FENCED.search(README).group(1)
    assert [line.split("#")[0].strip() for line in first_block.splitlines()] == ["make lab", "make test"]
    intro = README[: FENCED.search(README).start()]
    assert intro.count("\n\n") <= 2, "only the title and a one-paragraph intro come before the two commands"


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    last = [line.strip() for line in ci.splitlines() if line.strip() and not line.startswith("#")][-1]
    assert last == "make test"
    commands = [line.strip() for line in ci.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert commands == ["set -euo pipefail", 'cd "$(dirname "$0")/.."', "make test"], "CI adds nothing to make test"


def test_every_command_is_a_make_target_or_run_by_a_test():
    targets = set(make_targets())
    for command in commands():
        if command.startswith("make "):
            target = command.split()[1]
            assert target in targets, f"README: `{command}` is not a target of the Makefile"
            dry = subprocess.run(["make", "-n", *shlex.split(command)[1:]], cwd=ROOT, capture_output=True, text=True)
            assert dry.returncode == 0, f"`make -n {command[5:]}` fails: {dry.stderr}"
        else:
            assert command in RUN_ELSEWHERE, f"README: `{command}` is run by no test (add one to RUN_ELSEWHERE)"
            module, _, function = RUN_ELSEWHERE[command].partition(":")
            tested = importlib.import_module(module)
            assert not function or callable(getattr(tested, function, None)), f"{RUN_ELSEWHERE[command]} is gone"


def test_every_make_target_is_explained():
    for target in make_targets():
        assert f"make {target}" in README, f"the README never mentions `make {target}`"


def test_make_help_runs():
    listing = subprocess.run(["make", "help"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert listing.returncode == 0 and "make lab" in listing.stdout and "make workshop" in listing.stdout


def test_make_lab_starts_jupyterlab(tmp_path):
    """The README's first command: JupyterLab answers on the port and prints the URL to open."""
    port = free_port()
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"), "GRADE_ME_DIR": str(tmp_path / "grade-me")}
    log = tmp_path / "lab.log"
    with open(log, "wb") as output:
        lab = subprocess.Popen(["make", "lab", f"PORT={port}", f"NOTEBOOKS={tmp_path / 'notebooks'}"], cwd=ROOT, env=env,
                               stdout=output,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        url = None
        while url is None and time.monotonic() < deadline:
            assert lab.poll() is None, f"`make lab` stopped:\n{log.read_text()[-3000:]}"
            url = re.search(rf"http://127\.0\.0\.1:{port}/lab\S*\?token=\w+", log.read_text())
            time.sleep(0.3)
        assert url, f"`make lab` printed no URL within 90 s:\n{log.read_text()[-3000:]}"
        with urllib.request.urlopen(url.group(0), timeout=30) as page:
            assert page.status == 200 and b"jupyter-config-data" in page.read()
    finally:
        if lab.poll() is None:
            os.killpg(lab.pid, signal.SIGKILL)  # make, the server and its kernels share the group
        lab.wait()


def test_grade_me_grades_a_notebook(tmp_path, monkeypatch, capsys):
    """What `make grade-me NB=...` runs (`make -n` checks the target elsewhere): points per
    exercise with the likely mistake. Its work folder is moved to tmp_path so the test never
    replaces the feedback pages of the person running the suite."""
    from autograder import grade_me
    from autograder.coursedir.cells import fill_in, reference_solutions
    from autograder.coursedir.paths import release_notebook

    assignment = "01_gradients"
    answers = reference_solutions(source_notebook(assignment))
    answers["grad_quadratic"] = "return 2 * A @ x"
    mine = tmp_path / assignment / release_notebook(assignment).name
    mine.parent.mkdir()
    nbformat.write(fill_in(nbformat.read(release_notebook(assignment), as_version=4), answers), mine)
    monkeypatch.setattr(grade_me, "SELF_GRADING", tmp_path / ".grade-me")
    assert grade_me.main([str(mine)]) == 0
    printed = capsys.readouterr().out
    assert re.search(r"✗ grad_quadratic\s+0/\d.*symmetric", printed), printed
    assert (tmp_path / ".grade-me" / "feedback" / f"{assignment}.html").is_file()


SELF_GRADING_LINES = (
    r"",
    r"\d\d_\w+  \(.+\)  [\d.]+ / [\d.]+ points",
    r"  [✓✗] \w+ +[\d.]+/[\d.]+  .*",
    r"  note: .+",
    r"  feedback page: .+\.html",
)


def test_make_grade_me_recognises_any_copy_and_prints_only_the_table(tmp_path):
    """`make grade-me NB=...` on a copy of a release notebook under another name, in another folder:
    it is recognised by its exercises, and every line printed is a line of the result table."""
    assignment = "02_jacobians"
    copy = tmp_path / "anywhere" / "my attempt.ipynb"
    copy.parent.mkdir()
    copy.write_bytes(release_notebook(assignment).read_bytes())
    env = {**os.environ, "GRADE_ME_DIR": str(tmp_path / "work")}
    # -o: an install step of the venv (after a change to pyproject.toml) is not what this test reads
    run = subprocess.run(["make", "-o", ".venv/.installed", "grade-me", f"NB={copy}"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    lines = (run.stdout + run.stderr).splitlines()
    strays = [line for line in lines if not any(re.fullmatch(shape, line) for shape in SELF_GRADING_LINES)]
    assert not strays, f"lines that are not the result table: {strays}"
    assert any(line.startswith(f"{assignment}  (") for line in lines)
    assert (tmp_path / "work" / "feedback" / f"{assignment}.html").is_file()
    unknown = tmp_path / "other.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]), unknown)
    run = subprocess.run(["make", "-o", ".venv/.installed", "grade-me", f"NB={unknown}"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=600)
    assert "not one of the course's notebooks" in run.stdout and "06_backprop" in run.stdout


def test_curriculum_table_matches_the_notebooks():
    rows = {cells[0].strip("[]`"): cells for cells in table_rows("| notebook | topics | time | points |")}
    for assignment, _, minutes, points in curriculum():
        assert assignment in rows, f"the README's curriculum table lacks {assignment}"
        _, _, time_cell, points_cell = rows[assignment]
        assert time_cell == f"{minutes} min", f"{assignment}: README says {time_cell}, the notebook {minutes} min"
        assert points_cell == str(points), f"{assignment}: README says {points_cell} points, the notebook {points}"
    total_minutes = sum(row[2] for row in curriculum())
    assert f"{total_minutes // 60} hours {total_minutes % 60} minutes in all" in README
    assert f"{sum(row[3] for row in curriculum())} in all" in README


def table_rows(header):
    """The cells of the rows of the README's table with this header line (the first cell unlinked)."""
    lines = README[README.index(header):].splitlines()[2:]
    rows = []
    for line in lines:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        cells[0] = re.sub(r"\[(.*?)\]\(.*?\)", r"\1", cells[0])
        rows.append(cells)
    return rows


def test_readme_has_the_notation_block_of_the_notebooks():
    contract = notation_block((ROOT / "source" / "README.md").read_text())
    assert contract and contract == notation_block(README)


def notation_block(text):
    """The notation block's text (quoted lines from "Notation used in this course" on), whitespace collapsed."""
    start = text.index("> **Notation used in this course.**")
    lines = []
    for line in text[start:].splitlines():
        if not line.strip().startswith(">"):
            break
        lines.append(line.strip().lstrip(">").strip())
    return " ".join(" ".join(lines).split())


@pytest.mark.parametrize("target", sorted(set(re.findall(r"\]\(([^)#\s]+)", README))))
def test_links_and_pictures_exist(target):
    if target.startswith(("http://", "https://")):
        assert re.match(r"https?://[\w.-]+\.\w+(/\S*)?$", target)
    else:
        assert (ROOT / target).exists(), f"README links to {target}, which does not exist"


def test_readme_lists_every_assignment():
    for assignment in assignments():
        assert f"`{assignment}`" in README
    assert "environment.yml" in README and "conda" in README
    for folder in ("course/", "source/", "release/", "autograder/", "tests/"):
        assert f"`{folder}`" in README
