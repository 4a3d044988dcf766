"""One daily partition per UTC day: a partition's run refreshes the sessions that started on it.

A partition reaches dbt only as the `refresh_date` var (see `dbt_vars_for_partition`), so the
incremental window logic lives in one place: the dbt model.
"""

from __future__ import annotations

import json

from dagster import DailyPartitionsDefinition

# Early enough for any history a team loads; later days are added as time passes.
PARTITIONS_START_DATE = "2024-01-01"

daily_partitions = DailyPartitionsDefinition(start_date=PARTITIONS_START_DATE, timezone="UTC")


def dbt_vars_for_partition(partition_key: str | None) -> list[str]:
    """The dbt CLI arguments that tell the incremental models which day is being refreshed."""
    if partition_key is None:
        return []
    return ["--vars", json.dumps({"refresh_date": partition_key})]
