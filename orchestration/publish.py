"""Write-audit-publish: copy validated marts to the file BI tools read, atomically.

DuckDB lets one process write a file at a time, and a writer cannot open a file a reader
holds. So the pipeline never writes the published file in place: it builds a complete new
file beside it and renames it over the old one. Readers already connected keep the version
they opened; new connections see the new one; a crash before the rename leaves the old
version untouched (leftover temporary files are removed by the next publish).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from orchestration.sql import quote_identifier, quote_literal
from orchestration.warehouse_layout import MARTS_SCHEMA

# Where the published marts are declared: dbt_project.yml sets it on the marts folder.
PUBLISHED_DECLARATION = "meta `published: true` in dbt_project/dbt_project.yml (folder marts)"
# Files that DuckDB 1.x readers (BI tools lag behind) can open; 2.x readers open them too.
PUBLISHED_STORAGE_VERSION = "v1.0.0"
TEMPORARY_MARKER = ".publishing-"
# The catalogs a publish attaches: the working database (read-only) and the staged version.
SOURCE_CATALOG = "work"
STAGED_CATALOG = "staged"


@dataclass(frozen=True)
class StagedVersion:
    """What a table published beside the marts may need of the version being staged."""

    version: str
    row_counts: dict[str, int]  # rows per published mart
    now: datetime
    source_catalog: str = SOURCE_CATALOG  # the working database, attached read-only


# Creates one table published beside the marts (not a dbt model, no GE suite), e.g. the run log
# (orchestration/run_log.py, composed by the Dagster publish asset): given the connection, the
# table to create (in the staged catalog) and the version being staged.
StageTable = Callable[[duckdb.DuckDBPyConnection, str, StagedVersion], None]


def published_mart_names(manifest: Mapping[str, Any]) -> tuple[str, ...]:
    """The marts BI tools read, sorted by name: the dbt models whose config has
    `meta: {published: true}` in a dbt manifest (target/manifest.json).

    The dbt project is their one declaration; the publish step, the Great Expectations checks
    (one suite each, generated from the mart's YAML) and the asset graph all take this list. A
    published model must be a table of the marts schema with an enforced contract (BI reads
    its columns and types): else ValueError names the models and what to change.
    """
    models = [
        node
        for node in manifest.get("nodes", {}).values()
        if node.get("resource_type") == "model"
        and (node.get("config") or {}).get("meta", {}).get("published") is True
    ]
    published = sorted(models, key=lambda node: node["name"])
    if not published:
        raise ValueError(
            f"the dbt manifest declares no published mart: set {PUBLISHED_DECLARATION}"
        )
    problems = [
        f"{node['name']} is built in schema {node.get('schema')}, not {MARTS_SCHEMA}"
        for node in published
        if node.get("schema") != MARTS_SCHEMA
    ] + [
        f"{node['name']} has no enforced contract (contract: {{enforced: true}} and a data_type "
        "for every column in its YAML)"
        for node in published
        if not (node.get("config") or {}).get("contract", {}).get("enforced")
    ]
    if problems:
        raise ValueError("published marts that cannot be published: " + "; ".join(problems))
    return tuple(node["name"] for node in published)


@dataclass(frozen=True)
class MartDescription:
    """What BI tools show beside a mart: its dbt description and its columns'."""

    table: str
    columns: dict[str, str]


def mart_descriptions(
    manifest: Mapping[str, Any], marts: tuple[str, ...]
) -> dict[str, MartDescription]:
    """The descriptions of `marts` as the dbt manifest holds them (doc blocks rendered): the
    metric definitions of the semantic layer reach the published file through these."""
    models = {
        node["name"]: node
        for node in manifest.get("nodes", {}).values()
        if node.get("resource_type") == "model" and node["name"] in marts
    }
    return {
        mart: MartDescription(
            table=" ".join(models[mart].get("description", "").split()),
            columns={
                name: " ".join(column.get("description", "").split())
                for name, column in models[mart].get("columns", {}).items()
            },
        )
        for mart in marts
    }


def _describe(connection, staged: str, description: MartDescription) -> None:
    """Table and column comments on a staged table (a DuckDB client or BI tool shows them)."""
    if description.table:
        connection.execute(f"comment on table {staged} is {quote_literal(description.table)}")
    for column, text in description.columns.items():
        if text:
            connection.execute(
                f"comment on column {staged}.{quote_identifier(column)} is {quote_literal(text)}"
            )


@dataclass(frozen=True)
class PublishResult:
    version: str
    database: Path
    parquet_files: dict[str, Path]
    row_counts: dict[str, int]


def _new_version(now: datetime) -> str:
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def _remove_leftovers(folder: Path) -> None:
    """Temporary files of a publish that crashed before its rename are garbage."""
    for leftover in folder.glob(f"{TEMPORARY_MARKER}*"):
        leftover.unlink(missing_ok=True)


def publish_marts(
    working_db: Path,
    published_db: Path,
    parquet_dir: Path,
    marts: tuple[str, ...],
    *,
    beside_marts: Mapping[str, StageTable] | None = None,
    descriptions: Mapping[str, MartDescription] | None = None,
    now: datetime | None = None,
) -> PublishResult:
    """Copies `marts.<mart>` of the working database into a new published version (`marts`:
    published_mart_names of the dbt manifest), with the tables `beside_marts` creates
    (name -> how), each also as Parquet. A mart's `descriptions` (mart_descriptions) become
    its table and column comments, and in its Parquet file the key-value metadata
    `description` and `column_descriptions` (JSON: column -> description)."""
    descriptions = descriptions or {}
    now = now or datetime.now(UTC)
    version = _new_version(now)
    published_db.parent.mkdir(parents=True, exist_ok=True)
    parquet_dir.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(published_db.parent)
    _remove_leftovers(parquet_dir)

    staged_db = published_db.parent / f"{TEMPORARY_MARKER}{version}.duckdb"
    beside_marts = beside_marts or {}
    tables = (*marts, *beside_marts)
    staged_parquet = {
        table: parquet_dir / f"{TEMPORARY_MARKER}{version}-{table}.parquet" for table in tables
    }
    row_counts: dict[str, int] = {}
    with duckdb.connect() as connection:
        # Paths are bound as parameters: a folder named like O'Brien "data" must just work.
        connection.execute(f"attach ? as {SOURCE_CATALOG} (read_only)", [str(working_db)])
        connection.execute(
            f"attach ? as {STAGED_CATALOG} (storage_version '{PUBLISHED_STORAGE_VERSION}')",
            [str(staged_db)],
        )
        for mart in marts:
            source = f"{SOURCE_CATALOG}.{quote_identifier(MARTS_SCHEMA)}.{quote_identifier(mart)}"
            staged = f"{STAGED_CATALOG}.main.{quote_identifier(mart)}"
            connection.execute(f"create table {staged} as select * from {source}")
            description = descriptions.get(mart, MartDescription("", {}))
            _describe(connection, staged, description)
            connection.execute(
                f"copy {staged} to ? (format parquet, kv_metadata "
                "{description: ?, column_descriptions: ?})",
                [
                    str(staged_parquet[mart]),
                    description.table,
                    json.dumps(description.columns, sort_keys=True),
                ],
            )
            row_counts[mart] = connection.execute(f"select count(*) from {staged}").fetchone()[0]
        connection.execute(
            f"create table {STAGED_CATALOG}.main.publication "
            "as select ? as version, ? as published_at",
            [version, now.replace(tzinfo=None)],
        )
        staged_version = StagedVersion(version, dict(row_counts), now)
        for table, stage_table in beside_marts.items():
            staged = f"{STAGED_CATALOG}.main.{quote_identifier(table)}"
            stage_table(connection, staged, staged_version)
            connection.execute(f"copy {staged} to ? (format parquet)", [str(staged_parquet[table])])
        connection.execute(f"detach {STAGED_CATALOG}")

    # Every staged file is complete and nothing is renamed yet: where a crash leaves most behind
    # (tests/test_crash_safety.py kills runs here). The database is the version of record:
    # rename it first, then the Parquet copies.
    os.replace(staged_db, published_db)
    final_parquet = {table: parquet_dir / f"{table}.parquet" for table in tables}
    for table in tables:
        os.replace(staged_parquet[table], final_parquet[table])
    return PublishResult(version, published_db, final_parquet, row_counts)
