# Two commands on a fresh machine (what they rely on: Python 3.10+ with its venv module, and make):
#   make demo   the main job: a tour of the client against the embedded sandbox
#   make test   the generator's check mode and the whole test suite (what CI runs)
# Each creates .venv when it is missing and installs what it needs into it, again only when
# pyproject.toml has changed since. `make test` also installs the system services the tests start
# (test-deps). Another interpreter: `make test PYTHON=python3.12`; pytest options:
# `make test PYTEST_ARGS="-k sandbox -x"`.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: demo test test-fast test-deps test-floors

# `make test-floors`: the lowest dependency versions pyproject.toml allows (.ci/floors.txt, a
# pip constraints file) in their own .venv-floors, and the tests of the client, command line
# and sandbox against them (the generator's pinned tools and the Redis fleet are left to
# `make test`, which runs everything on current versions).
FLOORS_VENV := .venv-floors
FLOORS_TESTS := tests/wrapper tests/cli tests/sandbox tests/integration/test_limits_and_retries.py \
	tests/test_retries.py tests/test_ratelimit.py tests/test_dependency_floors.py
# These regenerate a client, which needs the generate extra's exact pins; the typing test runs
# mypy and pyright, which `make test` installs.
FLOORS_DESELECT := --ignore=tests/wrapper/test_regenerated_revision.py \
	--ignore=tests/wrapper/test_typing.py \
	--deselect=tests/integration/test_limits_and_retries.py::test_a_client_regenerated_for_2025_04_15_paces_by_its_700_per_minute

demo: $(VENV)/.installed-demo
	$(BIN)/klaviyo-profiles demo

test: $(VENV)/.installed-test test-deps
	$(BIN)/python scripts/generate.py --check
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# `make test-fast`: the inner loop while changing code, under a minute on 2 cores. It leaves out
# the tests marked (in tests/conftest.py) slow, subprocess, redis and generation, and the
# generator's check mode; `make test` runs all of them and is what CI runs.
FAST_MARKERS := not slow and not subprocess and not redis and not generation
test-fast: $(VENV)/.installed-test
	$(BIN)/python -m pytest -p no:cacheprovider -m "$(FAST_MARKERS)" $(PYTEST_ARGS)

# System services that the test suite starts by itself: redis-server (the fleet limiter's
# tests start their own on a free loopback port). Installed with apt-get when missing and we
# are root (as in CI); otherwise say how, and the tests that need it fail with the same hint.
test-deps:
	@if ! command -v redis-server >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing redis-server (apt-get) for the fleet limiter tests"; \
			apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server \
				|| { echo "could not install redis-server with apt-get" >&2; exit 1; }; \
		else \
			echo "redis-server is not installed; the fleet limiter tests need it:" \
				"sudo apt-get install redis-server (Debian, Ubuntu) or brew install redis (macOS)" >&2; \
		fi; \
	fi

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else \
		"klaviyo-profiles needs Python 3.10 or newer, found " + sys.version.split()[0] + \
		"; pick one with: make PYTHON=python3.12 ...")'
	@$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
		echo "could not create $(VENV) with '$(PYTHON) -m venv'; on Debian or Ubuntu: apt-get install python3-venv" >&2; \
		exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip

# The stamps record what was installed; pyproject.toml newer than a stamp means install again.
$(VENV)/.installed-demo: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[cli,sandbox]'
	@touch $@

$(FLOORS_VENV)/.installed: pyproject.toml .ci/floors.txt
	@$(PYTHON) -m venv $(FLOORS_VENV) || { rm -rf $(FLOORS_VENV); \
		echo "could not create $(FLOORS_VENV) with '$(PYTHON) -m venv'" >&2; exit 1; }
	$(FLOORS_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(FLOORS_VENV)/bin/python -m pip install --quiet -c .ci/floors.txt -e '.[cli,sandbox,sqlite]' \
		'pytest>=8' 'pytest-asyncio>=0.24' 'hypothesis>=6.100' 'openapi-core>=0.19' 'redis>=5.0.1'
	@touch $@

test-floors: $(FLOORS_VENV)/.installed
	$(FLOORS_VENV)/bin/python -m pip check
	KLAVIYO_FLOORS=.ci/floors.txt $(FLOORS_VENV)/bin/python -m pytest -p no:cacheprovider \
		$(FLOORS_TESTS) $(FLOORS_DESELECT) $(PYTEST_ARGS)

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@
