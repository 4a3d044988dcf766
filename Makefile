# Two commands on a fresh machine with Python 3.11 and pip: `make run`, `make test`.
PYTHON ?= python3.11
VENV := .venv
UV := $(VENV)/bin/uv
BIN := $(VENV)/bin

.PHONY: run test bench dev lint clean

# The venv holds uv itself, so nothing is installed outside the project.
$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check "uv>=0.5,<1"

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --quiet --python $(BIN)/python
	touch $@

run: $(VENV)/.synced
	$(BIN)/python -m orchestration run

# The PostgreSQL portability test needs the server binaries (it starts its own cluster).
test: $(VENV)/.synced
	bash .ci/install-postgresql
	$(BIN)/python -m pytest

bench: $(VENV)/.synced
	$(BIN)/python -m bench

dev: $(VENV)/.synced
	$(BIN)/python -m orchestration dev

# CI runs this before the tests (.ci/run); .pre-commit-config.yaml runs the same on commit.
lint: $(VENV)/.synced
	$(BIN)/ruff check orchestration tests bench
	$(BIN)/ruff format --check orchestration tests bench

clean:
	rm -rf warehouse dbt_project/target dbt_project/logs
