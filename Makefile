# The table of contents of everything a person does with the course: `make help` lists it.
PYTHON ?= python3
VENV := .venv
# ENV=path runs the commands with an existing environment instead of .venv (on the hub: its users' one).
ENV ?=
BIN := $(if $(ENV),$(ENV),$(VENV))/bin
STAMP := $(if $(ENV),,$(VENV)/.installed)
A ?=
PORT ?= 8888
NOTEBOOKS ?= my-notebooks
NB ?=
N ?= 40
STUDENT ?=
ASSIGNMENT ?=
WORKERS ?=
SCHEDULER ?=
DB ?=
FORMAT ?= csv
HUB_HOME ?= /srv/matrix-calculus
HUB_PORT ?= 8000
DEMO ?= 1
EXCHANGE ?=
DBENV = $(if $(DB),COURSE_DB_URL='$(DB)' )

.DEFAULT_GOAL := help
.PHONY: help lab update test test-fast release normalize grade-me grade feedback export demo-class report bench \
	hub hand-out collect return

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

ifeq ($(ENV),)
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)
endif

lab: $(STAMP) ## start the course: JupyterLab on your own copy of the notebooks, opening the first one
	$(BIN)/python -m autograder.learner_workspace prepare --folder $(NOTEBOOKS)
	JUPYTER_CONFIG_DIR=$(CURDIR)/.learner-jupyter $(BIN)/jupyter lab --no-browser --ip=127.0.0.1 --port=$(PORT) \
		--ServerApp.root_dir=$(abspath $(NOTEBOOKS)) --LabApp.default_url=/lab/tree/01_gradients/gradients.ipynb \
		$(if $(filter 0,$(shell id -u)),--allow-root)

update: $(STAMP) ## bring new or changed course notebooks into your folder (never touches one you edited)
	$(BIN)/python -m autograder.learner_workspace update --folder $(NOTEBOOKS)

test: $(STAMP) $(BIN)/chromium $(BIN)/configurable-http-proxy postgres slurm ## run the whole test suite (provides Chromium, PostgreSQL and Slurm for its server tests first)
	$(BIN)/python -m pytest -n auto --dist loadfile

test-fast: $(STAMP) ## the seconds-long tier: the course package, every identity, the figures (no nbgrader, browser or servers)
	$(BIN)/python -m pytest -n auto --dist loadfile -m "not nbgrader and not browser and not servers"

$(BIN)/chromium: | $(STAMP)
	bash tools/provide-browser $(VENV)

$(BIN)/configurable-http-proxy: | $(STAMP)
	bash tools/provide-proxy $(VENV)

.PHONY: postgres
postgres: ## make sure PostgreSQL's server programs are installed (for the gradebook tests)
	@bash tools/provide-postgres

.PHONY: slurm
slurm: ## make sure Slurm's and MUNGE's programs are installed (for the test of the Slurm recipe)
	@bash tools/provide-slurm

release: $(STAMP) ## regenerate release/ from source/ (A=assignment for one)
	$(BIN)/python -m autograder.release $(A)

normalize: $(STAMP) ## store source notebooks without outputs and with stable cell ids
	$(BIN)/python tools/normalize_notebooks.py source/*/*.ipynb

grade-me: $(STAMP) ## self-grade the notebooks you worked on with the hidden tests (NB=path for any one)
	@$(BIN)/python -m autograder.grade_me $(if $(NB),"$(NB)")

grade: $(STAMP) ## grade submitted/<student>/<assignment>/ with Dask (STUDENT=, ASSIGNMENT=, WORKERS=, SCHEDULER=tcp://host:8786, DB=url)
	$(DBENV)$(BIN)/python -m autograder.grade_class $(if $(STUDENT),--student $(STUDENT)) \
		$(if $(ASSIGNMENT),--assignment $(ASSIGNMENT)) $(if $(WORKERS),--workers $(WORKERS)) \
		$(if $(SCHEDULER),--scheduler $(SCHEDULER))

feedback: $(STAMP) ## write feedback/<student>/<assignment>/*.html again from the gradebook (nbgrader; DB=url)
	$(DBENV)$(BIN)/python -m autograder.feedback

export: $(STAMP) ## write every student's scores: grades.csv, or FORMAT=canvas grades-canvas.csv for Canvas (DB=url)
	$(DBENV)$(BIN)/python -m autograder.nbgrader_cli export $(if $(filter canvas,$(FORMAT)),\
		--exporter=autograder.canvas_export.CanvasExportPlugin --to grades-canvas.csv,--to grades.csv)
	@echo "wrote $(if $(filter canvas,$(FORMAT)),grades-canvas.csv,grades.csv)"

demo-class: $(STAMP) ## make a synthetic class of N students in submitted/ (N=40)
	$(BIN)/python -m autograder.demo_class --students $(N)

report: $(STAMP) ## the instructor report: score distributions and the commonest named mistakes (DB=url)
	$(DBENV)$(BIN)/python -m autograder.report

bench: $(STAMP) ## time raw execution vs autograde per notebook; class grading on 1 worker, all cores, a 2-worker scheduler
	$(BIN)/python -m autograder.bench

.PHONY: workshop
workshop: $(STAMP) ## build build/workshop/: the learners' zip with START.md, and offline slides (OUT=dir; WHEELS=1 adds wheels for an offline room)
	$(BIN)/python -m autograder.workshop $(if $(OUT),--out $(OUT)) \
		$(if $(WHEELS),--wheels $(filter-out 1,$(WHEELS))) $(if $(PY),--python $(PY))

hub: $(STAMP) $(BIN)/configurable-http-proxy ## (as root) start the course's JupyterHub (deploy/jupyterhub): two demo students (DEMO=0: none), HUB_HOME=, HUB_PORT=
	$(BIN)/python -m autograder.hub --home $(HUB_HOME) --port $(HUB_PORT) $(if $(filter 1,$(DEMO)),--demo)

hand-out: $(STAMP) ## on a hub: give assignment A to the students (nbgrader release_assignment; EXCHANGE=dir)
	$(BIN)/python -m autograder.exchange hand-out $(A) $(if $(EXCHANGE),--exchange $(EXCHANGE))

collect: $(STAMP) ## on a hub: collect assignment A's submissions (nbgrader collect) and grade them
	$(BIN)/python -m autograder.exchange collect $(A) $(if $(EXCHANGE),--exchange $(EXCHANGE))

return: $(STAMP) ## on a hub: write assignment A's feedback pages and return them (nbgrader release_feedback)
	$(BIN)/python -m autograder.exchange return $(A) $(if $(EXCHANGE),--exchange $(EXCHANGE))
