"""A run with nothing new says so and leaves the published version alone
(orchestration/nothing_new.py); anything new (a landing file, a seed, a full refresh) runs.

One terminal run publishes the hand-made day (tests/handmade_events.py); each test that runs
again works on a copy of that warehouse.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from orchestration.nothing_new import inputs_fingerprint, unchanged_publication
from orchestration.run_log import read_run_log
from orchestration.settings import SEEDS_DIR, load_settings
from tests.conftest import cli_environment, query, run_cli
from tests.handmade_events import DAY, event, write_deliveries

# A sixth session on the hand-made day, delivered after it was published.
NEW_DELIVERY = [
    event("n1-1", "session_started", "16:00:00", "N1", "customer", customer="c-n1", channel="chat"),
    event("n1-2", "message", "16:00:05", "N1", "customer", "Where is my order?", "c-n1", "chat"),
]


@pytest.fixture(scope="module")
def published_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse one terminal run published the hand-made day into."""
    warehouse_dir = tmp_path_factory.mktemp("nothing_new") / "warehouse"
    write_deliveries(warehouse_dir / "landing")
    first = run_cli(cli_environment(warehouse_dir), "run", "--partition", DAY, "--no-demo")
    assert first.returncode == 0, first.stdout + first.stderr
    return warehouse_dir


def copy_of(warehouse_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "warehouse"
    shutil.copytree(warehouse_dir, copy, symlinks=True)
    return copy


def published_files(warehouse_dir: Path) -> dict[str, bytes]:
    folder = warehouse_dir / "published"
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def published_version(warehouse_dir: Path) -> str:
    return query(warehouse_dir / "published" / "metrics.duckdb", "select version from publication")[
        0
    ][0]


def run_log_ids(warehouse_dir: Path) -> list[str]:
    return [row["run_id"] for row in read_run_log(warehouse_dir / "work" / "warehouse.duckdb")]


def test_a_second_run_on_unchanged_landing_says_nothing_new_and_keeps_the_published_version(
    published_once: Path, tmp_path: Path
):
    warehouse_dir = copy_of(published_once, tmp_path)
    env = cli_environment(warehouse_dir)
    before = published_files(warehouse_dir)
    runs_before = run_log_ids(warehouse_dir)
    version = published_version(warehouse_dir)

    second = run_cli(env, "run", "--partition", DAY, "--no-demo")

    assert second.returncode == 0, second.stdout + second.stderr
    # The kept version's day scorecard and paths follow, as after a run that publishes.
    lines = second.stdout.splitlines()
    assert lines[-1] == f"scorecard report:   {warehouse_dir / 'published' / 'report.html'}"
    assert lines[:1] == [
        f"nothing new for {DAY}: all 2 landing files are already loaded, no full refresh is "
        "pending, and the dbt project, seeds, code and settings are those of published version "
        f"{version} (published {version[:4]}-{version[4:6]}-{version[6:8]} "
        f"{version[9:11]}:{version[11:13]}:{version[13:15]} UTC), which is kept as it is"
    ]
    # No Dagster run: none recorded, no dbt invocation folder, no Dagster run in the instance.
    assert run_log_ids(warehouse_dir) == runs_before
    assert list(Path(env["DBT_TARGET_PATH"]).iterdir()) == []
    assert published_files(warehouse_dir) == before


def test_a_new_landing_file_runs_and_publishes_a_new_version(published_once: Path, tmp_path):
    warehouse_dir = copy_of(published_once, tmp_path)
    (warehouse_dir / "landing" / "2026-10-07_late.jsonl").write_text(
        "".join(json.dumps(new_event) + "\n" for new_event in NEW_DELIVERY)
    )
    version = published_version(warehouse_dir)
    runs_before = run_log_ids(warehouse_dir)

    rerun = run_cli(cli_environment(warehouse_dir), "run", "--partition", DAY, "--no-demo")

    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "nothing new" not in rerun.stdout
    assert "load: 1 new files (2 already loaded)" in rerun.stdout
    assert len(run_log_ids(warehouse_dir)) == len(runs_before) + 1
    assert published_version(warehouse_dir) != version
    sessions = query(
        warehouse_dir / "published" / "metrics.duckdb", "select count(*) from fct_sessions"
    )
    assert sessions == [(6,)]


def test_full_refresh_runs_even_with_nothing_new(published_once: Path, tmp_path: Path):
    warehouse_dir = copy_of(published_once, tmp_path)
    version = published_version(warehouse_dir)
    runs_before = run_log_ids(warehouse_dir)

    rerun = run_cli(
        cli_environment(warehouse_dir), "run", "--partition", DAY, "--no-demo", "--full-refresh"
    )

    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "load: 0 new files (2 already loaded)" in rerun.stdout
    assert len(run_log_ids(warehouse_dir)) == len(runs_before) + 1
    assert published_version(warehouse_dir) != version


def test_a_changed_seed_or_another_partition_is_not_nothing_new(published_once: Path):
    settings = load_settings(cli_environment(published_once))
    assert unchanged_publication(settings, inputs_fingerprint(settings, DAY)) is not None
    assert unchanged_publication(settings, inputs_fingerprint(settings, "2026-10-06")) is None
    seed = SEEDS_DIR / "sla_targets.csv"
    original = seed.read_bytes()
    try:
        seed.write_bytes(original + b"\n")
        changed_seed = inputs_fingerprint(settings, DAY)
    finally:
        seed.write_bytes(original)
    assert unchanged_publication(settings, changed_seed) is None
