"""The course's grading pipeline, built on the real nbgrader (its command line and gradebook).

Module map, in the order a submission meets them.

Commands (``python -m autograder.<name>``; the Makefile runs them):
    release            generate release/ from source/ (nbgrader generate_assignment)
    learner_workspace  make lab / make update: the learner's own folder and JupyterLab settings
    grade_me           make grade-me: a learner grades their own notebook with the hidden tests
    grade_class        make grade: the whole class, on Dask (a local cluster or SCHEDULER=)
    feedback           make feedback: the feedback pages again, from the gradebook
    report             make report: score distributions and the commonest named mistakes
    demo_class         make demo-class: a synthetic class built from the variant data
    workshop           make workshop: the learners' archive and offline slides
    bench              make bench: grading against raw execution, class grading on every core
    hub                make hub: prepare and start the course's JupyterHub (deploy/jupyterhub)
    exchange           make hand-out / collect / return: nbgrader's exchange on the hub

Grading one submission:
    sanitize           repair whatever was handed in into a notebook nbgrader can grade
    grader             Grader: repair, autograde, independent check, feedback page -> Outcome
    workspace          a private nbgrader course directory (released assignments, gradebook)
    nbgrader_cli       the real nbgrader command line on a course directory
    gradebook          open gradebooks (SQLite or PostgreSQL), read and correct scores
    messages           the sentence each test cell told the learner
    merge              bring a Dask task's results into the course (the client is the only writer)

Containment (learner code never sees the instructor's files):
    isolation          a private view built from nothing (Linux namespaces), no network
    contained_kernel   the kernelspec nbgrader uses, started through kernel_launcher
    kernel_launcher    child-process entry: the kernel inside the private view
    verify             the independent check: hidden inputs, a contained run, the verdicts
    sandbox            child-process entry: runs learner code for verify, returns numbers only
    processes          find and stop what a grading run left behind

Feedback and reports:
    hide_tests         the feedback copy of a notebook: no hidden test or solution line
    feedback_export    nbgrader's feedback exporter with the course's template
    feedback_page      the summary at the top of each page: points and the likely mistake
    course_exporter    what the course's HTML exporters share (template folder, MathJax inside)
    offline_math       MathJax inside the page, so pages typeset with no network
    canvas_export      make export FORMAT=canvas: an nbgrader export plugin in Canvas's import layout
    mistakes           name the mistake behind a sentence, from the variant data

Course data:
    layout             where things are: assignments, source and release notebooks
    solutions          the solution regions of notebooks: read, fill in, grade ids
    variants           correct and typical wrong answers per graded function (variants/*.toml)
    quiet              keep a command's terminal for its own words (logs go to a file)
    verification/      the independent check's hidden inputs (*.toml)
    templates/         the feedback page and slide templates
"""
import sys

# jsonschema imports rfc3987_syntax when it is installed (jupyter-events asks for it), and that module
# compiles 38 grammars when imported: 2-3 s of every process that reads a notebook with nbformat, for
# IRI formats that no notebook schema uses. Grading and self-grading processes leave it out.
sys.modules.setdefault("rfc3987_syntax", None)
