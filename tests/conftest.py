"""Shared fixtures for the tests of the helper package."""
import os

import numpy as np
import pytest

# `make test` runs the suite inside make; the tests that run `make ...` must see what a person at a
# shell sees, not a sub-make (which prints "Entering directory" lines and inherits the outer flags).
for variable in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS"):
    os.environ.pop(variable, None)


@pytest.fixture
def rng():
    """A seeded generator, so a failing test fails the same way when re-run."""
    return np.random.default_rng(20240601)
