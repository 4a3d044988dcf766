"""The Dagster code location: everything is defined in orchestration/defs/, one module a concern."""

from dagster import Definitions, in_process_executor

from orchestration.defs.checks import great_expectations_suites
from orchestration.defs.dbt import warehouse_dbt_models
from orchestration.defs.ingestion import raw_events
from orchestration.defs.publish import published_marts
from orchestration.defs.resources import dbt_resource
from orchestration.defs.schedules import daily_refresh_schedule, refresh_job
from orchestration.defs.sensors import landing_folder_sensor

defs = Definitions(
    assets=[raw_events, warehouse_dbt_models, published_marts],
    asset_checks=[great_expectations_suites],
    jobs=[refresh_job],
    schedules=[daily_refresh_schedule],
    sensors=[landing_folder_sensor],
    resources={"dbt": dbt_resource},
    # Steps share one DuckDB file and run one after another; separate processes per step
    # would only add start-up cost. A distributed executor is a config change (README).
    executor=in_process_executor,
)
