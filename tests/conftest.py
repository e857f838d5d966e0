"""Shared fixtures for the tests of the helper package."""
import os
import re

import numpy as np
import pytest

import autograder  # noqa: F401  (first: it leaves out rfc3987_syntax, 2-3 s of every process that imports nbformat)

# `make test` runs the suite inside make; the tests that run `make ...` must see what a person at a
# shell sees, not a sub-make (which prints "Entering directory" lines and inherits the outer flags).
for variable in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS"):
    os.environ.pop(variable, None)


@pytest.fixture
def rng():
    """A seeded generator, so a failing test fails the same way when re-run."""
    return np.random.default_rng(20240601)


# The files that take longest under `make test` (its --durations), started first so that no worker is left
# with a long one at the end while the other idles.
LONGEST_FIRST = ("test_hub.py", "test_variants.py", "test_class_grading.py", "test_workshop.py", "test_dask_grading.py",
                "test_cluster_recipes.py")


def pytest_collection_modifyitems(items):
    """Put the longest files first (a stable sort: the order within a file is kept)."""
    rank = {name: place for place, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(LONGEST_FIRST)))


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: without it (-p no:xdist) there is nothing to schedule
def pytest_xdist_make_scheduler(config, log):
    """`make test` hands whole files to workers (--dist loadfile), so module fixtures run once; but the
    variant gradings of test_variants.py, the longest file, go out one assignment at a time, so that
    both workers share them."""
    from xdist.scheduler import LoadFileScheduling

    class FilesAndAssignments(LoadFileScheduling):
        def _split_scope(self, nodeid):
            scope = super()._split_scope(nodeid)
            assignment = re.search(r"\[(\d\d_[a-z_]+)", nodeid) if scope.endswith("test_variants.py") else None
            return f"{scope}::{assignment.group(1)}" if assignment else scope

    return FilesAndAssignments(config, log) if config.getvalue("dist") == "loadfile" else None
