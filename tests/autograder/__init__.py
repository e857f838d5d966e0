"""Tests of the autograder's commands: class grading (local, on Dask), reports, the workshop kit, the hub, the learner's lab."""
