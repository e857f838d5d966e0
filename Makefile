# The table of contents of everything a person does with the course: `make help` lists it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
A ?=
PORT ?= 8888

.DEFAULT_GOAL := help
.PHONY: help lab test release normalize grade feedback export

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

lab: $(STAMP) ## start JupyterLab on the course (open the URL it prints)
	$(BIN)/jupyter lab --no-browser --ip=127.0.0.1 --port=$(PORT) --ServerApp.root_dir=$(CURDIR) \
		release/01_gradients/gradients.ipynb

test: $(STAMP) ## run the whole test suite
	$(BIN)/python -m pytest -n auto --dist loadfile

release: $(STAMP) ## regenerate release/ from source/ (A=assignment for one)
	$(BIN)/python -m autograder.release $(A)

normalize: $(STAMP) ## store source notebooks without outputs and with stable cell ids
	$(BIN)/python tools/normalize_notebooks.py source/*/*.ipynb
