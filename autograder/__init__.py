"""The course's grading pipeline, built on the real nbgrader (its command line and gradebook).

Module map. The commands sit at the top; each folder below is one stage of the pipeline, in the
order a submission meets them.

Commands (``python -m autograder.<name>``; the Makefile runs them) and the plugin it names:
    release            generate release/ from source/ (nbgrader generate_assignment)
    learner_workspace  make lab / make update: the learner's own folder and JupyterLab settings
    grade_me           make grade-me: a learner grades their own notebook with the hidden tests
    warm_grader        beside make lab's server: answers make grade-me with nbgrader already loaded
    grade_class        make grade: the whole class, on Dask (a local cluster or SCHEDULER=)
    feedback           make feedback: the feedback pages again, from the gradebook
    nbgrader_cli       make export: nbgrader's own command line on the course, with its gradebook
    report             make report: score distributions and the commonest named mistakes
    demo_class         make demo-class: a synthetic class built from the variant data
    workshop           make workshop: the learners' archive and offline slides
    bench              make bench: grading against raw execution, class grading on every core
    hub                make hub: prepare and start the course's JupyterHub (deploy/jupyterhub)
    exchange           make hand-out / collect / return: nbgrader's exchange on the hub
    canvas_export      make export FORMAT=canvas: an nbgrader export plugin in Canvas's import layout

coursedir/ -- the course directory and nbgrader's view of it (read by every stage, grades nothing):
    coursedir.paths      where things are: assignments, source and release notebooks; a new course folder
    coursedir.cells      the cells of notebooks: grade ids, solution regions, test cell = test_<function>
    coursedir.cli        the real nbgrader command line on a course directory; which gradebook it uses
    coursedir.gradebook  open gradebooks (SQLite or PostgreSQL), read and correct scores
    coursedir.workspace  a private nbgrader course directory (released assignments, gradebook)
    coursedir.quiet      keep a command's terminal for its own words (logs go to a file)

grading/ -- one submission, from whatever was handed in to its recorded outcome:
    grading.outcome      Outcome, the data every later stage reads, and its shared sentences
    grading.repair       repair whatever was handed in into a notebook nbgrader can grade
    grading.grader       Grader: repair, autograde, independent check, feedback page -> Outcome
    grading.messages     the sentence each test cell told the learner
    grading.merge        bring a Dask task's results into the course (the client is the only writer)
    grading.self_grade   a learner's notebooks: which assignment, the grade, the table grade-me prints

containment/ -- where learner code runs (it never sees the instructor's files), and the verdicts on it:
    containment.isolation       a private view built from nothing (Linux namespaces), no network
    containment.kernelspec      the kernelspec nbgrader uses, started through kernel_launcher
    containment.kernel_launcher child-process entry: the kernel inside the private view
    containment.forkserver      kernels and sandboxes forked from one process that imported what they import
    containment.verify          the independent check: hidden inputs, a contained run, the verdicts
    containment.sandbox_launcher child-process entry: the sandbox inside its private view, under its limits
    containment.sandbox         what the sandbox does: runs learner code for verify, returns numbers only
    containment.wire            the sandbox's wire format: plain JSON data out, arrays restored in
    containment.processes       find and stop what a grading run left behind
    containment/verification/   the independent check's hidden inputs (*.toml)

pages/ -- the HTML pages: the feedback a learner reads, the layout of the instructor report:
    pages.hide_tests       the feedback copy of a notebook: no hidden test or solution line
    pages.feedback_export  nbgrader's feedback exporter with the course's template, in one pass (no BeautifulSoup)
    pages.summary          the summary at the top of each page: points and the likely mistake
    pages.render           the course's own pages (summary, instructor report) from Jinja2 templates, autoescaped
    pages.course_template  what the course's HTML exporters share (template folder, MathJax inside)
    pages.offline_math     MathJax inside the page, so pages typeset with no network
    pages/templates/       the feedback page and slide templates (nbconvert's); course_pages/: summary and report

variants/ -- correct and typical wrong answers per graded function (variants/*.toml):
    variants.loader      read the variant data; group variants into submissions
    variants.mistakes    name the mistake behind a sentence, from the variant data
"""
import sys

# jsonschema imports rfc3987_syntax when it is installed (jupyter-events asks for it), and that module
# compiles 38 grammars when imported: 2-3 s of every process that reads a notebook with nbformat, for
# IRI formats that no notebook schema uses. Grading and self-grading processes leave it out.
sys.modules.setdefault("rfc3987_syntax", None)
