# SafetyNet — the two commands of the README, and a few helpers.
#   make demo   build a synthetic county (first run) and serve the web app on http://127.0.0.1:8000
#   make test   the whole test suite, on SQLite and PostgreSQL, with the browser tests
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench install

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/safetynet demo

test: $(STAMP)
	bash scripts/test.sh

lint: $(STAMP)
	$(BIN)/ruff check safetynet tests
	$(BIN)/ruff format --check safetynet tests

bench: $(STAMP)
	$(BIN)/safetynet bench settle
	$(BIN)/safetynet bench synth
	$(BIN)/safetynet bench api
	$(BIN)/safetynet bench indicators
