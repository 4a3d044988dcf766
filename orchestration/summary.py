"""The few lines a support lead reads after a run: the refreshed day's scorecard.

Read from the published file only (agg_scorecard_segment_daily, overall rows), so the terminal never
disagrees with what BI tools show: how many metrics are acceptable, need improvement or are
critical, which are critical (leading indicators first, as the scorecard orders them), and which
regressed since the previous day with sessions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

JUDGED_STATUSES = ("acceptable", "needs_improvement", "critical")
NOT_JUDGED_STATUSES = ("low_confidence", "no_data")

DAY_SCORECARD_SQL = """
select
    metric_name,
    indicator_type,
    unit,
    status,
    previous_status,
    metric_value,
    critical_threshold,
    sessions,
    is_regression,
    previous_session_date
from agg_scorecard_segment_daily
where segment_level = 'overall' and session_date = ?
-- leading indicators first: they move before the lagging outcomes do
order by indicator_type = 'lagging', metric_name
"""


@dataclass(frozen=True)
class ScorecardRow:
    metric_name: str
    indicator_type: str
    unit: str
    status: str
    previous_status: str | None
    metric_value: float | None
    critical_threshold: float
    sessions: int
    is_regression: bool
    previous_session_date: object


def day_scorecard(published_db: Path, day: str) -> list[ScorecardRow]:
    """The overall scorecard rows of `day` (YYYY-MM-DD) in the published file."""
    with duckdb.connect(str(published_db), read_only=True) as connection:
        rows = connection.execute(DAY_SCORECARD_SQL, [day]).fetchall()
    return [ScorecardRow(*row) for row in rows]


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "fraction":
        return f"{value:.1%}"
    if unit == "seconds":
        return f"{value:.0f} s"
    return f"{value:.2f}"


def format_day_scorecard(day: str, rows: list[ScorecardRow]) -> list[str]:
    if not rows:
        return [f"scorecard {day}: no session started that day, so there is nothing to judge"]
    counts = {status: sum(row.status == status for row in rows) for status in JUDGED_STATUSES}
    not_judged = sum(row.status in NOT_JUDGED_STATUSES for row in rows)
    previous = next((row.previous_session_date for row in rows if row.previous_session_date), None)
    compared = f", compared with {previous}" if previous else ""
    tally = ", ".join(f"{count} {status.replace('_', ' ')}" for status, count in counts.items())
    lines = [
        f"scorecard {day} ({rows[0].sessions} sessions{compared}): {tally}, "
        f"{not_judged} not judged (too few sessions or no data)"
    ]
    for row in rows:
        if row.status == "critical":
            lines.append(
                f"  critical   {row.metric_name} ({row.indicator_type}) "
                f"{format_value(row.metric_value, row.unit)}, "
                f"critical at {format_value(row.critical_threshold, row.unit)}"
            )
    for row in rows:
        if row.is_regression:
            lines.append(
                f"  regressed  {row.metric_name} ({row.indicator_type}) "
                f"{row.previous_status} -> {row.status}"
            )
    return lines


SOURCE_RECONCILIATION_SQL = """
select source, source_table, received_rows, mapped_rows, rejected_rows, unreadable_rows,
    unmapped_rows
from mon_source_reconciliation
order by source, source_table
"""


def source_reconciliation_lines(published_db: Path) -> list[str]:
    """One line per source table (mon_source_reconciliation): nothing lost, and where the
    rejected rows are; none for a deployment without source adapters (or an older file)."""
    with duckdb.connect(str(published_db), read_only=True) as connection:
        published = connection.execute(
            "select 1 from duckdb_tables() where table_name = 'mon_source_reconciliation'"
        ).fetchall()
        rows = connection.execute(SOURCE_RECONCILIATION_SQL).fetchall() if published else []
    return [
        f"source {source}/{table}: received {received} = mapped {mapped} + rejected {rejected} "
        f"(unreadable {unreadable}: raw.rejected_events; unmapped {unmapped}: "
        f"staging.stg_{source}__row_outcomes)"
        for source, table, received, mapped, rejected, unreadable, unmapped in rows
    ]
