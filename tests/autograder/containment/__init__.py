"""Tests of autograder.containment: learner code sees nothing of the course, and the independent check's verdicts."""
