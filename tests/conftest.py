"""Shared fixtures: the hand-made warehouse is built once per test session and only read after.

Every dbt or Dagster invocation costs seconds of fixed overhead, so tests that only read the
result share one real run of the whole job instead of building their own.
"""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import hmac
import json
import os
import pickle
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import pytest

# Every warehouse of the tests (DuckDB files, Dagster's SQLite event log, dbt's artifacts)
# lives in memory where the machine has a tmpfs: each run syncs its files to disk hundreds of
# times, which made a hand-made run about twice as slow on disk. tmp_path, tmp_path_factory,
# tempfile and the subprocesses (TMPDIR) all follow; pyproject.toml keeps only failed tests'
# folders, so a session does not leave its warehouses in memory.
MEMORY_TEMP_ROOT = Path("/dev/shm")
if MEMORY_TEMP_ROOT.is_dir() and os.access(MEMORY_TEMP_ROOT, os.W_OK | os.X_OK):
    os.environ["TMPDIR"] = tempfile.tempdir = str(MEMORY_TEMP_ROOT)

# Before anything imports the settings: this session's dbt artifacts go to a folder of its
# own, so two test sessions (or a test run beside `make run`) never share target/, and each
# pytest-xdist worker has its own inside the run's (dbt runs of two workers must not share
# one). Only the process that made the run's folder removes it, at its end: a worker that
# finishes first must not take away artifacts a warehouse built_once() hands on refers to.
if "PYTEST_XDIST_WORKER" in os.environ:
    SESSION_DBT_DIR = Path(os.environ["PYTEST_EMPATHY_RUN_DIR"]) / os.environ["PYTEST_XDIST_WORKER"]
    SESSION_DBT_DIR.mkdir(exist_ok=True)  # a child process (tests/spark_build.py) imports it too
else:
    SESSION_DBT_DIR = Path(tempfile.mkdtemp(prefix="dbt-session-"))
    os.environ["PYTEST_EMPATHY_RUN_DIR"] = str(SESSION_DBT_DIR)  # the workers' environment
    atexit.register(shutil.rmtree, SESSION_DBT_DIR, ignore_errors=True)
os.environ["DBT_TARGET_PATH"] = str(SESSION_DBT_DIR / "target")
os.environ["DBT_LOG_PATH"] = os.environ["DBT_TARGET_PATH"]

from orchestration.settings import DBT_TARGET_DIR, Settings, load_settings  # noqa: E402
from tests.handmade_events import DAY, write_deliveries  # noqa: E402

# Distinctive, so a scan of dbt's artifacts and the logs for it cannot match by accident.
TEST_PSEUDONYM_KEY = "test-pseudonym-key-5e1f0c"


def pseudonym(upstream_id: str, key: str = TEST_PSEUDONYM_KEY) -> str:
    """What the warehouse publishes for an upstream id (session, event, customer, actor): its
    HMAC-SHA256 under the key, as the pseudonymise macro computes it on every engine."""
    return hmac.new(key.encode(), upstream_id.encode(), hashlib.sha256).hexdigest()


def with_upstream_ids(rows: list[tuple], upstream_ids) -> list[tuple]:
    """`rows` with every value that is the pseudonym of one of `upstream_ids` replaced by that
    upstream id, sorted: comparable with rows written down with upstream ids."""
    by_pseudonym = {pseudonym(upstream_id): upstream_id for upstream_id in upstream_ids}
    return sorted(
        tuple(by_pseudonym.get(value, value) if isinstance(value, str) else value for value in row)
        for row in rows
    )


@contextmanager
def pipeline_environment(warehouse_dir: Path, **extra: str) -> Iterator[Settings]:
    """Points the pipeline (settings, dbt, Dagster instance) at one warehouse folder."""
    variables = {
        "WAREHOUSE_DIR": str(warehouse_dir),
        "EMPATHY_PSEUDONYM_KEY": TEST_PSEUDONYM_KEY,
        "DAGSTER_HOME": str(warehouse_dir / "dagster_home"),
        **extra,
    }
    with pytest.MonkeyPatch.context() as patch:
        for name in ("LANDING_DIR", "EMPATHY_REJECT_SHARE_LIMIT"):
            patch.delenv(name, raising=False)
        for name, value in variables.items():
            patch.setenv(name, value)
        Path(variables["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
        yield load_settings()


@cache
def parsed_manifest() -> Mapping[str, Any]:
    """This session's dbt manifest, as the code location reads it; `dbt parse` first when no
    run has written it yet (at collection time nothing has)."""
    from orchestration.cli import prepare_dbt_manifest
    from orchestration.defs.manifest import load_manifest
    from orchestration.defs.resources import dbt_project

    if not Path(dbt_project.manifest_path).exists():
        warehouse_dir = Path(tempfile.mkdtemp(prefix="manifest-", dir=SESSION_DBT_DIR))
        with pipeline_environment(warehouse_dir) as settings:
            prepare_dbt_manifest(settings)
    return load_manifest()


def manifest_published_marts() -> tuple[str, ...]:
    """The marts the dbt project declares published: what tests iterate over."""
    from orchestration.publish import published_mart_names

    return published_mart_names(parsed_manifest())


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test taking `published_mart` runs once per published mart of the dbt project."""
    if "published_mart" in metafunc.fixturenames:
        metafunc.parametrize("published_mart", manifest_published_marts())


Built = TypeVar("Built")


def built_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], Built]
) -> Built:
    """A session fixture's warehouse, built by `build` into a folder of its own, once per test
    run: `make test` runs the modules on several pytest-xdist workers (processes), and the
    first worker that needs it builds it while the others wait on a lock, then read it too.

    The folder is beside the workers' own (in the run's base folder, removed with it), so a
    worker that finishes first takes nothing away from the others. The fixture's value is
    handed over pickled; a build that failed is retried by the next worker (and fails again)."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return build(tmp_path_factory.mktemp(name))
    shared = tmp_path_factory.getbasetemp().parent / "shared"
    shared.mkdir(exist_ok=True)
    value_file = shared / f"{name}.pickle"
    with (shared / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not value_file.exists():
            folder = shared / name
            shutil.rmtree(folder, ignore_errors=True)  # a failed build's leftovers
            folder.mkdir()
            value_file.write_bytes(pickle.dumps(build(folder)))
        return pickle.loads(value_file.read_bytes())


@pytest.fixture(scope="session")
def handmade_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The whole Dagster job, run for real on tests/handmade_events.py; read-only afterwards."""
    from orchestration.cli import run_refresh

    def build(warehouse_dir: Path) -> Settings:
        write_deliveries(warehouse_dir / "landing")
        with pipeline_environment(warehouse_dir) as settings:
            outcome = run_refresh(settings, DAY)
            assert outcome.published, outcome.problems
        return settings

    return built_once(tmp_path_factory, "handmade_warehouse", build)


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    """An empty landing folder, for loader tests."""
    folder = tmp_path / "landing"
    folder.mkdir()
    return folder


@pytest.fixture
def database(tmp_path: Path) -> Path:
    """Where a loader test's working database goes (not created yet)."""
    return tmp_path / "work" / "warehouse.duckdb"


def query(database: Path, sql: str) -> list[tuple]:
    import duckdb

    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def load_source_landing(landing: Path, database: Path, sources: tuple[str, ...]):
    """The loader alone on a landing folder whose source folders are `sources`."""
    from orchestration.ingest import load_landing
    from tests.test_loader import NOW

    return load_landing(landing, database, now=NOW, sources=sources)


def secrets_in_published(published_db: Path, secrets: list[str]) -> list[str]:
    """`table: secret` for every secret found in any row of any table of the published file."""
    import duckdb

    found = []
    with duckdb.connect(str(published_db), read_only=True) as connection:
        tables = connection.execute(
            "select schema_name, table_name from duckdb_tables()"
        ).fetchall()
        for schema, table in tables:
            for row in connection.execute(f'select * from "{schema}"."{table}"').fetchall():
                text = repr(row)
                found += [f"{table}: {secret}" for secret in secrets if secret in text]
    return found


def parquet_query(sql: str, parameters: tuple = ()) -> list[tuple]:
    """Rows of a query over Parquet files, on a connection of its own: a `fetchone()` on
    duckdb's process-wide default connection leaves a result open that fails the next query
    on it, whichever test makes that query."""
    import duckdb

    with duckdb.connect() as connection:
        return connection.execute(sql, list(parameters)).fetchall()


def sessions_by_channel(published_db: Path) -> list[tuple]:
    """(channel, sessions, resolution rate, median first-response seconds) of fct_sessions."""
    return query(
        published_db,
        """
        select
            channel,
            count(*),
            avg(case when is_resolved then 1.0 else 0.0 end),
            median(first_response_seconds)
        from fct_sessions
        group by channel
        order by channel
        """,
    )


@pytest.fixture
def published(handmade_warehouse: Settings):
    return lambda sql: query(handmade_warehouse.published_db, sql)


@pytest.fixture
def working(handmade_warehouse: Settings):
    return lambda sql: query(handmade_warehouse.working_db, sql)


def cli_environment(warehouse_dir: Path, **extra: str) -> dict[str, str]:
    """The environment a terminal user would have: one warehouse, its own Dagster and dbt
    folders, a pseudonym key (pass EMPATHY_PSEUDONYM_KEY="" to leave it out)."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("LANDING_DIR", "EMPATHY_REJECT_SHARE_LIMIT")
        and not name.startswith(("EMPATHY_", "DAGSTER_"))
    }
    env.update(
        WAREHOUSE_DIR=str(warehouse_dir),
        EMPATHY_PSEUDONYM_KEY=TEST_PSEUDONYM_KEY,
        DAGSTER_HOME=str(warehouse_dir / "dagster_home"),
        DBT_TARGET_PATH=tempfile.mkdtemp(prefix="target-cli-", dir=SESSION_DBT_DIR),
        DBT_LOG_PATH=os.environ["DBT_LOG_PATH"],
    )
    env.update(extra)
    return {name: value for name, value in env.items() if value != ""}


def run_cli(env: dict[str, str], *arguments: str):
    """`python -m orchestration <arguments>` as a user runs it, in a subprocess."""
    import subprocess
    import sys

    from orchestration.settings import PROJECT_ROOT

    return subprocess.run(
        [sys.executable, "-m", "orchestration", *arguments],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


GENERATED_START = "2026-10-01"
GENERATED_DAYS = 3
GENERATED_PARTITION = "2026-10-03"


@pytest.fixture(scope="session")
def generated_warehouse(tmp_path_factory: pytest.TempPathFactory):
    """The whole job once on generated events (with e-mails, phones and card numbers in the
    customer texts) plus tests/conftest.PRIVACY_EXAMPLE and PLANTED_DELIVERY; read-only
    afterwards.

    Returns the settings and the run outcome (with its run-log row)."""
    from datetime import date

    from orchestration.cli import run_refresh
    from orchestration.synthetic.generator import write_landing

    def build(warehouse_dir: Path):
        landing = warehouse_dir / "landing"
        write_landing(
            landing,
            target_events=4000,
            seed=11,
            start_date=date.fromisoformat(GENERATED_START),
            days=GENERATED_DAYS,
        )
        (landing / "privacy_example.jsonl").write_text(
            "".join(json.dumps(event) + "\n" for event in PRIVACY_EXAMPLE)
        )
        (landing / "planted_personal_data.jsonl").write_text(
            "".join(json.dumps(event) + "\n" for event in PLANTED_DELIVERY)
        )
        with pipeline_environment(warehouse_dir) as settings:
            outcome = run_refresh(settings, GENERATED_PARTITION)
            assert outcome.published, outcome.problems
        # dbt's artifacts and log of the run, where a user's run keeps them ($WAREHOUSE_DIR/dbt):
        # tests/test_privacy.py scans them from whichever worker it runs on.
        shutil.copytree(DBT_TARGET_DIR, warehouse_dir / "dbt" / "target")
        return settings, outcome

    return built_once(tmp_path_factory, "generated_warehouse", build)


@dataclass(frozen=True)
class LateDataWarehouses:
    incremental: Path  # one run per day, each after that day's files landed
    rebuilt: Path  # every file at once, one run for the last day
    incremental_outcomes: tuple  # the incremental warehouse's runs, day by day
    # Per incremental run: the refresh days its dbt build compiled into int_sessions_aggregated,
    # and whether its `dbt parse` had to parse the whole project (tests/test_late_data.py).
    incremental_dbt_runs: tuple[tuple[tuple[str, ...], bool], ...] = ()


def dbt_run_of_last_refresh(parse_log_offset: int) -> tuple[tuple[str, ...], bool]:
    """The refresh days compiled into the newest dbt build's int_sessions_aggregated, and
    whether dbt's log past `parse_log_offset` (bytes) says it parsed the whole project."""
    import re

    from orchestration.settings import DBT_LOG_DIR, DBT_TARGET_DIR

    newest = max(DBT_TARGET_DIR.glob("warehouse_dbt_models-*"), key=lambda f: f.stat().st_mtime_ns)
    compiled = next(newest.glob("compiled/*/models/intermediate/int_sessions_aggregated.sql"))
    days = tuple(
        sorted(set(re.findall(r"cast\('(\d{4}-\d\d-\d\d)' as timestamp\)", compiled.read_text())))
    )
    with open(DBT_LOG_DIR / "dbt.log", "rb") as log:
        log.seek(parse_log_offset)
        full_parse = b"Unable to do partial parsing" in log.read()
    return days, full_parse


def dbt_log_size() -> int:
    from orchestration.settings import DBT_LOG_DIR

    log = DBT_LOG_DIR / "dbt.log"
    return log.stat().st_size if log.exists() else 0


@pytest.fixture(scope="session")
def late_data_warehouses(tmp_path_factory: pytest.TempPathFactory) -> LateDataWarehouses:
    """The job on tests/late_data_deliveries.py, day by day and all at once (what
    tests/test_late_data.py compares); read-only afterwards. Its later runs are the honest
    late-data runs tests/test_metric_change.py starts from (on a copy)."""
    from orchestration.cli import run_refresh
    from tests.late_data_deliveries import DAYS, write_late_data_deliveries

    def build(root: Path) -> LateDataWarehouses:
        deliveries = write_late_data_deliveries(root / "deliveries")

        incremental = root / "incremental"
        (incremental / "landing").mkdir(parents=True)
        outcomes, dbt_runs = [], []
        with pipeline_environment(incremental) as settings:
            for day in DAYS:
                for path in deliveries[day]:
                    shutil.copy(path, settings.landing_dir / path.name)
                log_offset = dbt_log_size()
                outcomes.append(run_refresh(settings, day))
                assert outcomes[-1].published, (day, outcomes[-1].problems)
                dbt_runs.append(dbt_run_of_last_refresh(log_offset))

        rebuilt = root / "rebuilt"
        shutil.copytree(root / "deliveries", rebuilt / "landing")
        with pipeline_environment(rebuilt) as settings:
            outcome = run_refresh(settings, DAYS[-1])
            assert outcome.published, outcome.problems
        return LateDataWarehouses(incremental, rebuilt, tuple(outcomes), tuple(dbt_runs))

    return built_once(tmp_path_factory, "late_data", build)


@pytest.fixture(scope="session")
def chromium():
    """Debian's headless Chromium driven by Playwright, once per test session (.ci/install-chromium
    installs it; Playwright's own browser downloads are never used). Each test opens its own page
    with `chromium.new_page()` and closes it."""
    import shutil

    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    assert executable, "Chromium is missing: `bash .ci/install-chromium` installs it"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        yield browser
        browser.close()


# One session whose customer text holds each kind of personal data, with its redaction worked
# out by hand in tests/test_privacy.py.
PRIVACY_EXAMPLE_TEXT = (
    "Hi, I'm jane.doe+billing@example.co.uk, call me on +44 (20) 7946-0958 or 020 7946 0958. "
    "Card 4111-1111-1111-1111 was charged twice on 2026-10-02, order 12345."
)
PRIVACY_EXAMPLE = [
    {
        "event_id": "p-1",
        "event_type": "session_started",
        "occurred_at": "2026-10-03T10:00:00Z",
        "session_id": "P1",
        "customer_id": "c-hand-1",
        "channel": "chat",
        "actor_type": "customer",
        "attributes": {"language": "en"},
    },
    {
        "event_id": "p-2",
        "event_type": "message",
        "occurred_at": "2026-10-03T10:00:05Z",
        "session_id": "P1",
        "customer_id": "c-hand-1",
        "channel": "chat",
        "actor_type": "customer",
        "text": PRIVACY_EXAMPLE_TEXT,
    },
]


# Personal data planted in every field of the event contract a delivery can fill: each envelope
# string and each attribute key stg_support__events reads (tests/test_privacy.py checks that
# list against the model). Each planted value holds all four tokens, so a scan for any token
# finds any leak. Tokens used nowhere else (not in the dbt unit test fixtures), so a hit is a leak.
PLANTED_NAME = "Zebedee Quixote"
PLANTED_EMAIL = "zebedee.quixote@example.com"
PLANTED_PHONE = "+44 161 496 0753"
PLANTED_CARD = "5555 5555 5555 4444"
PLANTED_TOKENS = (PLANTED_NAME, PLANTED_EMAIL, PLANTED_PHONE, PLANTED_CARD)


def planted(field: str) -> str:
    """A value for `field` that holds a name, an e-mail, a phone and a card number."""
    return f"{field} of {PLANTED_NAME} <{PLANTED_EMAIL}>, {PLANTED_PHONE}, card {PLANTED_CARD}"


def _planted_event(number: int, event_type: str, minute: int, actor_type: str, **fields):
    actor_ids = {"customer": "customer", "bot": "bot", "agent": "agent", "system": "reviewer"}
    return {
        "event_id": planted(f"event {number}"),
        "event_type": event_type,
        "occurred_at": f"2026-10-03T11:{minute:02d}:00Z",
        "session_id": planted("session"),
        "customer_id": planted("customer"),
        "channel": "chat",
        "actor_type": actor_type,
        "actor_id": planted(actor_ids[actor_type]),
        **fields,
    }


PLANTED_BOT_MESSAGE = _planted_event(
    3,
    "message",
    2,
    "bot",
    text=planted("bot text"),
    attributes={
        "model_version": planted("model_version"),
        "prompt_id": planted("prompt_id"),
        "tone_tags": ["apologetic", planted("tone tag")],
        "confidence": planted("confidence"),
        "has_next_step": planted("has_next_step"),
        "human_edited": planted("human_edited"),
        "human_approved": planted("human_approved"),
    },
)
PLANTED_DELIVERY = [
    _planted_event(
        1,
        "session_started",
        0,
        "customer",
        attributes={
            "language": planted("language"),
            "variant": {
                "model_version": planted("variant model_version"),
                "prompt_id": planted("variant prompt_id"),
            },
        },
    ),
    _planted_event(
        2,
        "message",
        1,
        "customer",
        text=planted("customer text"),
        attributes={"is_rephrase": planted("is_rephrase"), "sentiment": planted("sentiment")},
    ),
    PLANTED_BOT_MESSAGE,
    _planted_event(
        4,
        "intent_classified",
        3,
        "system",
        attributes={
            "intent": planted("intent"),
            "severity": planted("severity"),
            "confidence": planted("confidence"),
        },
    ),
    _planted_event(
        5,
        "escalated",
        4,
        "bot",
        attributes={
            "reason": planted("handoff reason"),
            "summary": {
                part: planted(part)
                for part in (
                    "issue_summary",
                    "customer_emotion",
                    "attempted_solutions",
                    "metadata",
                )
            },
        },
    ),
    _planted_event(
        6,
        "message",
        5,
        "agent",
        text=planted("agent text"),
        attributes={"visibility": planted("visibility")},
    ),
    _planted_event(
        7,
        "resolved",
        6,
        "agent",
        attributes={
            "resolved_by": planted("resolved_by"),
            "confirmed_by_customer": planted("confirmed_by_customer"),
        },
    ),
    _planted_event(8, "feedback_submitted", 7, "customer", attributes={"kind": planted("kind")}),
    _planted_event(
        9, "feedback_submitted", 8, "customer", attributes={"kind": "micro", "answer": planted("a")}
    ),
    _planted_event(
        10,
        "feedback_submitted",
        9,
        "customer",
        attributes={"kind": "csat", "scale": planted("scale"), "score": planted("s")},
    ),
    _planted_event(11, "reopened", 10, "customer", attributes={"reason": planted("reopen")}),
    _planted_event(12, "session_closed", 11, "system", attributes={"reason": planted("close")}),
    _planted_event(
        13,
        "qa_review",
        12,
        "system",
        attributes={
            "target_message_id": PLANTED_BOT_MESSAGE["event_id"],
            "scores": {
                dimension: planted(dimension)
                for dimension in (
                    "acknowledgement",
                    "clarity",
                    "reassurance",
                    "accountability",
                    "appropriateness",
                )
            },
        },
    ),
    # An event type nobody mapped: it reaches mon_unmapped_event_types.
    _planted_event(14, planted("event_type"), 13, "system"),
    # A channel is any label: this one loads and reaches mon_unmapped_channels as 'unrecognised'.
    {**_planted_event(15, "message", 14, "customer"), "channel": planted("channel")},
    # The actor type is vocabulary-restricted by the loader: this record is rejected
    # (raw.rejected_events keeps it in the working database, which is not published).
    {**_planted_event(16, "message", 15, "customer"), "actor_type": planted("actor_type")},
]
