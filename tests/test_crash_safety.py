"""Crash safety: real runs (`python -m orchestration run`) SIGKILLed inside each stage.

Each case copies the hand-made warehouse (built once per session, 5 sessions published for
2026-10-05), lands the next day's delivery (session S6, worked out below), starts a real run in
its own process group and kills the whole group inside one stage. The stage is read from the
run's real progress: the Dagster event log (STEP_START of the stage's step), the working
database growing (a landing file committed) and dbt's own log lines. Validation (~1 s) and
publishing (~0.1 s) are too short to hit that way, so for those the test gives the run's
Python a `sitecustomize.py` of its own (on PYTHONPATH) that wraps the real function at the
stage's most exposed point (the first `validate_table`; the first rename of a staged publish
file) to leave a marker file and sleep until the kill. Production code has no hook for it;
the event log still proves where the run died.

After each kill: the published database and Parquet files are byte-identical to before and
readable; then the next normal `run` (no manual step: the lock, the temporary files and the
working database's WAL are left exactly as the kill left them) publishes the right numbers.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing, redirect_stdout
from dataclasses import dataclass, field
from datetime import date
from io import StringIO
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import main as cli_main
from orchestration.publish import TEMPORARY_MARKER
from orchestration.settings import PROJECT_ROOT, Settings
from tests.conftest import (
    TEST_PSEUDONYM_KEY,
    manifest_published_marts,
    pipeline_environment,
    pseudonym,
    sessions_by_channel,
    with_upstream_ids,
)
from tests.handmade_events import V1, event

NEXT_DAY = "2026-10-06"


def _at(clock: str) -> str:
    return f"{NEXT_DAY}T{clock}Z"


# S6, chat, customer c-6 (nobody else), refund_request/medium, model v1/p1: autonomous.
# started 08:00:00, bot replies 08:00:45 (first response 45 s), bot resolves 08:02:00
# (time to resolution 120 s). Chat after it: S1 (35 s, resolved), S3 (no response, not
# resolved), S6 (45 s, resolved): 3 sessions, resolution rate 2/3, median first response 40 s.
NEXT_DAY_EVENTS = [
    event(
        "e-601",
        "session_started",
        _at("08:00:00"),
        "S6",
        "system",
        customer="c-6",
        channel="chat",
        language="en",
        variant=V1,
    ),
    event(
        "e-602",
        "message",
        _at("08:00:05"),
        "S6",
        "customer",
        "Wrong invoice",
        customer="c-6",
        channel="chat",
    ),
    event(
        "e-603",
        "intent_classified",
        _at("08:00:06"),
        "S6",
        "system",
        channel="chat",
        intent="refund_request",
        severity="medium",
    ),
    event(
        "e-604",
        "message",
        _at("08:00:45"),
        "S6",
        "bot",
        "Sorry about that. Here's what to do next: I have corrected it.",
        channel="chat",
        has_next_step=True,
        **V1,
    ),
    event("e-605", "resolved", _at("08:02:00"), "S6", "bot", channel="chat", resolved_by="bot"),
    event(
        "e-606",
        "session_closed",
        _at("08:03:00"),
        "S6",
        "system",
        channel="chat",
        reason="completed",
    ),
]
NEXT_DAY_FILE = f"{NEXT_DAY}_helpdesk.jsonl"
BASELINE_RESOLUTION_KINDS = {
    "S1": "autonomous",
    "S2": "assisted",
    "S3": "abandoned",
    "S4": "human_only",
    "S5": "unresolved",
}


# ---------------------------------------------------------------- helpers shared with
# tests/test_concurrency.py: a baseline copy and a real `python -m orchestration run`.


def copy_baseline(baseline: Settings, warehouse_dir: Path) -> Path:
    """The built hand-made warehouse plus the next day's delivery, in a folder of its own."""
    shutil.copytree(
        baseline.warehouse_dir,
        warehouse_dir,
        ignore=shutil.ignore_patterns("dagster_home", "logs", ".refresh.lock"),
    )
    lines = [json.dumps(event) for event in NEXT_DAY_EVENTS]
    (warehouse_dir / "landing" / NEXT_DAY_FILE).write_text("\n".join(lines) + "\n")
    return warehouse_dir


def published_digests(warehouse_dir: Path) -> dict[str, str]:
    """sha256 of every published file (database and Parquet), temporary files left out."""
    published = warehouse_dir / "published"
    files = sorted(
        path
        for path in published.rglob("*")
        if path.is_file() and not path.name.startswith(TEMPORARY_MARKER)
    )
    assert published / "metrics.duckdb" in files
    assert all(
        published / "parquet" / f"{mart}.parquet" in files for mart in manifest_published_marts()
    )
    return {
        path.relative_to(published).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in files
    }


def published_session_counts(warehouse_dir: Path) -> tuple[int, int]:
    """fct_sessions rows as a BI tool reads them: from the database and from the Parquet."""
    published = warehouse_dir / "published"
    with duckdb.connect(str(published / "metrics.duckdb"), read_only=True) as connection:
        (in_database,) = connection.execute("select count(*) from fct_sessions").fetchone()
        (in_parquet,) = connection.execute(
            f"select count(*) from '{published / 'parquet' / 'fct_sessions.parquet'}'"
        ).fetchone()
    return in_database, in_parquet


def run_environment(warehouse_dir: Path, scratch: Path, **extra: str) -> dict[str, str]:
    """What a real run gets: its warehouse, the test key, its own Dagster home and dbt target."""
    target = scratch / "dbt-target"
    target.mkdir(parents=True, exist_ok=True)
    env = {
        name: value
        for name, value in os.environ.items()
        if name
        not in (
            "LANDING_DIR",
            "EMPATHY_REJECT_SHARE_LIMIT",
            "EMPATHY_WORKING_DB",
        )
    }
    env.update(
        WAREHOUSE_DIR=str(warehouse_dir),
        EMPATHY_PSEUDONYM_KEY=TEST_PSEUDONYM_KEY,
        DAGSTER_HOME=str(warehouse_dir / "dagster_home"),
        DBT_TARGET_PATH=str(target),
        DBT_LOG_PATH=str(target),
        **extra,
    )
    return env


class RealRun:
    """`python -m orchestration run` in its own process group (so a kill takes dbt along)."""

    def __init__(self, warehouse_dir: Path, scratch: Path, partition: str, **extra_env: str):
        scratch.mkdir(parents=True, exist_ok=True)
        self.warehouse_dir = warehouse_dir
        self.stdout_path = scratch / "stdout.txt"
        self.stderr_path = scratch / "stderr.txt"
        with open(self.stdout_path, "w") as stdout, open(self.stderr_path, "w") as stderr:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "orchestration",
                    "run",
                    "--partition",
                    partition,
                    "--no-demo",
                ],
                cwd=PROJECT_ROOT,
                env=run_environment(warehouse_dir, scratch, **extra_env),
                stdout=stdout,
                stderr=stderr,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.stdout_path.read_text() + self.stderr_path.read_text()

    def wait(self, timeout: float = 300) -> int:
        return self.process.wait(timeout=timeout)

    def wait_until(self, condition: Callable[[], bool], what: str, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if self.process.poll() is not None:
                raise AssertionError(
                    f"the run ended (exit {self.process.returncode}) before {what}:\n"
                    + self.output()[-3000:]
                )
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"no sign of {what} within {timeout} s")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL the run's whole process group: Python, Dagster and the dbt subprocess."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def step_events(self) -> set[tuple[str, str]]:
        """(event type, step) pairs from the run's Dagster event log (sqlite, read-only)."""
        events: set[tuple[str, str]] = set()
        runs = self.warehouse_dir / "dagster_home" / "history" / "runs"
        for database in runs.glob("*.db"):
            if database.name == "index.db":
                continue
            try:
                with closing(
                    sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1)
                ) as connection:
                    events |= set(
                        connection.execute(
                            "select dagster_event_type, step_key from event_logs "
                            "where step_key is not null and dagster_event_type is not null"
                        ).fetchall()
                    )
            except sqlite3.Error:  # not created yet, or mid-write: look again next poll
                continue
        return events

    def step_started(self, step: str) -> bool:
        return ("STEP_START", step) in self.step_events()


def run_in_process(settings: Settings, partition: str) -> tuple[int, str]:
    """`python -m orchestration run` as a user types it, in this process (imports are warm)."""
    printed = StringIO()
    with redirect_stdout(printed):
        exit_code = cli_main(["run", "--partition", partition, "--no-demo"])
    return exit_code, printed.getvalue()


def landing_session_ids(landing_dir: Path) -> set[str]:
    """Distinct session ids over every parseable record in the landing files."""
    sessions: set[str] = set()
    for path in landing_dir.glob("*.jsonl"):
        for line in path.read_text().splitlines():
            try:
                sessions.add(json.loads(line)["session_id"])
            except (json.JSONDecodeError, KeyError):
                continue  # the hand-made malformed line: rejected by the loader, no session
    return sessions


# ---------------------------------------------------------------- holding a stage for the kill

# Written into the killed run's own PYTHONPATH folder; Python imports it at start-up in every
# process of that run (dbt's too, where it patches nothing it uses). It wraps the function at
# the stage's most exposed point: on the first call, it writes PAUSED_MARKER and sleeps.
PAUSED_MARKER = "paused"
PAUSE_AT_START = """\
import os, sys, time
from pathlib import Path

MARKER = Path({marker!r})


def _pause():
    MARKER.write_text(str(os.getpid()))
    time.sleep(600)  # the test SIGKILLs the process group long before
"""
# Validation: the first `validate_table` call, before any mart is read. The Dagster check
# imports it by name, so the module is patched as soon as it is imported, before that import.
PAUSE_AT_VALIDATION = """
import importlib.abc, importlib.machinery

VALIDATION = "orchestration.quality.validation"


class _PatchValidation(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != VALIDATION:
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        load = spec.loader.exec_module

        def exec_module(module):
            load(module)
            validate_table = module.validate_table

            def paused_validate_table(*arguments, **keywords):
                _pause()
                return validate_table(*arguments, **keywords)

            module.validate_table = paused_validate_table

        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, _PatchValidation())
"""
# Publish: the first rename of a staged file (the database; every staged file is complete and
# no published file is touched yet). Only publish_marts renames files named {temporary}*.
PAUSE_AT_PUBLISH = """
_replace = os.replace


def _paused_replace(source, destination, **keywords):
    if os.path.basename(os.fsdecode(source)).startswith({temporary!r}):
        _pause()
    return _replace(source, destination, **keywords)


os.replace = _paused_replace
"""


def pause_environment(stage: str, scratch: Path) -> tuple[dict[str, str], Path]:
    """PYTHONPATH for a run that holds `stage` at its exposed point, and the marker it leaves."""
    site = scratch / "site"
    site.mkdir(parents=True, exist_ok=True)
    marker = scratch / PAUSED_MARKER
    pause_at = {"validation": PAUSE_AT_VALIDATION, "publish": PAUSE_AT_PUBLISH}[stage]
    (site / "sitecustomize.py").write_text(
        PAUSE_AT_START.format(marker=str(marker)) + pause_at.format(temporary=TEMPORARY_MARKER)
    )
    paths = [str(site), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {"PYTHONPATH": os.pathsep.join(paths)}, marker


# ---------------------------------------------------------------- the four kills

STEP_OF_STAGE = {
    "load": "raw_events",
    "dbt build": "warehouse_dbt_models",
    "validation": "great_expectations_suites",
    "publish": "published_marts",
}
BULK_FILES = 16  # the load case lands 16 files of 2,500 generated events: ~2 s of loading


@dataclass
class Crash:
    stage: str
    warehouse_dir: Path
    before: dict[str, str]
    after_kill: dict[str, str] = field(default_factory=dict)
    readable_after_kill: tuple[int, int] = (0, 0)
    steps_after_kill: set[tuple[str, str]] = field(default_factory=set)
    leftovers_after_kill: list[str] = field(default_factory=list)
    raw_after_kill: dict[str, object] = field(default_factory=dict)
    recovery_exit: int = -1
    recovery_output: str = ""
    recovery_seconds: float = 0.0


def _leftovers(warehouse_dir: Path) -> list[str]:
    published = warehouse_dir / "published"
    return sorted(path.name for path in published.rglob(f"{TEMPORARY_MARKER}*"))


def _working_db_grew(working_db: Path, start: tuple[int, int]) -> Callable[[], bool]:
    """True once the loader committed a file: the database or its WAL grew past the start."""
    wal = working_db.with_name(working_db.name + ".wal")

    def grew() -> bool:
        wal_size = wal.stat().st_size if wal.exists() else 0
        return working_db.stat().st_size > start[0] or wal_size > start[1] + 64 * 1024

    return grew


def _raw_state(working_db: Path, scratch: Path) -> dict[str, object]:
    """raw.events and raw.file_loads as the kill left them, read from a copy (plus WAL)."""
    copy = scratch / "after-kill.duckdb"
    shutil.copy(working_db, copy)
    wal = working_db.with_name(working_db.name + ".wal")
    if wal.exists():
        shutil.copy(wal, copy.with_name(copy.name + ".wal"))
    with duckdb.connect(str(copy)) as connection:
        per_file = connection.execute(
            """
            select f.source_file, f.loaded, count(e.event_id)
            from raw.file_loads f left join raw.events e using (source_file)
            group by all order by 1
            """
        ).fetchall()
        (orphans,) = connection.execute(
            "select count(*) from raw.events "
            "where source_file not in (select source_file from raw.file_loads)"
        ).fetchone()
    return {"per_file": per_file, "orphan_events": orphans}


def _write_bulk_delivery(landing_dir: Path, scratch: Path) -> None:
    from orchestration.synthetic.generator import write_landing

    generated = scratch / "generated"
    write_landing(
        generated,
        target_events=2_500 * BULK_FILES,
        seed=5,
        start_date=date.fromisoformat(NEXT_DAY),
        days=1,
        events_per_file=2_500,
        file_prefix="bulk",
    )
    for path in generated.glob("bulk_*.jsonl"):
        shutil.move(path, landing_dir / path.name)


@pytest.fixture(scope="module", params=list(STEP_OF_STAGE))
def crash(request, handmade_warehouse: Settings, tmp_path_factory) -> Crash:
    stage = request.param
    scratch = tmp_path_factory.mktemp(f"crash-{stage.replace(' ', '-')}")
    warehouse_dir = copy_baseline(handmade_warehouse, scratch / "warehouse")
    if stage == "load":
        _write_bulk_delivery(warehouse_dir / "landing", scratch)
    crash = Crash(stage, warehouse_dir, before=published_digests(warehouse_dir))
    working_db = warehouse_dir / "work" / "warehouse.duckdb"

    pause, paused = {}, scratch / PAUSED_MARKER
    if stage in ("validation", "publish"):
        pause, paused = pause_environment(stage, scratch)
    run = RealRun(warehouse_dir, scratch / "killed-run", NEXT_DAY, **pause)
    step = STEP_OF_STAGE[stage]
    if stage == "load":
        run.wait_until(lambda: run.step_started(step), "the load step starting")
        start = (working_db.stat().st_size, 0)
        run.wait_until(_working_db_grew(working_db, start), "a landing file committed")
    elif stage == "dbt build":
        log = warehouse_dir / "logs" / f"refresh-{NEXT_DAY}.log"
        run.wait_until(
            lambda: (
                log.exists() and "model intermediate.int_sessions_aggregated" in log.read_text()
            ),
            "dbt building int_sessions_aggregated",
        )
    elif stage == "validation":
        run.wait_until(paused.exists, "the first mart's validation starting")
    else:
        run.wait_until(paused.exists, "every staged file written, before the first rename")
    run.kill()

    crash.after_kill = published_digests(warehouse_dir)
    crash.readable_after_kill = published_session_counts(warehouse_dir)
    crash.steps_after_kill = run.step_events()
    crash.leftovers_after_kill = _leftovers(warehouse_dir)
    crash.raw_after_kill = _raw_state(working_db, scratch)

    with pipeline_environment(warehouse_dir) as settings:
        started = time.monotonic()
        crash.recovery_exit, crash.recovery_output = run_in_process(settings, NEXT_DAY)
        crash.recovery_seconds = time.monotonic() - started
    return crash


def test_the_run_was_killed_inside_the_stage(crash: Crash):
    step = STEP_OF_STAGE[crash.stage]
    assert ("STEP_START", step) in crash.steps_after_kill
    assert ("STEP_SUCCESS", step) not in crash.steps_after_kill
    if crash.stage != "publish":
        assert ("STEP_START", "published_marts") not in crash.steps_after_kill


def test_published_files_are_byte_identical_after_the_kill(crash: Crash):
    assert crash.after_kill == crash.before


def test_published_database_and_parquet_stay_readable_after_the_kill(crash: Crash):
    assert crash.readable_after_kill == (5, 5)


def test_each_landing_file_is_loaded_whole_or_not_at_all_when_the_run_dies(crash: Crash):
    per_file = crash.raw_after_kill["per_file"]
    assert crash.raw_after_kill["orphan_events"] == 0
    for source_file, loaded, events in per_file:
        assert loaded == events, source_file
    if crash.stage == "load":
        bulk_loaded = [row for row in per_file if row[0].startswith("bulk_")]
        # The kill came after the first committed file and before the step finished.
        assert 1 <= len(bulk_loaded) < BULK_FILES, per_file


def test_a_kill_while_publishing_leaves_only_temporary_files_behind(crash: Crash):
    if crash.stage == "publish":
        # The staged database (with its WAL if the kill beat the detach) and a staged Parquet
        # file per mart; the real names were not touched (see the byte-identity test).
        leftovers = crash.leftovers_after_kill
        assert sum(name.endswith(".duckdb") for name in leftovers) == 1, leftovers
        assert sum(name.endswith(".parquet") for name in leftovers) >= len(
            manifest_published_marts()
        )
    else:
        assert crash.leftovers_after_kill == []


def test_the_next_normal_run_publishes_without_manual_steps(crash: Crash):
    assert crash.recovery_exit == 0, crash.recovery_output


def test_the_next_run_loads_every_landing_file_exactly_once(crash: Crash):
    landing = sorted(path.name for path in (crash.warehouse_dir / "landing").glob("*.jsonl"))
    with duckdb.connect(
        str(crash.warehouse_dir / "work" / "warehouse.duckdb"), read_only=True
    ) as connection:
        loaded = [
            name
            for (name,) in connection.execute(
                "select source_file from raw.file_loads order by source_file"
            ).fetchall()
        ]
    assert loaded == landing


def test_the_next_run_publishes_the_right_numbers(crash: Crash):
    expected_sessions = len(landing_session_ids(crash.warehouse_dir / "landing"))
    if crash.stage != "load":  # the load case adds the generated sessions of its bulk files
        assert expected_sessions == 6  # S1-S5 and S6
    published = crash.warehouse_dir / "published"
    with duckdb.connect(str(published / "metrics.duckdb"), read_only=True) as connection:
        (sessions,) = connection.execute("select count(*) from fct_sessions").fetchone()
        baseline_sessions = ", ".join(f"'{pseudonym(s)}'" for s in BASELINE_RESOLUTION_KINDS)
        kinds = dict(
            with_upstream_ids(
                connection.execute(
                    "select session_id, resolution_kind from fct_sessions "
                    f"where session_id in ({baseline_sessions})"
                ).fetchall(),
                BASELINE_RESOLUTION_KINDS,
            )
        )
        s6 = connection.execute(
            "select resolution_kind, first_response_seconds, time_to_resolution_seconds "
            f"from fct_sessions where session_id = '{pseudonym('S6')}'"
        ).fetchall()
        (parquet_sessions,) = connection.execute(
            f"select count(*) from '{published / 'parquet' / 'fct_sessions.parquet'}'"
        ).fetchone()
    assert sessions == parquet_sessions == expected_sessions
    assert kinds == BASELINE_RESOLUTION_KINDS
    assert s6 == [("autonomous", 45, 120)]
    if crash.stage != "load":
        chat = next(
            row for row in sessions_by_channel(published / "metrics.duckdb") if row[0] == "chat"
        )
        assert chat == ("chat", 3, pytest.approx(2 / 3), 40.0)


def test_no_temporary_files_are_left_after_the_next_run(crash: Crash):
    published = crash.warehouse_dir / "published"
    assert sorted(path.name for path in published.iterdir()) == [
        "metrics.duckdb",
        "parquet",
        "report.html",
    ]
    parquet = {path.name for path in (published / "parquet").iterdir()}
    assert {f"{mart}.parquet" for mart in manifest_published_marts()} <= parquet
    assert not [name for name in parquet if name.startswith(TEMPORARY_MARKER)]
