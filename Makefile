# Gavel: the two commands are `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python

.PHONY: run test lint bench clean install install-dev messages

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Gavel needs Python 3.11; set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=25"

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet ".[dev]"
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## run: migrate, load demo data, start web + worker + beat on http://127.0.0.1:8000 (Ctrl-C stops all)
run: $(VENV)/.installed
	$(PY) manage.py runstack

## test: install and run the whole suite (PostgreSQL and Redis when reachable), in parallel:
## PYTEST_WORKERS pytest-xdist workers (2 for this 2-core machine, measured against 3 and 4; 0: one process),
## each with its own test database and Redis; the "serial" group runs in one of them (tests/conftest.py).
## PYTEST_ARGS comes last and wins, e.g. PYTEST_ARGS="-n 3" or PYTEST_ARGS="-n 0 tests/auctions".
## The 15 slowest tests are listed at the end, so the suite's time stays in view.
PYTEST_WORKERS ?= 2
test: $(VENV)/.installed-dev
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --durations=15 $(PYTEST_ARGS)

## lint: ruff, mypy (configured in pyproject.toml: the whole tree, Django and DRF plugins), migrations in step
lint: $(VENV)/.installed-dev
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(PY) manage.py makemigrations --check --dry-run

## messages: collect the marked strings into locale/<lang>/LC_MESSAGES/django.po (German, Simplified Chinese),
## then compile the .mo files Django reads (both are committed; tests/i18n checks they are complete and current)
MESSAGES_IGNORE := --ignore=.venv --ignore=build --ignore=tests --ignore=bench --ignore=var --ignore=node_modules --ignore=gavel_verify
messages: $(VENV)/.installed-dev
	$(PY) manage.py makemessages -l de -l zh_Hans -e html,txt,py --no-location --no-wrap --no-obsolete $(MESSAGES_IGNORE)
	$(PY) manage.py compilemessages -l de -l zh_Hans $(MESSAGES_IGNORE)

## bench: run the benchmarks in bench/
bench: $(VENV)/.installed-dev
	$(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var/staticfiles var/e2e
