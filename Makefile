# Two commands on a fresh machine with Python 3.11 and pip: `make run`, `make test`.
PYTHON ?= python3.11
VENV := .venv
UV := $(VENV)/bin/uv
BIN := $(VENV)/bin

.PHONY: help run test bench dev dashboard lint lint-python lint-sql clean

# `make help`: every target with its `##` line.
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /  make \1\t/' | expand -t 20

# The venv holds uv itself, so nothing is installed outside the project.
$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check "uv>=0.5,<1"

# --compile-bytecode: without .pyc files every dbt, Dagster or test process compiles its imports
# again (where PYTHONDONTWRITEBYTECODE is set, as on CI, it never keeps them): `dbt --version`
# took 6.6 CPU-s instead of 3.4, importing dagster, dagster_dbt and dbt 8.1 instead of 4.9.
$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --quiet --compile-bytecode --python $(BIN)/python
	touch $@

run: $(VENV)/.synced ## set up, then refresh yesterday (demo data on a first run; ARGS=--full-refresh ...)
	$(BIN)/python -m orchestration run $(ARGS)

# The PostgreSQL portability test needs the server binaries (it starts its own cluster), the
# Spark one a Java 17 runtime; the browser tests need Debian's Chromium.
# Test modules run on TEST_WORKERS pytest-xdist processes, a module's tests on one of them (its
# module fixtures are built once); the session warehouses are built once for all
# (tests/conftest.py built_once). dbt and Dagster keep about one core busy each.
TEST_WORKERS ?= 2
test: $(VENV)/.synced ## set up (PostgreSQL's binaries, Java 17 and Chromium too), then run every test
	bash .ci/install-postgresql
	bash .ci/install-java
	bash .ci/install-chromium
	$(BIN)/python -m pytest --numprocesses $(TEST_WORKERS) --dist loadfile

bench: $(VENV)/.synced ## the benchmarks (bench/README.md)
	$(BIN)/python -m bench

dev: $(VENV)/.synced ## the Dagster UI on this warehouse (http://127.0.0.1:3000)
	$(BIN)/python -m orchestration dev

dashboard: $(VENV)/.synced ## the drill-down app on the published marts (http://127.0.0.1:8050; ARGS=--port ...)
	$(BIN)/python -m orchestration dashboard $(ARGS)

# CI runs this before the tests (.ci/run); .pre-commit-config.yaml runs the same on commit.
lint: lint-python lint-sql ## ruff and SQLFluff, as CI runs them

lint-python: $(VENV)/.synced ## ruff check and ruff format --check
	$(BIN)/ruff check orchestration tests bench
	$(BIN)/ruff format --check orchestration tests bench

# SQLFluff's dbt templater compiles the project: into a scratch folder, not the warehouse.
lint-sql: $(VENV)/.synced ## SQLFluff on the dbt models (dbt templater, DuckDB dialect)
	scratch=$$(mktemp -d) && EMPATHY_WORKING_DB=$$scratch/lint.duckdb \
		DBT_TARGET_PATH=$$scratch/target DBT_LOG_PATH=$$scratch/logs \
		$(BIN)/sqlfluff lint dbt_project/models; status=$$?; rm -rf $$scratch; exit $$status

clean: ## remove the warehouse and dbt's artifacts
	rm -rf warehouse dbt_project/target dbt_project/logs
