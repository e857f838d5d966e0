"""Grade a whole class: every ``submitted/<student>/<assignment>/``, on every core, with a progress bar.

Usage: ``python -m autograder.grade_class [--student S ...] [--assignment A ...] [--workers N]``.
Re-running grades again and replaces the earlier results (idempotent).
"""
import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from tqdm import tqdm

from autograder.layout import ROOT, assignments
from autograder.merge import prepare_course, record
from autograder.pool import grade_all


def find_jobs(course_root, students=None, wanted=None):
    """``(student, assignment, folder)`` for every submission folder, filtered; plus skipped folders."""
    known = set(assignments(course_root))
    jobs, skipped = [], []
    for student_dir in sorted(Path(course_root, "submitted").glob("*")):
        if not student_dir.is_dir() or (students and student_dir.name not in students):
            continue
        for folder in sorted(student_dir.iterdir()):
            if wanted and folder.name not in wanted:
                continue
            if folder.name in known and folder.is_dir():
                jobs.append((student_dir.name, folder.name, str(folder)))
            else:
                skipped.append(f"{student_dir.name}/{folder.name}: not an assignment of this course")
    return jobs, skipped


def grade_class(course_root=ROOT, *, students=None, wanted=None, workers=None, cell_timeout=None,
                notebook_timeout=600, progress=True, verification=True):
    """Grade the class and record every outcome in the course; returns ``(outcomes, skipped)``.

    ``verification=False`` skips the independent check (for measuring what it costs).
    """
    jobs, skipped = find_jobs(course_root, students, wanted)
    if not jobs:
        return [], skipped
    options = {"notebook_timeout": notebook_timeout, "verification": verification}
    if cell_timeout:
        options["Execute.timeout"] = cell_timeout
    outcomes = []
    bar = tqdm(total=len(jobs), unit="submission", desc="grading", disable=not progress, file=sys.stdout)

    def on_result(outcome):
        record(course_root, outcome)
        outcomes.append(outcome)
        bar.set_postfix_str(f"{outcome.student}/{outcome.assignment}", refresh=False)
        bar.update()

    with tempfile.TemporaryDirectory(prefix="grading-") as scratch:
        grade_all(jobs, workers=workers or os.cpu_count() or 1, directory=scratch, options=options,
                  job_limit=notebook_timeout + 120, on_result=on_result,
                  meanwhile=lambda: prepare_course(course_root, sorted({a for _, a, _ in jobs})))
    bar.close()
    return outcomes, skipped


def summary(outcomes, skipped, seconds):
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
    repaired = [o for o in outcomes if o.notes]
    if repaired:
        lines.append(f"Graded after repairs ({len(repaired)}):")
        lines.extend(f"  {o.student}/{o.assignment}: {'; '.join(o.notes)}" for o in repaired)
    if skipped:
        lines.append("Skipped:")
        lines.extend(f"  {item}" for item in skipped)
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--student", action="append", help="grade only this student (repeatable)")
    parser.add_argument("--assignment", action="append", help="grade only this assignment (repeatable)")
    parser.add_argument("--workers", type=int, default=None, help="parallel workers (default: one per core)")
    parser.add_argument("--cell-timeout", type=int, default=None, help="seconds one cell may run")
    parser.add_argument("--notebook-timeout", type=int, default=600, help="seconds one notebook may run in all")
    parser.add_argument("--course", default=str(ROOT), help="the course directory")
    options = parser.parse_args(argv)
    started = time.perf_counter()
    outcomes, skipped = grade_class(
        options.course, students=options.student, wanted=options.assignment, workers=options.workers,
        cell_timeout=options.cell_timeout, notebook_timeout=options.notebook_timeout,
    )
    if not outcomes and not skipped:
        print("Nothing to grade: put submissions in submitted/<student>/<assignment>/ (or run `make demo-class`).")
        return 0
    print(summary(outcomes, skipped, time.perf_counter() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
