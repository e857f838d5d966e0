"""Benchmark the autograder: its overhead over plain execution, and class grading on every core.

Usage: ``python -m autograder.bench [--students N] [--repeat K] [--class-repeat K] [--assignment A ...]``.
Per notebook it times the solution-filled release notebook run plainly with nbclient, against
grading the same submission with :class:`~autograder.grader.Grader` in a warm process (nbgrader
imported and the assignment generated beforehand, as in a class-grading worker). Then it grades a
synthetic class with one worker and with one per core. Everything runs in scratch directories;
the table is printed and written to ``reports/bench.txt``.
"""
import argparse
import os
import shutil
import statistics
import tempfile
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from autograder import demo_class
from autograder.grade_class import grade_class
from autograder.grader import Grader
from autograder.layout import ROOT, assignments, release_notebook, source_notebook
from autograder.nbgrader_cli import quiet_environment
from autograder.solutions import fill_in, reference_solutions

TARGET_RATIO = 1.3
TARGET_SPEEDUP = 1.8


def solved(assignment):
    """The release notebook of ``assignment`` with every stub replaced by the reference solution."""
    release = nbformat.read(release_notebook(assignment), as_version=4)
    return fill_in(release, reference_solutions(source_notebook(assignment)))


def run_raw(notebook, folder):
    """Seconds to execute ``notebook`` with nbclient in ``folder`` (kernel start included)."""
    client = NotebookClient(nbformat.from_dict(notebook), timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}})
    started = time.perf_counter()
    client.execute()
    return time.perf_counter() - started


class TimedGrader(Grader):
    """A :class:`Grader` that also records how long nbgrader's autograde and feedback steps took."""

    def __init__(self, directory, **options):
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


def notebook_rows(names, repeat, scratch):
    """Per assignment: median seconds of raw execution, of grading, and of its autograde and feedback steps."""
    grader = TimedGrader(scratch / "workspace")
    submissions = {}
    for assignment in names:
        grader.workspace.prepare(assignment)
        folder = scratch / "submitted" / assignment
        folder.mkdir(parents=True)
        nbformat.write(solved(assignment), folder / release_notebook(assignment).name)
        submissions[assignment] = folder
    grader.grade("warmup", names[0], submissions[names[0]])  # imports and first-use costs, as a worker pays once
    rows = []
    for assignment in names:
        raw, graded, autograde, feedback, verification = [], [], [], [], []
        for turn in range(repeat):
            raw.append(run_raw(solved(assignment), submissions[assignment]))
            started = time.perf_counter()
            outcome = grader.grade(f"student_{turn}", assignment, submissions[assignment])
            graded.append(time.perf_counter() - started)
            autograde.append(grader.phases["autograde"])
            feedback.append(grader.phases["feedback"])
            verification.append(grader.phases["verification"])
            if outcome.total != outcome.maximum:
                raise RuntimeError(f"the reference solution of {assignment} lost points: {outcome.messages}")
        rows.append((assignment, *(statistics.median(v) for v in (raw, graded, autograde, feedback, verification))))
    return rows


def class_rows(names, students, repeat, scratch, seed=0):
    """Median seconds to grade a synthetic class with one worker and with one per core."""
    course = scratch / "class"
    course.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "source", course / "source")
    demo_class.build(course, students, seed, names)
    cores = os.cpu_count() or 1
    settings = {"1 worker": (1, True), f"{cores} workers": (cores, True), f"{cores} workers, unverified": (cores, False)}
    runs = {name: [] for name in settings}
    for turn in range(repeat):  # alternate the order, so a change in the machine's load favours none
        for name in sorted(runs, reverse=turn % 2 == 1):
            workers, verification = settings[name]
            started = time.perf_counter()
            outcomes, _ = grade_class(course, workers=workers, progress=False, verification=verification)
            runs[name].append(time.perf_counter() - started)
    times = {name: statistics.median(seconds) for name, seconds in runs.items()}
    return len(outcomes), cores, times


def load_average():
    """The 1, 5 and 15 minute load averages, as text (other work on the machine skews the numbers)."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def table(rows, count, cores, times, students, repeat, class_repeat, load_before):
    """The benchmark's text table."""
    lines = [f"Autograder benchmark, {cores} cores (load average {load_before} before, {load_average()} after)",
             "",
             f"{'notebook':<24}{'raw (s)':>9}{'grade (s)':>11}{'ratio':>7}"
             f"{'  autograde (s)':>15}{'ratio':>7}{'  feedback (s)':>14}{'  verify (s)':>12}"]
    for assignment, raw, graded, autograde, feedback, verification in rows:
        lines.append(f"{assignment:<24}{raw:>9.2f}{graded:>11.2f}{graded / raw:>6.2f}×"
                     f"{autograde:>15.2f}{autograde / raw:>6.2f}×{feedback:>14.2f}{verification:>12.2f}")
    lines += ["", f"median of {repeat} runs; grade = Grader.grade in a warm worker (repair, nbgrader autograde,",
              "scores, messages, verification, feedback page); autograde = nbgrader's autograde step alone;",
              f"target ratio ≤ {TARGET_RATIO}×", ""]
    if times:
        one, many, unverified = (times[name] for name in ("1 worker", f"{cores} workers", f"{cores} workers, unverified"))
        lines.append(f"class of {students} students × {len(rows)} assignments = {count} submissions "
                     f"(median of {class_repeat}):")
        lines.append(f"  1 worker {one:.1f} s, {cores} workers {many:.1f} s, speed-up {one / many:.2f}× "
                     f"(target ≥ {TARGET_SPEEDUP}× on 2 cores)")
        lines.append(f"  without the independent check {unverified:.1f} s: verification adds "
                     f"{100 * (many / unverified - 1):.0f} % (target ≤ 30 %)")
    return "\n".join(lines)


@contextmanager
def quiet_stderr(log):
    """Send this process's (and its kernels') stderr chatter to ``log`` while measuring."""
    saved = os.dup(2)
    with open(log, "ab") as sink, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def main(argv=None):
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
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch, quiet_stderr(Path(scratch) / "stderr.log"):
        rows = notebook_rows(names, options.repeat, Path(scratch))
        count, cores, times = (class_rows(names, options.students, options.class_repeat, Path(scratch))
                               if options.students else (0, os.cpu_count() or 1, {}))
    text = table(rows, count, cores, times, options.students, options.repeat, options.class_repeat, load_before)
    print(text)
    out = ROOT / "reports" / "bench.txt"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text + "\n", encoding="utf-8")
    print(f"\nwritten to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
