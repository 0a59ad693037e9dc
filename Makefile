# Dangjian — everything a fresh machine needs, from the project's own files.
#   make run    the demo district on SQLite at http://127.0.0.1:8000, with the background worker beside it
#   make test   the whole suite (lint, checks, migrations, unit, API, browser)
#   make bench  build the county demo and measure pages (writes BENCHMARKS.md)

SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# Django 6 needs Python 3.12+: take the first interpreter on this machine that is new enough.
PYTHON ?= $(shell for p in python3.12 python3.13 python3.14 python3 /root/.pyenv/versions/3.12*/bin/python3.12 /root/.pyenv/versions/3.13*/bin/python3.13 /usr/local/bin/python3.12; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then echo $$p; break; fi; done)
HOST ?= 127.0.0.1:8000
SCALE ?= county
SEED ?= 7
PYTEST_ARGS ?=

export PIP_DISABLE_PIP_VERSION_CHECK=1

.PHONY: run serve test bench loadtest lint install install-dev browser-deps clean messages

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is required (Django 6)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e . 2>&1 | grep -v "^WARNING: Location" || true
	$(BIN)/python -c "import importlib.metadata as m, dangjian, django; m.version('django-ninja')"
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install -q -e '.[dev]' 2>&1 | grep -v "^WARNING: Location" || true
	$(BIN)/python -c "import pytest, pytest_django, selenium, schemathesis, hypothesis"
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Headless Chromium from Debian for the browser tests (installed once; needs root, as on CI),
# with a small Chinese font so that screenshots show characters rather than empty boxes.
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1 \
		|| [ -z "$$(fc-list :lang=zh 2>/dev/null)" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-wqy-microhei >/dev/null) \
			|| echo "warning: could not install chromium or the Chinese font; browser tests may be skipped"; \
		else echo "warning: not root, cannot install chromium or the Chinese font; browser tests may be skipped"; fi; \
	fi

run: install
	$(BIN)/dangjian migrate --noinput -v 0
	$(BIN)/dangjian demo --scale $(SCALE) --seed $(SEED) --if-empty  # prints the logins, built or not
	@echo "Serving http://$(HOST)/ (and the background worker: exports, imports, points, the schedule)"
	@$(BIN)/dangjian jobs worker & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
		trap 'exit 130' INT TERM; $(BIN)/dangjian runserver $(HOST)

# The production server (gunicorn, deploy/gunicorn.conf.py) with the production checks first: set
# DANGJIAN_ENV=production and the rest of the environment (README "Starting a real installation",
# docs/deploy.md). Static files are collected under hashed names first.
serve: install
	$(BIN)/dangjian collectstatic --noinput -v 0
	$(BIN)/dangjian serve

lint: install-dev
	$(BIN)/ruff check src tests
	$(BIN)/lint-imports
	$(BIN)/dangjian check --fail-level WARNING
	$(BIN)/dangjian makemigrations --check --dry-run -v 0

test: install-dev browser-deps lint
	$(BIN)/pytest $(PYTEST_ARGS)

bench: install-dev
	$(BIN)/python -m dangjian.bench --scale $(SCALE) --seed $(SEED)

# Load test (loadtest/run.py): the county demo on PostgreSQL (a database of its own), `dangjian serve`,
# locust headless on loopback; p95 and error rates into BENCHMARKS.md. LOADTEST_ARGS="--restart-db-at 4m"
# restarts the PostgreSQL cluster mid-run (never where others share the cluster).
USERS ?= 200
DURATION ?= 10m
LOADTEST_DB ?= postgres://postgres@127.0.0.1:5432/dangjian_loadtest
LOADTEST_ARGS ?=
loadtest: install-dev
	@psql "$(LOADTEST_DB)" -c 'SELECT 1' >/dev/null 2>&1 || createdb -h 127.0.0.1 -U postgres "$(notdir $(LOADTEST_DB))"
	$(BIN)/python loadtest/run.py --database $(LOADTEST_DB) --users $(USERS) --duration $(DURATION) $(LOADTEST_ARGS)

messages: install-dev
	cd src/dangjian && ../../$(BIN)/dangjian makemessages -l zh_Hans -l en --no-obsolete && ../../$(BIN)/dangjian compilemessages

clean:
	rm -rf $(VENV) var
