"""Configuration mistakes get one clear line and a non-zero exit, never a stack trace."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.cli import main
from orchestration.defs.partitions import dbt_vars_for_partition
from orchestration.defs.sensors import landing_fingerprint
from orchestration.settings import (
    DEMO_DATA_MARKER,
    DEMO_PSEUDONYM_KEY,
    ConfigurationError,
    load_settings,
)


def test_paths_default_under_the_warehouse_folder(tmp_path: Path):
    settings = load_settings({"WAREHOUSE_DIR": str(tmp_path), "EMPATHY_PSEUDONYM_KEY": "k"})
    assert settings.landing_dir == tmp_path / "landing"
    assert settings.working_db == tmp_path / "work" / "warehouse.duckdb"
    assert settings.published_db == tmp_path / "published" / "metrics.duckdb"
    assert settings.parquet_dir == tmp_path / "published" / "parquet"


def test_landing_folder_can_live_elsewhere(tmp_path: Path):
    env = {
        "WAREHOUSE_DIR": str(tmp_path / "w"),
        "LANDING_DIR": str(tmp_path / "in"),
        "EMPATHY_PSEUDONYM_KEY": "k",
    }
    assert load_settings(env).landing_dir == tmp_path / "in"


def test_reject_share_limit_outside_zero_to_one_is_a_configuration_error(tmp_path: Path):
    env = {"WAREHOUSE_DIR": str(tmp_path), "EMPATHY_REJECT_SHARE_LIMIT": "5%"}
    with pytest.raises(ConfigurationError, match="EMPATHY_REJECT_SHARE_LIMIT='5%'"):
        load_settings(env)


def test_demo_key_is_used_only_for_demo_landing_data(tmp_path: Path):
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / DEMO_DATA_MARKER).write_text("demo")
    (landing / "a.jsonl").write_text("")
    assert load_settings({"WAREHOUSE_DIR": str(tmp_path)}).pseudonym_key == DEMO_PSEUDONYM_KEY


def test_real_landing_data_without_a_key_is_refused(tmp_path: Path):
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "a.jsonl").write_text("")
    with pytest.raises(ConfigurationError, match="EMPATHY_PSEUDONYM_KEY is not set"):
        load_settings({"WAREHOUSE_DIR": str(tmp_path)})


def test_run_on_a_missing_landing_folder_exits_2_with_the_path(tmp_path, monkeypatch, capsys):
    missing = tmp_path / "nowhere"
    monkeypatch.setenv("WAREHOUSE_DIR", str(tmp_path))
    monkeypatch.setenv("LANDING_DIR", str(missing))
    assert main(["run", "--no-demo"]) == 2
    error = capsys.readouterr().err
    assert error == f"error: landing folder {missing} does not exist (set LANDING_DIR)\n"


def test_partition_reaches_dbt_as_the_refresh_date_var():
    assert dbt_vars_for_partition("2026-10-05") == ["--vars", '{"refresh_date": "2026-10-05"}']
    assert dbt_vars_for_partition(None) == []


def test_sensor_fingerprint_changes_when_a_file_lands(tmp_path: Path):
    assert landing_fingerprint(tmp_path) is None
    (tmp_path / "notes.txt").write_text("not an event file")
    assert landing_fingerprint(tmp_path) is None
    (tmp_path / "a.jsonl").write_text("{}\n")
    first = landing_fingerprint(tmp_path)
    assert first is not None and first == landing_fingerprint(tmp_path)
    (tmp_path / "b.jsonl").write_text("{}\n")
    assert landing_fingerprint(tmp_path) != first


def test_dagster_instance_queues_warehouse_runs_one_at_a_time(tmp_path: Path, monkeypatch):
    from dagster import DagsterInstance

    from orchestration.cli import export_environment
    from orchestration.defs.schedules import WAREHOUSE_RUN_TAG, refresh_job

    # export_environment writes these into os.environ; monkeypatch restores them afterwards.
    for name in ("DAGSTER_HOME", "EMPATHY_WORKING_DB", "EMPATHY_PSEUDONYM_KEY"):
        monkeypatch.setenv(name, str(tmp_path / "dagster_home"))
    export_environment(
        load_settings({"WAREHOUSE_DIR": str(tmp_path), "EMPATHY_PSEUDONYM_KEY": "k"})
    )
    with DagsterInstance.get() as instance:
        limits = instance.get_concurrency_config().run_queue_config.tag_concurrency_limits
    assert limits == [{"key": WAREHOUSE_RUN_TAG, "limit": 1}]
    assert refresh_job.tags == {WAREHOUSE_RUN_TAG: "true"}


@pytest.mark.parametrize("blank_key", ["", "   ", "\t\n"])
def test_a_blank_pseudonym_key_is_refused_even_for_demo_data(tmp_path: Path, blank_key: str):
    env = {"WAREHOUSE_DIR": str(tmp_path), "EMPATHY_PSEUDONYM_KEY": blank_key}
    with pytest.raises(ConfigurationError) as refused:
        load_settings(env)
    assert str(refused.value) == (
        "EMPATHY_PSEUDONYM_KEY is blank. Set it to a secret string (identifiers are hashed "
        "with it before publishing), or unset it to run on demo data."
    )


def test_the_demo_key_set_explicitly_is_refused_for_real_landing_data(tmp_path: Path):
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "a.jsonl").write_text("")
    env = {"WAREHOUSE_DIR": str(tmp_path), "EMPATHY_PSEUDONYM_KEY": DEMO_PSEUDONYM_KEY}
    with pytest.raises(ConfigurationError) as refused:
        load_settings(env)
    assert "\n" not in str(refused.value)
    assert str(refused.value).startswith(
        f"EMPATHY_PSEUDONYM_KEY is the public demo key, and {landing} holds real (not demo) data."
    )
    # The same key on demo data stays accepted.
    (landing / DEMO_DATA_MARKER).write_text("demo")
    assert load_settings(env).pseudonym_key == DEMO_PSEUDONYM_KEY
