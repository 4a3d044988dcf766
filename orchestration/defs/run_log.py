"""Records every finished run in ops.refresh_runs, whoever started it (UI, schedule, sensor).

`python -m orchestration run` records its own run right away; this sensor covers the runs the
Dagster daemon launches (it runs under `make dev` / `dagster dev`). It is on by default: it
only writes the run log, it starts nothing. Recording is an upsert by run id, so a run seen by
both paths is one row.
"""

from datetime import datetime

import duckdb
from dagster import (
    DagsterRunStatus,
    DefaultSensorStatus,
    RunsFilter,
    SensorEvaluationContext,
    SkipReason,
    sensor,
)

from orchestration.defs.resources import WarehouseSettings
from orchestration.run_log import record_run, summarise_run

FINISHED = [DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED]
RUNS_PER_TICK = 20


@sensor(
    name="refresh_run_log_sensor",
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    description="Writes one row per finished run into ops.refresh_runs (the run log).",
)
def refresh_run_log_sensor(context: SensorEvaluationContext, settings: WarehouseSettings):
    after = datetime.fromisoformat(context.cursor) if context.cursor else None
    records = context.instance.get_run_records(
        filters=RunsFilter(statuses=FINISHED, updated_after=after),
        order_by="update_timestamp",
        ascending=True,
        limit=RUNS_PER_TICK,
    )
    recorded = 0
    for record in records:
        try:
            record_run(
                settings.working_db, summarise_run(context.instance, record.dagster_run.run_id)
            )
        except duckdb.IOException as error:
            # Another run holds the working database; this run is recorded on a later tick.
            return SkipReason(f"working database busy, recorded {recorded} run(s): {error}")
        context.update_cursor(record.update_timestamp.isoformat())
        recorded += 1
    return SkipReason(f"recorded {recorded} finished run(s)" if recorded else "no finished runs")
