"""nbgrader configuration for the course; the course directory is this repository."""
import os

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "matrix-calculus"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"

# What a learner sees in place of a solution; the course's test helpers turn the
# NotImplementedError into "not implemented yet" feedback.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# A cell that runs longer than this is interrupted and scores zero (runaway loops).
c.Execute.timeout = 60
# A test cell that writes to stderr scores zero in nbgrader: drop library warnings.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"(?i)warning|Matplotlib is building the font cache"
# Deleted test cells are put back, so deleting a test never helps.
c.OverwriteCells.add_missing_cells = True
# Huge outputs are cut before they reach the gradebook and the feedback.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 40

# Feedback pages show the learner's cells, the visible tests, each test's outcome and the points,
# never hidden tests or solutions (nbgrader's issue #917); each test is named by its exercise, and
# MathJax comes inside the page, so it typesets offline. autograded/ keeps everything.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "autograder.pages.hide_tests.HideTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
c.GenerateFeedback.exporter_class = "autograder.pages.feedback_export.FeedbackExporter"
