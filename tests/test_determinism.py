"""Two clean runs on identical data publish identical marts.

Parallel float sums are not deterministic in their last bits: two runs once published a mean
of 3.5000000000000004 and 3.4999999999999996 and flipped a scorecard status and an
empathy-theater flag. Rates, means and medians are now rounded to metric_decimal_places (6)
before they are judged or published (macros/segment_day_metrics.sql). This test runs the whole
job twice, in two warehouses, on the same hand-made deliveries and requires every published
table to be equal row for row, except what names the run itself: the publication version and
time, the run log, and the columns named *loaded_at (when the loader saw an event).
"""

from __future__ import annotations

import duckdb

from orchestration.cli import run_refresh
from tests.conftest import pipeline_environment
from tests.handmade_events import DAY, write_deliveries

# Tables of the published file that describe the run, not the data.
RUN_TABLES = {"publication", "mon_refresh_runs"}


def published_tables(database) -> dict[str, list[tuple]]:
    with duckdb.connect(str(database), read_only=True) as connection:
        names = [row[0] for row in connection.execute("show tables").fetchall()]
        return {
            name: connection.execute(
                f"select columns(lambda c: c not like '%loaded_at') from \"{name}\" order by all"
            ).fetchall()
            for name in names
            if name not in RUN_TABLES
        }


def test_two_runs_on_identical_data_publish_identical_marts(handmade_warehouse, tmp_path):
    twin_dir = tmp_path / "twin"
    write_deliveries(twin_dir / "landing")
    with pipeline_environment(twin_dir) as settings:
        outcome = run_refresh(settings, DAY)
        assert outcome.published, outcome.problems

    first = published_tables(handmade_warehouse.published_db)
    second = published_tables(settings.published_db)
    assert sorted(first) == sorted(second)
    differing = [name for name in first if first[name] != second[name]]
    assert differing == [], differing
    assert all(first[name] for name in ("fct_sessions", "metrics_segment_daily"))
