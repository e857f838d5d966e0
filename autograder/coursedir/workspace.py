"""A private nbgrader course directory: released assignments, submissions, grades and feedback.

Tests, self-grading and every worker of class grading grade inside one of these, through
nbgrader's Python API, so the course's own files and gradebook are never touched and nbgrader
is imported once per process rather than once per submission.
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import nbformat
import nbgrader
from jupyter_client import AsyncKernelManager
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from nbformat import NotebookNode
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from autograder.coursedir.cli import gradebook_url, quiet_environment, scripts_on_path
from autograder.coursedir.gradebook import cell_scores
from autograder.coursedir.paths import CONFIG, ROOT, make_course, source_notebook


class QuietKernelManager(AsyncKernelManager):
    """nbclient's kernel manager, starting each kernel in :func:`~autograder.coursedir.cli.quiet_environment`
    (no Python warnings, which nbgrader would count against a test cell; a non-interactive plot backend)."""

    async def start_kernel(self, **kw: Any) -> None:
        kw.setdefault("env", quiet_environment())
        await super().start_kernel(**kw)


def course_config(course_root: str | Path, **overrides: Any) -> Config:
    """The course's nbgrader configuration, pointed at ``course_root`` and its own gradebook, its
    kernels started quietly (:class:`QuietKernelManager`).

    ``overrides`` are ``{"Section.option": value}`` settings (e.g. a shorter cell timeout).
    """
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course_root)).load_config()
    config.CourseDirectory.root = str(Path(course_root).resolve())
    config.CourseDirectory.db_url = gradebook_url(course_root)
    config.Execute.kernel_manager_class = QuietKernelManager
    for key, value in overrides.items():
        section, option = key.split(".")
        config[section][option] = value
    return config


class Workspace:
    """An nbgrader course directory at ``directory``; assignments are generated into it on first use.

    With ``copy_course=False`` the directory is an existing course (its own config and source).
    """

    def __init__(self, directory: str | Path, assignments: Iterable[str] = (), *, root: str | Path = ROOT,
                 copy_course: bool = True, **overrides: Any):
        self.root = Path(directory)
        self.source_root = Path(root)
        self.copy_course = copy_course
        self.generated = set()
        if copy_course:
            make_course(self.root, [], root)
        scripts_on_path()
        config = course_config(self.root, **overrides)
        self.api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
        self.api.log.setLevel(logging.ERROR)
        for assignment in assignments:
            self.prepare(assignment)

    def prepare(self, assignment: str) -> None:
        """Copy the assignment's source in and generate it (release notebook and gradebook entries),
        unless this workspace already generated it from the same source and configuration."""
        if assignment not in self.generated:
            if self.copy_course:
                make_course(self.root, [assignment], self.source_root)
            stamp = self.root / ".generated" / assignment
            fingerprint = self._fingerprint(assignment)
            if not stamp.is_file() or stamp.read_text(encoding="utf-8") != fingerprint:
                self._check(self.api.generate_assignment(assignment, force=True), f"generate {assignment}")
                stamp.parent.mkdir(exist_ok=True)
                stamp.write_text(fingerprint, encoding="utf-8")
            self.generated.add(assignment)

    def _fingerprint(self, assignment):
        """What a generated assignment depends on: its source notebook, the configuration, nbgrader."""
        digest = hashlib.sha256(nbgrader.__version__.encode())
        for path in (source_notebook(assignment, self.root), self.root / CONFIG.name):
            digest.update(path.read_bytes())
        return digest.hexdigest()

    @staticmethod
    def _check(result, what):
        if not result["success"]:
            raise RuntimeError(f"nbgrader could not {what}:\n{result.get('error', '')}{result.get('log', '')}")

    def notebook_name(self, assignment: str) -> str:
        """The file name of the assignment's notebook."""
        return source_notebook(assignment, self.source_root).name

    def release_notebook(self, assignment: str) -> NotebookNode:
        """The freshly generated student notebook of ``assignment``."""
        self.prepare(assignment)
        return nbformat.read(self.root / "release" / assignment / self.notebook_name(assignment), as_version=4)

    def submission_path(self, student: str, assignment: str) -> Path:
        """Where nbgrader expects ``student``'s notebook of ``assignment``."""
        return self.root / "submitted" / student / assignment / self.notebook_name(assignment)

    def submit(self, student: str, assignment: str, notebook: NotebookNode | bytes) -> Path:
        """Hand in ``notebook`` (a notebook node, or raw bytes for a broken file) for ``student``."""
        path = self.submission_path(student, assignment)
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(notebook, bytes):
            path.write_bytes(notebook)
        else:
            nbformat.write(notebook, path)
        return path

    def autograde(self, assignment: str, student: str) -> dict[str, Any]:
        """Run nbgrader's autograde for one student; returns nbgrader's result dict (``success``, ``error``)."""
        self.prepare(assignment)
        return self.api.autograde(assignment, student, force=True, create=True)

    def feedback(self, assignment: str, student: str) -> dict[str, Any]:
        """Run nbgrader's generate_feedback for one student; returns nbgrader's result dict."""
        return self.api.generate_feedback(assignment, student, force=True)

    def scores(self, assignment: str, student: str) -> dict[str, tuple[float, float]]:
        """``{test cell: (score, max)}`` for one student."""
        return cell_scores(self.root, assignment, student)

    def autograded_path(self, assignment: str, student: str) -> Path:
        """The executed notebook nbgrader keeps for ``student``."""
        return self.root / "autograded" / student / assignment / self.notebook_name(assignment)

    def feedback_path(self, assignment: str, student: str) -> Path:
        """The feedback page nbgrader writes for ``student``."""
        return (self.root / "feedback" / student / assignment / self.notebook_name(assignment)).with_suffix(".html")

    def feedback_html(self, assignment: str, student: str) -> str:
        """The text of ``student``'s feedback page."""
        return self.feedback_path(assignment, student).read_text(encoding="utf-8")
