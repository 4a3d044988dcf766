"""Every model says what it is, and every column BI reads says what it means: a mart column
without a description is a number nobody can trust."""

from __future__ import annotations

import json
import re

import pytest

from orchestration.run_log import PUBLISHED_RUN_LOG
from orchestration.settings import DBT_TARGET_DIR, PROJECT_ROOT
from tests.conftest import manifest_published_marts, parsed_manifest


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


def _readme_published_marts_table() -> list[str]:
    """The mart names in the first column of README.md's table of published marts."""
    readme = (PROJECT_ROOT / "README.md").read_text()
    after_heading = readme[readme.index("Published marts (") :]
    table = after_heading[after_heading.index("\n| mart |") :].strip().split("\n\n")[0]
    rows = [line for line in table.splitlines()[2:] if line.startswith("|")]
    return [name for row in rows for name in re.findall(r"`(\w+)`", row.split("|")[1])]


def test_readme_lists_exactly_the_published_marts_of_the_dbt_project():
    """The README's table cannot drift from the one declaration (dbt meta `published`); the
    run log is published beside the marts (orchestration/run_log.py)."""
    listed = _readme_published_marts_table()
    assert len(listed) == len(set(listed)), listed
    assert set(listed) == {*manifest_published_marts(), PUBLISHED_RUN_LOG}


def test_metrics_doc_catalogue_is_written_from_the_semantic_layer():
    """docs/metrics.md lists every metric with the definition, grain, window and mart of the
    semantic layer: after a metric changes, `python -m orchestration.metric_docs` rewrites it."""
    from orchestration.metric_docs import METRICS_DOC, project_vars, render_catalogue
    from orchestration.metric_docs import with_catalogue as written

    document = METRICS_DOC.read_text()
    assert written(document, render_catalogue(parsed_manifest(), project_vars())) == document


def test_no_document_cites_a_metrics_file_outside_docs():
    """The metric framework lives in docs/metrics.md; a bare `metrics.md` pointed nowhere."""
    cited = re.compile(r"(?<![/\w-])metrics\.md")
    sources = [
        path
        for folder in ("dbt_project", "seeds", "docs", "orchestration", "tests")
        for path in (PROJECT_ROOT / folder).rglob("*")
        if path.suffix in (".sql", ".yml", ".md", ".py", ".csv")
        and "target" not in path.parts
        and path.name != "test_documentation.py"
    ] + [PROJECT_ROOT / "README.md"]

    def bare_citations(path):
        text = path.read_text()
        if path.parent.name == "docs":
            # a link to the file beside it
            text = re.sub(r"\[[^\]]*\]\(metrics\.md[^)]*\)", "", text)
        return cited.findall(text)

    assert [str(path) for path in sources if bare_citations(path)] == []


def test_the_published_file_exposure_names_every_published_mart():
    manifest = parsed_manifest()
    exposure = manifest["exposures"]["exposure.empathy_warehouse.published_warehouse_file"]
    reached = {node.rsplit(".", 1)[-1] for node in exposure["depends_on"]["nodes"]}
    assert reached == set(manifest_published_marts())


def test_dbt_docs_open_on_an_overview_and_every_model_has_an_owner_and_a_layer_tag():
    manifest = parsed_manifest()
    overview = manifest["docs"]["doc.empathy_warehouse.__overview__"]["block_contents"]
    assert "How the layers flow" in overview and "Where to start" in overview
    models = [node for node in manifest["nodes"].values() if node["resource_type"] == "model"]
    assert [m["name"] for m in models if not m["config"]["meta"].get("owner")] == []
    layers = {"staging", "intermediate", "marts"}
    assert [m["name"] for m in models if len(layers & set(m["config"]["tags"])) != 1] == []
