"""Shared fixtures: the hand-made warehouse is built once per test session and only read after.

Every dbt or Dagster invocation costs seconds of fixed overhead, so tests that only read the
result share one real run of the whole job instead of building their own.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

# Before anything imports the settings: this session's dbt artifacts go to a folder of its
# own, so two test sessions (or a test run beside `make run`) never share target/.
os.environ["DBT_TARGET_PATH"] = tempfile.mkdtemp(prefix="dbt-target-")
os.environ["DBT_LOG_PATH"] = os.environ["DBT_TARGET_PATH"]

from orchestration.settings import Settings, load_settings  # noqa: E402
from tests.handmade_events import DAY, write_deliveries  # noqa: E402

TEST_PSEUDONYM_KEY = "test-key"


@contextmanager
def pipeline_environment(warehouse_dir: Path, **extra: str) -> Iterator[Settings]:
    """Points the pipeline (settings, dbt, Dagster instance) at one warehouse folder."""
    variables = {
        "WAREHOUSE_DIR": str(warehouse_dir),
        "EMPATHY_PSEUDONYM_KEY": TEST_PSEUDONYM_KEY,
        "DAGSTER_HOME": str(warehouse_dir / "dagster_home"),
        **extra,
    }
    with pytest.MonkeyPatch.context() as patch:
        for name in ("LANDING_DIR", "EMPATHY_EXPECTATIONS_DIR", "EMPATHY_REJECT_SHARE_LIMIT"):
            patch.delenv(name, raising=False)
        for name, value in variables.items():
            patch.setenv(name, value)
        Path(variables["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
        yield load_settings()


@pytest.fixture(scope="session")
def handmade_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The whole Dagster job, run for real on tests/handmade_events.py; read-only afterwards."""
    from orchestration.cli import run_refresh

    warehouse_dir = tmp_path_factory.mktemp("handmade_warehouse")
    write_deliveries(warehouse_dir / "landing")
    with pipeline_environment(warehouse_dir) as settings:
        outcome = run_refresh(settings, DAY)
        assert outcome.published, outcome.problems
    return settings


def query(database: Path, sql: str) -> list[tuple]:
    import duckdb

    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.execute(sql).fetchall()


@pytest.fixture
def published(handmade_warehouse: Settings):
    return lambda sql: query(handmade_warehouse.published_db, sql)


@pytest.fixture
def working(handmade_warehouse: Settings):
    return lambda sql: query(handmade_warehouse.working_db, sql)
