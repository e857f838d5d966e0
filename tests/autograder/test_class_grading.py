"""Class grading with the real nbgrader on a local Dask cluster: two workers give the same scores as
one and as plain ``nbgrader autograde``; bad submissions are graded with a reason and never stop the class or get
modified; re-running is idempotent and the filters work."""
import copy
import hashlib
import shutil
import subprocess
import sys

import nbformat
import pytest
from distributed import Client, LocalCluster, wait

from autograder.coursedir.cells import fill_in, grade_id, reference_solutions
from autograder.coursedir.cli import nbgrader
from autograder.coursedir.paths import CONFIG, ROOT, make_course, release_notebook, source_notebook
from autograder.coursedir.workspace import Workspace
from autograder.demo_class import build
from autograder.grade_class import ERROR_LOG, INTERNAL_ERROR, PLUGIN, collect, find_jobs, grade_class, grade_submission, summary
from autograder.grading.merge import handed_in, outcomes, prepare_course, record
from autograder.grading.outcome import Outcome
from tests.feedback_text import leaks, visible_text

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "01_gradients"
NOTEBOOK = release_notebook(ASSIGNMENT).name
GOOD = [f"student_{n:02d}" for n in range(1, 7)]


def solution_with(**codes):
    """The release notebook answered with the reference solution, some functions replaced by ``codes``."""
    release = nbformat.read(release_notebook(ASSIGNMENT), as_version=4)
    return fill_in(release, {**reference_solutions(source_notebook(ASSIGNMENT)), **codes})


def cell_index(nb, name):
    return next(i for i, c in enumerate(nb.cells) if grade_id(c) == name)


def bad_submissions():
    """``{student: notebook, bytes or None (empty folder)}``: every kind of trouble a class brings."""
    good = solution_with()
    test_cell = cell_index(good, "test_grad_linear")
    duplicated, reordered, retyped, edited, deleted = (copy.deepcopy(good) for _ in range(5))
    duplicated.cells.insert(test_cell + 1, copy.deepcopy(good.cells[test_cell]))
    reordered.cells.reverse()
    answer = cell_index(retyped, "grad_quadratic")
    retyped.cells[answer] = nbformat.v4.new_markdown_cell(
        retyped.cells[answer].source, metadata=retyped.cells[answer].metadata, id=retyped.cells[answer].id)
    edited.cells[test_cell].source = "print('all good')"
    del deleted.cells[test_cell]
    return {
        "raises": solution_with(grad_linear="raise ValueError('oops')"),
        "loops": solution_with(grad_linear="while True:\n    pass"),
        "slow": solution_with(**{f: "import time\ntime.sleep(4)\n" + code
                                 for f, code in reference_solutions(source_notebook(ASSIGNMENT)).items()}),
        "crashes": solution_with(grad_linear="import os\nos._exit(1)"),
        "hungry": solution_with(grad_linear="hoard = []\nwhile True:\n    hoard.append(np.empty(10**9))"),
        "returns_bad": solution_with(grad_linear="return None", grad_quadratic="return np.full(len(x), np.nan)",
                                     grad_least_squares="return (2 * A.T @ (A @ x - b))[:, None]"),
        "duplicated": duplicated, "reordered": reordered, "retyped": retyped, "edited_test": edited,
        "deleted_test": deleted,
        "huge_output": solution_with(grad_linear="print('x' * 100 + '\\n' * 10, end='')\n" * 3 + "return a",
                                     grad_quadratic="for _ in range(20000):\n    print('spam')\nreturn (A + A.T) @ x"),
        "intrudes": solution_with(grad_linear=(
            f"open({str(ROOT / 'autograder' / 'written-by-a-learner')!r}, 'w')\n"
            "return a"), grad_quadratic=(
            "import subprocess\nsubprocess.Popen(['sleep', '600.42'])\nsubprocess.Popen(['sh', '-c', 'sleep 600.42 &'])\n"
            "return (A + A.T) @ x")),
        "not_json": b"{\"cells\": [ this is not json",
        "not_notebook": b"[1, 2, 3]",
        "empty": None,
    }


def checksums(folder):
    return {p.relative_to(folder): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course of 6 synthetic students and every bad submission, graded on two workers."""
    root = tmp_path_factory.mktemp("course")
    shutil.copy(CONFIG, root / CONFIG.name)
    shutil.copytree(ROOT / "source" / ASSIGNMENT, root / "source" / ASSIGNMENT)
    build(root, students=len(GOOD), seed=7, assignment_names=[ASSIGNMENT])
    for student, content in bad_submissions().items():
        folder = root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        if isinstance(content, bytes):
            (folder / NOTEBOOK).write_bytes(content)
        elif content is not None:
            nbformat.write(content, folder / NOTEBOOK)
    before = checksums(root / "submitted")
    graded, skipped = grade_class(root, workers=2, cell_timeout=8, notebook_timeout=30, progress=False)
    return root, {o.student: o for o in graded}, before, skipped


def scores_of(records, students):
    return {s: records[s].scores for s in students}


def test_every_submission_is_graded_or_explained(course):
    root, records, _, skipped = course
    assert set(records) == set(GOOD) | set(bad_submissions())
    assert not skipped
    text = summary(list(records.values()), skipped, 1.0)
    for outcome in records.values():
        assert outcome.graded or outcome.reason
        if not outcome.graded:
            assert f"{outcome.student}/{ASSIGNMENT}: {outcome.reason}" in text


def test_submitted_files_are_never_modified(course):
    root, _, before, _ = course
    assert checksums(root / "submitted") == before


def test_learner_code_is_contained(course):
    """The kernel runs as an unprivileged user: no file next to the grader's, no process left behind."""
    assert not (ROOT / "autograder" / "written-by-a-learner").exists()
    assert not subprocess.run(["pgrep", "-f", "sleep 600.42"], capture_output=True).stdout


@pytest.mark.parametrize(("student", "expected"), [
    ("not_json", "not valid JSON"),
    ("not_notebook", "not a Jupyter notebook"),
    ("empty", "the folder is empty"),
    ("crashes", "kernel died"),
    ("slow", "stopped after running for 30 s"),
])
def test_ungradable_submission_gets_zero_and_a_reason(course, student, expected):
    _, records, _, _ = course
    outcome = records[student]
    assert not outcome.graded and expected in outcome.reason
    assert outcome.total == 0 and outcome.maximum == records["student_01"].maximum > 0
    assert expected in visible_text(open(outcome.feedback, encoding="utf-8").read())


@pytest.mark.parametrize(("student", "cell", "expected"), [
    ("raises", "test_grad_linear", "raised ValueError: oops"),
    ("loops", "test_grad_linear", "time limit"),
    ("hungry", "test_grad_linear", "MemoryError"),
    ("returns_bad", "test_grad_linear", "returned None"),
    ("returns_bad", "test_grad_quadratic", "contains NaN"),
    ("returns_bad", "test_grad_least_squares", "shape (3, 1) but expected (3,)"),
    ("intrudes", "test_grad_linear", "grad_linear raised"),  # the course's folders are not even there to write into
])
def test_broken_answer_loses_only_its_points_with_a_reason(course, student, cell, expected):
    _, records, _, _ = course
    outcome = records[student]
    assert outcome.graded
    assert outcome.scores[cell][0] == 0 and expected in outcome.messages[cell]
    others = {c: s for c, s in outcome.scores.items() if c != cell and c not in outcome.messages}
    assert others and all(score == maximum for score, maximum in others.values())


@pytest.mark.parametrize(("student", "note"), [
    ("duplicated", "appeared 2 times"),
    ("reordered", "out of order"),
    ("retyped", "changed back"),
    ("edited_test", None),
    ("deleted_test", None),
    ("huge_output", None),
])
def test_damaged_notebook_is_repaired_and_earns_full_marks(course, student, note):
    _, records, _, _ = course
    outcome = records[student]
    assert outcome.graded and outcome.total == outcome.maximum == records["student_01"].maximum
    if note:
        assert any(note in n for n in outcome.notes)


def test_huge_output_is_cut_in_the_feedback(course):
    _, records, _, _ = course
    assert (root_size := len(open(records["huge_output"].feedback, encoding="utf-8").read())) < 2_000_000, root_size


def test_no_feedback_page_of_the_class_shows_a_hidden_test_or_solution_line(course):
    root, records, _, _ = course
    pages = sorted((root / "feedback").glob(f"*/{ASSIGNMENT}/*.html"))
    assert len(pages) >= len(GOOD)
    for page in pages:
        student = page.parent.parent.name
        try:
            submitted = nbformat.read(root / "submitted" / student / ASSIGNMENT / NOTEBOOK, as_version=4)
        except Exception:  # not a notebook at all: nothing of it counts as the learner's own
            submitted = nbformat.v4.new_notebook()
        assert not leaks(page.read_text(encoding="utf-8"), ASSIGNMENT, submitted), student


def test_gradebook_holds_the_recorded_scores(course):
    root, records, _, _ = course
    course_ws = Workspace(root, copy_course=False, **{"CourseDirectory.release_directory": str(root / "scratch")})
    for student, outcome in records.items():
        assert course_ws.scores(ASSIGNMENT, student) == outcome.scores


def test_one_worker_and_plain_nbgrader_give_the_same_scores(course, tmp_path):
    """Re-grading a sample of the class on one worker, and plain ``nbgrader autograde`` of it, give
    the scores of the two-worker run (the sample: the students whose totals differ most)."""
    root, records, _, _ = course
    assert len({records[s].total for s in GOOD}) > 1, "the synthetic class should not all score alike"
    by_total = sorted(GOOD, key=lambda s: records[s].total)
    sample = sorted({by_total[0], by_total[len(by_total) // 2], by_total[-1]})
    again, _ = grade_class(root, students=sample, workers=1, progress=False)
    assert {o.student: o.scores for o in again} == scores_of(records, sample)
    assert {o.student for o in outcomes(root)} == set(records)  # re-grading replaced, added nothing

    plain = tmp_path / "plain"
    shutil.copy(CONFIG, plain.mkdir() or plain / CONFIG.name)
    shutil.copytree(root / "source", plain / "source")
    for student in sample:
        shutil.copytree(root / "submitted" / student, plain / "submitted" / student)
    nbgrader("generate_assignment", ASSIGNMENT, "--force", course_root=plain)
    nbgrader("autograde", ASSIGNMENT, "--force", course_root=plain)
    plain_ws = Workspace(plain, copy_course=False)
    assert {s: plain_ws.scores(ASSIGNMENT, s) for s in sample} == scores_of(records, sample)


def test_filters_select_students_and_assignments(course):
    root, _, _, _ = course
    jobs, _ = find_jobs(root, students=["student_03", "raises"])
    assert sorted(job[0] for job in jobs) == ["raises", "student_03"]
    jobs, _ = find_jobs(root, assignments=["02_jacobians"])
    assert jobs == []


def test_make_grade_without_submissions_says_what_to_do(tmp_path):
    shutil.copy(CONFIG, tmp_path / CONFIG.name)
    process = subprocess.run([sys.executable, "-m", "autograder.grade_class", "--course", str(tmp_path)],
                             capture_output=True, text=True, cwd=ROOT)
    assert process.returncode == 0 and "Nothing to grade" in process.stdout


def test_a_fault_of_the_grader_is_recorded_as_ours_with_its_traceback(course):
    """An exception in the grader's own code (here: a task sent to a worker that was never given the
    course) is not the student's fault: "internal grading error", the traceback in the course's log,
    and the summary says how many and where."""
    root, _, _, _ = course
    with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster, Client(cluster) as client:
        future = client.submit(grade_submission, "ghost", ASSIGNMENT, {}, 60)
        wait(future)
        outcome = collect(root, ("ghost", ASSIGNMENT), future)
    assert not outcome.graded and outcome.reason == INTERNAL_ERROR
    assert outcome.total == 0 and outcome.maximum > 0
    log = (root / ERROR_LOG).read_text(encoding="utf-8")
    assert f"ghost/{ASSIGNMENT}" in log and "Traceback" in log and PLUGIN in log
    assert f"Internal grading errors: 1 (faults of the grader, not of the students; tracebacks in {root / ERROR_LOG})" \
        in summary([outcome], [], 1.0, root)
    assert "internal grading error" in visible_text(open(outcome.feedback, encoding="utf-8").read())


def test_recording_an_outcome_returns_what_was_recorded_and_leaves_the_given_one_alone(tmp_path):
    """The class's one writer records a copy: the gradebook's zero scores and the files' paths go into
    what it returns, never into the outcome it was handed."""
    make_course(tmp_path, [ASSIGNMENT])
    prepare_course(tmp_path, [ASSIGNMENT])
    given = Outcome("someone", ASSIGNMENT, False, {}, reason="no notebook was handed in")
    before = given.to_dict()
    recorded = record(tmp_path, given)
    assert given.to_dict() == before
    assert recorded.total == 0 < recorded.maximum and recorded.reason == given.reason
    assert "no notebook was handed in" in visible_text(open(recorded.feedback, encoding="utf-8").read())
    assert outcomes(tmp_path) == [recorded]


def test_the_gradebook_keeps_when_a_submission_was_handed_in(tmp_path):
    """nbgrader's timestamp.txt (written by submit and collect) becomes the gradebook's timestamp, so the
    formgrader counts the submission as graded; a missing or garbled one is no reason not to grade."""
    folder = tmp_path / "submitted" / "ada" / "01_gradients"
    folder.mkdir(parents=True)
    assert handed_in(tmp_path, "ada", "01_gradients") is None
    (folder / "timestamp.txt").write_text("2026-12-02 05:57:52.123456 UTC")
    assert handed_in(tmp_path, "ada", "01_gradients").isoformat() == "2026-12-02T05:57:52.123456"
    (folder / "timestamp.txt").write_text("yesterday-ish")
    assert handed_in(tmp_path, "ada", "01_gradients") is None
