# Metastasis KG: `make run` and `make test` are the whole set-up on a fresh machine.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
MAKEFLAGS += --warn-undefined-variables --no-builtin-rules

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
RELEASE ?= build/release

.DEFAULT_GOAL := help
.PHONY: help run test test-fast bench bench-doc build check-ontology lint install clean vendor screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

help:
	@echo 'make run        build the KG when missing or stale and serve it on http://$(HOST):$(PORT)'
	@echo 'make test       the whole suite (browser, reasoner, engine and benchmark tests included)'
	@echo 'make test-fast  all but the browser, reasoner, engine, benchmark and slow tests (markers, conftest.py)'
	@echo 'make build      build the release into $(RELEASE)'
	@echo 'make check-ontology  check the edit file as the build does, normalized, and with the OWL API'
	@echo 'make lint       ruff and mypy'
	@echo 'make bench      run the benchmarks (benchmarks/); results in build/bench/, BENCHMARKS.md untouched'
	@echo 'make bench-doc  rewrite the tables of BENCHMARKS.md from the last build/bench/results.json'
	@echo 'make install    create .venv and install the project and the benchmarks, editable'
	@echo 'make vendor     re-download the pinned browser UIs'
	@echo 'make screenshots  retake the README pictures (docs/img/) in headless Chromium'
	@echo 'make clean      remove build/ and .venv/'

# Reinstall only when a distribution's description changes. The benchmarks are a distribution of their
# own (benchmarks/pyproject.toml: not in the product's wheel), installed editable beside the project.
$(STAMP): pyproject.toml benchmarks/pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]' -e ./benchmarks
	touch $@

install: $(STAMP)

build: $(STAMP)
	$(BIN)/mkg build --out $(RELEASE)

# The editor's check after a Protégé save (ontology/README-editors.md): what the build refuses, whether
# `mkg normalize` still has to run, and the OWL API load where Java and libowlapi-java are installed.
check-ontology: $(STAMP)
	$(BIN)/mkg check-ontology ontology/metastasis-kg-edit.ttl

run: $(STAMP)
	$(BIN)/mkg serve --host $(HOST) --port $(PORT) --release $(RELEASE) --build

test: $(STAMP)
	$(BIN)/python -m pytest -q

# The lanes are markers given in conftest.py and registered in pyproject.toml.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m 'not browser and not reasoner and not owlapi and not bench and not engine and not slow'

lint: $(STAMP)
	$(BIN)/ruff check kg server tests benchmarks scripts conftest.py
	$(BIN)/ruff format --check kg server tests benchmarks scripts conftest.py
	$(BIN)/mypy

# Re-download the browser UIs pinned in server/static/vendor/vendor.json (npm registry, integrity-checked).
vendor:
	$(PYTHON) scripts/vendor.py

# The README's pictures (docs/img/*.png) of the served release, taken with the browser tests' Chromium.
screenshots: $(STAMP)
	$(BIN)/python scripts/screenshots.py --release $(RELEASE)

bench: $(STAMP)
	$(BIN)/mkg bench --out build/bench

bench-doc: $(STAMP)
	$(BIN)/mkg bench --report-only --out build/bench --doc BENCHMARKS.md

clean:
	rm -rf build $(VENV)
