"""Write-audit-publish: copy validated marts to the file BI tools read, atomically.

DuckDB lets one process write a file at a time, and a writer cannot open a file a reader
holds. So the pipeline never writes the published file in place: it builds a complete new
file beside it and renames it over the old one. Readers already connected keep the version
they opened; new connections see the new one; a crash before the rename leaves the old
version untouched (leftover temporary files are removed by the next publish).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

# The marts BI tools read; each has a Great Expectations suite in expectations/<mart>.json.
PUBLISHED_MARTS: tuple[str, ...] = (
    "fct_sessions",
    "fct_messages",
    "fct_escalations",
    "metrics_segment_daily",
    "mon_unmapped_event_types",
)
MARTS_SCHEMA = "marts"
# Files that DuckDB 1.x readers (BI tools lag behind) can open; 2.x readers open them too.
PUBLISHED_STORAGE_VERSION = "v1.0.0"
TEMPORARY_MARKER = ".publishing-"


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
    marts: tuple[str, ...] = PUBLISHED_MARTS,
    *,
    now: datetime | None = None,
) -> PublishResult:
    """Copies `marts.<mart>` of the working database into a new published version."""
    now = now or datetime.now(UTC)
    version = _new_version(now)
    published_db.parent.mkdir(parents=True, exist_ok=True)
    parquet_dir.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(published_db.parent)
    _remove_leftovers(parquet_dir)

    staged_db = published_db.parent / f"{TEMPORARY_MARKER}{version}.duckdb"
    staged_parquet = {
        mart: parquet_dir / f"{TEMPORARY_MARKER}{version}-{mart}.parquet" for mart in marts
    }
    row_counts: dict[str, int] = {}
    with duckdb.connect() as connection:
        connection.execute(f"attach '{working_db}' as work (read_only)")
        connection.execute(
            f"attach '{staged_db}' as staged (storage_version '{PUBLISHED_STORAGE_VERSION}')"
        )
        for mart in marts:
            source = f'work."{MARTS_SCHEMA}"."{mart}"'
            connection.execute(f'create table staged.main."{mart}" as select * from {source}')
            connection.execute(
                f"copy staged.main.\"{mart}\" to '{staged_parquet[mart]}' (format parquet)"
            )
            row_counts[mart] = connection.execute(
                f'select count(*) from staged.main."{mart}"'
            ).fetchone()[0]
        connection.execute(
            "create table staged.main.publication as select ? as version, ? as published_at",
            [version, now.replace(tzinfo=None)],
        )
        connection.execute("detach staged")

    # The database is the version of record: rename it first, then the Parquet copies.
    os.replace(staged_db, published_db)
    final_parquet = {mart: parquet_dir / f"{mart}.parquet" for mart in marts}
    for mart in marts:
        os.replace(staged_parquet[mart], final_parquet[mart])
    return PublishResult(version, published_db, final_parquet, row_counts)
