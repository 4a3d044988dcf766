"""Catches a warehouse-wide collapse of a metric between the published version and a new build.

Every dbt test and GE expectation judges the new build on its own, so a build in which SLA
targets read as 0 or every business second became 0 passes them all: the numbers are
plausible, just wrong. This check compares the build with what BI already reads, on
the session days whose data did not change since that version: every session of the day is in
both (same id, same day) with the same last_loaded_at (fct_sessions), so this build saw exactly
the events the published version saw. There, a metric can only move because a definition, a
seed or the calendar changed. Days that late data (or a re-delivery) touched are left out: late
outcomes legitimately move a day's rates a lot over the same sessions (in a test, 15% of a
day's sessions unresolved before the rest of their events arrived, 4% after). A daily run
touches the last few days only, so a collapse still shows on every older published day.

For each scorecard metric warehouse-wide (the `overall` rows of agg_scorecard_segment_daily, judged
days only: the scorecard's own low-confidence floor), the mean of the daily values over those
days weighted by their sample size is taken in the published file and in the build. A metric
fails when it changes by more than the tolerance relative to the published value; a value that
becomes null counts as an unbounded change, a metric published as 0 is not judged (any value is
an unbounded relative change from 0).

The tolerance is EMPATHY_METRIC_CHANGE_TOLERANCE (default 0.5: a headline rate halving, or
growing by half, over the same days and about the same sessions is almost never real). A
deliberate change of a definition or seed (e.g. new SLA targets) is published by one run with
EMPATHY_METRIC_CHANGE_TOLERANCE=inf.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import duckdb

SCORECARD = "agg_scorecard_segment_daily"
OVERALL_LEVEL = "overall"


@dataclass(frozen=True)
class MetricChange:
    metric_name: str
    published_value: float
    built_value: float | None
    published_sessions: int
    built_sessions: int
    published_sample: int
    built_sample: int
    first_day: str
    last_day: str

    @property
    def relative_change(self) -> float:
        if self.built_value is None:
            return math.inf
        if self.published_value == 0:
            return 0.0
        return abs(self.built_value - self.published_value) / abs(self.published_value)

    def describe(self) -> str:
        built = "null" if self.built_value is None else f"{self.built_value:.6g}"
        return (
            f"{self.metric_name} {self.published_value:.6g} published -> {built} built "
            f"(sessions {self.published_sessions} -> {self.built_sessions}, sample "
            f"{self.published_sample} -> {self.built_sample}) over "
            f"{self.first_day}..{self.last_day}"
        )


@dataclass(frozen=True)
class MetricChangeOutcome:
    tolerance: float
    compared: tuple[MetricChange, ...]
    note: str | None = None  # why nothing was compared

    @property
    def collapsed(self) -> tuple[MetricChange, ...]:
        return tuple(change for change in self.compared if change.relative_change > self.tolerance)

    @property
    def passed(self) -> bool:
        return not self.collapsed

    def describe(self) -> str:
        limit = f"tolerance {self.tolerance:.0%} (EMPATHY_METRIC_CHANGE_TOLERANCE)"
        if self.note:
            return self.note
        if self.passed:
            return (
                f"{len(self.compared)} metrics compared with the published version on the days "
                f"whose events did not change; none changed by more than the {limit}."
            )
        return (
            "Nothing was published: "
            + "; ".join(change.describe() for change in self.collapsed)
            + f". The metric changed by more than the {limit} on days whose events did not "
            "change: look for a broken definition, seed or calendar in this build. If the "
            "change is intended, publish it once with EMPATHY_METRIC_CHANGE_TOLERANCE=inf."
        )


def _has_scorecard(connection: duckdb.DuckDBPyConnection, catalog: str, schema: str) -> bool:
    return bool(
        connection.execute(
            "select count(*) from duckdb_tables() "
            "where database_name = ? and schema_name = ? and table_name = ?",
            [catalog, schema, SCORECARD],
        ).fetchone()[0]
    )


def compare_with_published(
    working_db: Path, marts_schema: str, published_db: Path, tolerance: float
) -> MetricChangeOutcome:
    """Compares the build's warehouse-wide metrics with the published version's."""
    if not published_db.exists():
        return MetricChangeOutcome(tolerance, (), "Nothing published yet: nothing to compare.")
    with duckdb.connect() as connection:
        connection.execute(f"attach '{working_db}' as built (read_only)")
        connection.execute(f"attach '{published_db}' as published (read_only)")
        if not _has_scorecard(connection, "published", "main"):
            return MetricChangeOutcome(
                tolerance, (), f"The published version has no {SCORECARD}: nothing to compare."
            )
        rows = connection.execute(
            f"""
            with published_sessions as (
                select session_id, session_date, last_loaded_at from published.main.fct_sessions
            ),
            built_sessions as (
                select session_id, session_date, last_loaded_at
                from built.{marts_schema}.fct_sessions
            ),
            changed_sessions as (
                select published_sessions.session_date as published_date,
                    built_sessions.session_date as built_date
                from published_sessions
                full outer join built_sessions
                    on published_sessions.session_id = built_sessions.session_id
                where published_sessions.session_id is null
                    or built_sessions.session_id is null
                    or published_sessions.session_date != built_sessions.session_date
                    or published_sessions.last_loaded_at
                        is distinct from built_sessions.last_loaded_at
            ),
            touched_days as (
                select published_date as session_date from changed_sessions
                where published_date is not null
                union
                select built_date from changed_sessions where built_date is not null
            ),
            published_days as (
                select session_date, metric_name, metric_value, sample_size, sessions
                from published.main.{SCORECARD}
                where segment_level = '{OVERALL_LEVEL}' and not is_low_confidence
                    and metric_value is not null
            ),
            built_days as (
                select session_date, metric_name, metric_value, sample_size, sessions,
                    is_low_confidence
                from built.{marts_schema}.{SCORECARD}
                where segment_level = '{OVERALL_LEVEL}'
            ),
            both_days as (
                select published_days.metric_name, published_days.session_date,
                    published_days.metric_value as published_value,
                    published_days.sample_size as published_sample,
                    published_days.sessions as published_sessions,
                    built_days.metric_value as built_value,
                    built_days.sample_size as built_sample,
                    built_days.sessions as built_sessions
                from published_days
                inner join built_days
                    on published_days.session_date = built_days.session_date
                    and published_days.metric_name = built_days.metric_name
                -- a judged day whose value became null is compared (that is a collapse)
                where not built_days.is_low_confidence
                    and published_days.session_date not in (select session_date from touched_days)
            )
            select
                metric_name,
                sum(published_value * published_sample) / sum(published_sample),
                case when count(built_value) = count(*)
                    then sum(built_value * built_sample) / sum(built_sample) end,
                sum(published_sessions),
                sum(built_sessions),
                sum(published_sample),
                sum(built_sample),
                min(session_date)::varchar,
                max(session_date)::varchar
            from both_days
            group by metric_name
            order by metric_name
            """
        ).fetchall()
    compared = tuple(MetricChange(*row) for row in rows)
    if not compared:
        note = (
            "No judged day whose events are unchanged since the published version (new or "
            "late data touched every day it covers): nothing to compare."
        )
        return MetricChangeOutcome(tolerance, (), note)
    return MetricChangeOutcome(tolerance, compared)
