"""One pipeline stage per process: `python -m bench.stages <stage> '<json parameters>'`.

The runner (bench/__main__.py) starts each stage in a fresh process so the peak memory this
process and its children (dbt, DuckDB inside it) reach belongs to that stage alone. The
warehouse paths come from the environment the runner sets (WAREHOUSE_DIR, LANDING_DIR,
DAGSTER_HOME, DBT_TARGET_PATH, EMPATHY_PSEUDONYM_KEY), exactly as in production.

The last stdout line is `BENCH_RESULT {json}`: the timed seconds (imports and setup excluded),
peak RSS of this process and of its biggest child, and stage-specific details.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

RESULT_PREFIX = "BENCH_RESULT "
STAGES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def stage(function: Callable[[dict[str, Any]], dict[str, Any]]):
    STAGES[function.__name__] = function
    return function


def _settings():
    from orchestration.cli import prepare_dagster_home
    from orchestration.settings import load_settings

    settings = load_settings()
    prepare_dagster_home(settings)
    return settings


def _dbt_build(settings, arguments: list[str], log_path: Path) -> tuple[float, int]:
    """`dbt build` as production runs it (no unit tests); returns seconds and return code."""
    from orchestration.settings import dbt_command

    command = dbt_command("build", "--exclude-resource-type", "unit_test", *arguments)
    started = time.perf_counter()
    with open(log_path, "w") as log:
        completed = subprocess.run(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=settings.subprocess_env(),
            check=False,
        )
    return time.perf_counter() - started, completed.returncode


def _model_timings() -> dict[str, float]:
    """Seconds per dbt node from the last run's run_results.json, slowest first."""
    from orchestration.settings import DBT_TARGET_DIR

    results = json.loads((DBT_TARGET_DIR / "run_results.json").read_text())["results"]
    timings = {item["unique_id"]: round(item["execution_time"], 3) for item in results}
    return dict(sorted(timings.items(), key=lambda pair: -pair[1]))


def _event_count(database: Path) -> int:
    import duckdb

    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.execute("select count(*) from raw.events").fetchone()[0]


@stage
def load(parameters: dict[str, Any]) -> dict[str, Any]:
    from orchestration.ingest.loader import load_landing

    settings = _settings()
    started = time.perf_counter()
    report = load_landing(settings.landing_dir, settings.working_db)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "events": report.loaded,
        "received": report.received,
        "rejected": report.rejected,
        "duplicates": report.duplicates,
        "files": len(report.files),
    }


@stage
def dbt_raw(parameters: dict[str, Any]) -> dict[str, Any]:
    settings = _settings()
    arguments = []
    if parameters.get("refresh_date"):
        arguments += ["--vars", json.dumps({"refresh_date": parameters["refresh_date"]})]
    if parameters.get("full_refresh"):
        arguments.append("--full-refresh")
    log_path = settings.warehouse_dir / "logs" / "bench-dbt.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    # What the Dagster dbt asset does before dbt: the key material dbt reads.
    import duckdb

    from orchestration.pseudonymisation import write_pseudonymisation_key

    with duckdb.connect(str(settings.working_db)) as working_db:
        write_pseudonymisation_key(working_db, settings.pseudonym_key)
    seconds, returncode = _dbt_build(settings, arguments, log_path)
    if returncode != 0:
        raise RuntimeError(f"dbt build failed, see {log_path}")
    return {
        "seconds": seconds,
        "events": _event_count(settings.working_db),
        "models": _model_timings(),
    }


def _dbt_job_subset(settings):
    """The refresh job restricted to the dbt assets and the dbt tests (no GE, no publish)."""
    from orchestration.cli import prepare_dbt_manifest

    prepare_dbt_manifest(settings)
    from dagster import AssetSelection, define_asset_job

    from orchestration.defs.checks import great_expectations_suites
    from orchestration.defs.dbt import warehouse_dbt_models
    from orchestration.defs.partitions import daily_partitions

    selection = AssetSelection.assets(warehouse_dbt_models) - AssetSelection.checks(
        great_expectations_suites
    )
    return define_asset_job("bench_dbt_only", selection=selection, partitions_def=daily_partitions)


@stage
def dbt_dagster(parameters: dict[str, Any]) -> dict[str, Any]:
    settings = _settings()
    from dagster import DagsterInstance, Definitions

    from orchestration.defs.code_location import build_definitions

    job = _dbt_job_subset(settings)
    bench_defs = Definitions.merge(build_definitions(settings), Definitions(jobs=[job]))
    resolved = bench_defs.resolve_job_def(job.name)
    log_path = settings.warehouse_dir / "logs" / "bench-dbt-dagster.log"
    with DagsterInstance.get() as instance, open(log_path, "w") as log, redirect_stdout(log):
        started = time.perf_counter()
        result = resolved.execute_in_process(
            partition_key=parameters["partition"],
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        )
        seconds = time.perf_counter() - started
        steps = _step_seconds(instance, result.run_id)
    if not result.success:
        raise RuntimeError(f"the Dagster dbt job failed, see {log_path}")
    return {"seconds": seconds, "events": _event_count(settings.working_db), "steps": steps}


def _published_mart_names() -> tuple[str, ...]:
    """The marts the job publishes: from the manifest the dbt stage before left behind."""
    from orchestration.defs.manifest import load_manifest
    from orchestration.publish import published_mart_names

    return published_mart_names(load_manifest())


@stage
def validate(parameters: dict[str, Any]) -> dict[str, Any]:
    settings = _settings()
    from orchestration.defs.manifest import load_manifest
    from orchestration.quality.suites import published_suites
    from orchestration.quality.validation import validate_table
    from orchestration.warehouse_layout import MARTS_SCHEMA

    suites = published_suites(load_manifest())
    per_mart: dict[str, float] = {}
    failures: list[str] = []
    rows = 0
    started = time.perf_counter()
    for mart, suite in suites.items():
        mart_started = time.perf_counter()
        outcome = validate_table(settings.working_db, MARTS_SCHEMA, mart, suite)
        per_mart[mart] = round(time.perf_counter() - mart_started, 3)
        rows += outcome.row_count
        if not outcome.success:
            failures.append(outcome.describe())
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "events": _event_count(settings.working_db),
        "rows_validated": rows,
        "per_mart": per_mart,
        "failures": failures,
    }


@stage
def publish(parameters: dict[str, Any]) -> dict[str, Any]:
    settings = _settings()
    from orchestration.defs.manifest import load_manifest
    from orchestration.publish import mart_descriptions, publish_marts
    from orchestration.run_log import PUBLISHED_RUN_LOG, published_run_log

    marts = _published_mart_names()
    descriptions = mart_descriptions(load_manifest(), marts)
    started = time.perf_counter()
    result = publish_marts(
        settings.working_db,
        settings.published_db,
        settings.parquet_dir,
        marts,
        beside_marts={PUBLISHED_RUN_LOG: published_run_log()},
        descriptions=descriptions,
    )
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "events": _event_count(settings.working_db),
        "rows_published": result.row_counts,
    }


def _step_seconds(instance, run_id: str) -> dict[str, float]:
    return {
        stats.step_key: round(stats.end_time - stats.start_time, 3)
        for stats in instance.get_run_step_stats(run_id)
        if stats.end_time and stats.start_time
    }


@stage
def job(parameters: dict[str, Any]) -> dict[str, Any]:
    """The whole job as `make run` runs it: run_refresh (dbt parse, load, dbt, GE, publish)."""
    from orchestration.cli import run_refresh

    settings = _settings()
    started = time.perf_counter()
    outcome = run_refresh(settings, parameters["partition"])
    seconds = time.perf_counter() - started
    if not outcome.published:
        raise RuntimeError(f"the job did not publish: {outcome.problems} ({outcome.log_path})")
    from dagster import DagsterInstance

    with DagsterInstance.get() as instance:
        run = instance.get_runs(limit=1)[0]
        steps = _step_seconds(instance, run.run_id)
    return {
        "seconds": seconds,
        "events": _event_count(settings.working_db),
        "new_events": outcome.load_counts.get("loaded", 0),
        "steps": steps,
    }


@stage
def baseline(parameters: dict[str, Any]) -> dict[str, Any]:
    """bench/baseline.sql on the loaded raw layer, then its scorecard against dbt's."""
    import duckdb

    from orchestration.settings import SEEDS_DIR

    settings = _settings()
    script = (Path(__file__).parent / "baseline.sql").read_text()
    with duckdb.connect(str(settings.working_db)) as connection:
        connection.execute("set TimeZone = 'UTC'")
        connection.execute("set variable pseudonym_key = ?", [settings.pseudonym_key])
        connection.execute(
            "set variable mapping_csv = ?", [str(SEEDS_DIR / "event_type_mapping.csv")]
        )
        started = time.perf_counter()
        connection.execute(script)
        seconds = time.perf_counter() - started
        sessions = connection.execute("select count(*) from baseline.session_facts").fetchone()[0]
        mismatches = None
        if parameters.get("compare_with"):
            mismatches = _scorecard_mismatches(connection, parameters["compare_with"])
    return {
        "seconds": seconds,
        "events": _event_count(settings.working_db),
        "sessions": sessions,
        "scorecard_rows_differing_from_dbt": mismatches,
    }


def _scorecard_mismatches(connection, dbt_database: str) -> int:
    """Rows of the baseline scorecard and dbt's agg_metrics_segment_daily that differ
    (0 = equal)."""
    connection.execute(f"attach '{dbt_database}' as built (read_only)")
    columns = (
        "segment_day_id, session_date, channel, intent, severity, language, model_version, "
        "prompt_id, sessions, bot_handled_sessions, resolved_sessions, autonomous_sessions, "
        "assisted_sessions, human_only_sessions, unresolved_sessions, abandoned_sessions, "
        "escalated_bot_handled_sessions, reopened_sessions, repeat_contact_sessions, "
        "durably_resolved_sessions, csat_responses, "
        "round(first_response_seconds_median, 6), round(time_to_resolution_seconds_median, 6), "
        "round(csat_mean, 9), round(escalation_rate, 9)"
    )
    ours = f"select {columns} from baseline.scorecard_daily"
    theirs = f"select {columns} from built.marts.agg_metrics_segment_daily"
    differing = connection.execute(
        f"select count(*) from (({ours} except {theirs}) union all ({theirs} except {ours}))"
    ).fetchone()[0]
    connection.execute("detach built")
    return differing


def _peak_rss_mb() -> dict[str, float]:
    """ru_maxrss is in KiB on Linux: this process, and the largest child it waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"self_peak_rss_mb": round(own, 1), "children_peak_rss_mb": round(children, 1)}


def main(argv: list[str]) -> int:
    name, parameters = argv[0], json.loads(argv[1]) if len(argv) > 1 else {}
    result = STAGES[name](parameters)
    result.update(_peak_rss_mb())
    result["seconds"] = round(result["seconds"], 3)
    sys.stdout.flush()
    print(RESULT_PREFIX + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    raise SystemExit(main(sys.argv[1:]))
