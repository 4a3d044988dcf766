"""The publish asset: runs only after every blocking check upstream of it has passed."""

from dagster import AssetExecutionContext, MaterializeResult, asset

from orchestration.defs.dbt import PUBLISHED_MART_NAMES, mart_asset_key
from orchestration.defs.manifest import load_manifest
from orchestration.defs.partitions import daily_partitions, report_days_with_data
from orchestration.defs.resources import WarehouseSettings
from orchestration.publish import mart_descriptions, publish_marts
from orchestration.report import write_report
from orchestration.run_log import PUBLISHED_RUN_LOG, published_run_log


@asset(
    deps=[mart_asset_key(mart) for mart in PUBLISHED_MART_NAMES],
    partitions_def=daily_partitions,
    group_name="published",
    description=(
        "metrics.duckdb and one Parquet file per mart, swapped in atomically, then the "
        "scorecard report (report.html) written from them."
    ),
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
    # From the version just published, so the report never disagrees with BI.
    report = write_report(settings.published_db, settings.report_path, context.partition_key)
    context.log.info(f"wrote the scorecard report {report}")
    report_days_with_data(context, [context.asset_key], settings.working_db)
    return MaterializeResult(
        metadata={
            "version": result.version,
            "database": str(result.database),
            "report": str(report),
            **{f"rows_{mart}": count for mart, count in result.row_counts.items()},
        }
    )
