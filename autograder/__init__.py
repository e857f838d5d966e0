"""The course's grading pipeline, built on the real nbgrader (its command line and gradebook)."""
