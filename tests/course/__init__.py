"""Tests of the course package the notebooks import: checks, numerical derivatives, diagnoses, test-cell helpers."""
