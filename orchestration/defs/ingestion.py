"""Raw-load assets: the landing folder into the raw schema of the working database.

The delivery gate is a blocking check of this asset: when the share of rejected records of a
load passes the limit, nothing downstream runs and nothing is published, so a broken upstream
export cannot quietly thin out the marts. The gate holds both ways (orchestration/load_gate.py):
a blocked load stays held on every later run until someone quarantines the bad file, raises the
limit, or accepts the load with `python -m orchestration accept-load`.
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

from orchestration.defs.partitions import daily_partitions, report_days_with_data
from orchestration.defs.resources import WarehouseSettings
from orchestration.ingest.loader import LoadReport, load_landing
from orchestration.load_gate import GateVerdict, judge_loads

RAW_EVENTS = AssetKey(["raw", "events"])
RAW_REJECTED_EVENTS = AssetKey(["raw", "rejected_events"])
RAW_FILE_LOADS = AssetKey(["raw", "file_loads"])
RAW_SOURCE_ROWS = AssetKey(["raw", "source_rows"])
RAW_SOURCE_TABLE_FILES = AssetKey(["raw", "source_table_files"])
REJECT_SHARE_CHECK = "reject_share_within_limit"


def reject_share_check(report: LoadReport, verdict: GateVerdict) -> AssetCheckResult:
    share = report.reject_share()
    description = (
        f"{report.rejected} of {report.received} new records rejected ({share:.1%}); limit "
        f"{verdict.limit:.1%} (EMPATHY_REJECT_SHARE_LIMIT)."
    )
    if details := verdict.description():
        description += " " + details
    return AssetCheckResult(
        asset_key=RAW_EVENTS,
        check_name=REJECT_SHARE_CHECK,
        passed=verdict.passed,
        severity=AssetCheckSeverity.ERROR,
        description=description,
        metadata={
            "received": report.received,
            "rejected": report.rejected,
            "reject_share": share,
            "held_loads": ", ".join(load.load_id for load in verdict.held),
        },
    )


@multi_asset(
    specs=[
        AssetSpec(RAW_EVENTS, description="Accepted, de-duplicated events (first delivery wins)."),
        AssetSpec(RAW_REJECTED_EVENTS, description="Records that broke the contract, with reason."),
        AssetSpec(
            RAW_FILE_LOADS, description="Reconciliation: received = loaded + dup + rejected."
        ),
        AssetSpec(RAW_SOURCE_ROWS, description="Rows of the source adapters' tables, kept whole."),
        AssetSpec(RAW_SOURCE_TABLE_FILES, description="The source table of each source file."),
    ],
    check_specs=[
        AssetCheckSpec(
            REJECT_SHARE_CHECK,
            asset=RAW_EVENTS,
            blocking=True,
            description=(
                "Rejected share of this run's load, and of every load held before, is within "
                "the limit (or the load was accepted)."
            ),
        ),
    ],
    group_name="raw",
    partitions_def=daily_partitions,
)
def raw_events(context: AssetExecutionContext, settings: WarehouseSettings):
    """Loads every landing file not loaded before; already-loaded files are skipped."""
    report = load_landing(
        settings.landing_dir,
        settings.working_db,
        occurred_at_earliest=settings.occurred_at_earliest,
        occurred_at_max_days_ahead=settings.occurred_at_max_days_ahead,
        sources=settings.sources,
    )
    for line in report.summary_lines():
        context.log.info(line)
    verdict = judge_loads(settings.working_db, report.load_id, settings.reject_share_limit)
    yield MaterializeResult(
        asset_key=RAW_EVENTS,
        metadata={
            "received": report.received,
            "loaded": report.loaded,
            "duplicates": report.duplicates,
            "rejected": report.rejected,
            "new_files": len(report.files),
            "skipped_files": len(report.skipped_files),
            # over-limit loads let through on someone's word, for the run log
            "accepted_loads": verdict.accepted_loads() or "",
        },
    )
    yield MaterializeResult(asset_key=RAW_REJECTED_EVENTS, metadata={"rejected": report.rejected})
    yield MaterializeResult(asset_key=RAW_FILE_LOADS, metadata={"new_files": len(report.files)})
    source_files = [file for file in report.files if file.source_table is not None]
    yield MaterializeResult(
        asset_key=RAW_SOURCE_ROWS, metadata={"loaded": sum(f.loaded for f in source_files)}
    )
    yield MaterializeResult(
        asset_key=RAW_SOURCE_TABLE_FILES, metadata={"new_files": len(source_files)}
    )
    yield reject_share_check(report, verdict)
    report_days_with_data(context, context.selected_asset_keys, settings.working_db)
