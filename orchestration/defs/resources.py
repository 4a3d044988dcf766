"""Resources: dbt on this project, and the warehouse settings (a `Settings`, key `settings`).

The settings are not read here: whoever builds the code location passes them in
(orchestration/defs/code_location.py), and every asset, check and sensor that needs them takes
a `settings: WarehouseSettings` parameter, so Dagster hands each the same object.
"""

from __future__ import annotations

from dagster import ResourceParam
from dagster_dbt import DbtCliResource, DbtProject

from orchestration.settings import (
    DBT_EXECUTABLE,
    DBT_PROJECT_DIR,
    DBT_TARGET_DIR,
    Settings,
)

# The resource key is the parameter name: `settings`. A plain (frozen) Settings rather than a
# ConfigurableResource: its fields would be resource config, shown in the Dagster UI and stored
# with every run, and one of them is the pseudonymisation key.
SETTINGS_RESOURCE_KEY = "settings"
WarehouseSettings = ResourceParam[Settings]

dbt_project = DbtProject(
    project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR, target_path=DBT_TARGET_DIR
)
dbt_resource = DbtCliResource(project_dir=dbt_project, dbt_executable=str(DBT_EXECUTABLE))
