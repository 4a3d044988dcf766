"""Great Expectations validation of warehouse tables before they are published.

GE 1.24 cannot use DuckDB as a SQL data source (its metrics fail after the connection closes,
GX issues #10738 and #11579), so tables are read into pandas and GE's pandas engine validates
every expectation of the suite on every row. The suite of each published mart is generated from
its dbt YAML, the one home of its rules (orchestration/quality/suites.py).

GE's pandas engine copies the whole batch for every column expectation and hashes all of it
for a fingerprint, and `.df()` builds a Python object per string: so each expectation gets a
batch of just the columns it reads, strings are read through Arrow and the fingerprint is off.
The 14 marts at 10M events: 60.7 s and 4.5 GB before, 14 s and 2.1 GB after (1M: 13.6 -> 4.8 s).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

# GE phones home and draws progress bars unless told not to; neither belongs in a batch job.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

import great_expectations as gx  # noqa: E402
from great_expectations.core.expectation_suite import ExpectationSuite  # noqa: E402
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402
from great_expectations.exceptions import InvalidMetricAccessorDomainKwargsKeyError  # noqa: E402
from great_expectations.execution_engine import pandas_execution_engine  # noqa: E402
from great_expectations.expectations.metrics.util import (  # noqa: E402
    get_dbms_compatible_column_names,
)

# Expectations that read only the table's column names, and those that read only its rows.
LAYOUT_EXPECTATIONS = frozenset(
    {
        "expect_table_columns_to_match_ordered_list",
        "expect_table_columns_to_match_set",
        "expect_table_column_count_to_equal",
        "expect_table_column_count_to_be_between",
        "expect_column_to_exist",
    }
)
ROW_COUNT_EXPECTATIONS = frozenset(
    {"expect_table_row_count_to_be_between", "expect_table_row_count_to_equal"}
)
# Expectation families whose domain is the columns their kwargs name, and nothing else.
COLUMN_SCOPED_PREFIXES = (
    "expect_column_",
    "expect_compound_columns_",
    "expect_multicolumn_",
    "expect_select_column_values_",
)
COLUMN_KWARGS = ("column", "column_A", "column_B")

# What pandas makes of strings, so also of `.df()`'s VARCHARs: `str` (Arrow) from pandas 3 on.
INFERRED_STRING_DTYPE = pd.Series(["x"]).dtype
ARROW_STRINGS = isinstance(INFERRED_STRING_DTYPE, pd.StringDtype)

# Expectations whose failing values are not put into a message or log, and why.
EXAMPLES_WITHHELD = {
    # It guards pseudonyms (fct_sessions.customer_key): what fails it may be an upstream id.
    "expect_column_values_to_match_regex": "they may be upstream ids, personal data",
}

LAYOUT = "layout"  # the scope of LAYOUT_EXPECTATIONS
WHOLE_TABLE = "whole table"  # the scope of anything not known to read fewer columns


@dataclass(frozen=True)
class FailedExpectation:
    expectation_type: str
    column: str | None
    detail: str

    def describe(self, table: str) -> str:
        where = f"{table}.{self.column}" if self.column else table
        return f"{self.expectation_type} failed on {where}: {self.detail}"


@dataclass(frozen=True)
class ValidationOutcome:
    table: str
    row_count: int
    evaluated: int
    failures: tuple[FailedExpectation, ...]

    @property
    def success(self) -> bool:
        return not self.failures

    def describe(self) -> str:
        if self.success:
            return f"{self.table}: {self.evaluated} expectations passed on {self.row_count} rows"
        return "; ".join(failure.describe(self.table) for failure in self.failures)


# GE fingerprints each pandas batch under this many bytes by hashing every value: batch
# metadata, no check reads it, and it cost as much as the checks. 0 takes the path GE itself
# takes for frames over 1 GB (tests/test_validation.py notices if GE renames it).
pandas_execution_engine.HASH_THRESHOLD = 0


@cache
def _batch_definition():
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("warehouse").add_dataframe_asset("table")
    return asset.add_batch_definition_whole_dataframe("whole_table")


def expectation_scope(config) -> str | tuple[str, ...]:
    """What an expectation reads: LAYOUT, some columns (none: only the rows) or WHOLE_TABLE."""
    kwargs = config.kwargs
    if config.type in LAYOUT_EXPECTATIONS:
        return LAYOUT
    if kwargs.get("row_condition"):  # the condition may name any column
        return WHOLE_TABLE
    if config.type in ROW_COUNT_EXPECTATIONS:
        return ()
    columns = [kwargs[key] for key in COLUMN_KWARGS if kwargs.get(key) is not None]
    columns += list(kwargs.get("column_list") or [])
    named = columns and all(isinstance(column, str) for column in columns)
    if config.type.startswith(COLUMN_SCOPED_PREFIXES) and named:
        return tuple(dict.fromkeys(columns))
    return WHOLE_TABLE


def _scopes(suite: ExpectationSuite) -> dict[str | tuple[str, ...], list]:
    """The suite's expectation configurations grouped by scope, in order of first appearance."""
    groups: dict[str | tuple[str, ...], list] = {}
    for expectation in suite.expectations:
        config = expectation.configuration
        groups.setdefault(expectation_scope(config), []).append(config)
    return groups


def _ge_would_match(name: str, column: str) -> bool:
    try:
        get_dbms_compatible_column_names(name, [column])
    except InvalidMetricAccessorDomainKwargsKeyError:  # GE's "column does not exist"
        return False
    return True


def columns_for(scope: tuple[str, ...], table_columns) -> list[str]:
    """The columns (in table order) GE's lookup could take for the names in `scope`.

    GE ignores case and some quoting when it finds a column ("Session_ID" finds session_id)
    and takes the first match in table order; it sees the same first match among these.
    """
    return [
        column
        for column in table_columns
        if any(name == column or _ge_would_match(name, column) for name in scope)
    ]


def columns_to_read(suite: ExpectationSuite, table_columns: list[str]) -> list[str]:
    """The table's columns (in table order) that some expectation of `suite` reads."""
    scopes = _scopes(suite)
    if WHOLE_TABLE in scopes:
        return list(table_columns)
    names = tuple({name for scope in scopes if scope != LAYOUT for name in scope})
    return columns_for(names, table_columns)


def _describe_failure(result) -> FailedExpectation:
    config = result.expectation_config
    details = result.result or {}
    unexpected = details.get("unexpected_count")
    if unexpected is not None and config.type in EXAMPLES_WITHHELD:
        detail = f"{unexpected} unexpected values (not shown: {EXAMPLES_WITHHELD[config.type]})"
    elif unexpected is not None:
        examples = [str(value) for value in details.get("partial_unexpected_list", [])[:5]]
        detail = f"{unexpected} unexpected values, e.g. {', '.join(examples)}"
    elif "observed_value" in details:
        detail = f"observed {details['observed_value']}"
    else:
        detail = str(result.exception_info or details)
    kwargs = {key: value for key, value in config.kwargs.items() if key not in ("batch_id",)}
    expected = ", ".join(f"{key}={value}" for key, value in kwargs.items() if key != "column")
    if expected:
        detail = f"{detail} (expected {expected})"
    return FailedExpectation(config.type, kwargs.get("column"), detail)


def validate_dataframe(
    table: str, dataframe: pd.DataFrame, suite: ExpectationSuite, *, layout=None
) -> ValidationOutcome:
    """Validates every expectation of `suite` with GE, each on a batch of the columns it reads.

    `dataframe` needs the columns the expectations read (all of the table's rows); `layout`
    (any frame with all of the table's columns, in order) is what the layout expectations
    see, `dataframe` itself by default. A column missing from `dataframe` fails its
    expectations inside GE, as it would on the whole table.
    """
    layout = dataframe if layout is None else layout
    results = []
    for scope, configs in _scopes(suite).items():
        if scope == LAYOUT:
            batch_frame = layout
        elif scope == WHOLE_TABLE:
            batch_frame = dataframe
        else:
            batch_frame = dataframe[columns_for(scope, dataframe.columns)]
        part = ExpectationSuite(name=suite.name, expectations=configs)
        batch = _batch_definition().get_batch(batch_parameters={"dataframe": batch_frame})
        results += batch.validate(part, result_format="BASIC").results
    failures = tuple(_describe_failure(item) for item in results if not item.success)
    return ValidationOutcome(table, len(dataframe), len(results), failures)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def read_columns(connection, relation_sql: str, columns: list[str]) -> pd.DataFrame:
    """`connection.sql(select columns from relation).df()`, with the strings fetched faster.

    `.df()` builds a Python object per string before pandas packs them into Arrow again; a
    VARCHAR column with a value goes through Arrow instead and ends up the same (pandas `str`
    dtype); everything else (and all-NULL VARCHARs, which `.df()` makes `object`) still goes
    through `.df()`. On a read-only connection both reads see the same rows: no writer can
    open the file meanwhile, and a plain scan keeps the table's row order.
    """
    if not columns:
        rows = connection.execute(f"select count(*) from {relation_sql}").fetchone()[0]
        return pd.DataFrame(index=pd.RangeIndex(rows))

    def select(names: list[str]):
        return connection.sql(f"select {', '.join(map(_quoted, names))} from {relation_sql}")

    types = dict(zip(columns, map(str, select(columns).types), strict=True))
    parts: dict[str, pd.Series] = {}
    strings = [column for column in columns if types[column] == "VARCHAR"]
    if strings and ARROW_STRINGS:
        arrow = select(strings).to_arrow_table()
        for column in strings:
            values = arrow.column(column)
            if values.null_count < len(values):
                series = values.to_pandas()
                if series.dtype == INFERRED_STRING_DTYPE:
                    parts[column] = series
    rest = [column for column in columns if column not in parts]
    if rest:
        frame = select(rest).df()
        parts.update((column, frame[column]) for column in rest)
    return pd.DataFrame({column: parts[column] for column in columns})


def validate_table(
    database: Path, schema: str, table: str, suite: ExpectationSuite
) -> ValidationOutcome:
    """Validates `schema.table` of a DuckDB file (opened read-only) against `suite`."""
    relation_sql = f"{_quoted(schema)}.{_quoted(table)}"
    with duckdb.connect(str(database), read_only=True) as connection:
        table_columns = connection.sql(f"select * from {relation_sql} limit 0").columns
        dataframe = read_columns(connection, relation_sql, columns_to_read(suite, table_columns))
    layout = pd.DataFrame(columns=table_columns)
    return validate_dataframe(table, dataframe, suite, layout=layout)
