"""An instructor's nbgrader settings on the hub: the course directory in their home (a clone of the
course repository, named by COURSE_DIRECTORY), with the course's own configuration (feedback
without hidden tests, time limits, the gradebook)."""
import os

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

course = os.environ.get("COURSE_DIRECTORY", os.path.expanduser("~/matrix-calculus"))
c.CourseDirectory.root = course
load_subconfig(os.path.join(course, "nbgrader_config.py"))  # noqa: F821 (provided by traitlets)
