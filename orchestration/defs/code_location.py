"""The Dagster code location for one warehouse: every definition of orchestration/defs/, with
the given settings as the `settings` resource.

orchestration/definitions.py builds it from the environment for `dagster dev`; the CLI builds
it from the settings it loaded, so a terminal run never goes through the environment.
"""

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
from orchestration.defs.resources import SETTINGS_RESOURCE_KEY, dbt_resource
from orchestration.defs.run_log import refresh_run_log_sensor
from orchestration.defs.schedules import daily_refresh_schedule, refresh_job
from orchestration.defs.sensors import landing_folder_sensor
from orchestration.settings import Settings


def build_definitions(settings: Settings) -> Definitions:
    return Definitions(
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
        resources={"dbt": dbt_resource, SETTINGS_RESOURCE_KEY: settings},
        # Which executor runs a job is run configuration; the refresh job defaults to in-process
        # (see orchestration/defs/schedules.py), other executors are chosen per run (README).
        executor=multi_or_in_process_executor,
    )
