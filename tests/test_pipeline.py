"""The whole Dagster job on the hand-made day: every number below is worked out in
tests/handmade_events.py, next to the events it comes from."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.run_log import PUBLISHED_RUN_LOG
from orchestration.settings import Settings
from tests.conftest import (
    manifest_published_marts,
    parquet_query,
    pipeline_environment,
    pseudonym,
    sessions_by_channel,
    with_upstream_ids,
)
from tests.handmade_events import DAY, SESSION_IDS


def test_every_record_received_is_loaded_duplicate_or_rejected(working):
    rows = working(
        "select source_file, received, loaded, duplicates, rejected from raw.file_loads "
        "order by source_file"
    )
    assert rows == [
        ("2026-10-05_helpdesk.jsonl", 30, 30, 0, 0),
        ("2026-10-06_redelivery.jsonl", 3, 1, 1, 1),
    ]


def test_malformed_line_is_kept_with_file_and_line(working):
    assert working("select source_file, source_line from raw.rejected_events") == [
        ("2026-10-06_redelivery.jsonl", 2)
    ]


def test_unmapped_event_type_is_surfaced_not_dropped(published):
    assert published(
        "select source_event_type, event_count, example_event_id from mon_unmapped_event_types"
    ) == [("bot.thought", 1, pseudonym("e-901"))]


def test_resolution_kind_of_each_session(published):
    rows = published("select session_id, resolution_kind from fct_sessions")
    assert dict(with_upstream_ids(rows, SESSION_IDS)) == {
        "S1": "autonomous",
        "S2": "assisted",
        "S3": "abandoned",
        "S4": "human_only",
        "S5": "unresolved",
    }


def test_first_response_and_resolution_times_in_seconds(published):
    rows = published(
        "select session_id, first_response_seconds, time_to_resolution_seconds from fct_sessions"
    )
    assert with_upstream_ids(rows, SESSION_IDS) == [
        ("S1", 35, 180),
        ("S2", 600, 7200),
        ("S3", None, None),
        ("S4", 600, 1800),
        ("S5", 20, None),
    ]


def test_session_without_session_started_starts_at_first_customer_message(published):
    assert published(
        f"select started_at::varchar from fct_sessions where session_id = '{pseudonym('S3')}'"
    ) == [("2026-10-05 12:00:00",)]


def test_repeat_contact_needs_same_customer_and_same_intent(published):
    rows = published("select session_id from fct_sessions where is_repeat_contact")
    assert with_upstream_ids(rows, SESSION_IDS) == [("S1",)]


def test_reopen_inside_the_window_is_counted(published):
    rows = published("select session_id from fct_sessions where is_reopened_within_window")
    assert with_upstream_ids(rows, SESSION_IDS) == [("S4",)]


def test_escalations_latency_completeness_and_silence(published):
    rows = published(
        "select session_id, handoff_latency_seconds, context_completeness, is_silent_handoff "
        "from fct_escalations"
    )
    assert with_upstream_ids(rows, SESSION_IDS) == [
        ("S2", 2400, 0.5, False),
        ("S5", None, 1.0, True),
    ]


def test_day_totals_across_segments(published):
    (row,) = published(
        """
        select sum(sessions), sum(resolved_sessions), sum(bot_handled_sessions),
               sum(csat_responses)
        from agg_metrics_segment_daily where session_date = '2026-10-05'
        """
    )
    assert row == (5, 3, 3, 2)


def test_segment_rates_for_the_billing_dispute_chat_segment(published):
    (row,) = published(
        """
        select sessions, resolution_rate, autonomous_rate, escalation_rate,
               repeat_contact_rate, csat_mean, first_response_seconds_median
        from agg_metrics_segment_daily
        where channel = 'chat' and intent = 'billing_dispute' and severity = 'high'
          and language = 'en' and model_version = 'v1' and prompt_id = 'p1'
        """
    )
    # S1 alone: resolved by the bot, never escalated, a repeat contact (S5), CSAT 5, 35 s.
    assert row == (1, 1.0, 1.0, 0.0, 1.0, 5.0, 35.0)


def test_segment_with_missing_language_and_variant_is_labelled_unknown(published):
    rows = published(
        "select language, model_version, prompt_id from agg_metrics_segment_daily "
        "where channel = 'chat' and intent = 'outage'"
    )
    assert rows == [("unknown", "unknown", "unknown")]


def test_sessions_resolution_and_median_first_response_per_channel(handmade_warehouse):
    assert sessions_by_channel(handmade_warehouse.published_db) == [
        ("chat", 2, 0.5, 35.0),
        ("email", 1, 1.0, 600.0),
        ("in_app", 1, 0.0, 20.0),
        ("social", 1, 1.0, 600.0),
    ]


def test_the_published_file_holds_exactly_the_marts_the_dbt_project_declares_published(
    published,
):
    tables = {name for (name,) in published("select table_name from information_schema.tables")}
    assert tables == {*manifest_published_marts(), PUBLISHED_RUN_LOG, "publication"}


def test_every_published_mart_has_a_parquet_copy_with_the_same_rows(handmade_warehouse):
    for mart in manifest_published_marts():
        parquet = handmade_warehouse.parquet_dir / f"{mart}.parquet"
        [(parquet_rows,)] = parquet_query(f"select count(*) from '{parquet}'")
        with duckdb.connect(str(handmade_warehouse.published_db), read_only=True) as connection:
            (table_rows,) = connection.execute(f"select count(*) from {mart}").fetchone()
        assert parquet_rows == table_rows, mart


def test_no_raw_customer_id_or_text_reaches_the_published_marts(published):
    for mart in manifest_published_marts():
        columns = {row[0] for row in published(f"select column_name from (describe {mart})")}
        assert not {"customer_id", "text"} & columns, mart
    keys = published("select distinct customer_key from fct_sessions order by 1")
    assert len(keys) == 3
    assert all(len(key) == 64 and key not in ("c-1", "c-2", "c-3") for (key,) in keys)


@pytest.fixture(scope="module")
def failing_suite_run(handmade_warehouse: Settings, tmp_path_factory):
    """A copy of the built warehouse refreshed with fct_sessions' generated suite tightened past
    what is true (at most 4 rows; it has 5). A valid delivery passes every rule of the dbt YAML,
    so the rule is added where the check reads its suites, not to the project."""
    warehouse_dir = tmp_path_factory.mktemp("failing_suite") / "warehouse"
    shutil.copytree(
        handmade_warehouse.warehouse_dir,
        warehouse_dir,
        ignore=shutil.ignore_patterns("dagster_home", ".refresh.lock"),
    )
    from great_expectations.core.expectation_suite import ExpectationSuite

    from orchestration.cli import run_refresh
    from orchestration.defs import checks
    from orchestration.quality.suites import expectations_of_mart, published_suites

    def tightened_suites(manifest):
        too_few_rows = {"type": "expect_table_row_count_to_be_between", "kwargs": {"max_value": 4}}
        expectations = [*expectations_of_mart(manifest, "fct_sessions"), too_few_rows]
        return {
            **published_suites(manifest),
            "fct_sessions": ExpectationSuite(name="fct_sessions", expectations=expectations),
        }

    with (
        pytest.MonkeyPatch.context() as patch,
        pipeline_environment(warehouse_dir) as settings,
    ):
        patch.setattr(checks, "published_suites", tightened_suites)
        before = settings.published_db.read_bytes()
        outcome = run_refresh(settings, DAY)
    return settings, before, outcome


def test_failing_expectation_blocks_publishing(failing_suite_run):
    _, _, outcome = failing_suite_run
    assert outcome.published is False


def test_failing_expectation_leaves_published_file_intact_and_readable(failing_suite_run):
    settings, before, _ = failing_suite_run
    assert settings.published_db.read_bytes() == before
    with duckdb.connect(str(settings.published_db), read_only=True) as connection:
        assert connection.execute("select count(*) from fct_sessions").fetchone() == (5,)


def test_failing_expectation_is_reported_with_expectation_and_table(failing_suite_run):
    _, _, outcome = failing_suite_run
    assert any(
        "great_expectations_suite" in problem
        and "expect_table_row_count_to_be_between failed on fct_sessions" in problem
        for problem in outcome.problems
    ), outcome.problems


def test_published_files_are_not_left_half_written(handmade_warehouse: Settings):
    names = sorted(path.name for path in Path(handmade_warehouse.published_dir).iterdir())
    assert names == ["metrics.duckdb", "parquet", "report.html"]


def test_the_dbt_build_reuses_the_parse_the_run_made_before_it(handmade_warehouse: Settings):
    """The run parses the project (the asset graph needs the manifest) with the partition's
    vars, so dbt build starts from that parse instead of parsing every file again."""
    log = (handmade_warehouse.warehouse_dir / "logs" / f"refresh-{DAY}.log").read_text()
    assert "Found " in log  # dbt's output reached the run's log
    assert "Unable to do partial parsing" not in log
