"""Bring a worker's results into the course: gradebook scores, autograded notebook, feedback, outcome."""
import json
import shutil
import tempfile
from pathlib import Path

from nbgrader.api import MissingEntry

from autograder.grader import Outcome
from autograder.gradebook import open_gradebook
from autograder.workspace import Workspace

OUTCOME_FILE = "outcome.json"


def prepare_course(course_root, assignments):
    """Enter ``assignments`` into the course gradebook (as generate_assignment does) without
    rewriting the course's release/ folder."""
    with tempfile.TemporaryDirectory(prefix="release-") as scratch:
        Workspace(course_root, assignments, copy_course=False,
                  **{"CourseDirectory.release_directory": scratch})


def record(course_root, outcome):
    """Store ``outcome`` in the course: replace the student's grades, copy the notebook and the feedback."""
    course_root = Path(course_root)
    with open_gradebook(course_root) as gradebook:
        gradebook.update_or_create_student(outcome.student)
        try:
            gradebook.remove_submission(outcome.assignment, outcome.student)
        except MissingEntry:
            pass
        submission = gradebook.add_submission(outcome.assignment, outcome.student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grade.auto_score = outcome.scores.get(grade.name, (0.0,))[0]
                grade.needs_manual_grade = False
            if not outcome.scores:
                outcome.scores = {grade.name: (0.0, grade.max_score) for grade in notebook.grades}
        gradebook.db.commit()
    _copy_files(course_root, outcome)


def _copy_files(course_root, outcome):
    autograded = course_root / "autograded" / outcome.student / outcome.assignment
    feedback = course_root / "feedback" / outcome.student / outcome.assignment
    for folder in (autograded, feedback):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    if outcome.autograded:
        shutil.copy(outcome.autograded, autograded / Path(outcome.autograded).name)
        outcome.autograded = str(autograded / Path(outcome.autograded).name)
    if outcome.feedback:
        shutil.copy(outcome.feedback, feedback / Path(outcome.feedback).name)
        outcome.feedback = str(feedback / Path(outcome.feedback).name)
    (autograded / OUTCOME_FILE).write_text(json.dumps(outcome.to_dict(), indent=1), encoding="utf-8")


def outcomes(course_root):
    """Every recorded outcome of the course, as :class:`Outcome` objects."""
    return [
        Outcome.from_dict(json.loads(path.read_text(encoding="utf-8")))
        for path in sorted(Path(course_root).glob(f"autograded/*/*/{OUTCOME_FILE}"))
    ]
