"""A run with nothing new to publish: `python -m orchestration run` says so and stops.

A refresh is a pure function of what it reads: the raw layer (the landing files loaded so far),
the code and configuration that shape the marts (dbt project, seeds, the orchestration's Python,
the locked dependencies), the settings that judge and pseudonymise, and the partition. When
all of that is what the published version was built from, a new run would rebuild the same
marts and publish them again: ~85% of a full run's time for nothing. So after each publish of
a terminal run, `ops.published_inputs` of the working database keeps the published version, a
fingerprint of the code, configuration, settings and partition, and how many rows
raw.file_loads held. A later run skips the job, leaving the published files as they are, only
when all of these hold:

- no full refresh is asked for (`--full-refresh`) or pending (a quarantine, load_gate.py);
- the published database is still that version (a run from the Dagster UI or the schedule
  publishes without recording one, so the next terminal run runs);
- raw.file_loads has the same rows (no load since: a blocked run of the UI loaded nothing that
  published) and every landing entry is one the loader would skip (`files_to_load`);
- the fingerprint is the same.

Anything else, or anything that cannot be read, runs the job as before.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.pseudonymisation import hmac_pads
from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT, SEEDS_DIR, Settings

PUBLISHED_INPUTS_TABLE = "ops.published_inputs"
PUBLISHED_INPUTS_DDL = f"""
create schema if not exists ops;
create table if not exists {PUBLISHED_INPUTS_TABLE} (
    published_version varchar not null,
    partition_key varchar not null,
    fingerprint varchar not null,
    file_loads bigint not null,
    recorded_at timestamp not null
);
"""

# What shapes the marts besides the raw layer and the settings.
SHAPING_SOURCES = (
    DBT_PROJECT_DIR,
    SEEDS_DIR,
    PROJECT_ROOT / "orchestration",
    PROJECT_ROOT / "pyproject.toml",
    PROJECT_ROOT / "uv.lock",
)
# dbt's and Python's own output inside those folders: written by runs, shaping nothing.
GENERATED_NAMES = frozenset({"target", "logs", "dbt_packages", "__pycache__", ".user.yml"})


def _shaping_files() -> list[Path]:
    files = []
    for source in SHAPING_SOURCES:
        if source.is_file():
            files.append(source)
            continue
        for path in source.rglob("*"):
            relative = path.relative_to(source).parts
            if path.is_file() and not GENERATED_NAMES.intersection(relative):
                files.append(path)
    return sorted(files)


def inputs_fingerprint(settings: Settings, partition_key: str) -> str:
    """sha256 over the files that shape the marts (name and bytes), the settings a build or
    its checks read, and the partition. The key enters as its HMAC pads, which the working
    database holds anyway."""
    digest = hashlib.sha256()
    for path in _shaping_files():
        digest.update(path.relative_to(PROJECT_ROOT).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    inner_pad, outer_pad = hmac_pads(settings.pseudonym_key)
    for value in (
        partition_key,
        inner_pad.hex(),
        outer_pad.hex(),
        settings.reject_share_limit,
        settings.metric_change_tolerance,
        settings.occurred_at_earliest.isoformat(),
        settings.occurred_at_max_days_ahead,
        settings.sources,
    ):
        digest.update(repr(value).encode() + b"\0")
    return digest.hexdigest()


def _file_loads(connection: duckdb.DuckDBPyConnection) -> int:
    exists = connection.execute(
        "select 1 from duckdb_tables() where schema_name = 'raw' and table_name = 'file_loads'"
    ).fetchall()
    return connection.execute("select count(*) from raw.file_loads").fetchone()[0] if exists else 0


def record_published_inputs(
    working_db: Path, published_version: str, partition_key: str, fingerprint: str
) -> None:
    """After a publish: what that version was built from (see the module docstring)."""
    with duckdb.connect(str(working_db)) as connection:
        connection.execute(PUBLISHED_INPUTS_DDL)
        connection.execute(
            f"insert into {PUBLISHED_INPUTS_TABLE} values (?, ?, ?, ?, ?)",
            [
                published_version,
                partition_key,
                fingerprint,
                _file_loads(connection),
                datetime.now(UTC).replace(tzinfo=None),
            ],
        )


@dataclass(frozen=True)
class UnchangedPublication:
    """The published version a run would only rebuild, and what was checked."""

    version: str
    published_at: datetime
    partition_key: str
    landing_files: int

    def describe(self) -> str:
        return (
            f"nothing new for {self.partition_key}: all {self.landing_files} landing files are "
            "already loaded, no full refresh is pending, and the dbt project, seeds, code and "
            f"settings are those of published version {self.version} "
            f"(published {self.published_at:%Y-%m-%d %H:%M:%S} UTC), which is kept as it is"
        )


def _latest_published_inputs(working_db: Path) -> tuple | None:
    with duckdb.connect(str(working_db), read_only=True) as connection:
        schema, table = PUBLISHED_INPUTS_TABLE.split(".")
        exists = connection.execute(
            "select 1 from duckdb_tables() where schema_name = ? and table_name = ?",
            [schema, table],
        ).fetchall()
        if not exists:
            return None
        latest = connection.execute(
            "select published_version, partition_key, fingerprint, file_loads "
            f"from {PUBLISHED_INPUTS_TABLE} order by recorded_at desc limit 1"
        ).fetchone()
        return None if latest is None else (*latest, _file_loads(connection))


def _published_version(published_db: Path) -> tuple[str, datetime] | None:
    with duckdb.connect(str(published_db), read_only=True) as connection:
        return connection.execute("select version, published_at from publication").fetchone()


def unchanged_publication(settings: Settings, fingerprint: str) -> UnchangedPublication | None:
    """The published version when a run would publish it again unchanged, else None.

    The caller has ruled out a full refresh (asked for or pending)."""
    from orchestration.ingest.loader import files_to_load, find_landing_files

    if not settings.working_db.exists() or not settings.published_db.exists():
        return None
    try:
        latest = _latest_published_inputs(settings.working_db)
        if latest is None:
            return None
        version, partition_key, recorded_fingerprint, file_loads_then, file_loads_now = latest
        published = _published_version(settings.published_db)
        if (
            published is None
            or published[0] != version
            or recorded_fingerprint != fingerprint
            or file_loads_now != file_loads_then
            or files_to_load(settings.landing_dir, settings.working_db, settings.sources)
        ):
            return None
    except duckdb.Error:  # a database being written or of an older layout: just run
        return None
    return UnchangedPublication(
        version=version,
        published_at=published[1],
        partition_key=partition_key,
        landing_files=len(find_landing_files(settings.landing_dir, settings.sources).files),
    )
