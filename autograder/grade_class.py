"""Grade a whole class: every ``submitted/<student>/<assignment>/``, on Dask, with a progress bar.

Usage: ``python -m autograder.grade_class [--student S ...] [--assignment A ...] [--workers N]
[--scheduler tcp://host:8786]``. Without a scheduler (nor ``DASK_SCHEDULER_ADDRESS``) a local
cluster is started: one single-threaded worker process per core, each under a nanny that replaces
it if it dies. With one, the same code grades on that cluster. Re-running grades again and replaces
the earlier results (idempotent).

Workers share no file system with the course: the course's nbgrader configuration and the
assignments' source folders reach each worker once (:class:`CourseOnWorker`), every task carries
one submission's bytes and returns plain data (the outcome, the autograded notebook, the feedback
page). This process alone writes the gradebook, ``autograded/`` and ``feedback/``.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import dask
from distributed import Client, Future, KilledWorker, LocalCluster, Worker, as_completed, get_worker
from distributed.diagnostics.plugin import WorkerPlugin
from tqdm import tqdm

from autograder.containment import isolation
from autograder.coursedir import paths
from autograder.coursedir.cli import course_directory
from autograder.coursedir.paths import ROOT
from autograder.grading.grader import Grader
from autograder.grading.merge import prepare_course, record
from autograder.grading.outcome import Outcome

PLUGIN = "course-grader"
MEMORY_LIMIT = 6 * 1024**3  # bytes of address space for a worker and the kernels it starts
ALLOWED_FAILURES = 2  # a submission that kills this many workers (plus one) is not tried again
GRACE = 120  # seconds a grading task may run past the notebook's own limit before it is stopped
ERROR_LOG = Path("logs") / "grading-errors.log"
INTERNAL_ERROR = ("internal grading error: a fault of the grader, not of your notebook "
                  "(the course team has the details and will grade it again)")
DIED = "the grading process died (the notebook may have used too much memory)"
Job = tuple[str, str, str]  # student, assignment, the folder of the submission


class CourseOnWorker(WorkerPlugin):
    """What a worker needs to grade, sent to each worker once: the course's files as bytes
    (``{relative path: bytes}``: nbgrader_config.py and the assignments' source folders) and the
    grader's options. The worker grades in a private copy of the course with its own SQLite gradebook."""

    name = PLUGIN

    def __init__(self, files: dict[str, bytes], options: dict[str, Any]):
        self.files, self.options = files, options

    def setup(self, worker: Worker) -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        profiler = worker.periodic_callbacks.get("profile")
        if profiler:  # Dask samples the grading thread's deep stacks every 10 ms: half a second of CPU per submission
            profiler.stop()
        self.directory = Path(tempfile.mkdtemp(prefix="course-", dir=worker.local_directory))
        for name, content in self.files.items():
            (self.directory / name).parent.mkdir(parents=True, exist_ok=True)
            (self.directory / name).write_bytes(content)
        log = os.open(self.directory / "worker.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        os.dup2(log, 2)  # kernels' and nbgrader's chatter goes to the log, not over the progress bar
        self.grader, self.lock = None, threading.Lock()

    def teardown(self, worker: Worker) -> None:
        if self.grader:
            self.grader.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    def grade(self, student: str, assignment: str, files: dict[str, bytes], limit: float) -> dict[str, Any]:
        """Grade one submission (``files``: ``{file name: bytes}``); returns plain data, see :func:`grade_submission`."""
        folder = Path(tempfile.mkdtemp(prefix="submission-", dir=self.directory))
        try:
            for name, content in files.items():
                (folder / name).write_bytes(content)
            with self.lock:
                if self.grader is None:
                    isolation.require()  # a worker that cannot seal learner code off grades no one (an internal error)
                    self.grader = Grader(self.directory, root=self.directory, copy_course=False, **self.options)
            with self.grader.time_limit(limit) as struck:
                outcome = self.grader.grade(student, assignment, folder)
            if struck.is_set() and not outcome.graded:
                outcome.reason = f"grading took longer than {limit:g} s and was stopped"
            return {"outcome": outcome.to_dict(), **outcome_files(outcome)}
        except Exception:  # a fault of ours (workspace, nbgrader, a broken reference): never the student's
            return {"error": traceback.format_exc()}
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def outcome_files(outcome: Outcome) -> dict[str, tuple[str, bytes] | None]:
    """The autograded notebook and the feedback page of a graded ``outcome`` as ``{kind: (file name, bytes)}``
    (None for what was not made): what a task sends back for :func:`~autograder.grading.merge.record`."""
    def read(path):
        return (Path(path).name, Path(path).read_bytes()) if path and Path(path).is_file() else None

    return {kind: read(getattr(outcome, kind)) for kind in ("autograded", "feedback")}


def grade_submission(student: str, assignment: str, files: dict[str, bytes], limit: float) -> dict[str, Any]:
    """The Dask task: grade one submission on this worker.

    Returns ``{"outcome": Outcome as a dict, "autograded": (name, bytes) or None, "feedback": ...}``,
    or ``{"error": traceback}`` when the grader itself failed.
    """
    return get_worker().plugins[PLUGIN].grade(student, assignment, files, limit)


def find_jobs(course_root: str | Path, students: Collection[str] | None = None,
              assignments: Collection[str] | None = None) -> tuple[list[Job], list[str]]:
    """``(student, assignment, folder)`` for every submission folder, filtered; plus skipped folders."""
    known = set(paths.assignments(course_root))
    jobs, skipped = [], []
    for student_dir in sorted(Path(course_root, "submitted").glob("*")):
        if not student_dir.is_dir() or (students and student_dir.name not in students):
            continue
        for folder in sorted(student_dir.iterdir()):
            if assignments and folder.name not in assignments:
                continue
            if folder.name in known and folder.is_dir():
                jobs.append((student_dir.name, folder.name, str(folder)))
            else:
                skipped.append(f"{student_dir.name}/{folder.name}: not an assignment of this course")
    return jobs, skipped


def course_files(course_root: str | Path, names: Iterable[str]) -> dict[str, bytes]:
    """``{relative path: bytes}``: the nbgrader configuration and the source folders of ``names``."""
    root = Path(course_root)
    files = {"nbgrader_config.py": (root / "nbgrader_config.py").read_bytes()}
    for name in names:
        for path in sorted((root / "source" / name).rglob("*")):
            if path.is_file():
                files[path.relative_to(root).as_posix()] = path.read_bytes()
    return files


def submission_files(folder: str | Path) -> dict[str, bytes]:
    """``{file name: bytes}`` of a submission folder: notebooks whole, other files by name only
    (the grader only needs to say what else it found)."""
    return {path.name: path.read_bytes() if path.suffix == ".ipynb" else b""
            for path in sorted(Path(folder).iterdir()) if path.is_file()}


@contextmanager
def dask_client(scheduler: str | None = None, workers: int | None = None) -> Iterator[Client]:
    """A Dask client: on ``scheduler`` (or ``DASK_SCHEDULER_ADDRESS``) if given, else on a local
    cluster of ``workers`` (default: one per core) single-threaded worker processes with nannies."""
    address = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS")
    if address:
        with Client(address) as client:
            yield client
        return
    settings = {"distributed.scheduler.allowed-failures": ALLOWED_FAILURES, "distributed.worker.daemon": False,
                "distributed.logging.distributed": "error"}
    with dask.config.set(settings), LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                                                 processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        yield client


def grade_class(course_root: str | Path = ROOT, *, students: Collection[str] | None = None,
                assignments: Collection[str] | None = None, workers: int | None = None, cell_timeout: float | None = None,
                notebook_timeout: float = 600, progress: bool = True, verification: bool = True, scheduler: str | None = None,
                client: Client | None = None) -> tuple[list[Outcome], list[str]]:
    """Grade the class and record every outcome in the course; returns ``(outcomes, skipped)``.

    ``scheduler`` (an address) or ``client`` grade on an existing Dask cluster; otherwise a local
    one is started. ``verification=False`` skips the independent check (for measuring what it costs).
    """
    jobs, skipped = find_jobs(course_directory(course_root), students, assignments)
    if not jobs:
        return [], skipped
    if client is None:
        with dask_client(scheduler, workers) as client:
            return grade_class(course_root, students=students, assignments=assignments, cell_timeout=cell_timeout,
                               notebook_timeout=notebook_timeout, progress=progress,
                               verification=verification, client=client)
    names = sorted({a for _, a, _ in jobs})
    options = {"notebook_timeout": notebook_timeout, "verification": verification}
    if cell_timeout:
        options["Execute.timeout"] = cell_timeout
    send_course(client, course_root, names, options)
    futures = {submit(client, job, notebook_timeout): job[:2] for job in jobs}
    prepare_course(course_root, names)  # while the workers start grading
    outcomes = []
    bar = tqdm(total=len(jobs), unit="submission", desc="grading", disable=not progress, file=sys.stdout)
    for future in as_completed(futures):
        outcome = collect(course_root, futures[future], future)
        outcomes.append(outcome)
        bar.set_postfix_str(f"{outcome.student}/{outcome.assignment}", refresh=False)
        bar.update()
    bar.close()
    client.unregister_worker_plugin(PLUGIN)
    return outcomes, skipped


def send_course(client: Client, course_root: str | Path, names: Iterable[str], options: dict[str, Any]) -> None:
    """Give every worker of ``client``'s cluster, present and future, the course's files for the assignments
    ``names`` and the grader's ``options`` (:class:`CourseOnWorker`)."""
    client.register_plugin(CourseOnWorker(course_files(course_root, names), options), name=PLUGIN)


def submit(client: Client, job: Job, notebook_timeout: float) -> Future:
    """The task grading ``job`` (``(student, assignment, folder)``) on ``client``'s cluster, carrying its bytes."""
    student, assignment, folder = job
    return client.submit(grade_submission, student, assignment, submission_files(folder), notebook_timeout + GRACE,
                         pure=False, key=f"grade-{student}-{assignment}-{time.time_ns()}")


def collect(course_root: str | Path, job: tuple[str, str], future: Future) -> Outcome:
    """Record what the task of ``job`` (``(student, assignment)``) ended with; returns its :class:`Outcome`."""
    student, assignment = job
    try:
        result = future.result()
    except KilledWorker:  # it took workers down with it more often than Dask's allowed-failures
        result = {"outcome": Outcome(student, assignment, False, {}, reason=DIED).to_dict()}
    except Exception:
        result = {"error": traceback.format_exc()}
    if "error" in result:
        log_error(course_root, student, assignment, result["error"])
        result = {"outcome": Outcome(student, assignment, False, {}, reason=INTERNAL_ERROR).to_dict()}
    files = {kind: result.get(kind) for kind in ("autograded", "feedback")}
    return record(course_root, Outcome.from_dict(result["outcome"]), files)


def log_error(course_root: str | Path, student: str, assignment: str, text: str) -> None:
    """Append the traceback of a grader fault to the course's error log."""
    path = Path(course_root) / ERROR_LOG
    path.parent.mkdir(exist_ok=True)
    with open(path, "a", encoding="utf-8") as log:
        log.write(f"--- {datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S} UTC {student}/{assignment}\n{text}\n")


def summary(outcomes: list[Outcome], skipped: list[str], seconds: float, course_root: str | Path = ROOT) -> str:
    """The closing report: how many were graded, per assignment averages, and what failed and why."""
    graded = [o for o in outcomes if o.graded]
    lines = [f"Graded {len(graded)} of {len(outcomes)} submissions in {seconds:.1f} s."]
    for assignment in sorted({o.assignment for o in outcomes}):
        mine = [o for o in outcomes if o.assignment == assignment]
        mean = sum(o.total for o in mine) / len(mine)
        lines.append(f"  {assignment}: {len(mine)} submissions, mean {mean:.1f} / {mine[0].maximum:g} points")
    failed = sorted((o for o in outcomes if not o.graded), key=lambda o: (o.student, o.assignment))
    if failed:
        lines.append(f"Not graded ({len(failed)}; recorded with zero points):")
        lines.extend(f"  {o.student}/{o.assignment}: {o.reason}" for o in failed)
    internal = [o for o in failed if o.reason == INTERNAL_ERROR]
    if internal:
        lines.append(f"Internal grading errors: {len(internal)} (faults of the grader, not of the students; "
                     f"tracebacks in {Path(course_root) / ERROR_LOG})")
    repaired = [o for o in outcomes if o.notes]
    if repaired:
        lines.append(f"Graded after repairs ({len(repaired)}):")
        lines.extend(f"  {o.student}/{o.assignment}: {'; '.join(o.notes)}" for o in repaired)
    if skipped:
        lines.append("Skipped:")
        lines.extend(f"  {item}" for item in skipped)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--student", action="append", help="grade only this student (repeatable)")
    parser.add_argument("--assignment", action="append", help="grade only this assignment (repeatable)")
    parser.add_argument("--workers", type=int, default=None, help="local worker processes (default: one per core)")
    parser.add_argument("--scheduler", default=None,
                        help="grade on this Dask scheduler, e.g. tcp://host:8786 (default: DASK_SCHEDULER_ADDRESS, "
                             "else a local cluster)")
    parser.add_argument("--cell-timeout", type=int, default=None, help="seconds one cell may run")
    parser.add_argument("--notebook-timeout", type=int, default=600, help="seconds one notebook may run in all")
    parser.add_argument("--course", default=str(ROOT), help="the course directory")
    options = parser.parse_args(argv)
    try:  # before anyone is graded: learner code must not see the instructor's files
        isolation.require()
    except isolation.Unavailable as error:
        print(f"make grade stopped: {error}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    outcomes, skipped = grade_class(
        options.course, students=options.student, assignments=options.assignment, workers=options.workers,
        cell_timeout=options.cell_timeout, notebook_timeout=options.notebook_timeout, scheduler=options.scheduler,
    )
    if not outcomes and not skipped:
        print("Nothing to grade: put submissions in submitted/<student>/<assignment>/ (or run `make demo-class`).")
        return 0
    print(summary(outcomes, skipped, time.perf_counter() - started, options.course))
    return 0


if __name__ == "__main__":
    sys.exit(main())
