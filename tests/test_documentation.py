"""Every model says what it is, and every column BI reads says what it means: a mart column
without a description is a number nobody can trust."""

from __future__ import annotations

import json

import pytest

from orchestration.settings import DBT_TARGET_DIR


@pytest.fixture(scope="module")
def models(handmade_warehouse):
    # The shared warehouse run parsed the project into this session's target folder.
    manifest = json.loads((DBT_TARGET_DIR / "manifest.json").read_text())
    return [node for node in manifest["nodes"].values() if node["resource_type"] == "model"]


def test_every_model_has_a_description(models):
    assert [model["name"] for model in models if not model["description"].strip()] == []


def test_every_built_mart_column_has_a_description(models, working):
    undocumented = {}
    for model in models:
        if model["schema"] != "marts":
            continue
        built = [
            name for (name,) in working(f"select column_name from (describe marts.{model['name']})")
        ]
        described = {
            name for name, column in model["columns"].items() if column["description"].strip()
        }
        missing = [name for name in built if name not in described]
        if missing:
            undocumented[model["name"]] = missing
    assert undocumented == {}
