"""Shared fixtures for the tests of the helper package."""
import numpy as np
import pytest


@pytest.fixture
def rng():
    """A seeded generator, so a failing test fails the same way when re-run."""
    return np.random.default_rng(20240601)
