"""The Dagster code location: everything is defined in orchestration/defs/, one module a concern."""

from dagster import Definitions, multi_or_in_process_executor

from orchestration.defs.checks import (
    conflicting_channels,
    great_expectations_suites,
    metric_change_vs_published,
)
from orchestration.defs.dbt import warehouse_dbt_models
from orchestration.defs.freshness import raw_events_source_freshness
from orchestration.defs.ingestion import raw_events
from orchestration.defs.publish import published_marts
from orchestration.defs.resources import dbt_resource
from orchestration.defs.run_log import refresh_run_log_sensor
from orchestration.defs.schedules import daily_refresh_schedule, refresh_job
from orchestration.defs.sensors import landing_folder_sensor

defs = Definitions(
    assets=[raw_events, warehouse_dbt_models, published_marts],
    asset_checks=[
        great_expectations_suites,
        metric_change_vs_published,
        conflicting_channels,
        raw_events_source_freshness,
    ],
    jobs=[refresh_job],
    schedules=[daily_refresh_schedule],
    sensors=[landing_folder_sensor, refresh_run_log_sensor],
    resources={"dbt": dbt_resource},
    # Which executor runs a job is run configuration; the refresh job defaults to in-process
    # (see orchestration/defs/schedules.py), other executors are chosen per run (README).
    executor=multi_or_in_process_executor,
)
