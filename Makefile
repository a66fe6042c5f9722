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

.PHONY: run test bench build lint install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the distribution's description changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $@

install: $(STAMP)

build: $(STAMP)
	$(BIN)/mkg build --out $(RELEASE)

run: $(STAMP)
	$(BIN)/mkg serve --host $(HOST) --port $(PORT) --release $(RELEASE) --build

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check kg server tests
	$(BIN)/ruff format --check kg server tests
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/mkg bench --doc BENCHMARKS.md

clean:
	rm -rf build $(VENV)
