"""The publish asset: runs only after every blocking check upstream of it has passed."""

from dagster import AssetExecutionContext, MaterializeResult, asset

from orchestration.defs.dbt import PUBLISHED_MART_NAMES, mart_asset_key
from orchestration.defs.manifest import load_manifest
from orchestration.defs.partitions import daily_partitions, report_days_with_data
from orchestration.defs.resources import WarehouseSettings
from orchestration.publish import mart_descriptions, publish_marts
from orchestration.run_log import PUBLISHED_RUN_LOG, published_run_log


@asset(
    deps=[mart_asset_key(mart) for mart in PUBLISHED_MART_NAMES],
    partitions_def=daily_partitions,
    group_name="published",
    description="metrics.duckdb and one Parquet file per mart, swapped in atomically.",
)
def published_marts(
    context: AssetExecutionContext, settings: WarehouseSettings
) -> MaterializeResult:
    # The run log is published beside the marts, with this run's own row (orchestration/run_log.py)
    result = publish_marts(
        settings.working_db,
        settings.published_db,
        settings.parquet_dir,
        PUBLISHED_MART_NAMES,
        beside_marts={PUBLISHED_RUN_LOG: published_run_log(context.instance, context.run_id)},
        descriptions=mart_descriptions(load_manifest(), PUBLISHED_MART_NAMES),
    )
    context.log.info(f"published version {result.version} to {result.database}")
    report_days_with_data(context, [context.asset_key], settings.working_db)
    return MaterializeResult(
        metadata={
            "version": result.version,
            "database": str(result.database),
            **{f"rows_{mart}": count for mart, count in result.row_counts.items()},
        }
    )
