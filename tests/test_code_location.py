"""`dagster dev` must load the code location with no errors: `dagster definitions validate`
loads it the same way (imports, dbt manifest, resources) without starting the web server.
And the code location's assets and sensors take the warehouse from its `settings` resource,
never from the environment of the process they run in."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from orchestration.settings import VENV_BIN, Settings, load_settings
from tests.conftest import pipeline_environment, query
from tests.handmade_events import DAY, event


def test_dagster_code_location_loads_without_errors(handmade_warehouse, tmp_path):
    with pipeline_environment(handmade_warehouse.warehouse_dir, DAGSTER_HOME=str(tmp_path)):
        completed = subprocess.run(
            [
                str(VENV_BIN / "dagster"),
                "definitions",
                "validate",
                "-m",
                "orchestration.definitions",
            ],
            capture_output=True,
            text=True,
            env={**os.environ, **handmade_warehouse.dbt_env()},
            check=False,
        )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-3000:]
    assert "All code locations passed validation." in output


def _warehouse_with_one_delivery(warehouse_dir: Path) -> Settings:
    """A warehouse whose landing folder holds one file of two events (one session), with a
    reject-share limit of 20%."""
    landing = warehouse_dir / "landing"
    landing.mkdir(parents=True)
    events = [
        event("r-1", "session_started", "09:00:00", "R1", "customer", channel="chat"),
        event("r-2", "message", "09:00:05", "R1", "customer", "Hello", channel="chat"),
    ]
    (landing / "day.jsonl").write_text("".join(json.dumps(item) + "\n" for item in events))
    return load_settings(
        {
            "WAREHOUSE_DIR": str(warehouse_dir),
            "EMPATHY_PSEUDONYM_KEY": "k",
            "EMPATHY_REJECT_SHARE_LIMIT": "0.2",
        }
    )


def _environment_pointing_at(monkeypatch: pytest.MonkeyPatch, decoy: Path) -> None:
    """Every warehouse variable names another folder: whatever reads them writes there."""
    for name in ("EMPATHY_WORKING_DB", "EMPATHY_PSEUDONYM_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WAREHOUSE_DIR", str(decoy))
    monkeypatch.setenv("LANDING_DIR", str(decoy / "landing"))
    monkeypatch.setenv("DAGSTER_HOME", str(decoy / "dagster_home"))
    monkeypatch.setenv("EMPATHY_REJECT_SHARE_LIMIT", "0.9")


def test_the_code_locations_assets_take_their_warehouse_from_the_settings_resource(
    handmade_warehouse, tmp_path, monkeypatch
):
    # Building the code location needs dbt's manifest, which the shared warehouse run prepared.
    from dagster import DagsterInstance

    from orchestration.defs.code_location import build_definitions
    from orchestration.defs.ingestion import REJECT_SHARE_CHECK, raw_events
    from orchestration.defs.schedules import REFRESH_JOB_NAME

    settings = _warehouse_with_one_delivery(tmp_path / "from-resource")
    decoy = tmp_path / "from-environment"
    _environment_pointing_at(monkeypatch, decoy)

    job = build_definitions(settings).resolve_job_def(REFRESH_JOB_NAME)
    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(
            partition_key=DAY,
            instance=instance,
            # the loader's multi-asset runs whole: every raw table it writes
            asset_selection=list(raw_events.keys),
        )

    assert result.success
    assert query(
        settings.working_db, "select source_file, received, loaded, rejected from raw.file_loads"
    ) == [("day.jsonl", 2, 2, 0)]
    (gate,) = [
        check
        for check in result.get_asset_check_evaluations()
        if check.check_name == REJECT_SHARE_CHECK
    ]
    assert gate.passed and "limit 20.0%" in gate.description  # the resource's limit, not 90%
    assert not decoy.exists()


def test_the_landing_sensor_watches_the_landing_folder_of_the_settings_resource(
    tmp_path, monkeypatch
):
    from dagster import RunRequest, build_sensor_context

    from orchestration.defs.sensors import landing_fingerprint, landing_folder_sensor

    settings = _warehouse_with_one_delivery(tmp_path / "from-resource")
    decoy = tmp_path / "from-environment"
    (decoy / "landing").mkdir(parents=True)  # exists, and empty: a sensor reading it skips
    _environment_pointing_at(monkeypatch, decoy)

    request = landing_folder_sensor(build_sensor_context(resources={"settings": settings}))

    assert isinstance(request, RunRequest)
    assert request.run_key == landing_fingerprint(settings.landing_dir)


def test_the_dbt_resource_knows_the_dbt_version_without_running_dbt_and_opens_no_adapter():
    """dagster-dbt would run `dbt --version` and open a dbt adapter for every dbt command
    (orchestration/defs/resources.py): the version it is told instead must be the one the
    project's dbt executable reports, and no adapter is opened."""
    from orchestration.defs.resources import dbt_resource
    from orchestration.settings import DBT_EXECUTABLE

    reported = subprocess.run(
        [str(DBT_EXECUTABLE), "--version"], capture_output=True, text=True, check=True
    ).stdout
    # "Core:\n  - installed: 1.11.16 ...": the first version number, as dagster-dbt reads it.
    assert f"installed: {dbt_resource._cli_version}" in reported
    assert dbt_resource._cli_version.major < 2  # dbt Core, not Fusion
    assert dbt_resource._initialize_dbt_core_adapter(["build"]) is None
