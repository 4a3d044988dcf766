"""A build whose metrics collapse against the published version does not publish; late data does.

The warehouse of tests/conftest.py `late_data_warehouses` (generated events of 2026-10-01..03,
5% delivered 1-3 days late, one run per day after that day's files land), copied: its runs of
days 2 and 3 load late events of the days before (their rates move: the rest of those days'
sessions arrive), honest late-data runs that publish. Then a rebuild, with no new data, from a
copy of the project whose seeds/sla_targets.csv has every target at 0 s (a broken seed export):
nearly every reply and resolution now breaches, so the warehouse-wide first-reply and
resolution SLA breach rates of days 1-3 jump while the sessions of those days stay exactly the
same, and the build is blocked with a message that names the metric, its published and its
built value. The published version stays the one the day-3 run wrote.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys

import pytest

from orchestration.run_log import read_run_log
from orchestration.settings import PROJECT_ROOT
from tests.conftest import cli_environment, query
from tests.late_data_deliveries import DAYS

CHECK = "marts/agg_scorecard_segment_daily [metric_change_vs_published]"


def _project_with_zero_sla_targets(folder):
    """A copy of the project (code, dbt project, seeds) with every SLA target at 0."""
    for part in ("orchestration", "dbt_project", "seeds"):
        shutil.copytree(
            PROJECT_ROOT / part,
            folder / part,
            ignore=shutil.ignore_patterns("target", "logs", "__pycache__"),
        )
    seed = folder / "seeds" / "sla_targets.csv"
    with seed.open() as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        for column in ("first_reply_seconds", "next_reply_seconds", "resolution_seconds"):
            row[column] = "0"
    with seed.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return folder


@pytest.fixture(scope="module")
def runs(late_data_warehouses, tmp_path_factory):
    warehouse_dir = tmp_path_factory.mktemp("metric_change") / "warehouse"
    shutil.copytree(late_data_warehouses.incremental, warehouse_dir, symlinks=True)
    published_after_late_data = (warehouse_dir / "published" / "metrics.duckdb").read_bytes()
    damaged = _project_with_zero_sla_targets(warehouse_dir.parent / "damaged_project")
    blocked = subprocess.run(
        [sys.executable, "-m", "orchestration", "run", "--partition", DAYS[2], "--no-demo"],
        cwd=damaged,
        env=cli_environment(warehouse_dir),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    return (
        warehouse_dir,
        late_data_warehouses.incremental_outcomes,
        blocked,
        published_after_late_data,
    )


def test_an_honest_late_data_run_publishes(runs):
    warehouse_dir, outcomes, _, _ = runs
    assert [outcome.published for outcome in outcomes] == [True] * len(DAYS), [
        outcome.problems for outcome in outcomes
    ]
    # The late runs really changed already-published days (late events of days 1 and 2).
    late_loads = query(
        warehouse_dir / "work" / "warehouse.duckdb",
        f"select count(*) from raw.events where source_file like 'events_{DAYS[2]}_%' "
        f"and occurred_at < '{DAYS[2]}'",
    )
    assert late_loads[0][0] > 0
    assert not any(CHECK in problem for outcome in outcomes for problem in outcome.problems)


def test_a_collapsed_metric_blocks_publishing_and_is_named(runs):
    warehouse_dir, _, blocked, published_after_late_data = runs
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    problem = next(line for line in blocked.stdout.splitlines() if CHECK in line)
    assert problem.startswith(f"check failed: {CHECK}: Nothing was published: ")
    assert "first_reply_sla_breach_rate " in problem
    # The resolution SLA breach rate jumps too, but it is published as 0 on every judged day of
    # this data (its sessions resolve within hours against targets of 10 h and more), and a
    # metric published as 0 is not judged: any value is an unbounded relative change from 0.
    published_resolution_breaches = query(
        warehouse_dir / "published" / "metrics.duckdb",
        "select max(metric_value) from agg_scorecard_segment_daily where segment_level = "
        "'overall' and metric_name = 'resolution_sla_breach_rate' and not is_low_confidence",
    )
    assert published_resolution_breaches == [(0.0,)]
    assert "resolution_sla_breach_rate " not in problem
    # The built value is 1 (every session breaches) over the same sessions as published.
    breach = problem.split("first_reply_sla_breach_rate ", 1)[1].split(";", 1)[0]
    published_value, rest = breach.split(" published -> ", 1)
    built_value, rest = rest.split(" built (sessions ", 1)
    # more than the default tolerance of 50% up, over exactly the same sessions
    assert float(built_value) > 1.5 * float(published_value)
    sessions = rest.split(",", 1)[0]
    before, after = sessions.split(" -> ")
    assert before == after
    assert "EMPATHY_METRIC_CHANGE_TOLERANCE=inf" in problem
    assert (warehouse_dir / "published" / "metrics.duckdb").read_bytes() == (
        published_after_late_data
    )
    outcomes = [run["outcome"] for run in read_run_log(warehouse_dir / "work" / "warehouse.duckdb")]
    assert outcomes == ["published"] * len(DAYS) + ["blocked"]
