# The fixed interface: make demo, make test, make ui, make bench. Everything else they
# need is installed here, into .venv, from the exact versions in uv.lock.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
export SHARESIGNAL_HOME ?= $(CURDIR)/data
# Tools that look for `dbt` on PATH (dagster-dbt's manifest preparation under dagster dev).
export PATH := $(CURDIR)/$(BIN):$(PATH)

DEMO_START ?= 2026-10-01
DEMO_DAYS ?= 30
DEMO_END := $(shell date -u -d "$(DEMO_START) + $(DEMO_DAYS) days - 1 day" +%F)

DBT_SOURCES := $(shell find dbt_project/models dbt_project/macros dbt_project/tests dbt_project/seeds -type f 2>/dev/null) dbt_project/dbt_project.yml
MANIFEST := dbt_project/target/manifest.json

.PHONY: setup demo test ui docs bench lint clean

setup: $(VENV)/.synced $(MANIFEST)

$(VENV)/.synced: pyproject.toml uv.lock
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	# --inexact keeps uv itself, which the lock does not list. --compile-bytecode: where
	# PYTHONDONTWRITEBYTECODE is set (as on our machines) Python would otherwise compile every
	# module it imports in every process, 5-10 s of each pipeline run, dbt call and test worker.
	$(BIN)/uv sync --frozen --inexact --quiet --compile-bytecode
	touch $@

# dagster-dbt reads the dbt manifest when the code location loads.
$(MANIFEST): $(VENV)/.synced $(DBT_SOURCES)
	cd dbt_project && ../$(BIN)/dbt parse --quiet --profiles-dir .

demo: setup
	$(BIN)/sharesignal generate --start $(DEMO_START) --days $(DEMO_DAYS)
	$(BIN)/sharesignal backfill --start $(DEMO_START) --end $(DEMO_END)

# One xdist worker per core; modules sharing a module-scoped world stay on one worker
# (xdist_group), the session's worlds are built once for all (tests/helpers.shared_world).
PYTEST_WORKERS ?= auto
test: setup
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup --durations=25

# The Dagster UI on :3000 and the pages server on :3001 (SHARESIGNAL_DAGSTER_PORT,
# SHARESIGNAL_PAGES_PORT): the results report, the dbt docs (rebuilt first) and the quality reports.
ui: setup
	$(BIN)/sharesignal ui

# dbt's docs site of the warehouse (column types, row counts) in $SHARESIGNAL_HOME/dbt_docs/.
docs: setup
	$(BIN)/sharesignal docs

# Not part of `make test`: at the default scales it runs for hours. Narrow it with e.g.
# make bench BENCH_ARGS="--scales 100000,1000000"; results go to docs/benchmarks.md.
BENCH_ARGS ?=
bench: setup
	$(BIN)/uv sync --frozen --inexact --quiet --compile-bytecode --group bench
	$(BIN)/python -m bench.run $(BENCH_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) dbt_project/target dbt_project/logs
