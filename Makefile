# SOS-Expat backend. `make dev` and `make test` are the only commands a person needs:
# each runs `setup` first (idempotent, skipped when nothing changed).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYTEST := $(PY) -m pytest

.PHONY: setup dev test lint unit integration e2e manifest vendor clean demo cron

setup: $(VENV)/.installed node_modules/.installed vendor

$(VENV)/.installed: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

vendor:
	@$(PYTHON) devtools/vendor_shared.py >/dev/null

# The whole local stack in the foreground (Ctrl-C stops every process group).
dev: setup
	$(PY) -m devtools.stack

test: setup lint unit integration e2e

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy shared devtools tests
	for codebase in functions_west1 functions_west2 functions_west3; do \
		$(VENV)/bin/mypy $$codebase/*.py || exit 1; \
	done

unit: setup
	$(PYTEST) tests/unit -q

integration: setup
	$(PYTEST) tests/integration -q

e2e: setup
	$(PYTEST) tests/e2e -q

manifest: setup
	$(PY) -m devtools.manifest

# Figures (Firestore operations per booking step, cold import times); asserts nothing about speed.
.PHONY: bench
bench: setup
	$(PY) -m devtools.bench

# Against a running `make dev`: one booking end to end (PROVIDER=/CLIENT= pick simulator personas).
PROVIDER ?= +33600000001
CLIENT ?= +33611111111
demo: setup
	$(PY) -m devtools.demo --provider-phone "$(PROVIDER)" --client-phone "$(CLIENT)"

# Against a running `make dev`: fire a scheduled function by hand, e.g. make cron NAME=stuckPaymentsRecovery
cron: setup
	$(PY) -m devtools.cron "$(NAME)" $(AT)

clean:
	rm -rf .local functions_west*/shared functions_west*/venv functions_west*/.env.local functions_west*/.secret.local
