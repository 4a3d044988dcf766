"""A build whose metrics collapse against the published version does not publish; late data does.

Generated events for 2026-10-01..03 (3,000 events, 5% delivered 1-3 days late). Run 1 loads
the files of days 1 and 2 and publishes. Run 2 adds day 3's files, which also hold late events
of days 1 and 2 (their rates move a lot: the rest of day 2's sessions arrive): an honest
late-data run, it publishes. Run 3 rebuilds, with no new data, from a copy of the project whose
seeds/sla_targets.csv has every target at 0 s (a broken seed export): nearly every reply and
resolution now breaches, so the warehouse-wide first-reply and resolution SLA breach rates of
days 1-3 jump while the sessions of those days stay exactly the same, and the build is blocked
with a message that names the metric, its published and its built value. The published version
stays the one run 2 wrote.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from datetime import date

import pytest

from orchestration.cli import run_refresh
from orchestration.run_log import read_run_log
from orchestration.settings import PROJECT_ROOT
from orchestration.synthetic.generator import DefectRates, write_landing
from tests.conftest import cli_environment, pipeline_environment, query

DAYS = ("2026-10-01", "2026-10-02", "2026-10-03")
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
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("metric_change")
    deliveries = root / "deliveries"
    write_landing(
        deliveries,
        target_events=3_000,
        seed=5,
        start_date=date.fromisoformat(DAYS[0]),
        days=len(DAYS),
        defects=DefectRates(late=0.05),
    )
    warehouse_dir = root / "warehouse"
    landing = warehouse_dir / "landing"
    landing.mkdir(parents=True)
    outcomes = []
    with pipeline_environment(warehouse_dir) as settings:
        for day in DAYS[:2]:
            for path in sorted(deliveries.glob(f"events_{day}_*")):
                shutil.copy(path, landing / path.name)
        outcomes.append(run_refresh(settings, DAYS[1]))
        for path in sorted(deliveries.glob(f"events_{DAYS[2]}_*")):
            shutil.copy(path, landing / path.name)
        outcomes.append(run_refresh(settings, DAYS[2]))
    published_after_late_data = (warehouse_dir / "published" / "metrics.duckdb").read_bytes()
    damaged = _project_with_zero_sla_targets(root / "damaged_project")
    blocked = subprocess.run(
        [sys.executable, "-m", "orchestration", "run", "--partition", DAYS[2], "--no-demo"],
        cwd=damaged,
        env=cli_environment(warehouse_dir),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    return warehouse_dir, outcomes, blocked, published_after_late_data


def test_an_honest_late_data_run_publishes(runs):
    warehouse_dir, (first, late), _, _ = runs
    assert first.published, first.problems
    assert late.published, late.problems
    # The late run really changed already-published days (late events of days 1 and 2).
    late_loads = query(
        warehouse_dir / "work" / "warehouse.duckdb",
        f"select count(*) from raw.events where source_file like 'events_{DAYS[2]}_%' "
        f"and occurred_at < '{DAYS[2]}'",
    )
    assert late_loads[0][0] > 0
    assert not any(CHECK in problem for problem in late.problems)


def test_a_collapsed_metric_blocks_publishing_and_is_named(runs):
    warehouse_dir, _, blocked, published_after_late_data = runs
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    problem = next(line for line in blocked.stdout.splitlines() if CHECK in line)
    assert problem.startswith(f"check failed: {CHECK}: Nothing was published: ")
    for metric in ("first_reply_sla_breach_rate", "resolution_sla_breach_rate"):
        assert f"{metric} " in problem
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
    assert outcomes == ["published", "published", "blocked"]
