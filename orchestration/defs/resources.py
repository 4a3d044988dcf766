"""Resources and environment: the settings are read once, and dbt sees them as env vars."""

from __future__ import annotations

import os

from dagster_dbt import DbtCliResource, DbtProject

from orchestration.settings import (
    DBT_EXECUTABLE,
    DBT_PROJECT_DIR,
    DBT_TARGET_DIR,
    Settings,
    load_settings,
)


def settings_for_run() -> Settings:
    """Reads the settings and exports what the dbt profile reads (it runs as a subprocess)."""
    settings = load_settings()
    os.environ.update(settings.dbt_env())
    return settings


dbt_project = DbtProject(
    project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR, target_path=DBT_TARGET_DIR
)
dbt_resource = DbtCliResource(project_dir=dbt_project, dbt_executable=str(DBT_EXECUTABLE))
