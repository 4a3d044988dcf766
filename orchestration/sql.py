"""Quoting names for DuckDB SQL: the one place the pipeline turns a name into SQL text.

Values (paths included: ATTACH, COPY ... TO and read_parquet take `?` parameters) are always
bound, never pasted. Names cannot be bound, so a name that reaches SQL goes through
`quote_identifier`, whatever its origin: a column name read from a delivered file is input
an attacker controls.
"""

from __future__ import annotations


def quote_literal(text: str) -> str:
    """`text` as a DuckDB string literal, each single quote doubled: only for the statements that
    take no parameters (COMMENT ON); everywhere else values are bound."""
    return "'" + text.replace("'", "''") + "'"


def quote_identifier(name: str) -> str:
    """`name` as a DuckDB quoted identifier: in double quotes, each double quote doubled."""
    return '"' + name.replace('"', '""') + '"'
