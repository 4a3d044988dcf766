"""What happened in a run, readable afterwards: the run log (ops.refresh_runs, published as
mon_refresh_runs), source freshness as a non-blocking check, and the terminal summary."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from dagster import AssetCheckSeverity

from orchestration.run_log import STAGE_STEPS, read_run_log
from tests.conftest import (
    GENERATED_PARTITION,
    PRIVACY_EXAMPLE,
    manifest_published_marts,
    parquet_query,
    parsed_manifest,
    query,
)


def _only_run(settings) -> dict:
    (row,) = read_run_log(settings.working_db)
    return row


def test_run_log_has_one_row_for_the_run_with_partition_and_outcome(generated_warehouse):
    settings, outcome = generated_warehouse
    row = _only_run(settings)
    assert row["run_id"] == outcome.run_summary.run_id
    assert (row["job_name"], row["partition_key"], row["outcome"], row["outcome_detail"]) == (
        "refresh_warehouse",
        GENERATED_PARTITION,
        "published",
        None,
    )
    assert row["started_at"] < row["finished_at"] <= datetime.now(UTC).replace(tzinfo=None)


def test_run_log_reconciles_the_load(generated_warehouse):
    settings, _ = generated_warehouse
    row = _only_run(settings)
    landing_lines = sum(
        1
        for path in settings.landing_dir.glob("*.jsonl")
        for line in path.read_text().splitlines()
        if line.strip()
    )
    # No defects were generated: 3 generator files + the privacy example + the planted delivery,
    # every line new and valid except the planted record whose actor type is outside the
    # loader's vocabulary (a channel is any label: the planted one loads).
    assert (row["new_files"], row["received"], row["loaded"]) == (
        5,
        landing_lines,
        landing_lines - 1,
    )
    assert (row["duplicates"], row["rejected"]) == (0, 1)
    assert row["reject_share"] == pytest.approx(1 / landing_lines)
    assert landing_lines > len(PRIVACY_EXAMPLE)


def test_run_log_times_every_stage(generated_warehouse):
    settings, _ = generated_warehouse
    row = _only_run(settings)
    durations = [
        row[f"{stage}_seconds"] for stage in ("load", "dbt_build", "validation", "publish")
    ]
    assert all(seconds is not None and seconds > 0 for seconds in durations), durations
    wall = (row["finished_at"] - row["started_at"]).total_seconds()
    assert sum(durations) <= wall


def test_run_log_counts_rows_of_every_published_mart_and_names_the_version(generated_warehouse):
    settings, _ = generated_warehouse
    row = _only_run(settings)
    rows = json.loads(row["published_rows"])
    assert set(rows) == set(manifest_published_marts())
    for mart in manifest_published_marts():
        assert query(settings.published_db, f"select count(*) from {mart}") == [(rows[mart],)]
    assert query(settings.published_db, "select version from publication") == [
        (row["published_version"],)
    ]


def test_published_run_log_holds_the_publishing_run_as_published(generated_warehouse):
    settings, _ = generated_warehouse
    row = _only_run(settings)
    published = query(
        settings.published_db,
        "select run_id, partition_key, outcome, published_version, received, publish_seconds "
        "from mon_refresh_runs",
    )
    # Written while publishing: the publish duration is not known yet.
    assert published == [
        (
            row["run_id"],
            GENERATED_PARTITION,
            "published",
            row["published_version"],
            row["received"],
            None,
        )
    ]
    parquet = settings.parquet_dir / "mon_refresh_runs.parquet"
    assert parquet_query(f"select run_id, outcome from '{parquet}'") == [
        (row["run_id"], "published")
    ]


def test_fresh_source_passes_the_freshness_check_without_warnings(generated_warehouse):
    settings, outcome = generated_warehouse
    assert outcome.warnings == ()
    assert _only_run(settings)["warnings"] is None


def test_job_records_the_freshness_check_of_raw_events(generated_warehouse):
    from dagster import DagsterEventType, DagsterInstance

    settings, outcome = generated_warehouse
    instance = DagsterInstance.from_config(str(settings.warehouse_dir / "dagster_home"))
    with instance:
        evaluations = [
            entry.dagster_event.event_specific_data
            for entry in instance.all_logs(
                outcome.run_summary.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION
            )
        ]
    (freshness,) = [e for e in evaluations if e.check_name == "source_freshness"]
    assert freshness.asset_key.to_user_string() == "raw/events"
    assert (freshness.passed, freshness.severity) == (True, AssetCheckSeverity.WARN)
    # Loaded seconds before the check ran.
    assert freshness.description.startswith("raw.events last loaded 0.0 h ago at ")
    assert "(pass; warn after 24 hour, error after 72 hour)." in freshness.description


# --- source freshness on small hand-made working databases ---------------------------------------

FRESHNESS_NOW = datetime(2026, 11, 21, 12, 0)  # naive UTC, as the raw tables store times


@pytest.fixture(scope="module")
def dbt_manifest():
    """The project's parsed manifest: the freshness rule of raw.events comes from it."""
    return parsed_manifest()


def _loaded_warehouse(tmp_path, *hours_ago: float):
    """A working database with one load (of one event) per entry, `hours_ago` before now."""
    from orchestration.ingest.loader import load_landing

    landing = tmp_path / "landing"
    landing.mkdir()
    working_db = tmp_path / "work" / "warehouse.duckdb"
    load_landing(landing, working_db, now=FRESHNESS_NOW)  # an empty raw.events
    for number, hours in enumerate(hours_ago):
        event = {**PRIVACY_EXAMPLE[0], "event_id": f"f-{number}"}
        (landing / f"load-{number}.jsonl").write_text(json.dumps(event) + "\n")
        load_landing(landing, working_db, now=FRESHNESS_NOW - timedelta(hours=hours))
    return working_db


def test_freshness_thresholds_and_column_come_from_the_dbt_source(dbt_manifest):
    from orchestration.defs.freshness import FreshnessRule, Threshold, freshness_rule

    # dbt_project/models/staging/_raw__sources.yml: loaded_at, warn after 24 h, error after 72 h.
    assert freshness_rule(dbt_manifest) == FreshnessRule(
        relation='"raw"."events"',
        loaded_at_field="loaded_at",
        warn_after=Threshold(24, "hour"),
        error_after=Threshold(72, "hour"),
    )


@pytest.mark.parametrize(
    ("hours_ago", "status", "description"),
    [
        (
            (2,),
            "pass",
            "raw.events last loaded 2.0 h ago at 2026-11-21 10:00:00 UTC "
            "(pass; warn after 24 hour, error after 72 hour).",
        ),
        # dbt's rule: stale only past the threshold, so exactly 24 h still passes.
        (
            (24,),
            "pass",
            "raw.events last loaded 24.0 h ago at 2026-11-20 12:00:00 UTC "
            "(pass; warn after 24 hour, error after 72 hour).",
        ),
        (
            (30,),
            "warn",
            "raw.events last loaded 30.0 h ago at 2026-11-20 06:00:00 UTC "
            "(warn; warn after 24 hour, error after 72 hour). "
            "No new deliveries: check the upstream exports and LANDING_DIR.",
        ),
        # The latest of several loads counts: 80 h and 30 h ago is 30 h.
        (
            (80, 30),
            "warn",
            "raw.events last loaded 30.0 h ago at 2026-11-20 06:00:00 UTC "
            "(warn; warn after 24 hour, error after 72 hour). "
            "No new deliveries: check the upstream exports and LANDING_DIR.",
        ),
        (
            (80,),
            "error",
            "raw.events last loaded 80.0 h ago at 2026-11-18 04:00:00 UTC "
            "(error; warn after 24 hour, error after 72 hour). "
            "No new deliveries: check the upstream exports and LANDING_DIR.",
        ),
    ],
)
def test_freshness_status_is_the_age_of_the_last_load_against_the_thresholds(
    tmp_path, dbt_manifest, hours_ago, status, description
):
    from orchestration.defs.freshness import source_freshness

    working_db = _loaded_warehouse(tmp_path, *hours_ago)
    result = source_freshness(working_db, dbt_manifest, now=FRESHNESS_NOW)
    assert (result.passed, result.severity, result.check_name) == (
        status == "pass",
        AssetCheckSeverity.WARN,
        "source_freshness",
    )
    assert result.asset_key.to_user_string() == "raw/events"
    assert result.description == description
    assert result.metadata["status"].value == status
    assert result.metadata["hours_since_last_load"].value == float(min(hours_ago))


def test_freshness_follows_the_thresholds_in_the_manifest(tmp_path, dbt_manifest):
    """Edit the rule in (a copy of) the manifest and the same 30-hour-old load is an error."""
    import copy

    from orchestration.defs.freshness import RAW_EVENTS_SOURCE_NODE, source_freshness

    manifest = copy.deepcopy(dbt_manifest)
    manifest["sources"][RAW_EVENTS_SOURCE_NODE]["freshness"].update(
        warn_after={"count": 12, "period": "hour"}, error_after={"count": 1, "period": "day"}
    )
    result = source_freshness(_loaded_warehouse(tmp_path, 30), manifest, now=FRESHNESS_NOW)
    assert result.metadata["status"].value == "error"
    assert "(error; warn after 12 hour, error after 1 day)." in result.description


def test_freshness_of_an_empty_raw_events_is_a_clear_failure(tmp_path, dbt_manifest):
    from orchestration.defs.freshness import source_freshness

    working_db = _loaded_warehouse(tmp_path)
    assert query(working_db, "select count(*) from raw.events") == [(0,)]
    result = source_freshness(working_db, dbt_manifest, now=FRESHNESS_NOW)
    assert (result.passed, result.severity) == (False, AssetCheckSeverity.WARN)
    assert result.metadata["status"].value == "error"
    assert result.description == (
        "raw.events has no rows: nothing has been loaded yet "
        "(error; warn after 24 hour, error after 72 hour). "
        "No new deliveries: check the upstream exports and LANDING_DIR."
    )


def test_freshness_without_a_working_database_is_a_failure_not_a_crash(tmp_path, dbt_manifest):
    from orchestration.defs.freshness import source_freshness

    working_db = tmp_path / "work" / "warehouse.duckdb"
    result = source_freshness(working_db, dbt_manifest, now=FRESHNESS_NOW)
    assert (result.passed, result.severity) == (False, AssetCheckSeverity.WARN)
    assert result.metadata["status"].value == "runtime error"
    assert result.description.startswith("raw.events freshness could not be computed: ")
    assert not working_db.exists()  # opened read-only: nothing created


def test_freshness_check_is_non_blocking_and_stages_map_to_the_job_steps(handmade_warehouse):
    from orchestration.defs.code_location import build_definitions

    defs = build_definitions(handmade_warehouse)
    graph = defs.resolve_asset_graph()
    freshness = next(key for key in graph.asset_check_keys if key.name == "source_freshness")
    assert freshness.asset_key.to_user_string() == "raw/events"
    assert not graph.get_check_spec(freshness).blocking
    step_names = {node.name for node in defs.resolve_job_def("refresh_warehouse").graph.nodes}
    assert set(STAGE_STEPS.values()) <= step_names


def test_terminal_summary_prints_the_run_log_row(generated_warehouse):
    _, outcome = generated_warehouse
    lines = outcome.run_summary.lines()
    assert lines[0] == (
        f"run {outcome.run_summary.run_id} (refresh_warehouse, partition {GENERATED_PARTITION}): "
        "published"
    )
    assert lines[1].startswith("  stages: load ") and "publish" in lines[1]
    assert lines[2].startswith(f"  published version {outcome.run_summary.published_version}: ")
