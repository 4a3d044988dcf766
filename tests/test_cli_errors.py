"""Mistakes a user can fix get one line naming what and where, exit code 2, no traceback:
through the real CLI, as a subprocess."""

from __future__ import annotations

import subprocess
import sys

from orchestration.preflight import DISK_RESERVE_BYTES
from orchestration.settings import PROJECT_ROOT
from tests.conftest import cli_environment, run_cli
from tests.handmade_events import DAY, write_deliveries


def _run(env):
    completed = run_cli(env, "run", "--partition", "2026-10-05", "--no-demo")
    assert "Traceback" not in completed.stdout + completed.stderr
    assert completed.stdout == ""
    return completed.returncode, completed.stderr


def test_missing_landing_folder_names_the_folder_and_the_variable(tmp_path):
    missing = tmp_path / "deliveries"
    env = cli_environment(tmp_path / "warehouse", LANDING_DIR=str(missing))
    assert _run(env) == (2, f"error: landing folder {missing} does not exist (set LANDING_DIR)\n")


def test_reject_share_limit_that_is_not_a_number_is_named_with_its_value(tmp_path):
    (tmp_path / "landing").mkdir()
    env = cli_environment(tmp_path, EMPATHY_REJECT_SHARE_LIMIT="abc")
    assert _run(env) == (
        2,
        "error: EMPATHY_REJECT_SHARE_LIMIT='abc' is not a share between 0 and 1 (e.g. 0.05 "
        "blocks publishing when more than 5% of a delivery is rejected).\n",
    )


def test_warehouse_folder_that_is_a_file_is_named(tmp_path):
    warehouse_file = tmp_path / "warehouse.duckdb"
    warehouse_file.write_text("not a folder")
    env = cli_environment(warehouse_file, LANDING_DIR=str(tmp_path))
    assert _run(env) == (
        2,
        f"error: WAREHOUSE_DIR={warehouse_file} is a file, not a folder. Point WAREHOUSE_DIR "
        "at a folder (it is created if missing).\n",
    )


def test_landing_folder_inside_a_file_is_named(tmp_path):
    not_a_folder = tmp_path / "export.csv"
    not_a_folder.write_text("a,b\n")
    env = cli_environment(tmp_path / "warehouse", LANDING_DIR=str(not_a_folder / "today"))
    assert _run(env) == (
        2,
        f"error: LANDING_DIR={not_a_folder / 'today'} is inside {not_a_folder}, which is a "
        "file, not a folder. Point LANDING_DIR at a folder (it is created if missing).\n",
    )


def _run_partition(env, partition):
    completed = run_cli(env, "run", "--partition", partition, "--no-demo")
    assert "Traceback" not in completed.stdout + completed.stderr
    return completed.returncode, completed.stderr


def test_partition_that_is_not_a_day_gets_one_line(tmp_path):
    (tmp_path / "landing").mkdir()
    env = cli_environment(tmp_path)
    for partition in ("2024-13-40", "20261005", "2026-10-5", "yesterday"):
        assert _run_partition(env, partition) == (
            2,
            f"error: --partition {partition!r} is not a day: write it as YYYY-MM-DD, "
            "e.g. 2026-10-05\n",
        )


def test_partition_outside_the_daily_partitions_gets_one_line(tmp_path):
    (tmp_path / "landing").mkdir()
    env = cli_environment(tmp_path)
    returncode, error = _run_partition(env, "2023-12-31")
    assert returncode == 2
    assert error.startswith(
        "error: --partition 2023-12-31 is outside the daily partitions: choose a day from "
        "2024-01-01 to today ("
    )
    assert _run_partition(env, "9999-01-01")[0] == 2


def test_an_empty_landing_folder_the_user_set_is_an_error_not_demo_data(tmp_path):
    deliveries = tmp_path / "deliveries"
    deliveries.mkdir()
    env = cli_environment(tmp_path / "warehouse", LANDING_DIR=str(deliveries))
    completed = run_cli(env, "run", "--partition", "2026-10-05")
    assert (completed.returncode, completed.stderr) == (
        2,
        f"error: LANDING_DIR={deliveries} holds no files to load (.jsonl.gz, .jsonl, .parquet, "
        ".csv); deliver the exports there, or unset LANDING_DIR to run on generated demo data\n",
    )
    assert list(deliveries.iterdir()) == []


def _in_a_mount_namespace(env, tmpfs_options: str, mount_point, script: str):
    """Runs `script` (sh) with a fresh tmpfs on `mount_point`, in a private mount namespace of
    its own (unshare: the test needs no root and changes no mount outside the namespace)."""
    mount_point.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [
            "unshare",
            "--map-root-user",
            "--mount",
            "sh",
            "-c",
            f"mount -t tmpfs -o {tmpfs_options} tmpfs '{mount_point}' && {script}",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


CLI = f"'{sys.executable}' -m orchestration run --partition {DAY} --no-demo"
RUN_LOG = (
    f"'{sys.executable}' -c \"import duckdb, os; print(duckdb.connect(os.path.join("
    "os.environ['WAREHOUSE_DIR'], 'work', 'warehouse.duckdb'), read_only=True).sql("
    "'select outcome, outcome_detail from "
    "ops.refresh_runs').fetchall())\""
)


def test_read_only_warehouse_disk_gets_one_line(tmp_path):
    write_deliveries(tmp_path / "landing")
    warehouse = tmp_path / "warehouse"
    env = cli_environment(warehouse, LANDING_DIR=str(tmp_path / "landing"))
    completed = _in_a_mount_namespace(env, "ro,size=64m", warehouse, CLI)
    assert "Traceback" not in completed.stdout + completed.stderr
    assert (completed.returncode, completed.stdout, completed.stderr) == (
        2,
        "",
        f"error: cannot write to {warehouse} (Read-only file system): make the folder "
        "writable, or point WAREHOUSE_DIR at a folder on a writable disk\n",
    )


def test_a_disk_too_full_to_start_is_refused_before_anything_is_written(tmp_path):
    write_deliveries(tmp_path / "landing")
    warehouse = tmp_path / "warehouse"
    env = cli_environment(warehouse, LANDING_DIR=str(tmp_path / "landing"))
    completed = _in_a_mount_namespace(env, "size=8m", warehouse, f"{CLI}; ls -A '{warehouse}'")
    assert "Traceback" not in completed.stdout + completed.stderr
    assert completed.stderr == (
        f"error: the disk holding {warehouse} has 8 MB free and a refresh needs at least 256 MB: "
        "free some space, or point WAREHOUSE_DIR at a larger disk (EMPATHY_MIN_FREE_DISK_MB "
        "sets the floor)\n"
    )
    # The probes leave the folders they checked, and nothing else.
    assert completed.stdout.split() == ["published", "work"]


def test_a_disk_that_fills_up_during_the_run_gets_one_line_and_the_run_log_records_it(
    tmp_path, handmade_warehouse
):
    """The disk gets half the room the hand-made run takes (measured on the shared warehouse),
    plus the reserve that lets the failure be recorded, so the run dies in the middle."""
    footprint = sum(
        path.stat().st_size
        for path in handmade_warehouse.warehouse_dir.rglob("*")
        if path.is_file()
    )
    size_kb = (DISK_RESERVE_BYTES + footprint // 2) // 1024
    write_deliveries(tmp_path / "landing")
    warehouse = tmp_path / "warehouse"
    env = cli_environment(
        warehouse, LANDING_DIR=str(tmp_path / "landing"), EMPATHY_MIN_FREE_DISK_MB="1"
    )
    completed = _in_a_mount_namespace(
        env, f"size={size_kb}k", warehouse, f"{CLI}; echo exit $?; {RUN_LOG}"
    )
    message = (
        f"the disk holding {warehouse} is full (no space left on device): free some space and "
        "run again; the published version is unchanged"
    )
    assert "Traceback" not in completed.stdout + completed.stderr
    assert completed.stderr == f"error: {message}\n"
    lines = completed.stdout.splitlines()
    # the progress lines of the stages that ran, then the exit code and the run log's row
    assert lines[0] == f"refreshing {DAY}; full log: {warehouse / 'logs' / f'refresh-{DAY}.log'}"
    assert lines[-2:] == ["exit 2", str([("failed", f"failed: {message}")])]
