"""Blocking asset checks before `published_marts`: the Great Expectations suites (generated from
each mart's dbt YAML, orchestration/quality/suites.py), and the comparison of the build's
warehouse-wide metrics with the published version (orchestration/quality/metric_change.py);
plus the non-blocking count of session ids reused across channels.

(The delivery gate on rejected records is a check of the raw-load asset itself, in
ingestion.py, because only the load knows which records were this run's.)
"""

import duckdb
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    asset_check,
    multi_asset_check,
)

from orchestration.defs.dbt import PUBLISHED_MART_NAMES, mart_asset_key
from orchestration.defs.manifest import load_manifest
from orchestration.defs.resources import WarehouseSettings
from orchestration.quality.metric_change import SCORECARD, compare_with_published
from orchestration.quality.suites import published_suites
from orchestration.quality.validation import validate_table
from orchestration.warehouse_layout import MARTS_SCHEMA

GE_CHECK_NAME = "great_expectations_suite"
METRIC_CHANGE_CHECK = "metric_change_vs_published"
CONFLICTING_CHANNELS_CHECK = "conflicting_channels"


@multi_asset_check(
    specs=[
        AssetCheckSpec(
            GE_CHECK_NAME,
            asset=mart_asset_key(mart),
            blocking=True,
            description=(
                f"The rules of {mart}'s dbt YAML (contract columns and types, data tests) pass "
                "on the built table, as a Great Expectations suite."
            ),
        )
        for mart in PUBLISHED_MART_NAMES
    ],
)
def great_expectations_suites(context: AssetCheckExecutionContext, settings: WarehouseSettings):
    """One step validates every mart, so GE is imported and configured once per run."""
    # From the manifest the asset graph was built from: one suite per published mart.
    for mart, suite in published_suites(load_manifest()).items():
        outcome = validate_table(settings.working_db, MARTS_SCHEMA, mart, suite)
        if not outcome.success:
            context.log.error(outcome.describe())
        yield AssetCheckResult(
            asset_key=mart_asset_key(mart),
            check_name=GE_CHECK_NAME,
            passed=outcome.success,
            severity=AssetCheckSeverity.ERROR,
            description=outcome.describe(),
            metadata={
                "rows": outcome.row_count,
                "expectations": outcome.evaluated,
                "failed": len(outcome.failures),
            },
        )


@asset_check(
    asset=mart_asset_key(SCORECARD),
    name=METRIC_CHANGE_CHECK,
    blocking=True,
    description=(
        "No warehouse-wide metric collapses against the published version on the days both "
        "cover without its sessions changing alike (EMPATHY_METRIC_CHANGE_TOLERANCE)."
    ),
)
def metric_change_vs_published(
    context: AssetCheckExecutionContext, settings: WarehouseSettings
) -> AssetCheckResult:
    outcome = compare_with_published(
        settings.working_db, MARTS_SCHEMA, settings.published_db, settings.metric_change_tolerance
    )
    if not outcome.passed:
        context.log.error(outcome.describe())
    return AssetCheckResult(
        passed=outcome.passed,
        severity=AssetCheckSeverity.ERROR,
        description=outcome.describe(),
        metadata={
            "compared_metrics": len(outcome.compared),
            "collapsed_metrics": ", ".join(change.metric_name for change in outcome.collapsed),
        },
    )


@asset_check(
    asset=mart_asset_key("fct_sessions"),
    name=CONFLICTING_CHANNELS_CHECK,
    description="No session id is used on more than one channel (fct_sessions.channel_count).",
)
def conflicting_channels(
    context: AssetCheckExecutionContext, settings: WarehouseSettings
) -> AssetCheckResult:
    """Non-blocking: such a session still counts once, on its first channel; a failed WARN
    check puts the count into the run's warnings (run log), so it is fixed upstream."""
    with duckdb.connect(str(settings.working_db), read_only=True) as connection:
        (count,) = connection.execute(
            f"select count(*) from {MARTS_SCHEMA}.fct_sessions where has_conflicting_channels"
        ).fetchone()
    description = (
        f"{count} session(s) whose events name more than one channel (a session id reused "
        "across channels): each counts on its first channel only. Find them with "
        "`select * from fct_sessions where has_conflicting_channels` and fix the upstream ids."
        if count
        else "No session id is used on more than one channel."
    )
    return AssetCheckResult(
        passed=count == 0,
        severity=AssetCheckSeverity.WARN,
        description=description,
        metadata={"sessions_with_conflicting_channels": count},
    )
