"""Write-audit-publish: copy validated marts to the file BI tools read, atomically.

DuckDB lets one process write a file at a time, and a writer cannot open a file a reader
holds. So the pipeline never writes the published file in place: it builds a complete new
file beside it and renames it over the old one. Readers already connected keep the version
they opened; new connections see the new one; a crash before the rename leaves the old
version untouched (leftover temporary files are removed by the next publish).
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from orchestration.sql import quote_identifier

MARTS_SCHEMA = "marts"
# Where the published marts are declared: dbt_project.yml sets it on the marts folder.
PUBLISHED_DECLARATION = "meta `published: true` in dbt_project/dbt_project.yml (folder marts)"
# Published beside the marts, not a dbt model (no GE suite): the run log, orchestration/run_log.py.
PUBLISHED_RUN_LOG = "mon_refresh_runs"
# Files that DuckDB 1.x readers (BI tools lag behind) can open; 2.x readers open them too.
PUBLISHED_STORAGE_VERSION = "v1.0.0"
TEMPORARY_MARKER = ".publishing-"

# TEST-ONLY fault injection, read here and nowhere else. tests/test_crash_safety.py SIGKILLs
# real runs inside each stage; validation (~1 s) and publishing (~0.1 s) are too short to hit
# by watching progress alone, so a test run sets EMPATHY_TEST_PAUSE_AT=<stage> and that stage
# waits at its most exposed point until the test kills it. Never set it in production.
TEST_PAUSE_ENV = "EMPATHY_TEST_PAUSE_AT"
TEST_PAUSE_SECONDS = 120.0


def pause_for_crash_test(stage: str) -> None:
    """Waits when EMPATHY_TEST_PAUSE_AT names this stage (tests only); otherwise does nothing."""
    if os.environ.get(TEST_PAUSE_ENV) == stage:
        time.sleep(TEST_PAUSE_SECONDS)


def published_mart_names(manifest: Mapping[str, Any]) -> tuple[str, ...]:
    """The marts BI tools read, sorted by name: the dbt models whose config has
    `meta: {published: true}` in a dbt manifest (target/manifest.json).

    The dbt project is their one declaration; the publish step, the Great Expectations checks
    (one suite expectations/<mart>.json each) and the asset graph all take this list. A
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
    now: datetime | None = None,
) -> PublishResult:
    """Copies `marts.<mart>` of the working database into a new published version (`marts`:
    published_mart_names of the dbt manifest)."""
    now = now or datetime.now(UTC)
    version = _new_version(now)
    published_db.parent.mkdir(parents=True, exist_ok=True)
    parquet_dir.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(published_db.parent)
    _remove_leftovers(parquet_dir)

    staged_db = published_db.parent / f"{TEMPORARY_MARKER}{version}.duckdb"
    tables = (*marts, PUBLISHED_RUN_LOG)
    staged_parquet = {
        table: parquet_dir / f"{TEMPORARY_MARKER}{version}-{table}.parquet" for table in tables
    }
    row_counts: dict[str, int] = {}
    with duckdb.connect() as connection:
        # Paths are bound as parameters: a folder named like O'Brien "data" must just work.
        connection.execute("attach ? as work (read_only)", [str(working_db)])
        connection.execute(
            f"attach ? as staged (storage_version '{PUBLISHED_STORAGE_VERSION}')",
            [str(staged_db)],
        )
        for mart in marts:
            source = f"work.{quote_identifier(MARTS_SCHEMA)}.{quote_identifier(mart)}"
            staged = f"staged.main.{quote_identifier(mart)}"
            connection.execute(f"create table {staged} as select * from {source}")
            connection.execute(f"copy {staged} to ? (format parquet)", [str(staged_parquet[mart])])
            row_counts[mart] = connection.execute(f"select count(*) from {staged}").fetchone()[0]
        connection.execute(
            "create table staged.main.publication as select ? as version, ? as published_at",
            [version, now.replace(tzinfo=None)],
        )
        _stage_run_log(connection, staged_parquet[PUBLISHED_RUN_LOG], version, row_counts, now)
        connection.execute("detach staged")

    # Every staged file is complete and nothing is renamed yet: where a crash leaves most behind.
    pause_for_crash_test("publish")
    # The database is the version of record: rename it first, then the Parquet copies.
    os.replace(staged_db, published_db)
    final_parquet = {table: parquet_dir / f"{table}.parquet" for table in tables}
    for table in tables:
        os.replace(staged_parquet[table], final_parquet[table])
    return PublishResult(version, published_db, final_parquet, row_counts)


def _stage_run_log(
    connection: duckdb.DuckDBPyConnection,
    parquet: Path,
    version: str,
    row_counts: dict[str, int],
    now: datetime,
) -> None:
    """The run log (ops.refresh_runs) as of this publish, as mon_refresh_runs + Parquet."""
    from orchestration.run_log import stage_published_run_log

    target = f"staged.main.{quote_identifier(PUBLISHED_RUN_LOG)}"
    stage_published_run_log(
        connection,
        source_catalog="work",
        target=target,
        version=version,
        row_counts=row_counts,
        now=now,
    )
    connection.execute(f"copy {target} to ? (format parquet)", [str(parquet)])
