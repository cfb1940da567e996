# Fitness ELT — `make run` sets everything up and serves it; `make test` is what CI runs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
STAMP := $(VENV)/.installed
NODE_STAMP := reports/node_modules/.installed
PYTEST_ARGS ?=
TEST_WORKERS ?= 2  # pytest-xdist workers for make test (each test module, and the site tests, on one)

.PHONY: help install install-node install-browser install-compose run materialize serve test lint format bench lock lock-containers clean stop-db

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "need Python 3.11+ as $(PYTHON)"; exit 1; }
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11+ required, found $$($(PYTHON) --version)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	# garmin-fit-sdk's wheel ships its own top-level `tests` package, which would shadow ours.
	rm -rf $(VENV)/lib/python3*/site-packages/tests
	$(BIN)/python -m compileall -q fitelt orchestration dlt_sources ml  # start-up: no compiling at import
	cd dbt_project && ../$(BIN)/dbt parse --quiet --profiles-dir .
	touch $@

install: $(STAMP) ## create .venv and install the locked Python dependencies

$(NODE_STAMP): reports/package.json reports/package-lock.json
	@command -v npm >/dev/null || { echo "need Node 20+ and npm for the report site"; exit 1; }
	cd reports && npm ci --no-audit --no-fund --prefer-offline
	touch $@

install-node: $(NODE_STAMP) ## install the report site's locked npm packages

install-browser: ## Debian's chromium for the browser tests (root: apt-get; no browser downloads)
	@command -v chromium >/dev/null || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else echo "chromium is missing and cannot be installed here: install Debian's chromium" >&2; exit 1; fi; }

install-compose: ## Debian's docker-compose, to check the compose files offline (no engine needed)
	@command -v docker-compose >/dev/null || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose; \
		else echo "docker-compose is missing and cannot be installed here: install Debian's docker-compose" >&2; exit 1; fi; }

SAMPLE_ACTIVITIES := build/sample_activities
SAMPLE_APPLE_HEALTH := build/sample_apple_health

run: install install-node ## install, load the sample data, materialise everything, serve
	$(BIN)/python -m dlt_sources.synthetic.activity_files $(SAMPLE_ACTIVITIES)
	$(BIN)/python -m dlt_sources.synthetic.apple_health $(SAMPLE_APPLE_HEALTH)
	$(BIN)/fitelt import sample_data/*/*.csv $(SAMPLE_ACTIVITIES) $(SAMPLE_APPLE_HEALTH)/export.zip \
		--athlete demo
	$(BIN)/fitelt materialize
	$(BIN)/fitelt serve

materialize: install install-node ## materialise every asset once
	$(BIN)/fitelt materialize

serve: install ## serve Dagster UI + daemon and the report site
	$(BIN)/fitelt serve

test: install install-node install-browser install-compose ## lint, SQL lint and the whole test suite (what CI runs)
	$(BIN)/ruff check .
	$(BIN)/sqlfluff lint dbt_project/models
	set +e; $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; \
	exit $$status

lint: install ## ruff and sqlfluff
	$(BIN)/ruff check .
	$(BIN)/sqlfluff lint dbt_project/models

format: install ## apply ruff formatting and fixes
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install install-node ## benchmarks → BENCHMARKS.md
	$(BIN)/python -m bench $(BENCH_ARGS)

lock: ## recompile requirements.lock from pyproject.toml
	test -x $(BIN)/uv || { $(PYTHON) -m venv $(VENV) && $(BIN)/python -m pip install -q "uv==$(UV_VERSION)"; }
	$(BIN)/uv pip compile pyproject.toml --extra dev -p 3.11 -o requirements.lock --no-header --annotation-style line

lock-containers: ## recompile deploy/requirements-containers.lock (run launchers of the image)
	test -x $(BIN)/uv || { $(PYTHON) -m venv $(VENV) && $(BIN)/python -m pip install -q "uv==$(UV_VERSION)"; }
	{ sed -n '1,2p' deploy/requirements-containers.lock; \
	  $(BIN)/uv pip compile deploy/requirements-containers.in -c requirements.lock -p 3.11 \
	    --no-header --annotation-style line; } > deploy/requirements-containers.lock.new
	mv deploy/requirements-containers.lock.new deploy/requirements-containers.lock

stop-db: ## stop the embedded PostgreSQL
	$(BIN)/fitelt stop-db

clean: stop-db ## remove the venv, node_modules and all local data (asks first)
	@read -p "Delete .venv, reports/node_modules and .data (all local data)? [y/N] " ok && [ "$$ok" = y ]
	rm -rf $(VENV) reports/node_modules .data dbt_project/target
