"""Grade many submissions at once: one worker process per core, each with its own workspace.

nbgrader grades one student at a time and every worker here owns a private gradebook, so
there is no "database is locked"; the parent merges results into the course as they arrive.
A worker that hangs past the limit or dies is killed with everything it started, its job is
reported as not graded, and a fresh worker takes its place.
"""
import multiprocessing
import os
import queue
import resource
import time
from pathlib import Path

from autograder.grader import Grader, Outcome
from autograder.processes import kill_tree

MEMORY_LIMIT = 6 * 1024**3  # bytes of address space for a worker and the kernels it starts


def _worker(number, directory, options, jobs, results):
    """Worker process: grade jobs from ``jobs`` until it receives None."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    log = os.open(Path(directory) / "worker.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.dup2(log, 2)  # kernels' and nbgrader's chatter goes to the log, not over the progress bar
    grader = Grader(Path(directory) / "workspace", **options)
    while (job := jobs.get()) is not None:
        student, assignment, folder = job
        results.put((number, grader.grade(student, assignment, folder).to_dict()))


class _Slot:
    """One worker process, its job queue and the job it is on."""

    def __init__(self, context, number, directory, options, results):
        self.jobs = context.Queue()
        directory = Path(directory) / f"worker-{number}-{time.monotonic_ns()}"
        directory.mkdir(parents=True)
        self.process = context.Process(
            target=_worker, args=(number, directory, options, self.jobs, results), daemon=True
        )
        self.process.start()
        self.job, self.started = None, None

    def give(self, job):
        self.job, self.started = job, time.monotonic()
        self.jobs.put(job)

    def stop(self):
        self.jobs.put(None)


def grade_all(jobs, *, workers, directory, options, job_limit, on_result, meanwhile=None):
    """Grade ``jobs`` (``(student, assignment, folder)`` tuples) with ``workers`` processes.

    ``on_result(outcome)`` is called in this process for every job, in completion order.
    ``job_limit`` seconds after a job started, its worker is killed and replaced.
    ``meanwhile()``, if given, runs here while the workers start up (before any result is taken).
    """
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    pending = list(jobs)
    slots = [_Slot(context, n, directory, options, results) for n in range(min(workers, len(pending)) or 1)]
    for slot in slots:
        if pending:
            slot.give(pending.pop(0))
    busy = len([slot for slot in slots if slot.job])
    if meanwhile:
        meanwhile()
    try:
        while pending or busy:
            for slot in slots:
                if slot.job is None and pending:
                    slot.give(pending.pop(0))
                    busy += 1
            try:
                number, data = results.get(timeout=1)
            except queue.Empty:
                for index, slot in enumerate(slots):
                    overdue = slot.job and time.monotonic() - slot.started > job_limit
                    if slot.job and (overdue or not slot.process.is_alive()):
                        on_result(_lost(slot.job, overdue, job_limit))
                        busy -= 1
                        kill_tree(slot.process.pid)
                        slots[index] = _Slot(context, index, directory, options, results)
                continue
            slot = slots[number]
            slot.job = None
            busy -= 1
            on_result(Outcome.from_dict(data))
    finally:
        for slot in slots:
            slot.stop()
        for slot in slots:
            slot.process.join(timeout=10)
            if slot.process.is_alive():
                kill_tree(slot.process.pid)


def _lost(job, overdue, limit):
    student, assignment, _ = job
    reason = (f"grading took longer than {limit:g} s and was stopped" if overdue
              else "the grading process died (the notebook may have used too much memory)")
    return Outcome(student, assignment, False, {}, reason=reason)
