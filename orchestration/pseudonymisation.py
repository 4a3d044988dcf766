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
from typing import Protocol

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
