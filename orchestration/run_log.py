"""The run log: one row per refresh run, so an engineer can tell what happened last night.

`ops.refresh_runs` in the working database holds, per Dagster run: partition, start and end,
the duration of each stage (load, dbt build, validation, publish), the load's reconciliation,
the rows of each published mart, the published version, and the outcome (published / blocked
by which check / failed at which step), plus warnings (e.g. a stale source), the files
rejected whole, and the loads over the reject-share limit that someone accepted (who, why).

Why it is built from Dagster's event log, after the run, and not by the steps themselves:
the event log already holds every stage's start and end, the load metadata, every check
evaluation and every step failure, whoever started the run. So one function,
`summarise_run`, serves the terminal (`python -m orchestration run` records the row right
after the run) and the Dagster UI, schedule and landing sensor (the `refresh_run_log_sensor`
in orchestration/defs/run_log.py records every finished run). A step that dies before it
could write anything (a killed process, an exception in Dagster itself) is still recorded:
its failure is in the event log. Recording is an upsert keyed by run id, so the two paths may
both record the same run.

The published database carries a copy as `mon_refresh_runs`: the run log as it stood when
that version was published, including the publishing run itself (outcome `published`, its
publish duration still unknown, so null). Blocked and failed runs publish nothing, so they
appear there with the next successful publish; `ops.refresh_runs` has them at once.
"""

from __future__ import annotations

import json
import re
from dataclasses import astuple, dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from orchestration.sql import quote_identifier

if TYPE_CHECKING:
    from dagster import DagsterInstance

    from orchestration.publish import StagedVersion, StageTable

RUN_LOG_SCHEMA = "ops"
RUN_LOG_TABLE = "refresh_runs"
# Its copy in the published database and Parquet, published beside the marts.
PUBLISHED_RUN_LOG = "mon_refresh_runs"

# Stage -> the Dagster step (op) that does it; test_observability pins these to the defs.
STAGE_STEPS: dict[str, str] = {
    "load": "raw_events",
    "dbt_build": "warehouse_dbt_models",
    "validation": "great_expectations_suites",
    "publish": "published_marts",
}
RAW_EVENTS_KEY = "raw/events"
PUBLISHED_KEY = "published_marts"
PARTITION_TAG = "dagster/partition"

OUTCOMES = ("published", "blocked", "failed", "not_published", "unfinished")


@dataclass(frozen=True)
class RunSummary:
    """One row of ops.refresh_runs (column order = field order)."""

    run_id: str
    job_name: str
    partition_key: str | None
    started_at: datetime | None
    finished_at: datetime | None
    load_seconds: float | None
    dbt_build_seconds: float | None
    validation_seconds: float | None
    publish_seconds: float | None
    new_files: int | None
    received: int | None
    loaded: int | None
    duplicates: int | None
    rejected: int | None
    reject_share: float | None
    # JSON object {"<mart>": rows}: stays one column however many marts get published.
    published_rows: str | None
    published_version: str | None
    # published | blocked | failed | not_published (a run without the publish step, e.g. a
    # partial materialisation from the UI) | unfinished (still running, or killed)
    outcome: str
    # Which check blocked (with its description), or which step failed (with the error).
    outcome_detail: str | None
    # Non-blocking checks that failed, e.g. raw/events [source_freshness]: last load 80 h ago.
    warnings: str | None
    # Files rejected whole by this run's load (unreadable, not what their name says).
    rejected_files: str | None
    recorded_at: datetime
    # Loads over the reject-share limit that went through because someone accepted them
    # (`python -m orchestration accept-load`): load, share, who and why. Last, so a run log
    # created before this column gets it appended (RUN_LOG_DDL).
    accepted_loads: str | None = None

    def lines(self) -> list[str]:
        """The row as a few lines for the terminal."""
        stages = ", ".join(
            f"{stage} {_seconds(getattr(self, f'{stage}_seconds'))}" for stage in STAGE_STEPS
        )
        detail = self.outcome_detail or ""
        outcome = (
            detail
            if detail.startswith(self.outcome)
            else ": ".join(part for part in (self.outcome, detail) if part)
        )
        lines = [
            f"run {self.run_id} ({self.job_name}, partition {self.partition_key}): {outcome}",
            f"  stages: {stages}",
        ]
        if self.published_version:
            lines.append(f"  published version {self.published_version}: {self.published_rows}")
        if self.rejected_files:
            lines.append(f"  files rejected whole: {self.rejected_files}")
        if self.warnings:
            lines.append(f"  warnings: {self.warnings}")
        if self.accepted_loads:
            lines.append(f"  accepted loads: {self.accepted_loads}")
        return lines


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"


_SQL_TYPES = {
    "str | None": "varchar",
    "str": "varchar",
    "datetime | None": "timestamp",
    "datetime": "timestamp",
    "float | None": "double",
    "int | None": "bigint",
}

RUN_LOG_COLUMNS: tuple[tuple[str, str], ...] = tuple(
    (field.name, _SQL_TYPES[field.type]) for field in fields(RunSummary)
)
RUN_LOG_DDL = (
    f"create schema if not exists {RUN_LOG_SCHEMA};\n"
    f"create table if not exists {RUN_LOG_SCHEMA}.{RUN_LOG_TABLE} (\n    "
    + ",\n    ".join(f"{name} {sql_type}" for name, sql_type in RUN_LOG_COLUMNS)
    + "\n);\n"
    + f"alter table {RUN_LOG_SCHEMA}.{RUN_LOG_TABLE} "
    + "add column if not exists accepted_loads varchar;"
)


# --- from the Dagster event log ---------------------------------------------------------------


def _utc(timestamp: float | None) -> datetime | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).replace(tzinfo=None)


def _root_message(error: Any) -> str:
    """The innermost cause of a Dagster error: what went wrong, not where Dagster caught it."""
    while getattr(error, "cause", None) is not None:
        error = error.cause
    message = " ".join(line.strip() for line in error.message.splitlines() if line.strip())
    # "orchestration.ingest.loader.LandingError: ..." -> "LandingError: ..."
    return re.sub(r"^(?:\w+\.)+(?=\w+: )", "", message) or "unknown error"


def failure_message(error: Any) -> str:
    """One line for a step failure: the root cause, e.g. `LandingError: Landing folder ...`."""
    return _root_message(error)


def summarise_run(instance: DagsterInstance, run_id: str) -> RunSummary:
    """What the run did so far, from the Dagster instance's run record and event log."""
    from dagster import AssetCheckSeverity, DagsterEventType

    record = instance.get_run_record_by_id(run_id)
    if record is None:
        raise LookupError(f"no Dagster run {run_id} in this instance")
    run = record.dagster_run
    steps = {stats.step_key: stats for stats in instance.get_run_step_stats(run_id)}
    durations = {
        stage: (
            steps[step].end_time - steps[step].start_time
            if step in steps and steps[step].end_time and steps[step].start_time
            else None
        )
        for stage, step in STAGE_STEPS.items()
    }

    events = [
        entry.dagster_event
        for entry in instance.all_logs(
            run_id,
            of_type={
                DagsterEventType.ASSET_MATERIALIZATION,
                DagsterEventType.ASSET_CHECK_EVALUATION,
                DagsterEventType.STEP_FAILURE,
            },
        )
        if entry.dagster_event is not None
    ]
    metadata: dict[str, dict[str, Any]] = {}
    evaluations = []
    failures: list[str] = []
    for event in events:
        if event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.event_specific_data.materialization
            metadata[materialization.asset_key.to_user_string()] = {
                name: value.value for name, value in materialization.metadata.items()
            }
        elif event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluations.append(event.event_specific_data)
        else:
            failures.append(f"{event.step_key}: {failure_message(event.event_specific_data.error)}")

    def describe(evaluation: Any) -> str:
        return (
            f"{evaluation.asset_key.to_user_string()} [{evaluation.check_name}]: "
            f"{evaluation.description or 'failed'}"
        )

    blocking = [
        describe(e) for e in evaluations if not e.passed and e.severity == AssetCheckSeverity.ERROR
    ]
    warnings = [
        describe(e) for e in evaluations if not e.passed and e.severity == AssetCheckSeverity.WARN
    ]

    load = metadata.get(RAW_EVENTS_KEY, {})
    published = metadata.get(PUBLISHED_KEY)
    if published is not None:
        outcome, detail = "published", None
    elif blocking:
        outcome, detail = "blocked", "blocked by " + "; ".join(blocking)
    elif failures:
        stage_of = {step: stage for stage, step in STAGE_STEPS.items()}
        first = failures[0]
        step = first.split(":", 1)[0]
        outcome, detail = "failed", f"failed at {stage_of.get(step, step)} ({first})"
    elif run.is_finished:
        outcome = "failed" if run.is_failure_or_canceled else "not_published"
        detail = f"run {run.status.value.lower()} without publishing"
    else:
        outcome, detail = "unfinished", "still running, or stopped before it could finish"

    received = load.get("received")
    rejected = load.get("rejected")
    rows = (
        {
            name.removeprefix("rows_"): value
            for name, value in published.items()
            if name.startswith("rows_")
        }
        if published
        else None
    )
    return RunSummary(
        run_id=run_id,
        job_name=run.job_name,
        partition_key=run.tags.get(PARTITION_TAG),
        started_at=_utc(record.start_time or record.create_timestamp.timestamp()),
        finished_at=_utc(record.end_time),
        load_seconds=durations["load"],
        dbt_build_seconds=durations["dbt_build"],
        validation_seconds=durations["validation"],
        publish_seconds=durations["publish"],
        new_files=load.get("new_files"),
        received=received,
        loaded=load.get("loaded"),
        duplicates=load.get("duplicates"),
        rejected=rejected,
        reject_share=(rejected / received if received else 0.0) if received is not None else None,
        published_rows=json.dumps(rows) if rows is not None else None,
        published_version=published.get("version") if published else None,
        outcome=outcome,
        outcome_detail=detail,
        warnings="; ".join(warnings) or None,
        rejected_files=None,
        recorded_at=datetime.now(UTC).replace(tzinfo=None),
        accepted_loads=load.get("accepted_loads") or None,
    )


# --- into DuckDB --------------------------------------------------------------------------------


def with_rejected_files(
    summary: RunSummary, connection: duckdb.DuckDBPyConnection, catalog: str
) -> RunSummary:
    """Adds the files this run's load rejected whole (field `file` in raw.rejected_events).

    The loader's load id is not in the event log, so the run's time span stands in for it:
    refreshes of one warehouse do not overlap (the CLI holds a lock; so does DuckDB).
    """
    exists = connection.execute(
        "select count(*) from duckdb_tables() "
        "where database_name = ? and schema_name = 'raw' and table_name = 'rejected_events'",
        [catalog],
    ).fetchone()[0]
    if not exists or summary.started_at is None:
        return summary
    rows = connection.execute(
        f"""
        select source_file || ': ' || reason
        from {quote_identifier(catalog)}.raw.rejected_events
        where field = 'file' and rejected_at >= ? and rejected_at <= coalesce(?, now()::timestamp)
        order by source_file
        """,
        [summary.started_at, summary.finished_at],
    ).fetchall()
    return replace(summary, rejected_files="; ".join(row[0] for row in rows) or None)


def _upsert(connection: duckdb.DuckDBPyConnection, table: str, summary: RunSummary) -> None:
    connection.execute(f"delete from {table} where run_id = ?", [summary.run_id])
    placeholders = ", ".join("?" for _ in RUN_LOG_COLUMNS)
    connection.execute(f"insert into {table} values ({placeholders})", list(astuple(summary)))


def record_run(working_db: Path, summary: RunSummary) -> RunSummary:
    """Upserts the run's row into ops.refresh_runs (with its rejected files) and returns it."""
    with duckdb.connect(str(working_db)) as connection:
        connection.execute(RUN_LOG_DDL)
        catalog = connection.execute("select current_database()").fetchone()[0]
        summary = with_rejected_files(summary, connection, catalog)
        connection.begin()
        _upsert(connection, f"{RUN_LOG_SCHEMA}.{RUN_LOG_TABLE}", summary)
        connection.commit()
    return summary


def read_run_log(database: Path, table: str = f"{RUN_LOG_SCHEMA}.{RUN_LOG_TABLE}") -> list[dict]:
    with duckdb.connect(str(database), read_only=True) as connection:
        cursor = connection.execute(f"select * from {table} order by started_at, run_id")
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# --- into the published database ---------------------------------------------------------------


def published_run_log(
    instance: DagsterInstance | None = None, run_id: str | None = None
) -> StageTable:
    """How publish_marts stages mon_refresh_runs (its `beside_marts`): the working run log as
    of that publish, plus the publishing run's own row when `instance` and `run_id` name it."""

    def stage(connection: duckdb.DuckDBPyConnection, target: str, staged: StagedVersion) -> None:
        stage_published_run_log(
            connection,
            source_catalog=staged.source_catalog,
            target=target,
            version=staged.version,
            row_counts=staged.row_counts,
            now=staged.now,
            current_run=(instance, run_id) if instance is not None and run_id else None,
        )

    return stage


def stage_published_run_log(
    connection: duckdb.DuckDBPyConnection,
    *,
    source_catalog: str,
    target: str,
    version: str,
    row_counts: dict[str, int],
    now: datetime,
    current_run: tuple[DagsterInstance, str] | None = None,
) -> None:
    """Creates `target` (e.g. staged.main.mon_refresh_runs) from the working run log, with the
    publishing run's own row (`current_run`: its instance and run id) as it stands now: outcome
    published, this version and row counts.
    """
    columns = ", ".join(f"{name} {sql_type}" for name, sql_type in RUN_LOG_COLUMNS)
    connection.execute(f"create table {target} ({columns})")
    exists = connection.execute(
        "select count(*) from duckdb_tables() "
        "where database_name = ? and schema_name = ? and table_name = ?",
        [source_catalog, RUN_LOG_SCHEMA, RUN_LOG_TABLE],
    ).fetchone()[0]
    if exists:
        # by name: a run log written before a column was added (accepted_loads) still copies
        connection.execute(
            f"insert into {target} by name select * "
            f"from {quote_identifier(source_catalog)}.{RUN_LOG_SCHEMA}.{RUN_LOG_TABLE}"
        )
    if current_run is None:
        return
    instance, run_id = current_run
    summary = replace(
        summarise_run(instance, run_id),
        finished_at=now.replace(tzinfo=None),
        published_rows=json.dumps(row_counts),
        published_version=version,
        outcome="published",
        outcome_detail=None,
    )
    _upsert(connection, target, with_rejected_files(summary, connection, source_catalog))
