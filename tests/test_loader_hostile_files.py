"""Hostile and odd deliveries: crafted names, links, files that change, broken framing.

Each test builds its landing folder by hand and calls `load_landing` (or `publish_marts`)
directly; the expected counts are worked out in the test.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.ingest import load_landing
from orchestration.publish import publish_marts
from orchestration.run_log import RunSummary, record_run
from tests.test_loader import NOW, query

PSEUDONYM_KEY = "key-that-must-never-be-stored-7f3a"


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    folder = tmp_path / "landing"
    folder.mkdir()
    return folder


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "work" / "warehouse.duckdb"


def every_stored_text(database: Path) -> str:
    """Every value of every raw table, as one text to search for leaked secrets."""
    tables = ("raw.events", "raw.rejected_events", "raw.file_loads")
    return "\n".join(
        repr(row) for table in tables for row in query(database, f"select * from {table}")
    )


def reconciliation(database: Path) -> list[tuple]:
    return query(
        database,
        "select sum(received), sum(loaded), sum(duplicates), sum(rejected) from raw.file_loads",
    )


# --- 1. Parquet column names are names, never SQL ------------------------------------------------

# What the loader's query builder wrote around the first column name, and what an attacker
# closes it with: the rest of the column name runs as statements of its own.
_BREAK_OUT = (
    'p" := 1)) as raw_record, null as record, null as early_field, null as early_reason '
    "from (select 1 as file_row_number); "
)
_ENVELOPE = (
    "event_id := event_id, event_type := event_type, occurred_at := occurred_at, "
    "session_id := session_id"
)
_RESUME = (
    "select file_row_number + 1 as source_line, to_json(struct_pack("
    + _ENVELOPE
    + "{extra})) as raw_record, --"
)


def sql_attack_column_names(marker: Path, secret_file: Path) -> dict[str, str]:
    """Column names that ran SQL through the old loader (names are lower-cased first)."""
    assert str(marker) == str(marker).lower(), "the attack only survives lower-casing"
    return {
        "copy": _BREAK_OUT
        + f"copy (select 42 as x) to '{marker}' (format csv); "
        + _RESUME.format(extra=""),
        "insert": _BREAK_OUT
        + "insert into raw.events values ('injected', 'message', '2026-03-01 09:00:00', 's1', "
        "null, null, null, null, null, '{}', 'x.parquet', 1, 'x', now()::timestamp); "
        + _RESUME.format(extra=""),
        "getenv": _BREAK_OUT
        + "set variable leak = getenv(upper('empathy_pseudonym_key')); "
        + _RESUME.format(extra=", text := getvariable('leak')"),
        "read_file": _BREAK_OUT
        + f"set variable leak = (select content from read_text('{secret_file}')); "
        + _RESUME.format(extra=", text := getvariable('leak')"),
    }


def test_parquet_column_names_that_are_sql_attacks_run_nothing(
    tmp_path: Path, landing: Path, database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EMPATHY_PSEUDONYM_KEY", PSEUDONYM_KEY)
    marker = tmp_path / "marker.csv"
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text("secret-file-content-91c2")
    attacks = sql_attack_column_names(marker, secret_file)
    for name, column in attacks.items():
        table = pa.table(
            {
                column: ["1"],
                "event_id": [f"e-{name}"],
                "event_type": ["message"],
                "occurred_at": ["2026-03-01T09:00:00Z"],
                "session_id": ["s1"],
            }
        )
        pq.write_table(table, landing / f"{name}.parquet")

    report = load_landing(landing, database, now=NOW)

    assert not marker.exists()
    # Each file is one ordinary event; the odd column is simply not part of the envelope.
    assert query(database, "select event_id, text from raw.events order by 1") == [
        ("e-copy", None),
        ("e-getenv", None),
        ("e-insert", None),
        ("e-read_file", None),
    ]
    assert (report.received, report.loaded, report.duplicates, report.rejected) == (4, 4, 0, 0)
    assert reconciliation(database) == [(4, 4, 0, 0)]
    stored = every_stored_text(database)
    assert PSEUDONYM_KEY not in stored
    assert "secret-file-content-91c2" not in stored


# --- 2. paths with quotes reach SQL as bound values ----------------------------------------------


def test_publish_works_from_and_to_folders_whose_names_hold_quotes(tmp_path: Path) -> None:
    odd = tmp_path / "O'Brien's \"data\"; drop table x; --"
    working = odd / "work" / "warehouse.duckdb"
    working.parent.mkdir(parents=True)
    with duckdb.connect(str(working)) as connection:
        connection.execute("create schema marts")
        connection.execute("create table marts.fct_sessions as select range as n from range(3)")

    result = publish_marts(
        working, odd / "published" / "metrics.duckdb", odd / "parquet", ("fct_sessions",)
    )

    assert result.row_counts == {"fct_sessions": 3}
    assert query(result.database, "select count(*) from fct_sessions") == [(3,)]
    for table in ("fct_sessions", "mon_refresh_runs"):
        assert (odd / "parquet" / f"{table}.parquet").is_file()
    parquet_rows = duckdb.execute(
        "select count(*) from read_parquet(?)", [str(odd / "parquet" / "fct_sessions.parquet")]
    ).fetchone()
    assert parquet_rows == (3,)


def test_run_log_reads_a_working_database_whose_name_holds_a_double_quote(tmp_path: Path) -> None:
    working = tmp_path / 'ware"house.duckdb'
    started = datetime(2026, 3, 2, 11, 0)
    with duckdb.connect(str(working)) as connection:
        connection.execute("create schema raw")
        connection.execute(
            "create table raw.rejected_events as select 'a.jsonl' as source_file, "
            "'not a valid gzip file' as reason, 'file' as field, ? as rejected_at",
            [datetime(2026, 3, 2, 11, 30)],
        )
    summary = RunSummary(**{field.name: None for field in dataclasses.fields(RunSummary)})
    summary = dataclasses.replace(
        summary,
        run_id="r1",
        job_name="refresh_warehouse",
        outcome="published",
        started_at=started,
        finished_at=datetime(2026, 3, 2, 12, 0),
        recorded_at=started,
    )

    recorded = record_run(working, summary)

    assert recorded.rejected_files == "a.jsonl: not a valid gzip file"
