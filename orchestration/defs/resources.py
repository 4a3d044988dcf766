"""Resources: dbt on this project, and the warehouse settings (a `Settings`, key `settings`).

The settings are not read here: whoever builds the code location passes them in
(orchestration/defs/code_location.py), and every asset, check and sensor that needs them takes
a `settings: WarehouseSettings` parameter, so Dagster hands each the same object.
"""

from __future__ import annotations

from functools import cached_property
from importlib.metadata import version as installed_version

from dagster import ResourceParam
from dagster_dbt import DbtCliResource, DbtProject
from packaging.version import Version

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


class WarehouseDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt CLI resource without two things each `dbt.cli()` pays for and this
    project never uses (about 6 CPU-s a run, bench/README.md "Fixed cost per run"):
    - `dbt --version` in a subprocess, to tell dbt Core from the Fusion engine: DBT_EXECUTABLE
      is the dbt Core installed beside this Python, so its version is the package's;
    - a dbt adapter opened in this process, only used by `fetch_column_metadata()` and
      `fetch_row_counts()` (not called here). Without it dagster-dbt also streams dbt's events
      as they come instead of after dbt exits (it waits when the adapter is DuckDB's).
    Both override private methods of dagster-dbt (pinned in uv.lock);
    tests/test_code_location.py checks that a build still does neither.
    """

    @cached_property
    def _cli_version(self) -> Version:
        return Version(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None


dbt_resource = WarehouseDbtCliResource(project_dir=dbt_project, dbt_executable=str(DBT_EXECUTABLE))
