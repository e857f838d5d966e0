"""Keep a command's terminal for its own words: library warnings and the logs of nbgrader and its
kernels go to a file instead."""
from __future__ import annotations

import contextlib
import os
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def stderr_to(log: Path) -> Iterator[None]:
    """Send everything written to this process's stderr (and its children's: kernels, nbgrader) to
    ``log``, with Python's warnings silenced, for the duration of the block."""
    log.parent.mkdir(parents=True, exist_ok=True)
    sys.stderr.flush()
    saved = os.dup(2)
    with open(log, "a") as sink, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
