"""The metric catalogue of docs/metrics.md, written from the semantic layer's definitions.

Every metric is defined once, in dbt (dbt_project/models/marts/_semantic_layer.yml, each
definition a docs block of _metric_definitions.md). The catalogue section of docs/metrics.md
between the two markers below is rendered from dbt's manifest and the project's vars, so the
document cannot say something else; tests/test_documentation.py checks that it is current.

    python -m orchestration.metric_docs     # after adding or changing a metric
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT, dbt_command, environment

METRICS_DOC = PROJECT_ROOT / "docs/metrics.md"
CATALOGUE_START = "<!-- catalogue: written by `python -m orchestration.metric_docs` -->"
CATALOGUE_END = "<!-- end of catalogue -->"

# The catalogue's sections, in order: (indicator_type in the metric's meta, heading).
SECTIONS = (
    ("lagging", "Lagging indicators: did the system actually help?"),
    ("leading", "Leading indicators: is the conversation likely to go well?"),
    (None, "Sample sizes"),
)


def project_vars() -> Mapping[str, Any]:
    """The vars of dbt_project.yml (the defaults a metric's windows take)."""
    return yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _window(meta: Mapping[str, Any], variables: Mapping[str, Any]) -> str:
    names = meta.get("window_vars") or []
    return "<br>".join(f"`{name}` = {json.dumps(variables[name])}" for name in names) or "—"


def render_catalogue(manifest: Mapping[str, Any], variables: Mapping[str, Any]) -> str:
    """The catalogue section (between the markers): one table per kind of indicator, one row
    per metric of the manifest, sorted by name."""
    metrics = sorted(manifest["metrics"].values(), key=lambda metric: metric["name"])
    lines: list[str] = []
    for indicator_type, heading in SECTIONS:
        lines += [
            f"### {heading}",
            "",
            "| metric | definition | grain | window (var = default) | unit | published in |",
            "|---|---|---|---|---|---|",
        ]
        for metric in metrics:
            meta = metric["meta"]
            if meta.get("indicator_type") != indicator_type:
                continue
            lines.append(
                f"| `{metric['name']}`<br>{_cell(metric['label'])} "
                f"| {_cell(metric['description'])} | {_cell(meta['grain'])} "
                f"| {_window(meta, variables)} | {meta['unit']} "
                f"| `{meta['model_name']}.{meta['column_name']}` |"
            )
        lines.append("")
    return "\n".join(lines)


def with_catalogue(document: str, catalogue: str) -> str:
    """`document` with the text between the catalogue markers replaced by `catalogue`."""
    head, found, rest = document.partition(CATALOGUE_START)
    _, found_end, tail = rest.partition(CATALOGUE_END)
    if not (found and found_end):
        raise ValueError(
            f"{METRICS_DOC} has lost its catalogue markers ({CATALOGUE_START!r} and "
            f"{CATALOGUE_END!r}): put them back around the catalogue section"
        )
    return f"{head}{CATALOGUE_START}\n\n{catalogue}\n{CATALOGUE_END}{tail}"


def parsed_manifest() -> Mapping[str, Any]:
    """A fresh `dbt parse` of the project (into a folder of its own; no database is opened)."""
    with tempfile.TemporaryDirectory(prefix="metric-docs-") as folder:
        # dbt parse opens no connection, but the profile names the working database
        unused_database = str(Path(folder) / "unused.duckdb")
        parse_environment = {**environment(), "EMPATHY_WORKING_DB": unused_database}
        command = dbt_command("parse", "--quiet", target_path=Path(folder))
        completed = subprocess.run(
            command, env=parse_environment, capture_output=True, text=True, check=False
        )
        if completed.returncode != 0:
            sys.exit(f"dbt could not parse {DBT_PROJECT_DIR}:\n{completed.stdout}")
        return json.loads((Path(folder) / "manifest.json").read_text())


def main() -> None:
    document = METRICS_DOC.read_text()
    catalogue = render_catalogue(parsed_manifest(), project_vars())
    METRICS_DOC.write_text(with_catalogue(document, catalogue))
    print(f"wrote the metric catalogue of {METRICS_DOC}")


if __name__ == "__main__":
    main()
