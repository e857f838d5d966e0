"""Build the kit for a workshop: the learners' archive and the presenter's slides.

Usage: ``python -m autograder.workshop [--out DIR] [--no-slides] [--wheels [PLATFORM ...]]``
(default ``build/workshop``).

``DIR/matrix-calculus-workshop.zip`` unpacks into a folder a learner installs with pip or conda:
the release notebooks (no solutions, no hidden tests), the ``course`` package, ``pyproject.toml``,
``environment.yml``, README.md and a one-page START.md with the schedule.
``DIR/slides/<assignment>.slides.html`` are for the presenter: each release notebook with the
reference solutions filled in and executed (figures and checks visible), one slide per heading;
they open with no network (reveal.js beside them, MathJax inside each page, figures as pictures).
With ``--wheels`` the archive also holds ``wheels/``: every dependency as wheels for Linux, macOS
and Windows, so a room with no internet installs with ``pip install --no-index --find-links wheels -e .``.
The hidden tests are not in either.
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import nbformat
import tomllib
from nbconvert import SlidesExporter
from nbformat import NotebookNode

from autograder.coursedir.cells import fill_in, graded_cells, reference_solutions
from autograder.coursedir.paths import ROOT, assignments, release_notebook, source_notebook
from autograder.pages.course_template import CourseTemplate

NAME = "matrix-calculus-workshop"
SESSION_MINUTES = 180
BREAK_MINUTES = 10
KIT_FILES = ("pyproject.toml", "environment.yml", "README.md")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
# reveal.js for the slides comes from this PyPI wheel (its _static/revealjs is reveal.js 5), fetched by
# pip when the kit is built: the slides then need no network.
REVEAL_WHEEL = "sphinx-revealjs==3.2.1"
REVEAL_IN_WHEEL = "sphinx_revealjs/_static/revealjs/"
REVEAL_FILES = ("LICENSE", "dist/", "plugin/notes/")
# pip's platform tags for the learners' machines; pure-Python wheels serve them all.
PLATFORMS = {
    "linux": ["manylinux2014_x86_64", "manylinux_2_17_x86_64", "manylinux_2_28_x86_64"],
    "macos": ["macosx_11_0_arm64", "macosx_10_9_x86_64", "macosx_10_13_x86_64", "macosx_11_0_universal2"],
    "windows": ["win_amd64"],
}
BUILD_REQUIREMENTS = ("setuptools>=68", "wheel")  # what `pip install -e .` builds the course with
Row = tuple[str, str, int, float]  # a notebook in the schedule: assignment, title, minutes, points


def estimated_minutes(nb: NotebookNode) -> int:
    """The minutes a notebook's "**Estimated time:** N minutes" line announces."""
    for cell in nb.cells:
        found = re.search(r"Estimated time:\**\s*(\d+)\s*min", cell.source)
        if cell.cell_type == "markdown" and found:
            return int(found.group(1))
    raise ValueError("the notebook announces no 'Estimated time: N minutes'")


def title(nb: NotebookNode) -> str:
    """The notebook's title (its first heading) without the number in front."""
    heading = nb.cells[0].source.splitlines()[0].lstrip("# ").strip()
    return re.sub(r"^\d+\s*·\s*", "", heading)


def curriculum() -> list[Row]:
    """``[(assignment, title, minutes, points)]`` for every assignment, read from the notebooks."""
    rows = []
    for assignment in assignments():
        nb = nbformat.read(source_notebook(assignment), as_version=4)
        rows.append((assignment, title(nb), estimated_minutes(nb), sum(graded_cells(nb).values())))
    return rows


def sessions(rows: list[Row], length: int = SESSION_MINUTES, pause: int = BREAK_MINUTES) -> list[list[Row]]:
    """Split the notebooks, in order, into sessions of ``length`` minutes with one break each."""
    plan, current = [], []
    for row in rows:
        if current and sum(r[2] for r in current) + row[2] + pause > length:
            plan.append(current)
            current = []
        current.append(row)
    return plan + [current] if current else plan


OFFLINE_INSTALL = """
- **no internet in the room**: this kit carries every package in `wheels/`:
  `python3 -m venv .venv && .venv/bin/python -m pip install --no-index --find-links wheels -e .`
  (on Windows: `.venv\\Scripts\\python -m pip install --no-index --find-links wheels -e .`)
"""


def start_sheet(rows: list[Row], *, offline: bool = False) -> str:
    """START.md: install, start, and the schedule, on one page (``offline``: with the wheelhouse's install line)."""
    schedule = []
    for number, session in enumerate(sessions(rows), 1):
        clock, lines = 0, []
        for index, (assignment, name, minutes, _) in enumerate(session):
            if index == 1:  # one break, after the first notebook
                lines.append(f"| {clock // 60}:{clock % 60:02d} | break | {BREAK_MINUTES} min |")
                clock += BREAK_MINUTES
            lines.append(f"| {clock // 60}:{clock % 60:02d} | `{assignment}`: {name} | {minutes} min |")
            clock += minutes
        schedule.append(f"**Session {number}** ({clock} min)\n\n| start | notebook | time |\n|---|---|---|\n"
                        + "\n".join(lines))
    return f"""# Matrix calculus workshop: start here

Do this **before** the workshop (10 minutes, needs the internet once).

## 1. Install
Unpack this folder, open a terminal in it, then either

- **pip** (Python 3.10 or newer):
  `python3 -m venv .venv && .venv/bin/python -m pip install -e .`
  (on Windows: `py -m venv .venv` and `.venv\\Scripts\\python -m pip install -e .`)
- **conda**: `conda env create -f environment.yml && conda activate matrix-calculus`
{OFFLINE_INSTALL if offline else ""}
Check it worked: `python -c "import course"` prints nothing, and `jupyter lab --version` prints a version.

## 2. Start
`jupyter lab release/01_gradients/gradients.ipynb` (with pip: `.venv/bin/jupyter lab ...`). Run the
cells from the top (Run → Run All Cells runs them all). Each exercise is a function to write; the
cell after it checks your answer and says what is likely wrong. Move the sliders of the figures.

## 3. Schedule
Times are the notebooks' own estimates for working through them with the exercises.

{(chr(10) * 2).join(schedule)}

Notebooks that do not fit the sessions make good homework; each one stands on the ones before it.
"""


def presenter_notebook(assignment: str) -> NotebookNode:
    """The release notebook with the reference solutions filled in, each heading starting a slide."""
    release = nbformat.read(release_notebook(assignment), as_version=4)
    nb = fill_in(release, reference_solutions(source_notebook(assignment)))
    for cell in nb.cells:
        heading = cell.cell_type == "markdown" and cell.source.startswith("#")
        cell.metadata["slideshow"] = {"slide_type": "slide" if heading else "-"}
    return nb


class OfflineSlides(CourseTemplate, SlidesExporter):
    """nbconvert's reveal.js slides with the course's template (``autograder/pages/templates/course_slides``):
    reveal.js from ``reveal_url_prefix`` beside the page, MathJax inside it, no CDN."""

    course_template = "course_slides"


def pip_download(arguments: list[str], folder: str | Path) -> None:
    """``pip download`` into ``folder``; raises with pip's own words when it fails."""
    done = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "-d", str(folder), *arguments],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"pip download {' '.join(arguments)} failed:\n{done.stderr[-2000:]}")


def copy_reveal(folder: Path) -> None:
    """reveal.js (its dist/, the notes plugin and licence) into ``folder``, from :data:`REVEAL_WHEEL`."""
    with tempfile.TemporaryDirectory() as work:
        pip_download(["--no-deps", "--only-binary=:all:", REVEAL_WHEEL], work)
        (wheel,) = Path(work).glob("*.whl")
        with zipfile.ZipFile(wheel) as archive:
            for name in archive.namelist():
                inside = name.removeprefix(REVEAL_IN_WHEEL)
                if name.startswith(REVEAL_IN_WHEEL) and inside.startswith(REVEAL_FILES) and not name.endswith(".map"):
                    target = folder / inside
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(archive.read(name))


def build_slides(folder: Path, names: Iterable[str]) -> None:
    """Execute each presenter notebook and write it as offline reveal.js slides into ``folder``."""
    from nbclient import NotebookClient

    exporter = OfflineSlides(reveal_scroll=True, reveal_url_prefix="reveal.js", reveal_theme="white")  # its fonts are local
    folder.mkdir(parents=True, exist_ok=True)
    copy_reveal(folder / "reveal.js")
    for assignment in names:
        nb = presenter_notebook(assignment)
        with tempfile.TemporaryDirectory() as work:  # no widget state: the figures show as their pictures
            NotebookClient(nb, timeout=120, kernel_name="python3", store_widget_state=False,
                           resources={"metadata": {"path": work}}).execute()
        body, _ = exporter.from_notebook_node(nb)
        (folder / f"{assignment}.slides.html").write_text(body, encoding="utf-8")


def requirements() -> list[str]:
    """The course's runtime dependencies, as pyproject.toml lists them."""
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]


def download_wheels(folder: Path, platforms: Iterable[str], python_version: str) -> None:
    """Every dependency (and the build backend) as wheels for ``platforms`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for platform in platforms:
        tags = [argument for tag in PLATFORMS[platform] for argument in ("--platform", tag)]
        pip_download(["--only-binary=:all:", "--python-version", python_version, *tags, *requirements(),
                      *BUILD_REQUIREMENTS], folder)


def build(out: str | Path, *, slides: bool = True, wheels: Sequence[str] = (), python_version: str = "3.11") -> Path:
    """Write the archive (and the slides) into ``out``; returns the archive's path.

    ``wheels`` names platforms (keys of :data:`PLATFORMS`) whose wheels go into the archive.
    """
    out = Path(out)
    names = assignments()
    with tempfile.TemporaryDirectory() as work:
        kit = Path(work) / NAME
        for assignment in names:
            target = kit / "release" / assignment
            target.mkdir(parents=True)
            shutil.copy(release_notebook(assignment), target)
        shutil.copytree(ROOT / "course", kit / "course", ignore=IGNORED)
        for name in KIT_FILES:
            shutil.copy(ROOT / name, kit / name)
        if wheels:
            download_wheels(kit / "wheels", wheels, python_version)
        (kit / "START.md").write_text(start_sheet(curriculum(), offline=bool(wheels)), encoding="utf-8")
        out.mkdir(parents=True, exist_ok=True)
        archive = shutil.make_archive(str(out / NAME), "zip", root_dir=work, base_dir=NAME)
        shutil.copy(kit / "START.md", out / "START.md")
    if slides:
        build_slides(out / "slides", names)
    return Path(archive)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "build" / "workshop"), help="where to write the kit")
    parser.add_argument("--no-slides", action="store_true", help="skip the presenter's slides (faster)")
    parser.add_argument("--wheels", nargs="*", choices=sorted(PLATFORMS), metavar="PLATFORM",
                        help=f"add a wheelhouse for an offline room (default: {', '.join(PLATFORMS)})")
    parser.add_argument("--python", default="3.11", help="the learners' Python version, for the wheels")
    options = parser.parse_args(argv)
    wheels = () if options.wheels is None else (options.wheels or list(PLATFORMS))
    archive = build(options.out, slides=not options.no_slides, wheels=wheels, python_version=options.python)
    print(f"wrote {archive} ({archive.stat().st_size / 2**20:.0f} MiB)")
    print(f"      {Path(options.out) / 'START.md'} (the one-page sheet inside it)")
    if not options.no_slides:
        print(f"      {Path(options.out) / 'slides'}/*.slides.html (presenter: open in a browser, no network needed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
