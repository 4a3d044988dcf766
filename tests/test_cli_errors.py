"""Mistakes a user can fix get one line naming what and where, exit code 2, no traceback:
through the real CLI, as a subprocess."""

from __future__ import annotations

from tests.conftest import cli_environment, run_cli


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
