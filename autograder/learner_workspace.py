"""The learner's own folder of notebooks, and the JupyterLab settings of a learner's server.

``make lab`` copies the release notebooks once into ``my-notebooks/`` (ignored by git, so a
``git pull`` never meets a learner's answers) and serves only that folder, with nbgrader's
instructor tools switched off. ``make update`` brings in new or changed release notebooks and
never touches one the learner has edited.

Usage: ``python -m autograder.learner_workspace {prepare,update} [--folder DIR]``.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import nbformat

from autograder.coursedir.paths import ROOT, assignments, release_notebook

FOLDER = ROOT / "my-notebooks"
MANIFEST = ".course-release.json"  # per notebook, the hash of the release version the learner was given
JUPYTER_CONFIG = ROOT / ".learner-jupyter"  # JUPYTER_CONFIG_DIR of the learner's server
INSTRUCTOR_PLUGINS = ("formgrader", "create-assignment", "course-list")
INSTRUCTOR_SERVER_EXTENSIONS = ("formgrader", "course_list")
QUIET_PLUGINS = ("@jupyterlab/apputils-extension:announcements",)  # no news fetched from the internet


def as_saved(path: Path) -> str:
    """The release notebook's text as JupyterLab would save it after its kernel started (cell ids,
    the kernel's language_info), so that a notebook the learner has only opened is not marked unsaved."""
    from ipykernel.ipkernel import IPythonKernel

    notebook = nbformat.read(path, as_version=4)
    nbformat.validator.normalize(notebook)
    notebook.nbformat_minor = max(notebook.nbformat_minor, 5)
    notebook.metadata.language_info = nbformat.from_dict(IPythonKernel.language_info)
    return nbformat.writes(notebook) + "\n"


def digest(text: str) -> str:
    """The hash the manifest keeps of a notebook's text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _manifest(folder):
    path = folder / MANIFEST
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def bring_in(folder: str | Path = FOLDER) -> dict[str, str]:
    """Copy every release notebook the learner does not have, and replace those the learner has
    not edited when the release changed. Returns ``{relative path: what happened}``."""
    folder = Path(folder)
    manifest = _manifest(folder)
    happened = {}
    for assignment in assignments():
        release = release_notebook(assignment)
        relative = f"{assignment}/{release.name}"
        target = folder / relative
        text = as_saved(release)
        given = manifest.get(relative)
        if target.exists() and given == digest(text):
            continue
        if not target.exists():
            happened[relative] = "added"
        elif digest(target.read_text(encoding="utf-8")) == given:
            happened[relative] = "updated (you had not changed it)"
        else:
            newer = target.with_name(f"{target.stem}.updated.ipynb")
            newer.write_text(text, encoding="utf-8")
            happened[relative] = f"kept your edited copy; the new version is beside it as {newer.name}"
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        manifest[relative] = digest(text)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return happened


def edited(folder: str | Path = FOLDER) -> list[Path]:
    """The learner's notebooks that differ from the release version they were given."""
    folder = Path(folder)
    manifest = _manifest(folder)
    return [
        folder / relative for relative, given in sorted(manifest.items())
        if (folder / relative).exists() and digest((folder / relative).read_text(encoding="utf-8")) != given
    ]


def write_server_config(directory: str | Path = JUPYTER_CONFIG, *, warm_grader: bool = False) -> Path:
    """A Jupyter configuration folder for a learner's server: nbgrader's student tools (Validate,
    Assignments) stay, its instructor tools (formgrader, Create Assignment, Course List) are off.
    With ``warm_grader`` (``make lab``'s own server) the server starts :mod:`autograder.warm_grader`."""
    directory = Path(directory)
    (directory / "labconfig").mkdir(parents=True, exist_ok=True)
    disabled = {f"@jupyter/nbgrader:{plugin}": True for plugin in INSTRUCTOR_PLUGINS}
    disabled.update({plugin: True for plugin in QUIET_PLUGINS})
    page = {"disabledExtensions": disabled, "lockedExtensions": disabled}
    (directory / "labconfig" / "page_config.json").write_text(json.dumps(page, indent=1) + "\n", encoding="utf-8")
    extensions = {f"nbgrader.server_extensions.{name}": False for name in INSTRUCTOR_SERVER_EXTENSIONS}
    if warm_grader:
        extensions["autograder.warm_grader"] = True
    server = {"ServerApp": {"jpserver_extensions": extensions}}
    (directory / "jupyter_server_config.json").write_text(json.dumps(server, indent=1) + "\n", encoding="utf-8")
    return directory


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("prepare", "update"))
    parser.add_argument("--folder", default=str(FOLDER))
    options = parser.parse_args(argv)
    folder = Path(options.folder)
    first_time = not (folder / MANIFEST).exists()
    if options.action == "prepare" and not first_time:
        happened = {}
    else:
        happened = bring_in(folder)
    write_server_config(warm_grader=True)
    for relative, what in happened.items():
        print(f"  {relative}: {what}")
    if options.action == "update" and not happened:
        print("Your notebooks are up to date.")
    if first_time:
        print(f"Your notebooks are in {folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder}/: "
              "your answers stay there, out of git's way.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
