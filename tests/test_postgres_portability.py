"""Portability: the same dbt models build, pass their tests and compute the same marts on a
real PostgreSQL server (dbt-postgres, target `postgres` in dbt_project/profiles.yml).

The raw layer the DuckDB job loaded from tests/handmade_events.py is copied row by row into
PostgreSQL (same DDL: the loader's RAW_SCHEMA_DDL is plain SQL), `dbt build --target postgres`
runs there, and every published mart must hold the same rows as the DuckDB one.

Which server:
- PGHOST set (CI: .ci/run installs and starts one and exports PGHOST/PGPORT/PGUSER/
  PGPASSWORD/PGDATABASE): that server. Unreachable = the test fails, it never skips.
- PGHOST unset: a throwaway cluster on a free loopback port, started here with the Debian
  binaries in /usr/lib/postgresql/<version>/bin (package `postgresql`) and removed after.
  No binaries either = the test fails and says how to get a server.
The test owns the schemas raw, ops, seeds, staging, intermediate and marts of that database: it
drops and rebuilds them, so point PGDATABASE at a scratch database.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import psycopg2  # comes with dbt-postgres (dev group); missing = a broken install, not a skip
import pytest

from orchestration.ingest.loader import RAW_SCHEMA_DDL
from orchestration.pseudonymisation import write_pseudonymisation_key
from orchestration.settings import Settings, dbt_command
from orchestration.warehouse_layout import MARTS_SCHEMA
from tests.conftest import TEST_PSEUDONYM_KEY, with_upstream_ids
from tests.engine_portability import RAW_TABLES, assert_same_mart, duckdb_rows, normalised
from tests.handmade_events import DAY, SESSION_IDS

DBT_SCHEMAS = ("raw", "ops", "seeds", "staging", "intermediate", "marts")
HOW_TO_GET_A_SERVER = (
    "Set PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE to a PostgreSQL server (.ci/run starts "
    "one), or install the Debian package so the test can start a throwaway cluster: "
    "apt-get install -y postgresql"
)


# ---------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------


def _connect(server: dict[str, str], **overrides: str):
    parameters = {
        "host": server["PGHOST"],
        "port": int(server["PGPORT"]),
        "user": server["PGUSER"],
        "password": server.get("PGPASSWORD", ""),
        "dbname": server["PGDATABASE"],
        "connect_timeout": 5,
    }
    parameters.update(overrides)
    return psycopg2.connect(**parameters)


def _wait_until_reachable(server: dict[str, str], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            _connect(server).close()
            return
        except psycopg2.OperationalError as error:
            if time.monotonic() > deadline:
                pytest.fail(
                    f"PostgreSQL at {server['PGHOST']}:{server['PGPORT']} (database "
                    f"{server['PGDATABASE']}, user {server['PGUSER']}) is not reachable: "
                    f"{str(error).strip()}. {HOW_TO_GET_A_SERVER}"
                )
            time.sleep(0.5)


def _debian_bin_dir() -> Path | None:
    """The newest /usr/lib/postgresql/<major>/bin that has initdb and pg_ctl."""
    candidates = [
        Path(path)
        for path in glob.glob("/usr/lib/postgresql/*/bin")
        if Path(path, "initdb").exists() and Path(path, "pg_ctl").exists()
    ]
    return max(candidates, key=lambda path: int(path.parent.name), default=None)


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ThrowawayCluster:
    """initdb + pg_ctl in a temporary folder, loopback only, trust auth, removed on stop.

    PostgreSQL refuses to run as root: as root, the binaries run as the `postgres` user the
    Debian package creates (via runuser).
    """

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.port = _free_loopback_port()
        self.folder = Path(tempfile.mkdtemp(prefix="empathy-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.folder, user="postgres", group="postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *command: str) -> None:
        completed = subprocess.run(
            [*self.as_user, *command], capture_output=True, text=True, check=False
        )
        if completed.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            pytest.fail(
                f"starting a throwaway PostgreSQL failed: {' '.join(command)}\n"
                f"{completed.stdout}{completed.stderr}{log}"
            )

    def start(self) -> dict[str, str]:
        self._run(
            str(self.bin_dir / "initdb"),
            "--pgdata",
            str(self.data),
            "--username",
            "postgres",
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--locale",
            "C",
            "--no-sync",
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} "
            f"-c unix_socket_directories={self.folder} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(self.bin_dir / "pg_ctl"),
            "--pgdata",
            str(self.data),
            "--log",
            str(self.log),
            "--options",
            options,
            "--wait",
            "start",
        )
        server = {
            "PGHOST": "127.0.0.1",
            "PGPORT": str(self.port),
            "PGUSER": "postgres",
            "PGPASSWORD": "",
            "PGDATABASE": "postgres",
        }
        connection = _connect(server)
        connection.autocommit = True  # create database refuses to run in a transaction
        connection.cursor().execute("create database empathy_warehouse")
        connection.close()
        return {**server, "PGDATABASE": "empathy_warehouse"}

    def stop(self) -> None:
        subprocess.run(
            [
                *self.as_user,
                str(self.bin_dir / "pg_ctl"),
                "--pgdata",
                str(self.data),
                "--mode",
                "immediate",
                "stop",
            ],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres_server() -> Iterator[dict[str, str]]:
    """Connection settings (PG* variables) of a reachable server; see the module docstring."""
    if os.environ.get("PGHOST"):
        server = {
            "PGHOST": os.environ["PGHOST"],
            "PGPORT": os.environ.get("PGPORT", "5432"),
            "PGUSER": os.environ.get("PGUSER", "postgres"),
            "PGPASSWORD": os.environ.get("PGPASSWORD", ""),
            "PGDATABASE": os.environ.get("PGDATABASE", "empathy_warehouse"),
        }
        _wait_until_reachable(server, seconds=10)
        yield server
        return
    bin_dir = _debian_bin_dir()
    if bin_dir is None:
        pytest.fail(
            f"PGHOST is not set and no PostgreSQL binaries were found. {HOW_TO_GET_A_SERVER}"
        )
    cluster = ThrowawayCluster(bin_dir)
    try:
        server = cluster.start()
        _wait_until_reachable(server, seconds=10)
        yield server
    finally:
        cluster.stop()


# ---------------------------------------------------------------------------------------------
# The raw layer, copied from the DuckDB warehouse the end-to-end job built
# ---------------------------------------------------------------------------------------------


def copy_raw_layer(duckdb_file: Path, server: dict[str, str]) -> dict[str, int]:
    """Recreates the raw schema in PostgreSQL with the loader's DDL and copies every row, and
    writes the key material dbt reads, as the Dagster dbt asset does in DuckDB."""
    from psycopg2.extras import execute_values

    copied: dict[str, int] = {}
    with duckdb.connect(str(duckdb_file), read_only=True) as source, _connect(server) as target:
        cursor = target.cursor()
        for schema in DBT_SCHEMAS:
            cursor.execute(f"drop schema if exists {schema} cascade")
        cursor.execute(RAW_SCHEMA_DDL)
        for table in RAW_TABLES:
            relation = source.sql(f"select * from raw.{table}")
            columns = ", ".join(relation.columns)
            rows = relation.fetchall()
            execute_values(cursor, f"insert into raw.{table} ({columns}) values %s", rows)
            copied[table] = len(rows)
        write_pseudonymisation_key(cursor, TEST_PSEUDONYM_KEY)
        target.commit()
    target.close()
    return copied


def run_dbt(server: dict[str, str], target_path: Path, *arguments: str) -> str:
    env = {
        **os.environ,
        **{name: value for name, value in server.items() if name.startswith("PG")},
        # The profile's duckdb target reads it too; it is not used with --target postgres.
        "EMPATHY_WORKING_DB": str(target_path / "unused.duckdb"),
        "DBT_LOG_PATH": str(target_path),
    }
    env.pop("DBT_TARGET_PATH", None)
    completed = subprocess.run(
        dbt_command(
            *arguments,
            "--target",
            "postgres",
            "--vars",
            f'{{"refresh_date": "{DAY}"}}',
            target_path=target_path,
        ),
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert completed.returncode == 0, (
        f"dbt {' '.join(arguments)} failed on PostgreSQL:\n{completed.stdout[-6000:]}"
        f"{completed.stderr[-2000:]}"
    )
    return completed.stdout


@pytest.fixture(scope="module")
def postgres_warehouse(
    handmade_warehouse: Settings, postgres_server: dict[str, str], tmp_path_factory
) -> dict[str, str]:
    """The hand-made raw layer in PostgreSQL and `dbt build` (models, seeds, data tests) run."""
    copied = copy_raw_layer(handmade_warehouse.working_db, postgres_server)
    assert copied["events"] > 0
    target_path = tmp_path_factory.mktemp("dbt-postgres-target")
    output = run_dbt(postgres_server, target_path, "build", "--exclude-resource-type", "unit_test")
    assert "ERROR=0" in output and "SKIP=0" in output, output[-3000:]
    return {**postgres_server, "target_path": str(target_path)}


# ---------------------------------------------------------------------------------------------
# Same numbers on both engines
# ---------------------------------------------------------------------------------------------


def _postgres_rows(server: dict[str, str], sql: str) -> tuple[list[str], list[tuple]]:
    with _connect(server) as connection:
        cursor = connection.cursor()
        cursor.execute(sql)
        columns = [column.name for column in cursor.description]
        rows = cursor.fetchall()
    connection.close()
    return columns, normalised(rows)


def test_every_published_mart_has_the_same_rows_on_postgres(
    published_mart, postgres_warehouse, handmade_warehouse
):
    """Empty marts are compared too (an experiment needs both arms, the hand-made day has
    none); test_resolution_kind... and test_scorecard_totals... pin non-empty ones."""
    assert_same_mart(
        duckdb_rows(handmade_warehouse.published_db, f"select * from main.{published_mart}"),
        _postgres_rows(postgres_warehouse, f"select * from {MARTS_SCHEMA}.{published_mart}"),
    )


def test_resolution_kind_per_session_on_postgres(postgres_warehouse):
    _, rows = _postgres_rows(
        postgres_warehouse,
        "select session_id, resolution_kind from marts.fct_sessions",
    )
    assert dict(with_upstream_ids(rows, SESSION_IDS)) == {
        "S1": "autonomous",
        "S2": "assisted",
        "S3": "abandoned",
        "S4": "human_only",
        "S5": "unresolved",
    }


def test_scorecard_totals_on_postgres(postgres_warehouse):
    """The day's totals worked out in tests/handmade_events.py."""
    _, [(sessions, resolved, bot_handled, escalated, reopened)] = _postgres_rows(
        postgres_warehouse,
        "select sum(sessions), sum(resolved_sessions), sum(bot_handled_sessions), "
        "sum(escalated_bot_handled_sessions), sum(reopened_sessions) "
        f"from marts.agg_metrics_segment_daily where session_date = date '{DAY}'",
    )
    assert (sessions, resolved, bot_handled, escalated, reopened) == (5, 3, 3, 2, 1)


def test_dbt_unit_tests_pass_on_postgres(postgres_warehouse):
    output = run_dbt(
        postgres_warehouse,
        Path(postgres_warehouse["target_path"]),
        "test",
        "--select",
        "resource_type:unit_test",
    )
    results = re.findall(r"\d+ of (\d+) (PASS|FAIL|ERROR|SKIP) ", output)
    assert results and all(status == "PASS" for _, status in results), output[-3000:]
    assert len(results) == int(results[0][0]) >= 9, output[-3000:]
