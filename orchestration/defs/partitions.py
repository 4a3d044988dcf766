"""One daily partition per UTC day: a partition's run refreshes the sessions that started on it.

A partition reaches dbt only as env var EMPATHY_REFRESH_DATE (see `dbt_env_for_partition`), so
the incremental window logic lives in one place: the dbt macro sessions_to_refresh. Not as var
refresh_date: dbt re-parses the whole project whenever the command-line vars change, so each new
partition cost a full parse (about twice a partial one).

Partition status in the Dagster UI: a run materializes its own partition, but what it builds
is every day the warehouse holds (the marts are tables rebuilt from all sessions; the raw layer
keeps every load). So each step also records, for every asset it materialized, the other days
with events in raw.events as materialized partitions (`report_days_with_data`), once per asset
and day: the UI shows materialized exactly the days that hold data, and missing the days that
hold none. (Dynamic partitions, one per day that landed, would say the same but take a day with
no data away from the schedule and `run --partition`; a later start date would still show each
day but the run's own as missing.)
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb
from dagster import AssetKey, AssetMaterialization, DailyPartitionsDefinition, OpExecutionContext

# Early enough for any history a team loads; later days are added as time passes.
PARTITIONS_START_DATE = "2024-01-01"

daily_partitions = DailyPartitionsDefinition(start_date=PARTITIONS_START_DATE, timezone="UTC")


def dbt_env_for_partition(partition_key: str | None) -> dict[str, str]:
    """The environment that tells the incremental models which day is being refreshed (empty:
    none, so a day set for an earlier run in this process never lingers)."""
    return {"EMPATHY_REFRESH_DATE": partition_key or ""}


def days_with_data(working_db: Path) -> list[str]:
    """The partitions that hold data: the UTC days with an event in raw.events (within the
    partitions: an event stamped today or later has no partition yet)."""
    if not working_db.exists():
        return []
    with duckdb.connect(str(working_db), read_only=True) as connection:
        exists = connection.execute(
            "select 1 from duckdb_tables() where schema_name = 'raw' and table_name = 'events'"
        ).fetchall()
        if not exists:
            return []
        days = connection.execute(
            "select distinct strftime(occurred_at, '%Y-%m-%d') from raw.events order by 1"
        ).fetchall()
    return [day for (day,) in days if daily_partitions.has_partition_key(day)]


def report_days_with_data(
    context: OpExecutionContext, asset_keys: Iterable[AssetKey], working_db: Path
) -> int:
    """Records each day that holds data as a materialized partition of each of `asset_keys`
    (the assets the step of `context` just built) where it is not one yet, besides the run's
    own partition (the step's own materialization); returns how many.

    Reported to the instance, not yielded by the step: the run's own event log keeps one
    materialization per asset (its partition's), which the run log reads."""
    instance, run_id = context.instance, context.run_id
    days = [day for day in days_with_data(working_db) if day != context.partition_key]
    reported = 0
    for asset_key in asset_keys:
        materialized = instance.get_materialized_partitions(asset_key)
        for day in days:
            if day in materialized:
                continue
            instance.report_runless_asset_event(
                AssetMaterialization(
                    asset_key,
                    partition=day,
                    description=f"Built by run {run_id}, which rebuilt every day holding data.",
                    metadata={"built_by_run": run_id},
                )
            )
            reported += 1
    return reported
