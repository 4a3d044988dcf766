"""Great Expectations suites as blocking asset checks: a failure stops `published_marts`.

(The delivery gate on rejected records is a check of the raw-load asset itself, in
ingestion.py, because only the load knows which records were this run's.)
"""

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    multi_asset_check,
)

from orchestration.defs.dbt import mart_asset_key
from orchestration.defs.resources import settings_for_run
from orchestration.publish import MARTS_SCHEMA, PUBLISHED_MARTS, pause_for_crash_test
from orchestration.quality.validation import validate_table

GE_CHECK_NAME = "great_expectations_suite"


@multi_asset_check(
    specs=[
        AssetCheckSpec(
            GE_CHECK_NAME,
            asset=mart_asset_key(mart),
            blocking=True,
            description=f"expectations/{mart}.json passes on the built table.",
        )
        for mart in PUBLISHED_MARTS
    ],
)
def great_expectations_suites(context: AssetCheckExecutionContext):
    """One step validates every mart, so GE is imported and configured once per run."""
    settings = settings_for_run()
    pause_for_crash_test("validation")  # test-only hook, see orchestration/publish.py
    for mart in PUBLISHED_MARTS:
        outcome = validate_table(
            settings.working_db, MARTS_SCHEMA, mart, settings.expectations_dir / f"{mart}.json"
        )
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
