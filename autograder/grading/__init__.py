"""Grading one submission: repair it, autograde it, overrule what the independent check refutes,
and record the :class:`~autograder.grading.outcome.Outcome` in the course."""
