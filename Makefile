# Set-up and everyday commands. `make run` and `make test` are all a newcomer needs (see README).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SYSTEM_STAMP := $(VENV)/.system-deps

.PHONY: run test test-fast lint setup system-deps bundle clean-venv

$(SYSTEM_STAMP):
	bash packaging/install-system-deps.sh
	@mkdir -p $(VENV) && touch $@

$(STAMP): pyproject.toml $(SYSTEM_STAMP)
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

setup: $(STAMP)

system-deps: $(SYSTEM_STAMP)

## Open the window on the bundled sample image and recognize it.
run: $(STAMP)
	$(VENV)/bin/ocr-studio gui --recognize $(ARGS)

## The whole test suite (CI runs this through .ci/run).
test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -ra $(ARGS)
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check ocr_core app tests benchmarks

## Quick loop while developing: skip tests marked slow.
test-fast: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -m "not slow" $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check ocr_core app tests benchmarks
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

bundle: $(STAMP)
	$(MAKE) -C packaging bundle

clean-venv:
	rm -rf $(VENV)
