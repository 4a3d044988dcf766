"""dbt unit tests pin the tricky SQL (start-time fallback, resolution kinds, windows) on
worked examples written in dbt_project/models/**/_<folder>__unit_tests.yml.

They need the models' input tables to exist, so they run against the hand-made warehouse
that the end-to-end fixture already built, not inside the production build.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess

import pytest

from orchestration.settings import DBT_TARGET_DIR, dbt_command
from tests.conftest import pipeline_environment

# A data test (dbt_project/tests/) that pins a worked example too: it runs with the unit tests.
SAMPLE_POPULATION_DATA_TEST = "dim_metrics_names_the_sample_population_of_a_scorecard_metric"


@pytest.fixture(scope="module")
def unit_test_run(handmade_warehouse, tmp_path_factory):
    """Every dbt unit test (and the worked-example data test), in one dbt invocation for the
    module (each costs seconds of start-up): dbt's output, and each test's status by name from
    its run_results.json.

    On a copy of the hand-made working database: dbt writes its unit tests' tables into it,
    and a writer locks the file against the test processes reading the shared one."""
    copy = dataclasses.replace(handmade_warehouse, warehouse_dir=tmp_path_factory.mktemp("unit"))
    copy.working_db.parent.mkdir()
    shutil.copy(handmade_warehouse.working_db, copy.working_db)
    run_results = DBT_TARGET_DIR / "run_results.json"
    run_results.unlink(missing_ok=True)  # an earlier invocation's results must not pass for these
    with pipeline_environment(copy.warehouse_dir, **copy.dbt_env()):
        completed = subprocess.run(
            dbt_command("test", "--select", "resource_type:unit_test", SAMPLE_POPULATION_DATA_TEST),
            capture_output=True,
            text=True,
            check=False,
        )
    results = json.loads(run_results.read_text())["results"]
    return completed, {result["unique_id"]: result["status"] for result in results}


def assert_passed(unit_test_run, *names: str) -> None:
    """The named dbt tests ran (a renamed or deleted one fails here too) and passed."""
    completed, statuses = unit_test_run
    by_name = {unique_id.rsplit(".", 1)[-1]: status for unique_id, status in statuses.items()}
    assert {name: by_name.get(name) for name in names} == dict.fromkeys(names, "pass"), (
        completed.stdout[-3000:]
    )


def test_every_dbt_unit_test_passes(unit_test_run):
    completed, statuses = unit_test_run
    assert completed.returncode == 0, completed.stdout[-4000:]
    unit_tests = {uid: status for uid, status in statuses.items() if uid.startswith("unit_test.")}
    assert set(unit_tests.values()) == {"pass"} and len(unit_tests) >= 9, completed.stdout[-2000:]


def test_business_calendar_covers_a_1969_session_next_to_a_2026_session(unit_test_run):
    assert_passed(unit_test_run, "test_business_calendar_covers_a_1969_session_and_a_2026_session")


def test_a_mean_exactly_on_a_threshold_reaches_it(unit_test_run):
    assert_passed(unit_test_run, "test_mean_exactly_on_a_threshold_reaches_it")


def test_a_session_id_used_on_two_channels_is_flagged(unit_test_run):
    assert_passed(unit_test_run, "test_session_id_used_on_two_channels_is_flagged")


def test_a_classification_with_a_severity_and_no_intent_sets_the_session_severity(unit_test_run):
    assert_passed(unit_test_run, "test_severity_comes_from_a_classification_without_an_intent")


def test_autonomous_needs_a_bot_reply_before_resolution_and_no_agent_resolution(unit_test_run):
    assert_passed(unit_test_run, "test_autonomous_needs_bot_reply_first_no_agent_resolution")


def test_events_stamped_with_the_same_instant_keep_their_delivery_order(unit_test_run):
    names = (
        "test_event_sequence_follows_delivery_order_on_ties",
        "test_session_facts_break_ties_on_occurred_at_by_delivery_order",
        "test_message_sequence_follows_delivery_order_on_ties",
        "test_message_order_on_ties_is_delivery_order",
    )
    assert_passed(unit_test_run, *names)


def test_a_qa_review_scored_under_the_older_spelling_of_its_key_still_counts(unit_test_run):
    assert_passed(unit_test_run, "stg_support__events_reads_a_qa_score_under_its_older_spelling")


def test_trailing_periods_pool_the_sessions_of_their_window(unit_test_run):
    assert_passed(unit_test_run, "test_trailing_periods_pool_the_sessions_of_their_window")


def test_dim_metrics_names_the_sample_population_of_a_scorecard_metric(unit_test_run):
    """A data test (dbt_project/tests/): escalation_rate -> bot_handled_sessions / has_bot_reply,
    csat_mean_bot_resolved -> its CSAT split, coverage_rate -> every session, assisted_rate
    (not on the scorecard) -> none."""
    assert_passed(unit_test_run, SAMPLE_POPULATION_DATA_TEST)


def test_zendesk_status_and_assignee_changes_become_events(unit_test_run):
    assert_passed(
        unit_test_run,
        "zendesk_status_and_assignee_changes_become_events",
    )


def test_intercom_times_and_handoff_rules(unit_test_run):
    assert_passed(
        unit_test_run,
        "test_intercom_times_are_read_with_their_offset_as_utc",
        "test_intercom_handoff_is_the_first_human_step_after_the_bot",
    )
