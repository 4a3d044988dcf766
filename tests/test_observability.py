"""What happened in a run, readable afterwards: the run log (ops.refresh_runs, published as
mon_refresh_runs), source freshness as a non-blocking check, and the terminal summary."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import duckdb
from dagster import AssetCheckSeverity

from orchestration.publish import PUBLISHED_MARTS
from orchestration.run_log import STAGE_STEPS, read_run_log
from tests.conftest import GENERATED_PARTITION, PRIVACY_EXAMPLE, pipeline_environment, query


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
    # No defects were generated: every line is a new, valid event; 3 generator files + 1 example.
    assert (row["new_files"], row["received"], row["loaded"]) == (4, landing_lines, landing_lines)
    assert (row["duplicates"], row["rejected"], row["reject_share"]) == (0, 0, 0.0)
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
    assert set(rows) == set(PUBLISHED_MARTS)
    for mart in PUBLISHED_MARTS:
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
    assert duckdb.execute(f"select run_id, outcome from '{parquet}'").fetchall() == [
        (row["run_id"], "published")
    ]


def test_fresh_source_passes_the_freshness_check_without_warnings(generated_warehouse):
    settings, outcome = generated_warehouse
    assert outcome.warnings == ()
    assert _only_run(settings)["warnings"] is None


def test_stale_source_is_a_warning_from_dbt_source_freshness(tmp_path):
    from orchestration.cli import prepare_dbt_manifest
    from orchestration.defs.freshness import run_source_freshness
    from orchestration.defs.resources import dbt_resource
    from orchestration.ingest.loader import load_landing

    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "old.jsonl").write_text(json.dumps(PRIVACY_EXAMPLE[0]) + "\n")
    last_load = datetime.now(UTC) - timedelta(hours=80)
    with pipeline_environment(tmp_path) as settings:
        load_landing(landing, settings.working_db, now=last_load)
        with pipeline_environment(tmp_path, **settings.dbt_env()):
            prepare_dbt_manifest()
            result = run_source_freshness(dbt_resource)
    assert (result.passed, result.severity) == (False, AssetCheckSeverity.WARN)
    assert result.metadata["status"].value == "error"
    assert result.description.startswith("raw.events last loaded 80.0 h ago")
    assert "(error; warn after 24 hour, error after 72 hour)" in result.description


def test_freshness_check_is_non_blocking_and_stages_map_to_the_job_steps(handmade_warehouse):
    from orchestration.definitions import defs

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
