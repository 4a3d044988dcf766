"""The Great Expectations suite of every published mart, generated from the dbt manifest.

dbt's YAML is the one home of every column rule: the mart's enforced contract (its columns, in
order, each with a `data_type`) and its data tests. Great Expectations stays the gate before
publishing, and reads those rules through this module, never from a file of its own:

- the contract's columns, in order: expect_table_columns_to_match_ordered_list;
- each numeric column's `data_type`: expect_column_values_to_be_in_type_list with the pandas
  dtypes the validation reads that DuckDB type as (PANDAS_TYPES; text, boolean and time types
  are the contract's alone, TYPES_LEFT_TO_DBT);
- each data test whose kind is in EXPECTATION_OF_DBT_TEST: its expectation, with the test's
  arguments renamed (not_null, unique, accepted_values, value_between,
  unique_combination_of_columns, value_matches_regex);
- the model's `meta: {min_rows: N}`: expect_table_row_count_to_be_between(min_value=N), for a
  mart whose rows do not depend on what was delivered (a mart a valid delivery can leave empty,
  such as fct_replies when nobody has replied yet, must not declare one).

Left to dbt alone, which runs every test in `dbt build` before Great Expectations runs and
blocks publishing just as well: relationships (DBT_ONLY_TESTS: model logic across marts, which
a one-table batch cannot see), singular tests (SQL), and any test with a `where` filter or a
severity other than error (a filter is SQL, and a warning must not block here when it does not
block in dbt). A
test of any other kind on a published mart is an error naming it, so every new kind is mapped
here or added to DBT_ONLY_TESTS on purpose.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from great_expectations.core.expectation_suite import ExpectationSuite

from orchestration.publish import published_mart_names

# GE looks a dtype name up in numpy, then as an attribute of pandas: a nullable column (NULLs
# present) is `Int64Dtype`, which the name "Int64" never matches.
INTEGER_DTYPES = ["int64", "int32", "Int64Dtype", "Int32Dtype"]
# A double column is numeric: integer dtypes pass too (as in the suites reviewed before).
NUMERIC_DTYPES = [*INTEGER_DTYPES, "float64", "float32", "Float64Dtype", "Float32Dtype"]
# The pandas dtypes `read_columns` gives a numeric contract `data_type` (numpy's without NULLs,
# pandas' nullable ones with): a metric that turns into text or a rate rounded to whole numbers
# fails here. Most numeric columns carry value rules anyway (129 of 166), so few extra columns
# are read for it.
PANDAS_TYPES: dict[str, list[str]] = {
    "bigint": INTEGER_DTYPES,
    "integer": INTEGER_DTYPES,
    "double precision": NUMERIC_DTYPES,
}
# Enforced by dbt's contract at build time alone: checking them here would read every text and
# timestamp column of every mart (the bulk of the bytes) for what the contract already refused.
TYPES_LEFT_TO_DBT = frozenset({"varchar", "boolean", "date", "timestamp"})

# dbt test kind -> (expectation, {dbt argument: expectation kwarg}); `column_name` -> `column`.
EXPECTATION_OF_DBT_TEST: dict[str, tuple[str, dict[str, str]]] = {
    "not_null": ("expect_column_values_to_not_be_null", {}),
    "unique": ("expect_column_values_to_be_unique", {}),
    "accepted_values": ("expect_column_values_to_be_in_set", {"values": "value_set"}),
    "value_between": (
        "expect_column_values_to_be_between",
        {"min_value": "min_value", "max_value": "max_value"},
    ),
    "value_matches_regex": ("expect_column_values_to_match_regex", {"regex": "regex"}),
    "unique_combination_of_columns": (
        "expect_compound_columns_to_be_unique",
        {"combination_of_columns": "column_list"},
    ),
}
DBT_ONLY_TESTS = frozenset({"relationships"})
MIN_ROWS_META = "min_rows"


def _model(manifest: Mapping[str, Any], mart: str) -> Mapping[str, Any]:
    for node in manifest["nodes"].values():
        if node.get("resource_type") == "model" and node["name"] == mart:
            return node
    raise ValueError(f"the dbt manifest has no model {mart}")


def _tests_of(manifest: Mapping[str, Any], model_id: str) -> list[Mapping[str, Any]]:
    return [
        node
        for node in manifest["nodes"].values()
        if node.get("resource_type") == "test" and node.get("attached_node") == model_id
    ]


def _expectation_of_test(test: Mapping[str, Any], mart: str) -> dict[str, Any] | None:
    """The expectation a dbt test on `mart` becomes, or None when it is left to dbt."""
    config = test.get("config") or {}
    metadata = test.get("test_metadata") or {}
    kind = metadata.get("name")
    if config.get("where") or str(config.get("severity", "error")).lower() != "error":
        return None
    if kind in DBT_ONLY_TESTS or not metadata:  # a singular test is SQL: dbt's alone
        return None
    if kind not in EXPECTATION_OF_DBT_TEST:
        raise ValueError(
            f"dbt test {test['name']} on published mart {mart} is of kind {kind}, which "
            "orchestration/quality/suites.py neither maps to a Great Expectations expectation "
            "(EXPECTATION_OF_DBT_TEST) nor leaves to dbt (DBT_ONLY_TESTS): add it to one"
        )
    expectation_type, kwarg_of_argument = EXPECTATION_OF_DBT_TEST[kind]
    arguments = metadata.get("kwargs") or {}
    kwargs: dict[str, Any] = {}
    if test.get("column_name"):
        kwargs["column"] = test["column_name"]
    for argument, kwarg in kwarg_of_argument.items():
        if arguments.get(argument) is not None:
            kwargs[kwarg] = arguments[argument]
    return {"type": expectation_type, "kwargs": kwargs}


def _column_order(expectation: Mapping[str, Any], columns: list[str]) -> tuple:
    """Sort key: columns in contract order, each column's rules in EXPECTATION_OF_DBT_TEST's
    order, then the rules of several columns."""
    kinds = [expectation_type for expectation_type, _ in EXPECTATION_OF_DBT_TEST.values()]
    column = expectation["kwargs"].get("column")
    position = columns.index(column) if column in columns else len(columns)
    return (position, kinds.index(expectation["type"]), repr(sorted(expectation["kwargs"].items())))


def expectations_of_mart(manifest: Mapping[str, Any], mart: str) -> list[dict[str, Any]]:
    """The expectations (`{"type", "kwargs"}`, GE's suite format) of one mart: its contract's
    columns and types, its `min_rows`, then its data tests, column by column."""
    model = _model(manifest, mart)
    columns = list(model.get("columns") or {})
    untyped = [name for name, column in model["columns"].items() if not column.get("data_type")]
    unknown = {
        name: column["data_type"]
        for name, column in model["columns"].items()
        if column.get("data_type")
        and column["data_type"].lower() not in PANDAS_TYPES.keys() | TYPES_LEFT_TO_DBT
    }
    if not columns or untyped or unknown:
        raise ValueError(
            f"published mart {mart} needs a data_type for every column of its YAML, one of "
            f"{', '.join([*PANDAS_TYPES, *sorted(TYPES_LEFT_TO_DBT)])} (or map a new one in "
            "orchestration/quality/suites.py, PANDAS_TYPES or TYPES_LEFT_TO_DBT): "
            + ("no columns" if not columns else f"untyped {untyped}, unknown types {unknown}")
        )
    expectations: list[dict[str, Any]] = [
        {"type": "expect_table_columns_to_match_ordered_list", "kwargs": {"column_list": columns}}
    ]
    min_rows = (model.get("config") or {}).get("meta", {}).get(MIN_ROWS_META)
    if min_rows is not None:
        expectations.append(
            {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": min_rows}}
        )
    expectations += [
        {
            "type": "expect_column_values_to_be_in_type_list",
            "kwargs": {"column": name, "type_list": PANDAS_TYPES[column["data_type"].lower()]},
        }
        for name, column in model["columns"].items()
        if column["data_type"].lower() in PANDAS_TYPES
    ]
    from_tests = [
        _expectation_of_test(test, mart) for test in _tests_of(manifest, model["unique_id"])
    ]
    expectations += sorted(
        (expectation for expectation in from_tests if expectation is not None),
        key=lambda expectation: _column_order(expectation, columns),
    )
    return expectations


def suite_of_mart(manifest: Mapping[str, Any], mart: str) -> ExpectationSuite:
    return ExpectationSuite(name=mart, expectations=expectations_of_mart(manifest, mart))


def published_suites(manifest: Mapping[str, Any]) -> dict[str, ExpectationSuite]:
    """The generated suite of every published mart (published_mart_names, in that order)."""
    return {mart: suite_of_mart(manifest, mart) for mart in published_mart_names(manifest)}
