"""Raw-load assets: the landing folder into the raw schema of the working database.

The delivery gate is a blocking check of this asset: when the share of rejected records in
this run's new files passes the limit, nothing downstream runs and nothing is published, so a
broken upstream export cannot quietly thin out the marts.
"""

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    MaterializeResult,
    multi_asset,
)

from orchestration.defs.partitions import daily_partitions
from orchestration.defs.resources import settings_for_run
from orchestration.ingest.loader import LoadReport, load_landing

RAW_EVENTS = AssetKey(["raw", "events"])
RAW_REJECTED_EVENTS = AssetKey(["raw", "rejected_events"])
RAW_FILE_LOADS = AssetKey(["raw", "file_loads"])
REJECT_SHARE_CHECK = "reject_share_within_limit"


def reject_share_check(report: LoadReport, limit: float) -> AssetCheckResult:
    share = report.reject_share()
    passed = share <= limit
    description = (
        f"{report.rejected} of {report.received} new records rejected ({share:.1%}); limit "
        f"{limit:.1%} (EMPATHY_REJECT_SHARE_LIMIT)."
    )
    if not passed:
        description += " Nothing was published. See raw.rejected_events for file, line, reason."
    return AssetCheckResult(
        asset_key=RAW_EVENTS,
        check_name=REJECT_SHARE_CHECK,
        passed=passed,
        severity=AssetCheckSeverity.ERROR,
        description=description,
        metadata={"received": report.received, "rejected": report.rejected, "reject_share": share},
    )


@multi_asset(
    specs=[
        AssetSpec(RAW_EVENTS, description="Accepted, de-duplicated events (first delivery wins)."),
        AssetSpec(RAW_REJECTED_EVENTS, description="Records that broke the contract, with reason."),
        AssetSpec(
            RAW_FILE_LOADS, description="Reconciliation: received = loaded + dup + rejected."
        ),
    ],
    check_specs=[
        AssetCheckSpec(
            REJECT_SHARE_CHECK,
            asset=RAW_EVENTS,
            blocking=True,
            description="Rejected share of this run's new records is within the limit.",
        ),
    ],
    group_name="raw",
    partitions_def=daily_partitions,
)
def raw_events(context: AssetExecutionContext):
    """Loads every landing file not loaded before; already-loaded files are skipped."""
    settings = settings_for_run()
    report = load_landing(
        settings.landing_dir,
        settings.working_db,
        occurred_at_earliest=settings.occurred_at_earliest,
        occurred_at_max_days_ahead=settings.occurred_at_max_days_ahead,
    )
    for line in report.summary_lines():
        context.log.info(line)
    yield MaterializeResult(
        asset_key=RAW_EVENTS,
        metadata={
            "received": report.received,
            "loaded": report.loaded,
            "duplicates": report.duplicates,
            "rejected": report.rejected,
            "new_files": len(report.files),
            "skipped_files": len(report.skipped_files),
        },
    )
    yield MaterializeResult(asset_key=RAW_REJECTED_EVENTS, metadata={"rejected": report.rejected})
    yield MaterializeResult(asset_key=RAW_FILE_LOADS, metadata={"new_files": len(report.files)})
    yield reject_share_check(report, settings.reject_share_limit)
