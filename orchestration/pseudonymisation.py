"""The pseudonymisation key material dbt reads: the HMAC-SHA256 pads of the secret key.

dbt never sees the key. Before every dbt run the orchestration (and each test harness) writes
the two HMAC pads into `ops.pseudonymisation_key` of the database dbt builds in, and the
`pseudonymise` macro (dbt_project/macros/cross_db/pseudonymise.sql) reads them from there by a
subquery. So compiled SQL, manifest.json, run_results.json and dbt's logs hold a table name,
never the secret: the key and its pads live only in the environment and in that table (protect
the working database as you protect the key).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Protocol

import duckdb

from orchestration.settings import DEMO_PSEUDONYM_KEY, ConfigurationError

KEY_TABLE = "ops.pseudonymisation_key"
# RFC 2104 with SHA-256: keys are padded (or, when longer, first hashed) to the block size.
SHA256_BLOCK_BYTES = 64
INNER_PAD_BYTE, OUTER_PAD_BYTE = 0x36, 0x5C


class SqlExecutor(Protocol):
    """A DuckDB connection or a DB-API cursor (psycopg2): anything with execute(sql)."""

    def execute(self, sql: str, /) -> object: ...


def hmac_pads(key: str) -> tuple[bytes, bytes]:
    """(K xor ipad, K xor opad) of HMAC-SHA256 for `key` (UTF-8), each 64 bytes."""
    block = key.encode()
    if len(block) > SHA256_BLOCK_BYTES:
        block = hashlib.sha256(block).digest()
    block = block.ljust(SHA256_BLOCK_BYTES, b"\0")
    return (
        bytes(byte ^ INNER_PAD_BYTE for byte in block),
        bytes(byte ^ OUTER_PAD_BYTE for byte in block),
    )


def write_pseudonymisation_key(database: SqlExecutor, key: str) -> None:
    """Replaces the one row of ops.pseudonymisation_key with the pads of `key`, as hex text.

    Hex text rather than BLOB/bytea: the same literal works on every engine and in dbt unit
    test fixtures; each engine's macro decodes it. The hex digits need no quoting, so the
    statements carry them as literals (DuckDB and psycopg2 use different placeholders)."""
    inner_pad, outer_pad = hmac_pads(key)
    for statement in (
        "create schema if not exists ops",
        f"drop table if exists {KEY_TABLE}",
        f"create table {KEY_TABLE} "
        "(inner_pad_hex varchar not null, outer_pad_hex varchar not null)",
        f"insert into {KEY_TABLE} values ('{inner_pad.hex()}', '{outer_pad.hex()}')",
    ):
        database.execute(statement)


class PseudonymKeyError(ConfigurationError):
    """The key differs from the one the warehouse's models were built with."""


def _stored_pads(working_db: Path) -> tuple[str, str] | None:
    """The pads the last dbt build of `working_db` used, or None before the first build."""
    if not working_db.exists():
        return None
    with duckdb.connect(str(working_db), read_only=True) as connection:
        schema, table = KEY_TABLE.split(".")
        exists = connection.execute(
            "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
        if not exists:
            return None
        return connection.execute(
            f"select inner_pad_hex, outer_pad_hex from {KEY_TABLE}"
        ).fetchone()


def _pads_hex(key: str) -> tuple[str, str]:
    inner_pad, outer_pad = hmac_pads(key)
    return inner_pad.hex(), outer_pad.hex()


def check_key_unchanged(working_db: Path, key: str, *, full_refresh: bool) -> None:
    """Refuses a build under another key than the warehouse's models were built with.

    Under a new key every pseudonym changes: incremental models would hold sessions under both,
    so old and new rows would no longer join; a full refresh rebuilds them all under the new
    key. A warehouse built on demo data (the public demo key) never takes a key of its own:
    its raw layer holds the demo events, which would be published beside the real ones.
    """
    stored = _stored_pads(working_db)
    if stored is None or tuple(stored) == _pads_hex(key):
        return
    warehouse_dir = working_db.parent.parent
    if tuple(stored) == _pads_hex(DEMO_PSEUDONYM_KEY):
        raise PseudonymKeyError(
            f"the warehouse {warehouse_dir} holds generated demo data, and EMPATHY_PSEUDONYM_KEY "
            "is now a key of your own: real data needs a warehouse of its own. Set WAREHOUSE_DIR "
            f"to a new folder (or delete {warehouse_dir}) and run again."
        )
    if not full_refresh:
        raise PseudonymKeyError(
            "EMPATHY_PSEUDONYM_KEY differs from the key the warehouse "
            f"{warehouse_dir} was built with: every pseudonym would change and old rows would no "
            "longer join new ones. Run once with --full-refresh (make run ARGS=--full-refresh) "
            "to rebuild every model under the new key, or set the previous key back."
        )
