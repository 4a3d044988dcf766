"""Source freshness of raw/events as a non-blocking (WARN) check, without running dbt.

The rule lives where dbt users look for it: the `freshness` and `loaded_at_field` of the source
raw.events in dbt_project/models/staging/_raw__sources.yml (warn after 24 h, error after 72 h
without a load). This check reads that rule from the dbt manifest (the manifest.json dagster-dbt
builds the asset graph from) and runs the one query it stands for, max(loaded_at) on the
working database opened read-only.
`dbt source freshness` would compute the same, but costs ~8.5 s of fixed dbt start-up every run
(measured alike at 100k, 1M and 10M events; bench/README.md) for that one query.

A stale source is made visible (a failed WARN check in the Dagster UI, a warning in the run
summary and `make run`), never fatal: the marts built from the data that did arrive still
publish. An empty raw.events, or a rule or database that cannot be read, is a failed WARN check
too, with the reason in its description.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    asset_check,
)

from orchestration.defs.ingestion import RAW_EVENTS
from orchestration.defs.manifest import load_manifest
from orchestration.defs.resources import WarehouseSettings

SOURCE_FRESHNESS_CHECK = "source_freshness"
RAW_EVENTS_SOURCE_NODE = "source.empathy_warehouse.raw.events"
SOURCES_FILE = "dbt_project/models/staging/_raw__sources.yml"
STALE_HINT = " No new deliveries: check the upstream exports and LANDING_DIR."


@dataclass(frozen=True)
class Threshold:
    count: int
    period: str  # minute | hour | day, as dbt spells it

    @property
    def age(self) -> timedelta:
        return timedelta(**{f"{self.period}s": self.count})

    def __str__(self) -> str:
        return f"{self.count} {self.period}"


@dataclass(frozen=True)
class FreshnessRule:
    """A dbt source's freshness config: thresholds, the loaded-at column and the table."""

    relation: str  # "schema"."identifier" inside the working database
    loaded_at_field: str
    warn_after: Threshold | None
    error_after: Threshold | None
    filter: str | None = None

    def status(self, age: timedelta) -> str:
        """As dbt decides it: error past error_after, else warn past warn_after, else pass."""
        if self.error_after is not None and age > self.error_after.age:
            return "error"
        if self.warn_after is not None and age > self.warn_after.age:
            return "warn"
        return "pass"

    def thresholds(self) -> str:
        return f"warn after {self.warn_after or 'never'}, error after {self.error_after or 'never'}"


def _threshold(config: Mapping[str, Any] | None) -> Threshold | None:
    config = config or {}
    if config.get("count") is None or config.get("period") is None:
        return None
    return Threshold(int(config["count"]), str(config["period"]))


def freshness_rule(
    manifest: Mapping[str, Any], node: str = RAW_EVENTS_SOURCE_NODE
) -> FreshnessRule:
    """The source's rule from a dbt manifest; ValueError says what is missing."""
    source = manifest.get("sources", {}).get(node)
    if source is None:
        raise ValueError(f"the dbt manifest has no source {node} (see {SOURCES_FILE})")
    freshness = source.get("freshness") or {}
    warn_after = _threshold(freshness.get("warn_after"))
    error_after = _threshold(freshness.get("error_after"))
    if not source.get("loaded_at_field") or (warn_after is None and error_after is None):
        raise ValueError(
            f"the dbt source {node} has no loaded_at_field or no freshness thresholds "
            f"(see {SOURCES_FILE})"
        )
    if source.get("loaded_at_query"):
        raise ValueError(f"loaded_at_query on {node} is not supported; use loaded_at_field")
    return FreshnessRule(
        relation=f'"{source["schema"]}"."{source["identifier"]}"',
        loaded_at_field=source["loaded_at_field"],
        warn_after=warn_after,
        error_after=error_after,
        filter=freshness.get("filter"),
    )


def max_loaded_at(working_db: Path, rule: FreshnessRule) -> datetime | None:
    """The latest load time in UTC (naive, as the raw tables store it); None without rows."""
    where = f" where {rule.filter}" if rule.filter else ""
    with duckdb.connect(str(working_db), read_only=True) as connection:
        (latest,) = connection.execute(
            f"select max({rule.loaded_at_field}) from {rule.relation}{where}"
        ).fetchone()
    if latest is not None and latest.tzinfo is not None:
        latest = latest.astimezone(UTC).replace(tzinfo=None)
    return latest


def _result(passed: bool, description: str, **metadata: Any) -> AssetCheckResult:
    return AssetCheckResult(
        asset_key=RAW_EVENTS,
        check_name=SOURCE_FRESHNESS_CHECK,
        passed=passed,
        severity=AssetCheckSeverity.WARN,
        description=description,
        metadata=metadata,
    )


def source_freshness(
    working_db: Path, manifest: Mapping[str, Any], now: datetime | None = None
) -> AssetCheckResult:
    """raw.events' age (now - max loaded_at) against its dbt freshness rule, as a WARN result.

    `now` is the current UTC time unless given (tests); naive means UTC, as in the raw tables.
    """
    try:
        rule = freshness_rule(manifest)
        latest = max_loaded_at(working_db, rule)
    except (ValueError, duckdb.Error) as exc:
        return _result(
            False,
            f"raw.events freshness could not be computed: {exc}",
            status="runtime error",
        )
    thresholds = {
        "warn_after": str(rule.warn_after or "never"),
        "error_after": str(rule.error_after or "never"),
    }
    if latest is None:
        return _result(
            False,
            f"raw.events has no rows: nothing has been loaded yet (error; {rule.thresholds()})."
            + STALE_HINT,
            status="error",
            max_loaded_at=None,
            hours_since_last_load=None,
            **thresholds,
        )
    now = datetime.now(UTC) if now is None else now
    if now.tzinfo is not None:
        now = now.astimezone(UTC).replace(tzinfo=None)
    age = now - latest
    hours = age.total_seconds() / 3600
    status = rule.status(age)
    description = (
        f"raw.events last loaded {hours:.1f} h ago at {latest:%Y-%m-%d %H:%M:%S} UTC "
        f"({status}; {rule.thresholds()})."
    )
    if status != "pass":
        description += STALE_HINT
    return _result(
        status == "pass",
        description,
        status=status,
        max_loaded_at=f"{latest:%Y-%m-%d %H:%M:%S}",
        hours_since_last_load=round(hours, 2),
        **thresholds,
    )


@asset_check(
    asset=RAW_EVENTS,
    name=SOURCE_FRESHNESS_CHECK,
    blocking=False,
    description=(
        "Time since the last load into raw.events (max loaded_at) against the freshness rule "
        f"of the dbt source raw.events ({SOURCES_FILE}); never blocks publishing."
    ),
)
def raw_events_source_freshness(
    context: AssetCheckExecutionContext, settings: WarehouseSettings
) -> AssetCheckResult:
    result = source_freshness(settings.working_db, load_manifest())
    if not result.passed:
        context.log.warning(result.description)
    return result
