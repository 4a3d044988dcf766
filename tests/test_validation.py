"""Great Expectations suites: a failure names the expectation, the table and the column."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from orchestration.quality.validation import load_suite, validate_dataframe
from orchestration.settings import EXPECTATIONS_DIR

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


def _suite(tmp_path: Path):
    path = tmp_path / "example.json"
    path.write_text(json.dumps(RATE_SUITE))
    return load_suite(path)


def test_valid_table_passes_every_expectation(tmp_path: Path):
    frame = pd.DataFrame({"session_id": ["s-1", "s-2"], "resolution_rate": [0.0, 1.0]})
    outcome = validate_dataframe("metrics", frame, _suite(tmp_path))
    assert outcome.success
    assert (outcome.row_count, outcome.evaluated) == (2, 2)


def test_rate_above_one_fails_and_names_table_column_and_value(tmp_path: Path):
    frame = pd.DataFrame({"session_id": ["s-1", "s-2"], "resolution_rate": [0.5, 1.5]})
    outcome = validate_dataframe("metrics", frame, _suite(tmp_path))
    assert not outcome.success
    assert len(outcome.failures) == 1
    message = outcome.describe()
    assert message.startswith(
        "expect_column_values_to_be_between failed on metrics.resolution_rate"
    )
    assert "1 unexpected values, e.g. 1.5" in message


def test_unreadable_suite_file_names_itself(tmp_path: Path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    try:
        load_suite(broken)
    except ValueError as error:
        assert str(broken) in str(error)
    else:
        raise AssertionError("a broken suite file must not load")


def test_every_published_mart_has_a_suite_that_loads():
    from orchestration.publish import PUBLISHED_MARTS

    for mart in PUBLISHED_MARTS:
        suite = load_suite(EXPECTATIONS_DIR / f"{mart}.json")
        assert len(suite.expectations) >= 3, mart
