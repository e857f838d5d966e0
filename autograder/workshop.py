"""Build the kit for a workshop: the learners' archive and the presenter's slides.

Usage: ``python -m autograder.workshop [--out DIR] [--no-slides]`` (default ``build/workshop``).

``DIR/matrix-calculus-workshop.zip`` unpacks into a folder a learner installs with pip or conda:
the release notebooks (no solutions, no hidden tests), the ``course`` package, ``pyproject.toml``,
``environment.yml``, README.md and a one-page START.md with the schedule.
``DIR/slides/<assignment>.slides.html`` are for the presenter: each release notebook with the
reference solutions filled in and executed (figures and checks visible), one slide per heading.
The hidden tests are not in either.
"""
import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat

from autograder.layout import ROOT, assignments, release_notebook, source_notebook
from autograder.solutions import fill_in, graded_cells, reference_solutions

NAME = "matrix-calculus-workshop"
SESSION_MINUTES = 180
BREAK_MINUTES = 10
KIT_FILES = ("pyproject.toml", "environment.yml", "README.md")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")


def estimated_minutes(nb):
    """The minutes a notebook's "**Estimated time:** N minutes" line announces."""
    for cell in nb.cells:
        found = re.search(r"Estimated time:\**\s*(\d+)\s*min", cell.source)
        if cell.cell_type == "markdown" and found:
            return int(found.group(1))
    raise ValueError("the notebook announces no 'Estimated time: N minutes'")


def title(nb):
    """The notebook's title (its first heading) without the number in front."""
    heading = nb.cells[0].source.splitlines()[0].lstrip("# ").strip()
    return re.sub(r"^\d+\s*·\s*", "", heading)


def curriculum():
    """``[(assignment, title, minutes, points)]`` for every assignment, read from the notebooks."""
    rows = []
    for assignment in assignments():
        nb = nbformat.read(source_notebook(assignment), as_version=4)
        rows.append((assignment, title(nb), estimated_minutes(nb), sum(graded_cells(nb).values())))
    return rows


def sessions(rows, length=SESSION_MINUTES, pause=BREAK_MINUTES):
    """Split the notebooks, in order, into sessions of ``length`` minutes with one break each."""
    plan, current = [], []
    for row in rows:
        if current and sum(r[2] for r in current) + row[2] + pause > length:
            plan.append(current)
            current = []
        current.append(row)
    return plan + [current] if current else plan


def start_sheet(rows):
    """START.md: install, start, and the schedule, on one page."""
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


def presenter_notebook(assignment):
    """The release notebook with the reference solutions filled in, each heading starting a slide."""
    release = nbformat.read(release_notebook(assignment), as_version=4)
    nb = fill_in(release, reference_solutions(source_notebook(assignment)))
    for cell in nb.cells:
        heading = cell.cell_type == "markdown" and cell.source.startswith("#")
        cell.metadata["slideshow"] = {"slide_type": "slide" if heading else "-"}
    return nb


def build_slides(folder, names):
    """Execute each presenter notebook and write it as reveal.js slides into ``folder``."""
    from nbclient import NotebookClient
    from nbconvert import SlidesExporter

    exporter = SlidesExporter(reveal_scroll=True)
    folder.mkdir(parents=True, exist_ok=True)
    for assignment in names:
        nb = presenter_notebook(assignment)
        with tempfile.TemporaryDirectory() as work:
            NotebookClient(nb, timeout=120, kernel_name="python3", store_widget_state=True,
                           resources={"metadata": {"path": work}}).execute()
        body, _ = exporter.from_notebook_node(nb)
        (folder / f"{assignment}.slides.html").write_text(body, encoding="utf-8")


def build(out, *, slides=True):
    """Write the archive (and the slides) into ``out``; returns the archive's path."""
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
        (kit / "START.md").write_text(start_sheet(curriculum()), encoding="utf-8")
        out.mkdir(parents=True, exist_ok=True)
        archive = shutil.make_archive(str(out / NAME), "zip", root_dir=work, base_dir=NAME)
        shutil.copy(kit / "START.md", out / "START.md")
    if slides:
        build_slides(out / "slides", names)
    return Path(archive)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "build" / "workshop"), help="where to write the kit")
    parser.add_argument("--no-slides", action="store_true", help="skip the presenter's slides (faster)")
    options = parser.parse_args(argv)
    archive = build(options.out, slides=not options.no_slides)
    print(f"wrote {archive}")
    print(f"      {Path(options.out) / 'START.md'} (the one-page sheet inside it)")
    if not options.no_slides:
        print(f"      {Path(options.out) / 'slides'}/*.slides.html (presenter: open in a browser)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
