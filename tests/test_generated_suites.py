"""The Great Expectations gate reads its rules from the dbt manifest (orchestration/quality/
suites.py): exactly the rules of a small declaration, every published mart covered, and every
way of damaging a real built mart caught, naming table and column."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.quality.suites import (
    INTEGER_DTYPES,
    NUMERIC_DTYPES,
    expectations_of_mart,
    suite_of_mart,
)
from orchestration.quality.validation import validate_table
from tests.conftest import manifest_published_marts, parsed_manifest


def _test_node(model: str, kind: str, column: str | None = None, **arguments) -> dict:
    """A dbt test node as the manifest holds it (`config` may be overridden)."""
    config = arguments.pop("config", {"severity": "ERROR", "where": None})
    kwargs = {**arguments, "model": f"{{{{ get_where_subquery(ref('{model}')) }}}}"}
    if column:
        kwargs["column_name"] = column
    return {
        "resource_type": "test",
        "name": f"{kind}_{model}_{column}",
        "attached_node": f"model.p.{model}",
        "column_name": column,
        "config": config,
        "test_metadata": {"name": kind, "kwargs": kwargs, "namespace": None},
    }


def _declaration() -> dict:
    """A manifest reduced to what the generator reads: one published mart, its contract, its
    tests (some of them dbt's alone) and another model's test that is not its business."""
    columns = {
        "segment_id": "varchar",
        "session_date": "date",
        "channel": "varchar",
        "sessions": "bigint",
        "csat_score": "integer",
        "resolution_rate": "double precision",
        "is_judged": "boolean",
        "built_at": "timestamp",
    }
    tests = [
        _test_node("daily_rates", "unique", "segment_id"),
        _test_node("daily_rates", "not_null", "segment_id"),
        _test_node("daily_rates", "accepted_values", "channel", values=["chat", "email"]),
        _test_node("daily_rates", "value_between", "resolution_rate", min_value=0, max_value=1),
        _test_node("daily_rates", "value_between", "sessions", min_value=1),
        _test_node("daily_rates", "value_matches_regex", "segment_id", regex="^[0-9a-f]{64}$"),
        _test_node(
            "daily_rates",
            "unique_combination_of_columns",
            combination_of_columns=["session_date", "channel"],
        ),
        _test_node("daily_rates", "relationships", "segment_id", to="ref('x')", field="id"),
        _test_node(
            "daily_rates", "not_null", "channel", config={"severity": "warn", "where": None}
        ),
        _test_node(
            "daily_rates",
            "not_null",
            "csat_score",
            config={"severity": "ERROR", "where": "sessions > 1"},
        ),
        _test_node("other_mart", "not_null", "segment_id"),
    ]
    model = {
        "resource_type": "model",
        "name": "daily_rates",
        "unique_id": "model.p.daily_rates",
        "schema": "marts",
        "config": {
            "meta": {"published": True, "min_rows": 1},
            "contract": {"enforced": True},
        },
        "columns": {name: {"name": name, "data_type": kind} for name, kind in columns.items()},
    }
    nodes = {"model.p.daily_rates": model}
    nodes.update((f"test.p.{index}", test) for index, test in enumerate(tests))
    return {"nodes": nodes}


def test_generated_suite_of_a_small_dbt_declaration_is_exactly_its_rules():
    columns = [
        "segment_id",
        "session_date",
        "channel",
        "sessions",
        "csat_score",
        "resolution_rate",
        "is_judged",
        "built_at",
    ]
    int_types = ["int64", "int32", "Int64Dtype", "Int32Dtype"]
    number_types = [*int_types, "float64", "float32", "Float64Dtype", "Float32Dtype"]
    assert expectations_of_mart(_declaration(), "daily_rates") == [
        {"type": "expect_table_columns_to_match_ordered_list", "kwargs": {"column_list": columns}},
        {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}},
        {
            "type": "expect_column_values_to_be_in_type_list",
            "kwargs": {"column": "sessions", "type_list": int_types},
        },
        {
            "type": "expect_column_values_to_be_in_type_list",
            "kwargs": {"column": "csat_score", "type_list": int_types},
        },
        {
            "type": "expect_column_values_to_be_in_type_list",
            "kwargs": {"column": "resolution_rate", "type_list": number_types},
        },
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "segment_id"}},
        {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "segment_id"}},
        {
            "type": "expect_column_values_to_match_regex",
            "kwargs": {"column": "segment_id", "regex": "^[0-9a-f]{64}$"},
        },
        {
            "type": "expect_column_values_to_be_in_set",
            "kwargs": {"column": "channel", "value_set": ["chat", "email"]},
        },
        {
            "type": "expect_column_values_to_be_between",
            "kwargs": {"column": "sessions", "min_value": 1},
        },
        {
            "type": "expect_column_values_to_be_between",
            "kwargs": {"column": "resolution_rate", "min_value": 0, "max_value": 1},
        },
        {
            "type": "expect_compound_columns_to_be_unique",
            "kwargs": {"column_list": ["session_date", "channel"]},
        },
    ]
    assert (int_types, number_types) == (INTEGER_DTYPES, NUMERIC_DTYPES)


def test_a_dbt_test_kind_the_gate_does_not_know_is_an_error_naming_it():
    manifest = _declaration()
    manifest["nodes"]["test.p.new"] = _test_node(
        "daily_rates", "expression_is_true", "sessions", expression="sessions > 0"
    )
    with pytest.raises(ValueError) as error:
        expectations_of_mart(manifest, "daily_rates")
    message = str(error.value)
    assert "expression_is_true_daily_rates_sessions on published mart daily_rates" in message
    assert "EXPECTATION_OF_DBT_TEST" in message and "DBT_ONLY_TESTS" in message


def test_a_column_without_a_known_data_type_is_an_error_naming_it():
    manifest = _declaration()
    columns = manifest["nodes"]["model.p.daily_rates"]["columns"]
    columns["sessions"]["data_type"] = None
    columns["built_at"]["data_type"] = "interval"
    with pytest.raises(ValueError) as error:
        expectations_of_mart(manifest, "daily_rates")
    assert "untyped ['sessions'], unknown types {'built_at': 'interval'}" in str(error.value)


def test_every_published_mart_gets_a_suite_of_its_columns_and_rules(published_mart):
    manifest = parsed_manifest()
    expectations = expectations_of_mart(manifest, published_mart)
    layout, *rules = expectations
    model = next(
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["name"] == published_mart
    )
    assert layout["kwargs"]["column_list"] == list(model["columns"])
    assert any(rule["kwargs"].get("column") for rule in rules), published_mart
    assert len(suite_of_mart(manifest, published_mart).expectations) == len(expectations)


def test_no_generated_suite_requires_rows_of_a_mart_a_delivery_can_leave_empty():
    """Issue 11: a delivery in which nobody has replied yet is valid, so fct_replies may be
    empty; only marts whose rows do not depend on the delivery declare min_rows."""
    with_min_rows = {
        mart
        for mart in manifest_published_marts()
        if any(
            expectation["type"] == "expect_table_row_count_to_be_between"
            for expectation in expectations_of_mart(parsed_manifest(), mart)
        )
    }
    assert with_min_rows == {"fct_sessions", "dim_metrics"}


@pytest.fixture
def damageable_warehouse(handmade_warehouse, tmp_path: Path) -> Path:
    """A copy of the built working database, for a test to break."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(handmade_warehouse.working_db, copy)
    return copy


def _failures(database: Path, mart: str) -> list[str]:
    outcome = validate_table(database, "marts", mart, suite_of_mart(parsed_manifest(), mart))
    return [failure.describe(mart) for failure in outcome.failures]


def test_the_generated_gate_passes_the_undamaged_warehouse(damageable_warehouse: Path):
    for mart in manifest_published_marts():
        assert _failures(damageable_warehouse, mart) == [], mart


FCT_ESCALATIONS_REORDERED = """
create or replace table marts.fct_escalations as
select * exclude (session_id, escalation_id), session_id, escalation_id from marts.fct_escalations
"""
SEGMENT_KEY = "session_date, channel, intent, severity, language, model_version, prompt_id"

# (what is broken, the mart, the SQL that breaks it, what the gate must say: beginnings of
# failure descriptions, each naming the expectation and table.column).
DAMAGES = [
    (
        "null key",
        "fct_sessions",
        "update marts.fct_sessions set session_id = null where rowid = 0",
        ["expect_column_values_to_not_be_null failed on fct_sessions.session_id"],
    ),
    (
        "duplicated key",
        "fct_messages",
        "insert into marts.fct_messages select * from marts.fct_messages limit 1",
        ["expect_column_values_to_be_unique failed on fct_messages.message_id"],
    ),
    (
        "value outside its accepted set",
        "fct_replies",
        "update marts.fct_replies set responder_type = 'robot' where rowid = 0",
        ["expect_column_values_to_be_in_set failed on fct_replies.responder_type"],
    ),
    (
        "rate above 1",
        "agg_metrics_segment_daily",
        "update marts.agg_metrics_segment_daily set resolution_rate = 1.5 where rowid = 0",
        ["expect_column_values_to_be_between failed on agg_metrics_segment_daily.resolution_rate"],
    ),
    (
        "negative duration",
        "fct_replies",
        "update marts.fct_replies set wait_seconds = -5 where rowid = 0",
        ["expect_column_values_to_be_between failed on fct_replies.wait_seconds"],
    ),
    (
        "wrong column order",
        "fct_escalations",
        FCT_ESCALATIONS_REORDERED,
        ["expect_table_columns_to_match_ordered_list failed on fct_escalations: observed ["],
    ),
    (
        "dropped column",
        "fct_messages",
        "alter table marts.fct_messages drop column confidence",
        [
            "expect_table_columns_to_match_ordered_list failed on fct_messages: observed [",
            "expect_column_values_to_be_in_type_list failed on fct_messages.confidence",
            "expect_column_values_to_be_between failed on fct_messages.confidence",
        ],
    ),
    (
        "wrong type",
        "agg_metrics_segment_daily",
        "alter table marts.agg_metrics_segment_daily alter column escalation_rate type varchar",
        [
            "expect_column_values_to_be_in_type_list failed on "
            "agg_metrics_segment_daily.escalation_rate",
            # text cannot be compared with the bounds: a failure too, on the same column
            "expect_column_values_to_be_between failed on "
            "agg_metrics_segment_daily.escalation_rate",
        ],
    ),
    (
        "duplicated compound key",
        "agg_metrics_segment_daily",
        "insert into marts.agg_metrics_segment_daily select * replace ('another-key' as "
        "segment_day_id) from marts.agg_metrics_segment_daily limit 1",
        ["expect_compound_columns_to_be_unique failed on agg_metrics_segment_daily: "],
    ),
    (
        "upstream id instead of its pseudonym",
        "fct_sessions",
        "update marts.fct_sessions set customer_key = 'c-1' where rowid = 0",
        ["expect_column_values_to_match_regex failed on fct_sessions.customer_key"],
    ),
    (
        "whole count turned fractional",
        "fct_sessions",
        "alter table marts.fct_sessions alter column bot_message_count type double",
        ["expect_column_values_to_be_in_type_list failed on fct_sessions.bot_message_count"],
    ),
    (
        "empty metric dictionary",
        "dim_metrics",
        "delete from marts.dim_metrics",
        ["expect_table_row_count_to_be_between failed on dim_metrics: observed 0"],
    ),
]


@pytest.mark.parametrize(
    ("mart", "damage", "expected"),
    [(mart, damage, expected) for _, mart, damage, expected in DAMAGES],
    ids=[name for name, *_ in DAMAGES],
)
def test_every_damage_to_a_built_mart_is_caught_naming_table_and_column(
    damageable_warehouse: Path, mart: str, damage: str, expected: list[str]
):
    with duckdb.connect(str(damageable_warehouse)) as connection:
        connection.execute(damage)
    failures = _failures(damageable_warehouse, mart)
    assert len(failures) == len(expected), failures
    for failure, beginning in zip(sorted(failures), sorted(expected), strict=True):
        assert failure.startswith(beginning), failures


def test_a_moved_column_is_named_in_the_layout_failure(damageable_warehouse: Path):
    with duckdb.connect(str(damageable_warehouse)) as connection:
        connection.execute(FCT_ESCALATIONS_REORDERED)
    (failure,) = _failures(damageable_warehouse, "fct_escalations")
    observed, expected = failure.split("(expected column_list=")
    assert observed.rstrip(" ").endswith("'session_id', 'escalation_id']")
    assert expected.startswith("['escalation_id', 'session_id',")


def test_a_value_failing_the_pseudonym_pattern_is_not_shown(damageable_warehouse: Path):
    """What fails the pattern may be an upstream customer id: counted, never logged."""
    with duckdb.connect(str(damageable_warehouse)) as connection:
        connection.execute("update marts.fct_sessions set customer_key = 'c-1' where rowid = 0")
    (failure,) = _failures(damageable_warehouse, "fct_sessions")
    assert failure.startswith(
        "expect_column_values_to_match_regex failed on fct_sessions.customer_key: 1 unexpected "
        "values (not shown: they may be upstream ids, personal data)"
    )
    assert "c-1" not in failure


def test_an_empty_fct_replies_passes_the_gate(damageable_warehouse: Path):
    """A delivery where nobody has replied yet leaves fct_replies empty: valid."""
    with duckdb.connect(str(damageable_warehouse)) as connection:
        connection.execute("delete from marts.fct_replies")
    assert _failures(damageable_warehouse, "fct_replies") == []
