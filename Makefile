# Two commands on a fresh machine (Python 3.10+ with venv, and make):
#   make demo   the main job: a tour of the client against the embedded sandbox
#   make test   the generator's check mode and the whole test suite (what CI runs)
# Each creates .venv when missing and installs what it needs (again only when pyproject.toml
# changes); `make test` also installs the system services the tests start (see test-deps).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-deps

demo: $(VENV)/.installed-demo
	$(BIN)/klaviyo-profiles demo

test: $(VENV)/.installed-test test-deps
	$(BIN)/python scripts/generate.py --check
	$(BIN)/python -m pytest

# System services the test suite starts itself (nothing yet).
test-deps:

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-demo: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e '.[cli]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@
