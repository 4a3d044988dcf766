"""What the Dagster UI shows is explained: every asset check says what it checks, and every
sensor is documented in the README with a line saying what it does."""

from __future__ import annotations

import re

from orchestration.settings import PROJECT_ROOT
from tests.conftest import parsed_manifest, pipeline_environment


def warehouse_definitions(tmp_path):
    parsed_manifest()  # the code location builds its dbt assets from the manifest
    from orchestration.defs.code_location import build_definitions

    with pipeline_environment(tmp_path / "warehouse") as settings:
        return build_definitions(settings)


def test_every_asset_check_has_a_description(tmp_path):
    graph = warehouse_definitions(tmp_path).resolve_asset_graph()
    specs = [graph.get_check_spec(key) for key in graph.asset_check_keys]
    assert len(specs) > 20  # the dbt tests, the GE suites and the checks of our own
    undescribed = [
        f"{spec.asset_key.to_user_string()} [{spec.name}]"
        for spec in specs
        if not (spec.description or "").strip()
    ]
    assert undescribed == []
    by_name = {(spec.asset_key.to_user_string(), spec.name): spec.description for spec in specs}
    assert by_name[("marts/fct_sessions", "not_null_fct_sessions_session_id")] == (
        "dbt test (error, blocks publishing): session_id is never null."
    )


def test_every_sensor_is_documented_in_the_readme_with_what_it_does(tmp_path):
    sensors = list(warehouse_definitions(tmp_path).sensors)
    assert {sensor.name for sensor in sensors} >= {"landing_folder_sensor"}
    readme = (PROJECT_ROOT / "README.md").read_text()
    # One list item per sensor: "- `name` (on or off by default): what it does" (it may wrap).
    what_it_does = {
        sensor.name: re.search(rf"^- `{sensor.name}`[^:\n]*: (.+(?:\n  .+)*)", readme, re.MULTILINE)
        for sensor in sensors
    }
    undocumented = [
        name for name, line in what_it_does.items() if line is None or len(line[1].split()) < 5
    ]
    assert undocumented == []
