"""`python -m orchestration run`: the whole refresh from a terminal, as `make run` calls it.

It fills an empty landing folder with demo data, runs the Dagster job `refresh_warehouse` for
one daily partition on a persistent Dagster instance (so the run shows up in `dagster dev`),
and prints the reconciliation, the failed checks if any, and a per-channel summary. The job
gets the settings this command loaded as its `settings` resource, not through the environment.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from orchestration.load_gate import LoadGateError, full_refresh_requested
from orchestration.nothing_new import (
    inputs_fingerprint,
    record_published_inputs,
    unchanged_publication,
)
from orchestration.preflight import (
    WarehouseDiskError,
    check_free_space,
    check_writable,
    disk_full_error,
    is_disk_full,
    keep_disk_reserve,
    release_disk_reserve,
)
from orchestration.progress import RunProgress
from orchestration.pseudonymisation import check_key_unchanged
from orchestration.settings import (
    DBT_PROJECT_DIR,
    DBT_TARGET_DIR,
    PROJECT_ROOT,
    VENV_BIN,
    ConfigurationError,
    Settings,
    check_folder_settings,
    dbt_command,
    describe_environment_variables,
    environment,
    landing_dir_from_env,
    load_settings,
    warehouse_dir_from_env,
)

DEMO_EVENTS = 60_000
DEMO_DAYS = 14
DEMO_SEED = 7


class UserError(Exception):
    """A problem the user can fix; printed as one line, without a stack trace."""


def _has_landing_files(landing_dir: Path) -> bool:
    """Whether the loader would find anything to load (its own rule, not a second one)."""
    from orchestration.ingest.loader import find_landing_files

    return landing_dir.is_dir() and bool(find_landing_files(landing_dir).files)


def _has_loaded_anything(working_db: Path) -> bool:
    """Whether any file was ever loaded into this warehouse (raw.file_loads has a row)."""
    import duckdb

    if not working_db.exists():
        return False
    with duckdb.connect(str(working_db), read_only=True) as connection:
        tables = connection.execute(
            "select 1 from duckdb_tables() where schema_name = 'raw' and table_name = 'file_loads'"
        ).fetchall()
        return bool(tables) and bool(
            connection.execute("select 1 from raw.file_loads limit 1").fetchall()
        )


def fill_empty_landing_with_demo_data(env: Mapping[str, str], today: date) -> bool:
    """Generates the demo dataset (two weeks up to yesterday) on a first run with nothing to load.

    Only ever into the warehouse's own default landing folder of a warehouse that has never
    loaded anything: a folder the user pointed LANDING_DIR at is theirs, and demo events mixed
    into it (or into a warehouse of real data) would be published as if they were real.
    """
    landing_dir = landing_dir_from_env(env)
    if "LANDING_DIR" in env or _has_landing_files(landing_dir):
        return False
    if _has_loaded_anything(warehouse_dir_from_env(env) / "work" / "warehouse.duckdb"):
        return False
    from orchestration.synthetic.generator import write_landing

    landing_dir.mkdir(parents=True, exist_ok=True)
    start = today - timedelta(days=DEMO_DAYS)
    summary = write_landing(
        landing_dir, target_events=DEMO_EVENTS, seed=DEMO_SEED, start_date=start, days=DEMO_DAYS
    )
    print(f"landing folder was empty: wrote {summary.events_written} demo events to {landing_dir}")
    return True


def check_landing_folder(env: Mapping[str, str]) -> None:
    """A landing folder the user set must exist, and on a first run hold something to load."""
    landing_dir = landing_dir_from_env(env)
    if not landing_dir.is_dir():
        raise UserError(f"landing folder {landing_dir} does not exist (set LANDING_DIR)")
    first_run = not _has_loaded_anything(warehouse_dir_from_env(env) / "work" / "warehouse.duckdb")
    if "LANDING_DIR" in env and first_run and not _has_landing_files(landing_dir):
        from orchestration.ingest.loader import LANDING_FILE_SUFFIXES

        raise UserError(
            f"LANDING_DIR={landing_dir} holds no files to load ({', '.join(LANDING_FILE_SUFFIXES)}"
            "); deliver the exports there, or unset LANDING_DIR to run on generated demo data"
        )


def parse_partition(value: str | None, today: date) -> str:
    """The UTC day to refresh as YYYY-MM-DD (default: yesterday), within the daily partitions."""
    from orchestration.defs.partitions import PARTITIONS_START_DATE

    if value is None:
        return (today - timedelta(days=1)).isoformat()
    try:
        day = date.fromisoformat(value)
    except ValueError:
        day = None
    # fromisoformat also takes 20261005 and 2026-W40-1; a partition key is spelt one way.
    if day is None or day.isoformat() != value:
        raise UserError(
            f"--partition {value!r} is not a day: write it as YYYY-MM-DD, e.g. 2026-10-05"
        )
    if not date.fromisoformat(PARTITIONS_START_DATE) <= day <= today:
        raise UserError(
            f"--partition {value} is outside the daily partitions: choose a day from "
            f"{PARTITIONS_START_DATE} to today ({today.isoformat()})"
        )
    return value


@contextmanager
def refresh_lock(settings: Settings) -> Iterator[None]:
    """One refresh per warehouse at a time; a second one refuses instead of corrupting files."""
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    lock_path = settings.warehouse_dir / ".refresh.lock"
    with open(lock_path, "a+") as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError(
                f"another refresh of {settings.warehouse_dir} is running (lock {lock_path}); "
                "wait for it to finish and run again"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def prepare_dbt_manifest(settings: Settings) -> None:
    """dagster-dbt builds the asset graph from target/manifest.json, so parse before import.

    The partition's `dbt build` reuses this parse (partial_parse.msgpack, which dagster-dbt
    copies to the build's folder), and the next run's parse reuses it whatever its partition:
    the day reaches dbt as an env var read only at run time (defs/partitions.py)."""
    completed = subprocess.run(
        dbt_command("parse", "--quiet"),
        capture_output=True,
        text=True,
        env=settings.subprocess_env(),
        check=False,
    )
    if completed.returncode != 0:
        raise UserError(
            f"dbt could not parse {DBT_PROJECT_DIR}:\n{completed.stdout}{completed.stderr}"
        )


@dataclass(frozen=True)
class RefreshOutcome:
    published: bool
    problems: tuple[str, ...]
    log_path: Path
    load_counts: dict[str, int]
    warnings: tuple[str, ...] = ()
    run_summary: Any = None  # orchestration.run_log.RunSummary, the run's ops.refresh_runs row

    def reconciliation(self) -> str:
        if not self.load_counts:
            return "load: did not run"
        counts = self.load_counts
        return (
            f"load: {counts['new_files']} new files ({counts['skipped_files']} already loaded); "
            f"received {counts['received']} = loaded {counts['loaded']} + duplicates "
            f"{counts['duplicates']} + rejected {counts['rejected']}"
        )


# dagster-dbt gives every dbt invocation a folder of its own under the target folder; the
# newest are kept for debugging, older ones removed so a scheduled warehouse does not grow.
KEPT_DBT_RUN_FOLDERS = 10


def prepare_dagster_home(settings: Settings) -> Path:
    """The warehouse's Dagster instance folder, with the instance config `run` and `dev` share
    (written once: a team may have edited it)."""
    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    instance_config = settings.dagster_home / "dagster.yaml"
    if not instance_config.exists():
        from orchestration.defs.schedules import DAGSTER_INSTANCE_CONFIG

        instance_config.write_text(DAGSTER_INSTANCE_CONFIG)
    return settings.dagster_home


def rotate_dbt_run_folders(target_dir: Path, keep: int = KEPT_DBT_RUN_FOLDERS) -> None:
    """Removes all but the `keep` newest per-run folders dagster-dbt left in `target_dir`."""
    import shutil

    from orchestration.run_log import STAGE_STEPS

    runs = sorted(
        (folder for folder in target_dir.glob(f"{STAGE_STEPS['dbt_build']}-*") if folder.is_dir()),
        key=lambda folder: folder.stat().st_mtime_ns,
    )
    for folder in runs[: max(len(runs) - keep, 0)]:
        shutil.rmtree(folder, ignore_errors=True)


def run_refresh(
    settings: Settings, partition_key: str, *, full_refresh: bool = False
) -> RefreshOutcome:
    """Runs the Dagster job in this process and says whether it published, and if not, why.

    `full_refresh` rebuilds every dbt model from raw (run config of the dbt step)."""
    dagster_home = prepare_dagster_home(settings)
    rotate_dbt_run_folders(DBT_TARGET_DIR)
    prepare_dbt_manifest(settings)

    from dagster import DagsterInstance

    from orchestration.defs.code_location import build_definitions
    from orchestration.defs.dbt import warehouse_dbt_models
    from orchestration.defs.ingestion import RAW_EVENTS
    from orchestration.defs.manifest import dbt_node_count, load_manifest
    from orchestration.defs.publish import published_marts
    from orchestration.defs.schedules import REFRESH_JOB_NAME

    # These settings, not the environment, are what the job's assets get (resource `settings`).
    job = build_definitions(settings).resolve_job_def(REFRESH_JOB_NAME)
    log_path = settings.warehouse_dir / "logs" / f"refresh-{partition_key}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    print(f"refreshing {partition_key}; full log: {log_path}", flush=True)
    run_id = str(uuid.uuid4())
    # dagster-dbt echoes every dbt line to stdout; keep it in a file, not on the terminal.
    with DagsterInstance.from_config(str(dagster_home)) as instance:
        progress = RunProgress(instance, run_id, sys.stdout, dbt_node_count(load_manifest()))
        progress.start()
        try:
            # Dagster reports its own storage errors on stderr: into the log too.
            with open(log_path, "w") as log, redirect_stdout(log), redirect_stderr(log):
                result = job.execute_in_process(
                    partition_key=partition_key,
                    instance=instance,
                    run_id=run_id,
                    raise_on_error=False,
                    # The terminal gets the outcome (and no stack traces of blocked steps);
                    # the step-by-step log lives in the Dagster UI.
                    run_config={
                        "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
                        "ops": {
                            warehouse_dbt_models.op.name: {"config": {"full_refresh": full_refresh}}
                        },
                    },
                )
        except Exception as error:
            progress.stop()
            # Dagster's own storage failing (a full disk) ends the run outside any step.
            if not is_disk_full(error, settings.warehouse_dir):
                raise
            _record_after_disk_full(settings, instance, run_id=None)
            raise disk_full_error(settings.warehouse_dir) from None
        progress.stop()
        problems, warnings = _problems_and_warnings(result)
        if any(is_disk_full(problem, settings.warehouse_dir) for problem in problems):
            _record_after_disk_full(settings, instance, run_id=result.run_id)
            raise disk_full_error(settings.warehouse_dir)
        run_summary = _record_run(settings, instance, result.run_id)
    materialized = {
        event.asset_key: event.event_specific_data.materialization.metadata
        for event in result.get_asset_materialization_events()
    }
    load_counts = {name: value.value for name, value in materialized.get(RAW_EVENTS, {}).items()}
    return RefreshOutcome(
        published=result.success and published_marts.key in materialized,
        problems=tuple(problems),
        log_path=log_path,
        load_counts=load_counts,
        warnings=tuple(warnings),
        run_summary=run_summary,
    )


def _problems_and_warnings(result: Any) -> tuple[list[str], list[str]]:
    """Failed ERROR checks and failed steps (their root cause), and failed WARN checks."""
    from dagster import AssetCheckSeverity

    from orchestration.run_log import failure_message

    def describe(evaluation: Any) -> str:
        return (
            f"{evaluation.asset_key.to_user_string()} [{evaluation.check_name}]: "
            f"{evaluation.description}"
        )

    failed = [e for e in result.get_asset_check_evaluations() if not e.passed]
    problems = [
        f"check failed: {describe(e)}" for e in failed if e.severity == AssetCheckSeverity.ERROR
    ] + [
        f"step failed: {failure.step_key}: {failure_message(failure.event_specific_data.error)}"
        for failure in result.get_step_failure_events()
    ]
    warnings = [f"warning: {describe(e)}" for e in failed if e.severity != AssetCheckSeverity.ERROR]
    return problems, warnings


def _record_run(settings: Settings, instance: Any, run_id: str) -> Any:
    """Writes the run's row into ops.refresh_runs (see orchestration/run_log.py)."""
    from orchestration.run_log import record_run, summarise_run

    return record_run(settings.working_db, summarise_run(instance, run_id))


# How long a run that died of a full disk waits for the working database's lock to record it.
LOCK_WAIT_SECONDS = 60.0


def _record_after_disk_full(settings: Settings, instance: Any, run_id: str | None) -> None:
    """Frees the disk reserve so the failed run can still be written to the run log, as failed
    for a full disk (Dagster's event log may have lost the step failure itself)."""
    from dataclasses import replace

    import duckdb

    from orchestration.run_log import record_run, summarise_run

    release_disk_reserve(settings.warehouse_dir)
    try:
        if run_id is None:
            run_id = instance.get_runs(limit=1)[0].run_id
        summary = summarise_run(instance, run_id)
        detail = f"failed: {disk_full_error(settings.warehouse_dir)}"
        failed = replace(summary, outcome="failed", outcome_detail=detail)
        # A dbt build the full disk broke may still be exiting, holding the working database's
        # lock for a moment after its step failed: wait for it rather than lose the row.
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                record_run(settings.working_db, failed)
                break
            except duckdb.IOException as error:
                if "lock" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
    except Exception as error:  # the reserve was not enough: say so, the run log lacks it
        print(f"warning: the failed run could not be written to the run log: {error}")


def _print_outcome(settings: Settings, partition_key: str) -> None:
    from orchestration.summary import (
        day_scorecard,
        format_day_scorecard,
        source_reconciliation_lines,
    )

    for line in format_day_scorecard(
        partition_key, day_scorecard(settings.published_db, partition_key)
    ):
        print(line)
    for line in source_reconciliation_lines(settings.published_db):
        print(line)
    print(f"published database: {settings.published_db}")
    print(f"published parquet:  {settings.parquet_dir}/<mart>.parquet")
    print(f"scorecard report:   {settings.report_path}")


def command_run(arguments: argparse.Namespace) -> int:
    env = environment()
    check_folder_settings(env)
    today = datetime.now(UTC).date()
    partition_key = parse_partition(arguments.partition, today)
    if arguments.demo_if_empty:
        fill_empty_landing_with_demo_data(env, today)
    check_landing_folder(env)
    # Read once, after the demo data (whether the demo key may be used depends on it).
    settings = load_settings(env)
    for folder in (settings.warehouse_dir, settings.working_db.parent, settings.published_dir):
        check_writable(folder)
    check_free_space(settings.warehouse_dir, settings.working_db, settings.min_free_disk_mb)
    keep_disk_reserve(settings.warehouse_dir)
    with refresh_lock(settings):
        # Under the lock (another refresh may hold the working database open for writing), and
        # before anything is loaded: a refused key must not leave a half-done refresh behind.
        full_refresh = arguments.full_refresh or full_refresh_requested(settings.working_db)
        check_key_unchanged(settings.working_db, settings.pseudonym_key, full_refresh=full_refresh)
        # Taken before the run: what the version it publishes is built from.
        fingerprint = inputs_fingerprint(settings, partition_key)
        unchanged = None if full_refresh else unchanged_publication(settings, fingerprint)
        if unchanged is not None:
            print(unchanged.describe())
            _print_outcome(settings, partition_key)
            return 0
        outcome = run_refresh(settings, partition_key, full_refresh=arguments.full_refresh)
        if outcome.published and outcome.run_summary is not None:
            record_published_inputs(
                settings.working_db,
                outcome.run_summary.published_version,
                partition_key,
                fingerprint,
            )
    print(outcome.reconciliation())
    for problem in (*outcome.problems, *outcome.warnings):
        print(problem)
    if outcome.run_summary is not None:
        for line in outcome.run_summary.lines():
            print(line)
    print(f"full log of this run: {outcome.log_path}")
    if not outcome.published:
        print(
            f"refresh of {partition_key} did not publish; the previous published version "
            f"(if any) is unchanged: {settings.published_db}"
        )
        return 1
    _print_outcome(settings, partition_key)
    return 0


# How long `dev` waits for dagster dev to shut down after Ctrl-C before it kills what is left.
DEV_STOP_SECONDS = 60.0


def command_dev(arguments: argparse.Namespace) -> int:
    """Starts the Dagster UI on the same instance and warehouse that `run` uses.

    dagster dev loads orchestration/definitions.py, which reads the settings from the
    environment it inherits: this one's, plus the Dagster instance and dbt's variables."""
    settings = load_settings()
    prepare_dagster_home(settings)
    prepare_dbt_manifest(settings)
    dagster = str(VENV_BIN / "dagster")
    return run_until_interrupted(
        [dagster, "dev", *arguments.dagster_arguments], settings.subprocess_env()
    )


def _signal_group(process_group: int, signal_number: int) -> None:
    try:
        os.killpg(process_group, signal_number)
    except (ProcessLookupError, PermissionError):  # the group has no process left
        pass


def run_until_interrupted(command: list[str], env: Mapping[str, str]) -> int:
    """Runs `command` (dagster dev) in a process group of its own until it exits or Ctrl-C.

    Ctrl-C (or SIGTERM) goes to this process only: it asks dagster dev to stop (SIGINT, so it
    shuts down its webserver, daemon and code server itself, without the tracebacks each
    prints when the terminal interrupts them directly), waits DEV_STOP_SECONDS, then kills
    whatever of its process group is left. One line says it stopped; exit code 130."""
    import signal

    started: list[subprocess.Popen] = []
    interrupted: list[int] = []

    def stop(signal_number: int, _frame: Any) -> None:
        interrupted.append(signal_number)
        if not started:
            return
        if len(interrupted) > 1:  # a second Ctrl-C does not wait any longer
            _signal_group(started[0].pid, signal.SIGKILL)
        else:
            started[0].send_signal(signal.SIGINT)

    # Installed before dagster dev starts: it inherits the default action of a handled signal,
    # but would inherit SIGINT ignored (as this process may be, started in the background).
    previous = {number: signal.signal(number, stop) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        # From the project folder, where dagster dev finds the code location ([tool.dagster]).
        process = subprocess.Popen(command, env=dict(env), cwd=PROJECT_ROOT, start_new_session=True)
        started.append(process)
        if interrupted:  # Ctrl-C while it was starting
            process.send_signal(signal.SIGINT)
        try:
            while process.poll() is None:
                if interrupted:
                    try:
                        process.wait(timeout=DEV_STOP_SECONDS)
                    except subprocess.TimeoutExpired:
                        _signal_group(process.pid, signal.SIGKILL)
                        process.wait()
                else:
                    time.sleep(0.2)
        finally:
            # Nothing dagster dev started outlives it (a code server it could not stop).
            _signal_group(process.pid, signal.SIGKILL)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    if interrupted:
        print("dagster dev stopped; runs, schedules and the warehouse are kept", flush=True)
        return 130
    return process.returncode


DEFAULT_DASHBOARD_PORT = 8050


def command_dashboard(arguments: argparse.Namespace) -> int:
    """Serves the drill-down app (orchestration/dashboard.py) on 127.0.0.1, reading the
    published file only, until interrupted."""
    from orchestration.dashboard import NoPublishedFileError, check_published_file, serve

    settings = load_settings()
    try:
        check_published_file(settings.published_db)
    except NoPublishedFileError as error:
        raise UserError(str(error)) from None
    print(f"dashboard on http://127.0.0.1:{arguments.port}/ (Ctrl-C stops it)", flush=True)
    serve(settings.published_db, arguments.port)
    return 0


def command_accept_load(arguments: argparse.Namespace) -> int:
    """Lets one held load through the reject-share gate, recording who and why."""
    from orchestration.load_gate import accept_load

    settings = load_settings()
    with refresh_lock(settings):
        load = accept_load(settings.working_db, arguments.load_id, arguments.by, arguments.reason)
    print(
        f"accepted {load.describe()} by {arguments.by.strip()}: {arguments.reason.strip()} "
        f"(ops.load_acceptances); the next run publishes it"
    )
    return 0


def command_quarantine(arguments: argparse.Namespace) -> int:
    """Sets a file's (or one line's) records aside so they no longer block publishing."""
    from orchestration.load_gate import quarantine

    settings = load_settings()
    with refresh_lock(settings):
        result = quarantine(settings.working_db, arguments.file, arguments.reason, arguments.line)
    line = "" if result.source_line is None else f" line {result.source_line}"
    where = result.source_file + line
    print(
        f"quarantined {result.records} record(s) of {where}: moved from raw.events to "
        "raw.rejected_events (field quarantine), raw.file_loads reconciled; the next run "
        "rebuilds every model from raw (dbt build --full-refresh)"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m orchestration", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run",
        help="load, transform, validate and publish one day",
        description="Load, transform, validate and publish one day (a daily partition).",
        epilog="environment variables:\n" + describe_environment_variables(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("--partition", help="UTC day to refresh, YYYY-MM-DD (default: yesterday)")
    run.add_argument(
        "--no-demo",
        dest="demo_if_empty",
        action="store_false",
        help="fail on an empty landing folder instead of generating demo data",
    )
    run.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild every dbt model from raw (after changing the pseudonym key or the "
        "event_type_mapping seed)",
    )
    run.set_defaults(handler=command_run)
    dev = commands.add_parser("dev", help="start the Dagster UI (dagster dev) on this warehouse")
    dev.add_argument("dagster_arguments", nargs=argparse.REMAINDER, help="passed to dagster dev")
    dev.set_defaults(handler=command_dev)
    dashboard = commands.add_parser(
        "dashboard",
        help="serve the drill-down app on the published marts (http://127.0.0.1:8050)",
    )
    dashboard.add_argument(
        "--port",
        type=int,
        default=DEFAULT_DASHBOARD_PORT,
        help=f"port on 127.0.0.1 (default {DEFAULT_DASHBOARD_PORT})",
    )
    dashboard.set_defaults(handler=command_dashboard)
    accept = commands.add_parser(
        "accept-load",
        help="let a load held by the reject-share gate publish, recording who and why",
    )
    accept.add_argument("load_id", help="the load id the blocked run named (raw.file_loads)")
    accept.add_argument("--by", required=True, help="who accepts it (name or team)")
    accept.add_argument("--reason", required=True, help="why the rejected records are acceptable")
    accept.set_defaults(handler=command_accept_load)
    quarantine = commands.add_parser(
        "quarantine",
        help="move a delivered file's (or one line's) records out of raw.events",
    )
    quarantine.add_argument(
        "--file", required=True, help="file name relative to the landing folder"
    )
    quarantine.add_argument("--line", type=int, help="only this line (1-based), else the file")
    quarantine.add_argument("--reason", required=True, help="why the records are set aside")
    quarantine.set_defaults(handler=command_quarantine)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["dev"]:
        # Everything after `dev` is dagster dev's (argparse would take `-p 3001` for its own).
        arguments = argparse.Namespace(handler=command_dev, dagster_arguments=argv[1:])
    else:
        arguments = build_parser().parse_args(argv)
    try:
        return arguments.handler(arguments)
    except (UserError, ConfigurationError, WarehouseDiskError, LoadGateError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
