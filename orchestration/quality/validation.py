"""Great Expectations validation of warehouse tables before they are published.

GE 1.24 cannot use DuckDB as a SQL data source (its metrics fail after the connection closes,
GX issues #10738 and #11579), so each table is read into a pandas DataFrame and validated
there; that costs ~3 s for 5M rows x 4 expectations. Suites are reviewable JSON files in
`expectations/<table>.json`, in GE's own ExpectationSuite format.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb

# GE phones home and draws progress bars unless told not to; neither belongs in a batch job.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

import great_expectations as gx  # noqa: E402
from great_expectations.core.expectation_suite import ExpectationSuite  # noqa: E402
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402


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


def load_suite(path: Path) -> ExpectationSuite:
    """Reads a suite file; a broken file names itself rather than failing deep inside GE."""
    try:
        return ExpectationSuite(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError) as error:
        raise ValueError(f"expectation suite {path} cannot be read: {error}") from error


@cache
def _batch_definition():
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("warehouse").add_dataframe_asset("table")
    return asset.add_batch_definition_whole_dataframe("whole_table")


def _describe_failure(result) -> FailedExpectation:
    config = result.expectation_config
    details = result.result or {}
    if details.get("unexpected_count") is not None:
        examples = [str(value) for value in details.get("partial_unexpected_list", [])[:5]]
        detail = f"{details['unexpected_count']} unexpected values, e.g. {', '.join(examples)}"
    elif "observed_value" in details:
        detail = f"observed {details['observed_value']}"
    else:
        detail = str(result.exception_info or details)
    kwargs = {key: value for key, value in config.kwargs.items() if key not in ("batch_id",)}
    expected = ", ".join(f"{key}={value}" for key, value in kwargs.items() if key != "column")
    if expected:
        detail = f"{detail} (expected {expected})"
    return FailedExpectation(config.type, kwargs.get("column"), detail)


def validate_dataframe(table: str, dataframe, suite: ExpectationSuite) -> ValidationOutcome:
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": dataframe})
    result = batch.validate(suite, result_format="SUMMARY")
    failures = tuple(_describe_failure(item) for item in result.results if not item.success)
    return ValidationOutcome(table, len(dataframe), len(result.results), failures)


def validate_table(database: Path, schema: str, table: str, suite_path: Path) -> ValidationOutcome:
    """Validates `schema.table` of a DuckDB file (opened read-only) against a suite file."""
    suite = load_suite(suite_path)
    with duckdb.connect(str(database), read_only=True) as connection:
        dataframe = connection.sql(f'select * from "{schema}"."{table}"').df()
    return validate_dataframe(table, dataframe, suite)
