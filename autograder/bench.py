"""Benchmark the autograder: its overhead over plain execution, and class grading on every core.

Usage: ``python -m autograder.bench [--students N] [--repeat K] [--class-repeat K] [--assignment A ...]``.
Per notebook it times the solution-filled release notebook run plainly with nbclient, against
grading the same submission with :class:`~autograder.grading.grader.Grader` in a warm process (nbgrader
imported and the assignment generated beforehand, as in a class-grading worker). Then it grades a
synthetic class: in one process with no Dask (grading and recording one submission after another),
on a local Dask cluster of one worker and of one per core, and on a scheduler with two workers
started from the command line, with how many cores were busy meanwhile. Dask's overhead per
submission is measured in pairs: each submission graded directly and as a task on a running
one-worker cluster, back to back. Everything runs in scratch directories; the table is printed
and written to ``reports/bench.txt``.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nbformat
from distributed import Client
from nbformat import NotebookNode
from nbclient import NotebookClient

from autograder import demo_class, warm_grader
from autograder.containment import isolation
from autograder.containment.processes import stat_fields
from autograder.coursedir.cells import fill_in, reference_solutions
from autograder.coursedir.cli import quiet_environment
from autograder.coursedir.paths import ROOT, assignments, release_notebook, source_notebook
from autograder.coursedir.quiet import stderr_to
from autograder.grade_class import PLUGIN, Job, collect, find_jobs, grade_class, outcome_files, send_course, submit
from autograder.grading.grader import Grader
from autograder.grading.merge import prepare_course, record

TARGET_RATIO = 1.3
TARGET_SPEEDUP = 1.9
# a notebook's row: assignment, then median seconds of raw execution, grading, autograde, feedback, verification,
# grading with kernels started afresh (not forked), grade-me in a process of its own, grade-me answered by
# make lab's warm grader, and the CPU seconds of raw execution and of grading
NotebookRow = tuple[str, float, float, float, float, float, float, float, float, float, float]


def solved(assignment: str) -> NotebookNode:
    """The release notebook of ``assignment`` with every stub replaced by the reference solution."""
    release = nbformat.read(release_notebook(assignment), as_version=4)
    return fill_in(release, reference_solutions(source_notebook(assignment)))


def cpu_seconds(forkserver: int | None = None) -> float:
    """CPU seconds used so far by this process and the children it waited for, and by those the fork
    server ``forkserver`` (a pid) waited for: the kernels it forked."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    total = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
    if forkserver:
        fields = stat_fields(forkserver)
        total += (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")  # cutime, cstime
    return total


def run_raw(notebook: NotebookNode, folder: Path) -> float:
    """Seconds to execute ``notebook`` with nbclient in ``folder`` (kernel start included)."""
    client = NotebookClient(nbformat.from_dict(notebook), timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}})
    started = time.perf_counter()
    client.execute()
    return time.perf_counter() - started


class TimedGrader(Grader):
    """A :class:`Grader` that also records how long nbgrader's autograde and feedback steps took."""

    def __init__(self, directory: str | Path, **options: Any):
        super().__init__(directory, **options)
        self.phases = {}
        for phase in ("autograde", "feedback"):
            setattr(self.workspace, phase, self._timed(phase, getattr(self.workspace, phase)))
        self._verify = self._timed("verification", self._verify)

    def _timed(self, phase, method):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.phases[phase] = time.perf_counter() - started
        return timed


def notebook_rows(names: list[str], repeat: int, scratch: Path) -> list[NotebookRow]:
    """Per assignment: median seconds of raw execution, of grading, and of its autograde and feedback steps."""
    grader = TimedGrader(scratch / "workspace")
    fresh = Grader(scratch / "fresh-kernels", fork_kernels=False)
    submissions = {}
    for assignment in names:
        grader.workspace.prepare(assignment)
        fresh.workspace.prepare(assignment)
        folder = scratch / "submitted" / assignment
        folder.mkdir(parents=True)
        nbformat.write(solved(assignment), folder / release_notebook(assignment).name)
        submissions[assignment] = folder
    for warming in (grader, fresh):  # imports and first-use costs, as a worker pays once
        warming.grade("warmup", names[0], submissions[names[0]])
    with warm_grader_beside(scratch / "grade-me-warm") as warm_work:
        return [notebook_row(grader, fresh, assignment, submissions[assignment], repeat, scratch, warm_work)
                for assignment in names]


def notebook_row(grader: TimedGrader, fresh: Grader, assignment: str, folder: Path, repeat: int, scratch: Path,
                 warm_work: Path) -> NotebookRow:
    """One assignment's row of :func:`notebook_rows` (``folder`` holds its solved submission)."""
    raw, graded, autograde, feedback, verification, afresh, raw_cpu, grade_cpu = [], [], [], [], [], [], [], []
    server = grader.forkserver and grader.forkserver.process.pid
    for turn in range(repeat):
        cpu = cpu_seconds()
        raw.append(run_raw(solved(assignment), folder))
        raw_cpu.append(cpu_seconds() - cpu)
        started, cpu = time.perf_counter(), cpu_seconds(server)
        outcome = grader.grade(f"student_{turn}", assignment, folder)
        graded.append(time.perf_counter() - started)
        grade_cpu.append(cpu_seconds(server) - cpu)
        started = time.perf_counter()
        fresh.grade(f"student_{turn}", assignment, folder)
        afresh.append(time.perf_counter() - started)
        autograde.append(grader.phases["autograde"])
        feedback.append(grader.phases["feedback"])
        verification.append(grader.phases["verification"])
        if outcome.total != outcome.maximum:
            raise RuntimeError(f"the reference solution of {assignment} lost points: {outcome.messages}")
    cold = self_grading_times(folder, repeat, scratch / "grade-me")
    warm = self_grading_times(folder, repeat, warm_work)
    return (assignment, *(statistics.median(v) for v in (raw, graded, autograde, feedback, verification, afresh,
                                                          cold, warm, raw_cpu, grade_cpu)))


def containment_cost(repeat: int = 10) -> float:
    """Median seconds a private view (:mod:`autograder.containment.isolation`) adds to starting a program: the same
    interpreter start and import, then ``true``, with and without entering the view."""
    plain = [sys.executable, "-I", "-c", f"import os, sys; sys.path.insert(0, {str(ROOT)!r}); "
             "import autograder.containment.isolation; os.execvp('true', ['true'])"]
    contained = isolation.command(["true"])

    def seconds(command):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        return time.perf_counter() - started

    return statistics.median(seconds(contained) - seconds(plain) for _ in range(repeat))


@contextmanager
def warm_grader_beside(work: Path) -> Iterator[Path]:
    """A warm grader (:mod:`autograder.warm_grader`) serving ``work``, as ``make lab`` starts one; yields ``work``."""
    process = warm_grader.start(work, subprocess.DEVNULL)
    try:  # its warm-up would compete with what is timed meanwhile: wait for its first answer (to no notebook)
        while warm_grader.ask(work, [str(work / "no-notebook.ipynb")]) is None and process.poll() is None:
            time.sleep(0.2)
        yield work
    finally:
        process.terminate()
        process.wait()


def self_grading_times(folder: Path, repeat: int, work: Path) -> list[float]:
    """Seconds of ``make grade-me NB=...`` on the solved notebook in ``folder``, end to end as a learner
    runs it (make, Python, nbgrader's import unless a warm grader serves ``work``, grading, the feedback
    page), after one run not counted (it generates the assignment, or waits for the warm grader to be ready)."""
    notebook = next(Path(folder).glob("*.ipynb"))
    command = ["make", "-s", "-C", str(ROOT), "-o", ".venv/.installed", "grade-me", f"NB={notebook}"]
    env = {**os.environ, "GRADE_ME_DIR": str(work)}
    times = []
    for _ in range(repeat + 1):
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return times[1:]


@contextmanager
def command_line_cluster(directory: Path, workers: int = 2, env: dict[str, str] | None = None) -> Iterator[str]:
    """A ``dask scheduler`` and ``workers`` single-threaded ``dask worker`` processes started from the
    command line, each in its own empty folder under ``directory`` (machines that share no course
    files); yields the scheduler's address and stops them all afterwards."""
    dask = str(Path(sys.executable).parent / "dask")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    machines = [Path(directory) / name for name in ["scheduler", *(f"machine-{n}" for n in range(workers))]]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": {**os.environ, **(env or {})}}
    processes = []
    try:
        for machine in machines:
            machine.mkdir(parents=True)
            command = ([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port)] if machine == machines[0] else
                       [dask, "worker", address, "--nthreads", "1", "--nworkers", "1", "--local-directory", str(machine)])
            processes.append(subprocess.Popen([*command, "--no-dashboard"], cwd=machine, **quiet))
        with Client(address, timeout=120) as client:
            client.wait_for_workers(workers, timeout=300)
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def grade_directly(course: Path, grader: Grader, job: Job) -> None:
    """Grade ``job`` with ``grader`` in this process and record it in ``course``: what a Dask task and
    :func:`~autograder.grade_class.collect` do together, without Dask."""
    outcome = grader.grade(*job)
    record(course, outcome, outcome_files(outcome))


def grade_class_directly(course: Path) -> None:
    """Grade and record the class one submission after another in this process, with one :class:`Grader`."""
    jobs, _ = find_jobs(course)
    prepare_course(course, sorted({assignment for _, assignment, _ in jobs}))
    with tempfile.TemporaryDirectory(prefix="direct-") as scratch:
        grader = Grader(Path(scratch) / "workspace")
        for job in jobs:
            grade_directly(course, grader, job)
        grader.close()


def dask_overhead(course: Path, address: str) -> list[float]:
    """Seconds Dask adds to each submission of the class in ``course``, measured in pairs: each submission graded
    and recorded directly in this process, and as a task on the running cluster at ``address`` (its bytes sent,
    its pages received), back to back in alternating order, so a change in the machine's load favours neither.
    Both ways are warmed on every assignment first (generating it, first imports), as a running cluster is."""
    jobs, _ = find_jobs(course)
    names = sorted({assignment for _, assignment, _ in jobs})
    prepare_course(course, names)
    with tempfile.TemporaryDirectory(prefix="direct-") as scratch, Client(address) as client:
        grader = Grader(Path(scratch) / "workspace")
        send_course(client, course, names, {"notebook_timeout": grader.notebook_timeout, "verification": True})

        def seconds(on_dask: bool, job: Job) -> float:
            started = time.perf_counter()
            if on_dask:
                collect(course, job[:2], submit(client, job, grader.notebook_timeout))
            else:
                grade_directly(course, grader, job)
            return time.perf_counter() - started

        for job in {job[1]: job for job in reversed(jobs)}.values():  # the first submission of each assignment
            for on_dask in (False, True):
                seconds(on_dask, job)
        differences = []
        for turn, job in enumerate(jobs):
            first = turn % 2 == 0  # Dask first on even turns
            times = {first: seconds(first, job), not first: seconds(not first, job)}
            differences.append(times[True] - times[False])
        client.unregister_worker_plugin(PLUGIN)
        grader.close()
    return differences


def busy_seconds() -> float:
    """Seconds the machine's cores have spent busy so far, all together (``/proc/stat``: all but idle and iowait)."""
    fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def echo(payload: bytes) -> bytes:
    """A task that does nothing but hand its bytes back (for Dask's own cost per task)."""
    return payload


def round_trip(address: str, tasks: int = 200, size: int = 200_000) -> float:
    """Seconds per task Dask itself costs: ``tasks`` tasks sent one after another to the cluster at
    ``address``, each carrying and returning ``size`` bytes (about a submission and its pages)."""
    with Client(address) as client:
        client.submit(echo, b"", pure=False).result()
        started = time.perf_counter()
        for _ in range(tasks):
            client.submit(echo, os.urandom(size), pure=False).result()
        return (time.perf_counter() - started) / tasks


def class_rows(names: list[str], students: int, repeat: int, scratch: Path,
               seed: int = 0) -> tuple[int, int, dict[str, float]]:
    """Median seconds to grade a synthetic class, and cores busy meanwhile: directly, on a local cluster of
    one worker and of one per core (with and without the independent check), and on a two-worker
    command-line cluster; with Dask's overhead per submission (:func:`dask_overhead`) on a one-worker one."""
    course = scratch / "class"
    course.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "source", course / "source")
    demo_class.build(course, students, seed, names)
    cores = os.cpu_count() or 1
    with command_line_cluster(scratch / "cluster") as address, command_line_cluster(scratch / "one", 1) as running:
        settings = {"direct": lambda: grade_class_directly(course),
                    "1 worker": lambda: grade_class(course, workers=1, progress=False),
                    f"{cores} workers": lambda: grade_class(course, workers=cores, progress=False),
                    f"{cores} workers, unverified": lambda: grade_class(course, workers=cores, progress=False,
                                                                        verification=False),
                    "2-worker scheduler": lambda: grade_class(course, scheduler=address, progress=False)}
        times = {"round trip": round_trip(address), "overhead": statistics.median(dask_overhead(course, running))}
        runs, busy = {name: [] for name in settings}, {name: [] for name in settings}
        for turn in range(repeat):  # alternate the order, so a change in the machine's load favours none
            for name in sorted(runs, reverse=turn % 2 == 1):
                started, cpu = time.perf_counter(), busy_seconds()
                settings[name]()
                runs[name].append(time.perf_counter() - started)
                busy[name].append((busy_seconds() - cpu) / runs[name][-1])
    times.update({name: statistics.median(seconds) for name, seconds in runs.items()})
    times.update({f"{name} busy": statistics.median(cores) for name, cores in busy.items()})
    return len(find_jobs(course)[0]), cores, times


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as text (other work on the machine skews the numbers)."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def table(rows: list[NotebookRow], count: int, cores: int, times: dict[str, float], students: int, repeat: int,
          class_repeat: int, load_before: str) -> str:
    """The benchmark's text table."""
    lines = [f"Autograder benchmark, {cores} cores (load average {load_before} before, {load_average()} after)",
             "",
             f"{'notebook':<24}{'raw (s)':>9}{'grade (s)':>11}{'ratio':>7}"
             f"{'  autograde (s)':>15}{'ratio':>7}{'  feedback (s)':>14}{'  verify (s)':>12}"
             f"{'  unforked (s)':>14}{'ratio':>7}{'  grade-me (s)':>14}{'ratio':>7}{'  lab open (s)':>14}{'ratio':>7}"
             f"{'  CPU raw (s)':>13}{'  CPU grade (s)':>15}{'ratio':>7}"]
    for assignment, raw, graded, autograde, feedback, verification, afresh, cold, warm, raw_cpu, grade_cpu in rows:
        lines.append(f"{assignment:<24}{raw:>9.2f}{graded:>11.2f}{graded / raw:>6.2f}×"
                     f"{autograde:>15.2f}{autograde / raw:>6.2f}×{feedback:>14.2f}{verification:>12.2f}"
                     f"{afresh:>14.2f}{afresh / raw:>6.2f}×{cold:>14.2f}{cold / raw:>6.2f}×{warm:>14.2f}{warm / raw:>6.2f}×"
                     f"{raw_cpu:>13.2f}{grade_cpu:>15.2f}{grade_cpu / raw_cpu:>6.2f}×")
    lines += ["", f"median of {repeat} runs; grade = Grader.grade in a warm worker (repair, nbgrader autograde,",
              "scores, messages, verification, feedback page), its kernel and independent check forked from a server",
              "that has imported what they import; unforked = the same with both started afresh, as raw execution",
              "starts its kernel;",
              "autograde = nbgrader's autograde step alone;",
              f"target ratio ≤ {TARGET_RATIO}×; grade-me = `make grade-me NB=...` end to end, as a learner runs it:",
              "in a process of its own, and answered by the warm grader `make lab` starts (lab open); target ≤ 2× raw;",
              "CPU = processor seconds of every process involved (kernels, the independent check, the grader)",
              ""]
    if times:
        one, many, unverified, remote = (times[name] for name in (
            "1 worker", f"{cores} workers", f"{cores} workers, unverified", "2-worker scheduler"))

        def busy(name):
            return f"{times[name + ' busy']:.2f} of {cores} cores busy"

        lines.append(f"class of {students} students × {len(rows)} assignments = {count} submissions "
                     f"(median of {class_repeat}):")
        lines.append(f"  {'no Dask: one process, same work':<34}{times['direct']:8.1f} s   {busy('direct')}")
        lines.append(f"  local cluster, 1 worker            {one:8.1f} s   {busy('1 worker')}")
        lines.append(f"  local cluster, {cores} workers           {many:8.1f} s   {busy(f'{cores} workers')}, "
                     f"speed-up {one / many:.2f}× (target ≥ {TARGET_SPEEDUP}× on 2 cores)")
        lines.append(f"  scheduler + 2 command-line workers {remote:8.1f} s   {busy('2-worker scheduler')}, "
                     f"speed-up {one / remote:.2f}×")
        lines.append(f"  Dask's overhead per submission: {times['overhead']:+.2f} s (median of {count} pairs, each "
                     "submission graded directly and on a running one-worker cluster back to back; target ≤ 0.1 s); "
                     f"a task's round trip with 200 kB each way: {1000 * times['round trip']:.1f} ms")
        lines.append(f"  without the independent check {unverified:.1f} s: verification adds "
                     f"{100 * (many / unverified - 1):.0f} % (target ≤ 30 %)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=12, help="students in the synthetic class (0: skip it)")
    parser.add_argument("--repeat", type=int, default=3, help="median of this many runs per notebook")
    parser.add_argument("--class-repeat", type=int, default=1, help="median of this many class gradings")
    parser.add_argument("--assignment", action="append", help="only this assignment (repeatable)")
    options = parser.parse_args(argv)
    names = options.assignment or assignments()
    os.environ.update(quiet_environment())
    load_before = load_average()
    print(f"timing {len(names)} notebooks, then a class of {options.students} students; "
          "this takes minutes", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch, stderr_to(Path(scratch) / "stderr.log"):
        rows = notebook_rows(names, options.repeat, Path(scratch))
        count, cores, times = (class_rows(names, options.students, options.class_repeat, Path(scratch))
                               if options.students else (0, os.cpu_count() or 1, {}))
    text = table(rows, count, cores, times, options.students, options.repeat, options.class_repeat, load_before)
    text += (f"\n\ncontainment: a private view adds {1000 * containment_cost():.0f} ms to starting a contained "
             "program; a notebook starts two (its kernel and the independent check); target ≤ 100 ms per notebook")
    print(text)
    out = ROOT / "reports" / "bench.txt"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text + "\n", encoding="utf-8")
    print(f"\nwritten to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
