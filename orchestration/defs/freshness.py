"""Source freshness: `dbt source freshness` as a non-blocking (WARN) check of raw/events.

The thresholds live where dbt users look for them (dbt_project/models/staging/
_raw__sources.yml: warn after 24 h, error after 72 h without a load). A stale source is made
visible (a failed WARN check in the Dagster UI, a warning in the run summary and
`make run`), never fatal: the marts built from the data that did arrive still publish.
"""

from typing import Any

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    asset_check,
)
from dagster_dbt import DbtCliResource

from orchestration.defs.ingestion import RAW_EVENTS
from orchestration.defs.resources import settings_for_run

SOURCE_FRESHNESS_CHECK = "source_freshness"
RAW_EVENTS_SOURCE = "source:raw.events"


def freshness_check_result(sources: dict[str, Any] | None, dbt_output: str) -> AssetCheckResult:
    """Turns dbt's sources.json (or its absence) into a WARN check result for raw/events."""
    results = (sources or {}).get("results", [])
    if not results:
        return AssetCheckResult(
            asset_key=RAW_EVENTS,
            check_name=SOURCE_FRESHNESS_CHECK,
            passed=False,
            severity=AssetCheckSeverity.WARN,
            description=f"dbt source freshness gave no result for raw.events: {dbt_output[-300:]}",
        )
    result = results[0]
    status = result["status"]  # pass | warn | error | runtime error
    criteria = result.get("criteria", {})

    def threshold(level: str) -> str:
        rule = criteria.get(f"{level}_after") or {}
        return f"{rule.get('count')} {rule.get('period')}" if rule.get("count") else "never"

    age_seconds = result.get("max_loaded_at_time_ago_in_s")
    if status == "runtime error":
        description = f"raw.events freshness could not be computed: {result.get('message')}"
    else:
        description = (
            f"raw.events last loaded {age_seconds / 3600:.1f} h ago at {result['max_loaded_at']} "
            f"({status}; warn after {threshold('warn')}, error after {threshold('error')})."
        )
        if status != "pass":
            description += " No new deliveries: check the upstream exports and LANDING_DIR."
    return AssetCheckResult(
        asset_key=RAW_EVENTS,
        check_name=SOURCE_FRESHNESS_CHECK,
        passed=status == "pass",
        severity=AssetCheckSeverity.WARN,
        description=description,
        metadata={
            "status": status,
            "max_loaded_at": str(result.get("max_loaded_at")),
            "hours_since_last_load": None if age_seconds is None else round(age_seconds / 3600, 2),
        },
    )


@asset_check(
    asset=RAW_EVENTS,
    name=SOURCE_FRESHNESS_CHECK,
    blocking=False,
    description=(
        "dbt source freshness on raw.events (loaded_at): WARN when no load for 24 h; "
        "never blocks publishing."
    ),
)
def raw_events_source_freshness(
    context: AssetCheckExecutionContext, dbt: DbtCliResource
) -> AssetCheckResult:
    settings_for_run()
    result = run_source_freshness(dbt)
    if not result.passed:
        context.log.warning(result.description)
    return result


def run_source_freshness(dbt: DbtCliResource) -> AssetCheckResult:
    """`dbt source freshness` on raw.events against the working database dbt is pointed at."""
    invocation = dbt.cli(
        ["source", "freshness", "--select", RAW_EVENTS_SOURCE], raise_on_error=False
    ).wait()
    try:
        sources = invocation.get_artifact("sources.json")
    except FileNotFoundError:
        sources = None
    error = invocation.get_error()
    return freshness_check_result(sources, str(error) if error else "")
