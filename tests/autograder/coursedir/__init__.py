"""Tests of autograder.coursedir: the gradebook on PostgreSQL as on SQLite."""
