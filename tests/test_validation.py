"""Great Expectations validation: a failure names the expectation, the table and the column.

Tables are validated one GE batch per group of columns an expectation reads; the tests below
hold that to what one GE batch of the whole table (`.df()`) fails.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
from great_expectations.core.expectation_suite import ExpectationSuite

from orchestration.quality.validation import (
    WHOLE_TABLE,
    _batch_definition,
    _describe_failure,
    columns_to_read,
    expectation_scope,
    read_columns,
    validate_dataframe,
    validate_table,
)

RATE_SUITE = {
    "name": "example",
    "expectations": [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "session_id"}},
        {
            "type": "expect_column_values_to_be_between",
            "kwargs": {"column": "resolution_rate", "min_value": 0, "max_value": 1},
        },
    ],
}


def _suite(suite: dict) -> ExpectationSuite:
    return ExpectationSuite(**suite)


def test_valid_table_passes_every_expectation():
    frame = pd.DataFrame({"session_id": ["s-1", "s-2"], "resolution_rate": [0.0, 1.0]})
    outcome = validate_dataframe("metrics", frame, _suite(RATE_SUITE))
    assert outcome.success
    assert (outcome.row_count, outcome.evaluated) == (2, 2)


def test_rate_above_one_fails_and_names_table_column_and_value():
    frame = pd.DataFrame({"session_id": ["s-1", "s-2"], "resolution_rate": [0.5, 1.5]})
    outcome = validate_dataframe("metrics", frame, _suite(RATE_SUITE))
    assert not outcome.success
    assert len(outcome.failures) == 1
    message = outcome.describe()
    assert message.startswith(
        "expect_column_values_to_be_between failed on metrics.resolution_rate"
    )
    assert "1 unexpected values, e.g. 1.5" in message


# A table that breaks most expectation types the published suites use, in DuckDB types the
# marts have: strings read through Arrow, an all-NULL string, nullable and plain integers.
VIOLATING_TABLE = """
create schema marts;
create table marts.example as
select
    case when i = 7 then 6 else i end::BIGINT as id,
    case when i % 50 = 0 then null else 'k-' || i end as key,
    case when i % 3 = 0 then 'web' when i = 11 then 'fax' else 'chat' end as channel,
    case when i = 5 then 1.5 else i / 1000.0 end::DOUBLE as rate,
    case when i % 40 = 0 then null else i end::BIGINT as maybe_count,
    (i % 10)::INTEGER as bucket,
    date '2026-01-01' + (i % 30)::INTEGER as day,
    i % 2 = 0 as flag,
    null::VARCHAR as nothing
from range(1000) as r(i)
"""
VIOLATING_COLUMNS = [
    "id", "key", "channel", "rate", "maybe_count", "bucket", "day", "flag", "nothing"
]  # fmt: skip
INT_TYPES = ["int64", "Int64", "int32", "Int32"]


def _expectation(kind: str, **kwargs) -> dict:
    return {"type": f"expect_{kind}", "kwargs": kwargs}


BROAD_SUITE = {
    "name": "broad",
    "expectations": [
        _expectation("table_columns_to_match_ordered_list", column_list=VIOLATING_COLUMNS),
        _expectation("table_row_count_to_be_between", min_value=10, max_value=500),
        _expectation("column_values_to_not_be_null", column="key"),
        _expectation("column_values_to_not_be_null", column="id"),
        _expectation("column_values_to_not_be_null", column="nothing"),
        _expectation("column_values_to_be_unique", column="id"),
        _expectation("column_values_to_be_in_set", column="channel", value_set=["web", "chat"]),
        _expectation("column_values_to_be_between", column="rate", min_value=0, max_value=1),
        _expectation("column_values_to_be_between", column="maybe_count", max_value=99),
        _expectation("column_values_to_be_in_type_list", column="bucket", type_list=INT_TYPES),
        _expectation("column_values_to_be_in_type_list", column="rate", type_list=INT_TYPES),
        _expectation("compound_columns_to_be_unique", column_list=["bucket", "day"]),
        _expectation("column_values_to_match_regex", column="key", regex=r"^k-\d+$"),
        _expectation("column_values_to_be_in_set", column="flag", value_set=[True, False]),
    ],
}  # fmt: skip


def _warehouse(tmp_path: Path, sql: str = VIOLATING_TABLE) -> Path:
    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as connection:
        connection.execute(sql)
    return database


def _whole_table_failures(database: Path, suite: dict) -> list[str]:
    """What validation did before batches were cut per column: one GE batch of `.df()`."""
    with duckdb.connect(str(database), read_only=True) as connection:
        frame = connection.sql("select * from marts.example").df()
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    results = batch.validate(_suite(suite), result_format="SUMMARY").results
    return sorted(
        _describe_failure(item).describe("example") for item in results if not item.success
    )


def test_table_validation_fails_exactly_what_one_whole_table_batch_fails(tmp_path: Path):
    database = _warehouse(tmp_path)
    outcome = validate_table(database, "marts", "example", _suite(BROAD_SUITE))
    failures = sorted(failure.describe("example") for failure in outcome.failures)
    assert failures == _whole_table_failures(database, BROAD_SUITE)
    assert (outcome.row_count, outcome.evaluated) == (1000, len(BROAD_SUITE["expectations"]))
    failed = {(failure.expectation_type, failure.column) for failure in outcome.failures}
    assert failed == {
        ("expect_table_row_count_to_be_between", None),
        ("expect_column_values_to_not_be_null", "key"),
        ("expect_column_values_to_not_be_null", "nothing"),
        ("expect_column_values_to_be_unique", "id"),
        ("expect_column_values_to_be_in_set", "channel"),
        ("expect_column_values_to_be_between", "rate"),
        ("expect_column_values_to_be_between", "maybe_count"),
        ("expect_column_values_to_be_in_type_list", "rate"),
        ("expect_compound_columns_to_be_unique", None),
    }


def test_fast_read_is_exactly_what_df_gives(tmp_path: Path):
    """The dtypes matter: expect_column_values_to_be_in_type_list checks them."""
    with duckdb.connect() as connection:
        connection.execute(VIOLATING_TABLE.replace("range(1000)", "range(300000)"))
        connection.execute("create table marts.empty as select * from marts.example limit 0")
        for table, columns in [
            ("example", VIOLATING_COLUMNS),
            ("example", ["nothing", "rate", "key"]),
            ("empty", VIOLATING_COLUMNS),
        ]:
            selected = ", ".join(f'"{column}"' for column in columns)
            expected = connection.sql(f"select {selected} from marts.{table}").df()
            read = read_columns(connection, f"marts.{table}", columns)
            pd.testing.assert_frame_equal(read, expected, check_exact=True)


def test_only_read_columns_are_fetched_but_the_layout_check_sees_all(tmp_path: Path):
    suite = {
        "name": "layout",
        "expectations": [
            _expectation("table_columns_to_match_ordered_list", column_list=VIOLATING_COLUMNS),
            _expectation("column_values_to_be_in_set", column="channel", value_set=["web", "chat"]),
        ],
    }
    assert columns_to_read(_suite(suite), VIOLATING_COLUMNS) == ["channel"]
    database = _warehouse(tmp_path)
    outcome = validate_table(database, "marts", "example", _suite(suite))
    assert [failure.column for failure in outcome.failures] == ["channel"]

    suite["expectations"][0]["kwargs"]["column_list"] = VIOLATING_COLUMNS[::-1]
    outcome = validate_table(database, "marts", "example", _suite(suite))
    assert outcome.failures[0].expectation_type == "expect_table_columns_to_match_ordered_list"
    assert f"observed {VIOLATING_COLUMNS}" in outcome.failures[0].detail


def test_expectation_on_a_missing_column_fails_instead_of_crashing(tmp_path: Path):
    unique = _expectation("column_values_to_be_unique", column="nope")
    suite = {"name": "missing", "expectations": [unique]}
    outcome = validate_table(_warehouse(tmp_path), "marts", "example", _suite(suite))
    assert [(f.expectation_type, f.column) for f in outcome.failures] == [
        ("expect_column_values_to_be_unique", "nope")
    ]


def test_columns_are_found_the_way_ge_finds_them(tmp_path: Path):
    """GE ignores the case of a column name: "CHANNEL" validates channel, as before."""
    in_set = _expectation("column_values_to_be_in_set", column="CHANNEL", value_set=["web"])
    suite = {"name": "case", "expectations": [in_set]}
    database = _warehouse(tmp_path)
    outcome = validate_table(database, "marts", "example", _suite(suite))
    assert [failure.describe("example") for failure in outcome.failures] == _whole_table_failures(
        database, suite
    )
    assert "666 unexpected values" in outcome.describe()


def test_an_expectation_with_a_row_condition_gets_the_whole_table():
    config = _suite(BROAD_SUITE).expectations[2].configuration
    assert expectation_scope(config) == ("key",)
    config.kwargs["row_condition"] = 'channel=="web"'
    assert expectation_scope(config) == WHOLE_TABLE


def test_ge_does_not_hash_every_batch_for_a_fingerprint():
    """validation.py turns GE's batch fingerprint off; this notices if GE renames the knob."""
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": pd.DataFrame({"a": [1]})})
    assert "pandas_data_fingerprint" not in batch.batch_markers
