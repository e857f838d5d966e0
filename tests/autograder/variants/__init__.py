"""Tests of autograder.variants: each correct variant passes, each typical mistake fails with its sentence, through nbgrader."""
