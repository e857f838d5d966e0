"""A throwaway nbgrader course directory: released assignments, submissions, grades and feedback.

Tests, self-grading and parallel class grading all grade inside one of these, so the
course's own files and gradebook are never touched.
"""
from pathlib import Path

import nbformat

from autograder.gradebook import cell_scores
from autograder.layout import ROOT, source_notebook
from autograder.nbgrader_cli import nbgrader
from autograder.release import generate, make_course


class Workspace:
    """An nbgrader course directory at ``directory`` with ``assignments`` generated into its gradebook."""

    def __init__(self, directory, assignments, *, root=ROOT):
        self.root = Path(directory)
        self.assignments = list(assignments)
        self.notebook_names = {a: source_notebook(a, root).name for a in self.assignments}
        make_course(self.root, self.assignments, root)
        generate(self.assignments, self.root)

    def release_notebook(self, assignment):
        """The freshly generated student notebook of ``assignment``."""
        return nbformat.read(self.root / "release" / assignment / self.notebook_names[assignment], as_version=4)

    def submission_path(self, student, assignment):
        """Where nbgrader expects ``student``'s notebook of ``assignment``."""
        return self.root / "submitted" / student / assignment / self.notebook_names[assignment]

    def submit(self, student, assignment, notebook):
        """Hand in ``notebook`` (a notebook node, or raw bytes for a broken file) for ``student``."""
        path = self.submission_path(student, assignment)
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(notebook, bytes):
            path.write_bytes(notebook)
        else:
            nbformat.write(notebook, path)
        return path

    def autograde(self, assignment, *, student=None, timeout=None):
        """Run ``nbgrader autograde`` (all students, or one); returns the completed process."""
        options = [f"--student={student}"] if student else []
        return nbgrader("autograde", assignment, "--force", *options, course_root=self.root, timeout=timeout,
                        check=False)

    def feedback(self, assignment, *, student=None):
        """Run ``nbgrader generate_feedback``; returns the completed process."""
        options = [f"--student={student}"] if student else []
        return nbgrader("generate_feedback", assignment, "--force", *options, course_root=self.root, check=False)

    def scores(self, assignment, student):
        """``{test cell: (score, max)}`` for one student."""
        return cell_scores(self.root, assignment, student)

    def feedback_html(self, assignment, student):
        """The feedback page nbgrader wrote for ``student``."""
        name = Path(self.notebook_names[assignment]).with_suffix(".html").name
        return (self.root / "feedback" / student / assignment / name).read_text(encoding="utf-8")
