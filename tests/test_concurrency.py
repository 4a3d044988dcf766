"""Concurrency: a BI reader holding the published database, and two refreshes started at once.

One scenario, one real refresh (runs cost ~30 s each): on a copy of the hand-made warehouse
(5 sessions published) with the next day's delivery landed (S6, see test_crash_safety.py),
a reader process opens published/metrics.duckdb read-only and keeps it open while two
`python -m orchestration run` processes start at the same moment. One takes the refresh lock
and publishes; the other refuses at once (exit code 2, the message of `refresh_lock`). The
reader, still on its connection, keeps reading the version it opened.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from orchestration.settings import Settings
from tests.conftest import pseudonym
from tests.test_crash_safety import NEXT_DAY, RealRun, copy_baseline

READER = """
import json, sys, duckdb
connection = duckdb.connect(sys.argv[1], read_only=True)
def read():
    (sessions,) = connection.execute("select count(*) from fct_sessions").fetchone()
    (version,) = connection.execute("select version from publication").fetchone()
    print(json.dumps([sessions, version]), flush=True)
read()
for command in sys.stdin:
    if command.strip() == "read":
        read()
    else:
        break
connection.close()
"""


@dataclass
class Scenario:
    warehouse_dir: Path
    reader_before: list
    reader_after: list
    exit_codes: list[int]
    outputs: list[str]


@pytest.fixture(scope="module")
def scenario(handmade_warehouse: Settings, tmp_path_factory) -> Scenario:
    scratch = tmp_path_factory.mktemp("concurrency")
    warehouse_dir = copy_baseline(handmade_warehouse, scratch / "warehouse")
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(warehouse_dir / "published" / "metrics.duckdb")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        reader_before = json.loads(reader.stdout.readline())
        runs = [RealRun(warehouse_dir, scratch / f"run-{n}", NEXT_DAY) for n in (1, 2)]
        exit_codes = [run.wait() for run in runs]
        reader.stdin.write("read\n")
        reader.stdin.flush()
        reader_after = json.loads(reader.stdout.readline())
        reader.stdin.write("close\n")
        reader.stdin.flush()
        assert reader.wait(timeout=30) == 0
    finally:
        if reader.poll() is None:
            reader.kill()
    return Scenario(
        warehouse_dir, reader_before, reader_after, exit_codes, [run.output() for run in runs]
    )


def test_a_refresh_succeeds_while_a_reader_holds_the_published_database(scenario: Scenario):
    assert 0 in scenario.exit_codes, scenario.outputs


def test_the_reader_keeps_reading_the_version_it_opened(scenario: Scenario):
    assert scenario.reader_before[0] == 5
    assert scenario.reader_after == scenario.reader_before


def test_a_second_run_started_at_the_same_time_refuses_with_exit_code_2(scenario: Scenario):
    assert sorted(scenario.exit_codes) == [0, 2], scenario.outputs
    refused = scenario.outputs[scenario.exit_codes.index(2)]
    assert f"error: another refresh of {scenario.warehouse_dir} is running" in refused
    assert "wait for it to finish and run again" in refused


def test_the_winner_publishes_the_new_version_for_new_connections(scenario: Scenario):
    published = scenario.warehouse_dir / "published" / "metrics.duckdb"
    with duckdb.connect(str(published), read_only=True) as connection:
        (sessions,) = connection.execute("select count(*) from fct_sessions").fetchone()
        (version,) = connection.execute("select version from publication").fetchone()
        s6 = connection.execute(
            "select resolution_kind, first_response_seconds, time_to_resolution_seconds "
            f"from fct_sessions where session_id = '{pseudonym('S6')}'"
        ).fetchall()
    assert sessions == 6
    assert version != scenario.reader_before[1]
    assert s6 == [("autonomous", 45, 120)]


def test_nothing_is_loaded_twice_or_left_half_written(scenario: Scenario):
    with duckdb.connect(
        str(scenario.warehouse_dir / "work" / "warehouse.duckdb"), read_only=True
    ) as connection:
        loads = connection.execute(
            "select source_file, count(*) from raw.file_loads group by 1 order by 1"
        ).fetchall()
    assert loads == [
        ("2026-10-05_helpdesk.jsonl", 1),
        ("2026-10-06_helpdesk.jsonl", 1),  # the new delivery: once, by the winner
        ("2026-10-06_redelivery.jsonl", 1),
    ]
    published = scenario.warehouse_dir / "published"
    assert sorted(path.name for path in published.iterdir()) == [
        "metrics.duckdb",
        "parquet",
        "report.html",
    ]
