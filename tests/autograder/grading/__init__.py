"""Tests of autograder.grading: each repair step on its own."""
