# One entry point for routine work. `make run` and `make test` work on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test test-fast lint format eval bench bench-quick index browser-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

# torch first, the CPU build: otherwise pip resolves a multi-GB CUDA build through sentence-transformers.
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

index: $(STAMP)
	$(BIN)/qa-service ingest

run: $(STAMP)
	$(BIN)/qa-service serve --host 127.0.0.1 --port 8000

# Debian's chromium and Korean fonts for the browser tests (never `playwright install`: it downloads).
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi nanum; then \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-nanum >/dev/null; \
	fi

test: $(STAMP) browser-deps
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not model and not browser"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Refreshes the committed eval/report.* on purpose; a bare `qa-service eval` writes to eval/runs/<timestamp>/.
eval: $(STAMP)
	$(BIN)/qa-service eval --out eval

bench: $(STAMP)
	$(BIN)/qa-service bench

bench-quick: $(STAMP)
	$(BIN)/qa-service bench --quick

clean:
	rm -rf $(VENV) index .pytest_cache .ruff_cache
