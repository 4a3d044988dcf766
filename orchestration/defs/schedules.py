"""Daily refresh: the job for yesterday's partition, after the nightly exports have landed."""

from __future__ import annotations

from dagster import AssetSelection, build_schedule_from_partitioned_job, define_asset_job

from orchestration.defs.partitions import daily_partitions

REFRESH_JOB_NAME = "refresh_warehouse"
WAREHOUSE_RUN_TAG = "empathy_warehouse/writes_warehouse"
# The instance config `make run` and `make dev` write: runs that the schedule, the sensor or the
# UI start queue one at a time, since they all write one DuckDB file. (Terminal runs take the
# file lock in orchestration/cli.py `refresh_lock` instead.) Telemetry is off: the warehouse
# runs offline, and its first-run banner would be the first thing a new user reads.
DAGSTER_INSTANCE_CONFIG = f"""\
telemetry:
  enabled: false
concurrency:
  runs:
    tag_concurrency_limits:
      - key: {WAREHOUSE_RUN_TAG}
        limit: 1
"""

refresh_job = define_asset_job(
    REFRESH_JOB_NAME,
    selection=AssetSelection.all(),
    partitions_def=daily_partitions,
    description="Load landing files, dbt build, validate with Great Expectations, publish.",
    # Every step works on one DuckDB file, which one process writes at a time, and the steps
    # form a chain: separate processes would only add start-up cost. Overridable per run.
    config={"execution": {"config": {"in_process": {}}}},
    tags={WAREHOUSE_RUN_TAG: "true"},
)

# 02:00 UTC leaves two hours for the helpdesk and bot platforms' midnight exports to land.
daily_refresh_schedule = build_schedule_from_partitioned_job(refresh_job, hour_of_day=2)
