"""Grades in Canvas's gradebook-import layout, as an nbgrader export plugin.

``make export FORMAT=canvas`` or ``nbgrader export --exporter=autograder.canvas_export.CanvasExportPlugin``.
The layout is the one Canvas's own gradebook export uses and its import reads back (Canvas Instructor
Guide, "How do I import grades in the Gradebook?"): the columns
``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``, ``Section``, then one column per assignment;
a second row ``Points Possible`` gives each assignment's maximum. Canvas matches rows to students by
``SIS Login ID`` (here the student's login on the hub, nbgrader's student id) and leaves the empty
``ID`` and ``SIS User ID`` to that match. An assignment Canvas does not know yet becomes a new one.
"""
from __future__ import annotations

import csv

from nbgrader.api import Gradebook, MissingEntry, Student
from nbgrader.plugins import ExportPlugin

IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
POINTS_ROW = "    Points Possible"  # as Canvas writes it in its own exports


def student_name(student: Student) -> str:
    """Canvas's "Last, First", or the login when the gradebook has no name."""
    names = [name for name in (student.last_name, student.first_name) if name]
    return ", ".join(names) if names else student.id


class CanvasExportPlugin(ExportPlugin):
    """One row per student, one column per assignment, final scores after late penalties."""

    def export(self, gradebook: Gradebook) -> None:
        destination = self.to or "grades-canvas.csv"
        assignments = [a for a in gradebook.assignments if not self.assignment or a.name in self.assignment]
        students = [s for s in gradebook.students if not self.student or s.id in self.student]
        with open(destination, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow([*IDENTITY, *(a.name for a in assignments)])
            writer.writerow([POINTS_ROW, "", "", "", "", *(_number(a.max_score) for a in assignments)])
            for student in students:
                scores = [_number(_score(gradebook, a.name, student.id)) for a in assignments]
                writer.writerow([student_name(student), "", "", student.id, "", *scores])
        self.log.info("Wrote %d students' grades for Canvas to %s", len(students), destination)


def _score(gradebook, assignment, student):
    """The student's score after any late penalty; 0 when nothing was handed in."""
    try:
        submission = gradebook.find_submission(assignment, student)
    except MissingEntry:
        return 0.0
    return max(0.0, submission.score - (submission.late_submission_penalty or 0.0))


def _number(value):
    return f"{value:g}"
