"""Grade one submission in a private workspace: repair it, run nbgrader, explain the result.

Whatever goes wrong with one submission (not a notebook, an endless loop, a crashed kernel)
ends as an :class:`Outcome` with a readable reason, never as an exception that stops a class.
"""
from __future__ import annotations

import os
import threading
import time
from contextlib import AbstractContextManager
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from autograder.containment import isolation, kernel_launcher, kernelspec
from autograder.containment.forkserver import ForkServer
from autograder.containment.processes import adopt_orphans, descendants, kill, time_limit
from autograder.containment.verify import verify
from autograder.coursedir.cells import graded_cells, testing_cell
from autograder.coursedir.cli import quiet_environment
from autograder.coursedir.gradebook import set_auto_score
from autograder.coursedir.workspace import Workspace
from autograder.grading.messages import test_cell_messages
from autograder.grading.outcome import OVERRULED, Outcome
from autograder.grading.repair import Unreadable, read_submission, repair
from autograder.pages.summary import write_page


class Grader:
    """Grades submissions one at a time in its own nbgrader course directory and gradebook.

    Parameters
    ----------
    directory : path
        The grader's private workspace.
    notebook_timeout : float
        Seconds one notebook may run in all; past it, its kernel is killed.
    verification : bool
        Run the independent check (:mod:`autograder.containment.verify`) after nbgrader's autograde.
    fork_kernels : bool
        Start each contained kernel and independent check as a fork of a process that has imported what
        they import (:mod:`autograder.containment.forkserver`), rather than as a new interpreter.
    **overrides
        nbgrader settings, e.g. ``{"Execute.timeout": 10}`` for the per-cell limit.
    """

    def __init__(self, directory: str | Path, *, notebook_timeout: float = 600, verification: bool = True,
                 fork_kernels: bool = True, **overrides: Any):
        if os.geteuid() == 0:  # grading others' work: never without a private view (says why, before anyone)
            isolation.require()
        self.contained = isolation.problem() is None
        if self.contained:
            adopt_orphans()
        self.forkserver = ForkServer.started(quiet_environment()) if self.contained and fork_kernels else None
        kernel = kernelspec.install(Path(directory) / "jupyter", self.forkserver and self.forkserver.socket)
        self.workspace = Workspace(directory, **{**kernel, **overrides})
        self.notebook_timeout = notebook_timeout
        self.verification = verification

    def grade(self, student: str, assignment: str, folder: str | Path) -> Outcome:
        """Grade the notebook ``student`` handed in for ``assignment`` in ``folder``; returns an :class:`Outcome`."""
        started = time.perf_counter()
        release = self.workspace.release_notebook(assignment)
        zero = {cell: (0.0, float(points)) for cell, points in graded_cells(release).items()}
        outcome = Outcome(student, assignment, False, zero)
        try:
            path, notes = self._find_notebook(Path(folder), assignment)
            repaired = repair(read_submission(path), release)
            outcome.notes = notes + repaired.notes
            self._run(outcome, repaired.notebook)
        except Unreadable as problem:
            outcome.reason = str(problem)
        outcome.seconds = round(time.perf_counter() - started, 2)
        self._write_feedback(outcome)
        return outcome

    def close(self) -> None:
        """Stop this grader's fork server and the kernels it forked (else done when the grader is collected)."""
        if self.forkserver:
            self.forkserver.stop()

    def time_limit(self, seconds: float) -> AbstractContextManager[threading.Event]:
        """:func:`~autograder.containment.processes.time_limit` for this grader's kernels: once ``seconds``
        have passed they are killed, and the fork server they came from is spared."""
        return time_limit(seconds, spare=self.forkserver and self.forkserver.process.pid)

    def _find_notebook(self, folder, assignment):
        expected = self.workspace.notebook_name(assignment)
        if (folder / expected).is_file():
            return folder / expected, []
        notebooks = sorted(folder.glob("*.ipynb")) if folder.is_dir() else []
        if len(notebooks) == 1:
            return notebooks[0], [f"the notebook was named {notebooks[0].name}; it was graded as {expected}"]
        others = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
        if notebooks:
            raise Unreadable(f"expected {expected}, but found several notebooks: {', '.join(p.name for p in notebooks)}")
        raise Unreadable(f"no notebook was handed in (expected {expected}"
                         + (f"; found {', '.join(others[:5])})" if others else "; the folder is empty)"))

    def _run(self, outcome, notebook):
        student, assignment = outcome.student, outcome.assignment
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="verification") as beside:
            # The independent check needs only the submission, so it runs while nbgrader autogrades
            # (its own contained process, on another core): the learner waits for the longer of the two.
            checking = beside.submit(self._verify, assignment, notebook) if self.verification else None
            self.workspace.submit(student, assignment, notebook)
            with self.time_limit(self.notebook_timeout) as struck:
                result = self.workspace.autograde(assignment, student)
            verdicts = checking.result() if checking else {}
        if self.contained:  # whatever the learner's code started outlives its kernel: stop it
            kill(descendants(os.getpid(), uid=kernel_launcher.NOBODY))
        if not result["success"]:
            error = result.get("error", "") + result.get("log", "")
            if struck.is_set():
                outcome.reason = f"the notebook was stopped after running for {self.notebook_timeout:g} s in all"
            elif "DeadKernelError" in error or "Kernel died" in error:
                outcome.reason = "the notebook's kernel died while running (a crash, or too much memory)"
            else:
                outcome.reason = "nbgrader could not grade it: " + (error.strip().splitlines() or ["unknown error"])[-1]
            return
        scores = self.workspace.scores(assignment, student)
        outcome.scores = {cell: scores.get(cell, zero) for cell, zero in outcome.scores.items()}
        outcome.messages = {
            cell: message
            for cell, message in test_cell_messages(self.workspace.autograded_path(assignment, student)).items()
            if message and cell in outcome.scores and outcome.scores[cell][0] < outcome.scores[cell][1]
        }
        outcome.graded = True
        outcome.autograded = str(self.workspace.autograded_path(assignment, student))
        self._overrule(outcome, verdicts)

    def _verify(self, assignment, notebook):
        """The independent check's verdicts (a method, so a benchmark can time it)."""
        return verify(assignment, notebook, forkserver=self.forkserver and self.forkserver.socket)

    def _overrule(self, outcome, verdicts):
        """Take away the points of every function nbgrader passed but the independent check did not
        (down to the share the check itself grants, for partial-credit exercises).

        Only in that direction: the notebook's hidden tests check things the independent check
        does not (inputs changed in place, edge cases), so its failures stand.
        """
        for function, verdict in verdicts.items():
            cell = testing_cell(function)
            score, maximum = outcome.scores.get(cell, (0.0, 0.0))
            earned = round(verdict.score * maximum, 6)  # a derivation keeps the partial credit it earns there
            if verdict.passed is False and score > earned:
                outcome.scores[cell] = (earned, maximum)
                outcome.messages[cell] = f"{OVERRULED}: {verdict.reason}"
                outcome.overruled.append(function)
                set_auto_score(self.workspace.root, outcome.assignment, outcome.student, cell, earned)

    def _write_feedback(self, outcome):
        outcome.feedback = str(write_page(self.workspace, outcome))
