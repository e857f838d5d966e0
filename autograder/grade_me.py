"""Self-grading for learners: grade your own notebook with the hidden tests, as often as you like.

Usage: ``python -m autograder.grade_me [NOTEBOOK ...]`` (default: the notebooks you have worked on
in ``my-notebooks/``). A notebook is recognised by its exercises, whatever its file or folder is
called. Your file is only read; everything is made in the ignored ``.grade-me/``, and nbgrader's
chatter goes to ``.grade-me/log.txt``: the terminal shows the table and the feedback page.

While ``make lab`` runs, its warm grader (:mod:`autograder.warm_grader`) answers, with nbgrader
already loaded; otherwise the notebooks are graded in this process. Both print the same.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder import warm_grader
from autograder.containment import isolation
from autograder.containment.forkserver import ForkServer
from autograder.coursedir.cli import quiet_environment
from autograder.coursedir.paths import SELF_GRADING


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebooks to grade (default: the ones you worked on)")
    paths = [str(Path(path).resolve()) for path in parser.parse_args(argv).notebooks]
    answer = warm_grader.ask(SELF_GRADING, paths)
    if answer is None:  # no warm grader (no `make lab` running, or it is out of date): grade here
        if isolation.problem() is None:  # the grader's fork server imports while this process imports nbgrader
            ForkServer.start_early(quiet_environment())
        from autograder.grading.self_grade import report  # nbgrader takes seconds to import

        answer = report(paths, SELF_GRADING)
    text, status = answer
    print(text)
    return status


if __name__ == "__main__":
    sys.exit(main())
