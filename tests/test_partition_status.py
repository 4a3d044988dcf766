"""The Dagster UI's partition status tells the truth: after a run, every daily partition that
holds data shows as materialized on every asset, and a day without data stays missing
(orchestration/defs/partitions.py, `report_days_with_data`).

The hand-made delivery (tests/handmade_events.py) has events on two days: 2026-10-05 (the
five sessions, the run's partition) and 2026-10-07 (S4's reopen); 2026-10-04 and 2026-10-06
hold none.
"""

from __future__ import annotations

from dagster import AssetKey, AssetPartitionStatus, DagsterInstance

from orchestration.settings import Settings

DAYS = ("2026-10-04", "2026-10-05", "2026-10-06", "2026-10-07")
MATERIALIZED = AssetPartitionStatus.MATERIALIZED


def test_every_asset_shows_the_days_that_hold_data_as_materialized(handmade_warehouse: Settings):
    from orchestration.defs.code_location import build_definitions  # needs the parsed manifest
    from orchestration.defs.partitions import daily_partitions

    asset_keys = (
        build_definitions(handmade_warehouse).resolve_asset_graph().materializable_asset_keys
    )
    assert AssetKey(["marts", "fct_sessions"]) in asset_keys
    with DagsterInstance.from_config(str(handmade_warehouse.dagster_home)) as instance:
        status = {
            key.to_user_string(): instance.get_status_by_partition(key, DAYS, daily_partitions)
            for key in asset_keys
        }
    expected = {
        "2026-10-04": None,
        "2026-10-05": MATERIALIZED,
        "2026-10-06": None,
        "2026-10-07": MATERIALIZED,
    }
    assert {key: by_day for key, by_day in status.items() if by_day != expected} == {}
