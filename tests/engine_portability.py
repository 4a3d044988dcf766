"""What the portability tests (tests/test_postgres_portability.py, test_spark_portability.py)
share: the raw tables they copy from the DuckDB build of the hand-made day, and the row-by-row
comparison of a published mart built on another engine with the DuckDB one."""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from pathlib import Path

import duckdb

from orchestration.ingest.loader import RAW_SCHEMA_DDL

# Every table the loader writes (and dbt reads), named where the loader creates them.
RAW_TABLES = tuple(re.findall(r"create table if not exists raw\.(\w+)", RAW_SCHEMA_DDL))


def normalise(value):
    """One representation for every driver: numbers as rounded floats, dates as ISO text."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float | Decimal):
        number = float(value)
        return None if math.isnan(number) else round(number, 9)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def normalised(rows) -> list[tuple]:
    return [tuple(normalise(value) for value in row) for row in rows]


def duckdb_rows(database: Path, sql: str) -> tuple[list[str], list[tuple]]:
    with duckdb.connect(str(database), read_only=True) as connection:
        relation = connection.sql(sql)
        columns = list(relation.columns)
        rows = relation.fetchall()
    return columns, normalised(rows)


def _sorted(rows: list[tuple]) -> list[tuple]:
    """Engine-independent order: by every column, nulls last (some marts have no single key)."""
    return sorted(rows, key=lambda row: tuple((value is None, str(value)) for value in row))


def assert_same_mart(
    duckdb_mart: tuple[list[str], list[tuple]], other_mart: tuple[list[str], list[tuple]]
) -> None:
    """The same columns in the same order and the same rows in any order; each side is
    (columns, normalised rows)."""
    duck_columns, duck_rows = duckdb_mart
    other_columns, other_rows = other_mart
    assert other_columns == duck_columns
    assert len(other_rows) == len(duck_rows)
    for duck_row, other_row in zip(_sorted(duck_rows), _sorted(other_rows), strict=True):
        assert dict(zip(other_columns, other_row, strict=True)) == dict(
            zip(duck_columns, duck_row, strict=True)
        )
