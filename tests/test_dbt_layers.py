"""The dbt layers flow one way: sources and seeds -> staging -> intermediate -> marts.

A source adapter (models/staging/<source>/) is staging too, in steps of its own (typed rows,
then canonical events): its models read sources, seeds and each other, and only staging reads
them, so everything below staging sees the adapters' rows through stg_support__events alone.

An intermediate model that reads a mart makes the mart's whole upstream (and its tests) a
dependency of the intermediate layer, and a cycle is one edit away; staging that reads a model
is no longer the one place raw input is cleaned. Checked on the whole project from the
manifest `dbt parse` writes, so a new model is covered the day it is added.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from tests.conftest import parsed_manifest

# What each layer may read, by the parent's layer (a model's folder under models/) or kind.
ALLOWED_PARENTS = {
    "staging": {"source", "seed", "source_adapter"},
    "source_adapter": {"source", "seed", "source_adapter"},
    "intermediate": {"source", "seed", "staging", "intermediate"},
    "marts": {"seed", "staging", "intermediate", "marts"},
}


@pytest.fixture(scope="module")
def manifest() -> Mapping[str, Any]:
    # This session's manifest: a run's `dbt parse` of this project wrote it, else this parses.
    return parsed_manifest()


def layer_of(manifest: dict, unique_id: str) -> str:
    """A model's layer (its folder under models/; a folder under staging/ is a source
    adapter), else the node's kind: source or seed."""
    node = manifest["nodes"].get(unique_id) or manifest["sources"][unique_id]
    if node["resource_type"] == "model":
        if node["fqn"][1] == "staging" and len(node["fqn"]) > 3:
            return "source_adapter"
        return node["fqn"][1]
    return node["resource_type"]


def models(manifest: dict) -> list[dict]:
    return [node for node in manifest["nodes"].values() if node["resource_type"] == "model"]


def parents_outside(manifest: dict, layer: str) -> list[tuple[str, str, str]]:
    """(model, parent, parent's layer) for every parent a model of `layer` may not read."""
    return sorted(
        (model["name"], parent.split(".")[-1], layer_of(manifest, parent))
        for model in models(manifest)
        if layer_of(manifest, model["unique_id"]) == layer
        for parent in model["depends_on"]["nodes"]
        if layer_of(manifest, parent) not in ALLOWED_PARENTS[layer]
    )


def test_every_model_lives_in_a_layer_folder(manifest):
    assert [
        model["original_file_path"]
        for model in models(manifest)
        if layer_of(manifest, model["unique_id"]) not in ALLOWED_PARENTS
    ] == []


def test_staging_models_read_only_sources_and_seeds(manifest):
    assert parents_outside(manifest, "staging") == []


def test_intermediate_models_read_no_mart(manifest):
    assert parents_outside(manifest, "intermediate") == []


def test_marts_read_models_and_seeds_not_sources(manifest):
    assert parents_outside(manifest, "marts") == []


def test_every_unit_test_lives_in_the_unit_test_file_of_its_model_s_folder():
    manifest = parsed_manifest()
    folder_of = {
        node["name"]: node["original_file_path"].rsplit("/", 1)[0]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
    }
    misplaced = []
    for test in manifest["unit_tests"].values():
        folder = folder_of[test["model"]]
        expected = f"{folder}/_{folder.rsplit('/', 1)[-1]}__unit_tests.yml"
        if test["original_file_path"] != expected:
            misplaced.append((test["name"], test["original_file_path"], expected))
    assert misplaced == []


# PostgreSQL (the portability target) refuses longer relation names, and dbt names the
# temporary relation of a unit test after the test.
POSTGRES_MAX_IDENTIFIER = 63


def test_every_unit_test_name_fits_a_postgres_relation_name():
    names = [test["name"] for test in parsed_manifest()["unit_tests"].values()]
    assert [name for name in names if len(name) > POSTGRES_MAX_IDENTIFIER] == []
