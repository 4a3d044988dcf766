"""`dagster dev` must load the code location with no errors: `dagster definitions validate`
loads it the same way (imports, dbt manifest, resources) without starting the web server."""

from __future__ import annotations

import os
import subprocess

from orchestration.settings import VENV_BIN
from tests.conftest import pipeline_environment


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
