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

import json
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.synthetic.generator import DefectRates, write_landing
from tests.conftest import pipeline_environment, pseudonym
from tests.handmade_events import V1, V2, event

DAYS = ("2026-10-01", "2026-10-02", "2026-10-03")
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


def _l1_start() -> list[dict]:
    return [
        event(
            "e-L1-1",
            "session_started",
            "2026-09-26T10:00:00Z",
            "L1",
            "system",
            customer="c-L1",
            channel="chat",
            language="en",
            variant=V1,
        ),
        event(
            "e-L1-2",
            "message",
            "2026-09-26T10:00:05Z",
            "L1",
            "customer",
            "Charged twice",
            customer="c-L1",
            channel="chat",
        ),
        event(
            "e-L1-3",
            "intent_classified",
            "2026-09-26T10:00:06Z",
            "L1",
            "system",
            channel="chat",
            intent="billing_dispute",
            severity="high",
        ),
        event(
            "e-L1-4",
            "message",
            "2026-09-26T10:00:30Z",
            "L1",
            "bot",
            "Refunded.",
            channel="chat",
            **V1,
        ),
        event(
            "e-L1-5",
            "resolved",
            "2026-09-26T10:02:00Z",
            "L1",
            "bot",
            channel="chat",
            resolved_by="bot",
        ),
        event(
            "e-L1-6",
            "session_closed",
            "2026-09-26T10:03:00Z",
            "L1",
            "system",
            channel="chat",
            reason="completed",
        ),
    ]


def _l1_late() -> list[dict]:
    csat = event(
        "e-L1-7",
        "feedback_submitted",
        "2026-09-26T10:05:00Z",
        "L1",
        "customer",
        channel="chat",
        kind="csat",
        score=2,
    )
    redelivered = {**_l1_start()[0], "channel": "email"}
    return [csat, redelivered]


def _l2_whole_session() -> list[dict]:
    at = "2026-09-27T{}Z".format
    return [
        event(
            "e-L2-1",
            "session_started",
            at("15:00:00"),
            "L2",
            "system",
            customer="c-L2",
            channel="email",
            language="en",
            variant=V2,
        ),
        event(
            "e-L2-2",
            "message",
            at("15:00:10"),
            "L2",
            "customer",
            "Refund?",
            customer="c-L2",
            channel="email",
        ),
        event(
            "e-L2-3",
            "intent_classified",
            at("15:00:11"),
            "L2",
            "system",
            channel="email",
            intent="refund_request",
            severity="medium",
        ),
        event("e-L2-4", "message", at("15:00:50"), "L2", "bot", "Checking.", channel="email", **V2),
        event(
            "e-L2-5",
            "escalated",
            at("15:01:00"),
            "L2",
            "bot",
            channel="email",
            reason="customer_request",
            summary={"issue_summary": "refund", "customer_emotion": "calm"},
        ),
        event("e-L2-6", "agent_joined", at("15:05:00"), "L2", "agent", channel="email"),
        event("e-L2-7", "message", at("15:06:00"), "L2", "agent", "Done.", channel="email"),
        event(
            "e-L2-8",
            "resolved",
            at("15:30:00"),
            "L2",
            "agent",
            channel="email",
            resolved_by="agent",
        ),
    ]


HANDMADE = {DAYS[0]: _l1_start, DAYS[1]: _l1_late, DAYS[2]: _l2_whole_session}


def _deliveries(folder: Path) -> dict[str, list[Path]]:
    """Per delivery day, its files; names sort in delivery order, as the loader reads them."""
    write_landing(
        folder,
        target_events=1_500,
        seed=3,
        start_date=date.fromisoformat(DAYS[0]),
        days=len(DAYS),
        defects=DefectRates(duplicate=0.03, late=0.05, unknown_event_type=0.01),
        file_prefix="events",
    )
    for day, events in HANDMADE.items():
        lines = [json.dumps(event) for event in events()]
        (folder / f"events_{day}_part900.jsonl").write_text("\n".join(lines) + "\n")
    return {day: sorted(folder.glob(f"events_{day}_*.jsonl")) for day in DAYS}


@dataclass(frozen=True)
class Warehouses:
    incremental: Path
    rebuilt: Path


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory) -> Warehouses:
    from orchestration.cli import run_refresh

    root = tmp_path_factory.mktemp("late_data")
    deliveries = _deliveries(root / "deliveries")

    incremental = root / "incremental"
    (incremental / "landing").mkdir(parents=True)
    with pipeline_environment(incremental) as settings:
        for day in DAYS:
            for path in deliveries[day]:
                shutil.copy(path, settings.landing_dir / path.name)
            outcome = run_refresh(settings, day)
            assert outcome.published, (day, outcome.problems)

    rebuilt = root / "rebuilt"
    shutil.copytree(root / "deliveries", rebuilt / "landing")
    with pipeline_environment(rebuilt) as settings:
        outcome = run_refresh(settings, DAYS[-1])
        assert outcome.published, outcome.problems
    return Warehouses(incremental, rebuilt)


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


def test_daily_refreshes_publish_the_same_mart_as_a_full_rebuild(warehouses, published_mart):
    published = Path("published") / "metrics.duckdb"
    rows, only_incremental, only_rebuilt = _differences(
        warehouses.incremental / published, warehouses.rebuilt / published, f"main.{published_mart}"
    )
    if published_mart in MARTS_WITH_ROWS:
        assert rows > 0
    assert (only_incremental, only_rebuilt) == (0, 0)


def test_daily_refreshes_build_the_same_session_facts_as_a_full_rebuild(warehouses):
    working = Path("work") / "warehouse.duckdb"
    rows, only_incremental, only_rebuilt = _differences(
        warehouses.incremental / working,
        warehouses.rebuilt / working,
        "intermediate.int_sessions_aggregated",
    )
    assert rows > 100  # the generated sessions plus L1 and L2
    assert (only_incremental, only_rebuilt) == (0, 0)


def _published(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse / "published" / "metrics.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_a_late_event_older_than_the_lookback_updates_its_session(warehouses):
    # L1 started 2026-09-26, before the 2026-10-02 run's window (2026-09-29): only rule (b).
    assert date(2026, 9, 26) < date.fromisoformat(DAYS[1]) - timedelta(days=LOOKBACK_DAYS)
    rows = _published(
        warehouses.incremental,
        "select channel, resolution_kind, csat_score from fct_sessions "
        f"where session_id = '{pseudonym('L1')}'",
    )
    assert rows == [("chat", "autonomous", 2)]


def test_a_whole_session_delivered_after_its_lookback_is_added(warehouses):
    # L2 started 2026-09-27, before the 2026-10-03 run's window (2026-09-30): only rule (b).
    assert date(2026, 9, 27) < date.fromisoformat(DAYS[2]) - timedelta(days=LOOKBACK_DAYS)
    rows = _published(
        warehouses.incremental,
        "select resolution_kind, first_response_seconds, time_to_resolution_seconds "
        f"from fct_sessions where session_id = '{pseudonym('L2')}'",
    )
    assert rows == [("assisted", 50, 1800)]


def test_a_redelivered_event_with_other_content_is_rejected_and_the_first_delivery_wins(
    warehouses,
):
    with duckdb.connect(
        str(warehouses.incremental / "work" / "warehouse.duckdb"), read_only=True
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


def test_the_generated_deliveries_really_hold_late_and_duplicate_events(warehouses):
    """Guards the test itself: without late and re-sent events the comparison proves little."""
    with duckdb.connect(
        str(warehouses.incremental / "work" / "warehouse.duckdb"), read_only=True
    ) as connection:
        (late,) = connection.execute(
            "select count(*) from raw.events "
            "where source_file like 'events_%_part000.jsonl' "
            "and cast(occurred_at as date) < cast(substr(source_file, 8, 10) as date)"
        ).fetchone()
        (duplicates,) = connection.execute("select sum(duplicates) from raw.file_loads").fetchone()
    assert late > 0
    assert duplicates > 1
