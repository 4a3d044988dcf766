"""Late and re-delivered data: daily incremental refreshes end where a full rebuild ends.

Three daily deliveries (2026-10-01..03) of generated events, with events delivered 1-3 days
late and events delivered twice (DefectRates late/duplicate), plus hand-made ones the
generator cannot make: sessions older than the lookback (session_lookback_days = 3):

  day 1  L1, chat, c-L1, billing_dispute/high, started 2026-09-26 10:00 (back-log), resolved
         by the bot 10:02; no CSAT yet.
  day 2  L1's CSAT (score 2, occurred 2026-09-26 10:05): the 2026-10-02 run re-derives
         sessions from 2026-09-29 on, so only the late-load rule (b) of int_sessions_aggregated can
         pick it up. Plus L1's session_started again (same event_id) claiming channel email:
         different content, so it is rejected for review (field event_id); the first delivery
         wins, L1 stays chat (received 2 = loaded 1 + rejected 1).
  day 3  L2 in full, late: email, c-L2, started 2026-09-27 15:00, bot 15:00:50 (first response
         50 s), escalated, agent resolves 15:30 (1800 s): assisted. The 2026-10-03 window starts
         2026-09-30, so again only rule (b) can add it.

Each day's files land before that day's run (`run_refresh` for the day's partition); then a
fresh warehouse loads all the same files at once and builds from scratch. Every published mart
and int_sessions_aggregated must hold the same rows (EXCEPT ALL both ways, order-independent). Only
the columns named *loaded_at are left out: they record when the loader saw an event, which is
by definition different when everything is loaded in one go.

Backfill: an older partition needs no command of its own. Rule (a) re-derives every session
with an event on or after `refresh_date - lookback` with no upper bound, so
`run --partition 2026-10-01` re-derives everything from 2026-09-28 to now (a superset of any
range backfill), and rule (b) already covers late loads of any age.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb

from tests.conftest import pseudonym
from tests.late_data_deliveries import DAYS

LOOKBACK_DAYS = 3  # dbt_project.yml: session_lookback_days
# Marts the generated days certainly fill; every published mart is compared, these must not
# be empty (an empty pair would compare equal and prove nothing).
MARTS_WITH_ROWS = (
    "fct_sessions",
    "fct_messages",
    "fct_escalations",
    "agg_metrics_segment_daily",
    "mon_unmapped_event_types",
)


def _differences(left: Path, right: Path, table: str) -> tuple[int, int, int]:
    """(rows, rows only left, rows only right) of `table`, *loaded_at columns left out."""
    with duckdb.connect() as connection:
        connection.execute(f"attach '{left}' as l (read_only)")
        connection.execute(f"attach '{right}' as r (read_only)")
        columns = [
            (name, column_type)
            for (name, column_type) in connection.execute(
                f"select column_name, column_type from (describe l.{table})"
            ).fetchall()
            if not name.endswith("loaded_at")
        ]
        # Parallel aggregation adds floats in no fixed order, so a mean can differ in its last
        # bit between two builds of the same rows (3.5599999999999996 vs 3.56): compare doubles
        # to 9 decimals, everything else exactly.
        picked = ", ".join(
            f'round("{name}", 9)' if column_type in ("DOUBLE", "FLOAT") else f'"{name}"'
            for name, column_type in columns
        )
        (rows,) = connection.execute(f"select count(*) from l.{table}").fetchone()
        (only_left,) = connection.execute(
            f"select count(*) from (select {picked} from l.{table} "
            f"except all select {picked} from r.{table})"
        ).fetchone()
        (only_right,) = connection.execute(
            f"select count(*) from (select {picked} from r.{table} "
            f"except all select {picked} from l.{table})"
        ).fetchone()
    return rows, only_left, only_right


def test_daily_refreshes_publish_the_same_mart_as_a_full_rebuild(
    late_data_warehouses, published_mart
):
    published = Path("published") / "metrics.duckdb"
    rows, only_incremental, only_rebuilt = _differences(
        late_data_warehouses.incremental / published,
        late_data_warehouses.rebuilt / published,
        f"main.{published_mart}",
    )
    if published_mart in MARTS_WITH_ROWS:
        assert rows > 0
    assert (only_incremental, only_rebuilt) == (0, 0)


def test_daily_refreshes_build_the_same_session_facts_as_a_full_rebuild(late_data_warehouses):
    working = Path("work") / "warehouse.duckdb"
    rows, only_incremental, only_rebuilt = _differences(
        late_data_warehouses.incremental / working,
        late_data_warehouses.rebuilt / working,
        "intermediate.int_sessions_aggregated",
    )
    assert rows > 100  # the generated sessions plus L1 and L2
    assert (only_incremental, only_rebuilt) == (0, 0)


def _published(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse / "published" / "metrics.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_a_late_event_older_than_the_lookback_updates_its_session(late_data_warehouses):
    # L1 started 2026-09-26, before the 2026-10-02 run's window (2026-09-29): only rule (b).
    assert date(2026, 9, 26) < date.fromisoformat(DAYS[1]) - timedelta(days=LOOKBACK_DAYS)
    rows = _published(
        late_data_warehouses.incremental,
        "select channel, resolution_kind, csat_score from fct_sessions "
        f"where session_id = '{pseudonym('L1')}'",
    )
    assert rows == [("chat", "autonomous", 2)]


def test_a_whole_session_delivered_after_its_lookback_is_added(late_data_warehouses):
    # L2 started 2026-09-27, before the 2026-10-03 run's window (2026-09-30): only rule (b).
    assert date(2026, 9, 27) < date.fromisoformat(DAYS[2]) - timedelta(days=LOOKBACK_DAYS)
    rows = _published(
        late_data_warehouses.incremental,
        "select resolution_kind, first_response_seconds, time_to_resolution_seconds "
        f"from fct_sessions where session_id = '{pseudonym('L2')}'",
    )
    assert rows == [("assisted", 50, 1800)]


def test_a_redelivered_event_with_other_content_is_rejected_and_the_first_delivery_wins(
    late_data_warehouses,
):
    with duckdb.connect(
        str(late_data_warehouses.incremental / "work" / "warehouse.duckdb"), read_only=True
    ) as connection:
        reconciliation = connection.execute(
            "select received, loaded, duplicates, rejected from raw.file_loads "
            f"where source_file = 'events_{DAYS[1]}_part900.jsonl'"
        ).fetchall()
        (channel,) = connection.execute(
            "select channel from raw.events where event_id = 'e-L1-1'"
        ).fetchone()
        (field,) = connection.execute(
            "select field from raw.rejected_events "
            f"where source_file = 'events_{DAYS[1]}_part900.jsonl'"
        ).fetchone()
    assert reconciliation == [(2, 1, 0, 1)]
    assert (channel, field) == ("chat", "event_id")


def test_the_generated_deliveries_really_hold_late_and_duplicate_events(late_data_warehouses):
    """Guards the test itself: without late and re-sent events the comparison proves little."""
    with duckdb.connect(
        str(late_data_warehouses.incremental / "work" / "warehouse.duckdb"), read_only=True
    ) as connection:
        (late,) = connection.execute(
            "select count(*) from raw.events "
            "where source_file like 'events_%_part000.jsonl' "
            "and cast(occurred_at as date) < cast(substr(source_file, 8, 10) as date)"
        ).fetchone()
        (duplicates,) = connection.execute("select sum(duplicates) from raw.file_loads").fetchone()
    assert late > 0
    assert duplicates > 1


def test_each_daily_run_builds_its_own_day_and_reuses_the_previous_runs_parse(
    late_data_warehouses,
):
    """The partition day reaches dbt as env var EMPATHY_REFRESH_DATE, read at run time
    (macros/sessions_to_refresh.sql), so the next day's run may reuse the previous parse; it must
    still compile its own day. Day 1 (2026-10-01) is the first build: not incremental, no
    window. Days 2 and 3 are incremental and compile the lookback window from their own day
    only: cast('2026-10-02' ...) on day 2, cast('2026-10-03' ...) on day 3. Their `dbt parse`
    follows a run of the same warehouse, so it is partial (with the day as var refresh_date
    every new day was a full parse: "Unable to do partial parsing ... config vars ... changed")."""
    runs = late_data_warehouses.incremental_dbt_runs
    assert [days for days, _ in runs] == [(), ("2026-10-02",), ("2026-10-03",)]
    assert [full_parse for _, full_parse in runs[1:]] == [False, False]
