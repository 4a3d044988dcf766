"""The dbt manifest dagster-dbt builds the asset graph from, read by the orchestration too: the
freshness rule of raw.events (freshness.py) and which marts are published (dbt.py)."""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from orchestration.defs.resources import dbt_project


def load_manifest() -> Mapping[str, Any]:
    """The manifest dagster-dbt builds the asset graph from (written by `dbt parse`)."""
    return json.loads(Path(dbt_project.manifest_path).read_bytes())


def dbt_node_count(manifest: Mapping[str, Any]) -> int:
    """How many events the production dbt build reports: one per model and seed it builds and
    one per data test on a model (unit tests are left out of that build, defs/dbt.py)."""
    return sum(
        1
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "seed")
        or (node["resource_type"] == "test" and node.get("attached_node"))
    )
