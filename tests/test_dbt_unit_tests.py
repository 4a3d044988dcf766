"""dbt unit tests pin the tricky SQL (start-time fallback, resolution kinds, windows) on
worked examples written in dbt_project/models/**/_<folder>__unit_tests.yml.

They need the models' input tables to exist, so they run against the hand-made warehouse
that the end-to-end fixture already built, not inside the production build.
"""

from __future__ import annotations

import re
import subprocess

from orchestration.settings import dbt_command
from tests.conftest import pipeline_environment


def test_every_dbt_unit_test_passes(handmade_warehouse):
    with pipeline_environment(handmade_warehouse.warehouse_dir, **handmade_warehouse.dbt_env()):
        completed = subprocess.run(
            dbt_command("test", "--select", "resource_type:unit_test"),
            capture_output=True,
            text=True,
            check=False,
        )
    assert completed.returncode == 0, completed.stdout[-4000:]
    (passed, total) = re.search(r"Done\. PASS=(\d+) .*TOTAL=(\d+)", completed.stdout).groups()
    assert passed == total and int(total) >= 9, completed.stdout[-2000:]


def run_unit_tests(warehouse, *names: str) -> subprocess.CompletedProcess:
    """Runs the named dbt unit tests against a built warehouse."""
    with pipeline_environment(warehouse.warehouse_dir, **warehouse.dbt_env()):
        return subprocess.run(
            dbt_command("test", "--select", *names),
            capture_output=True,
            text=True,
            check=False,
        )


def test_business_calendar_covers_a_1969_session_next_to_a_2026_session(handmade_warehouse):
    name = "test_business_calendar_covers_a_1969_session_and_a_2026_session"
    completed = run_unit_tests(handmade_warehouse, name)
    assert completed.returncode == 0 and "PASS=1 " in completed.stdout, completed.stdout[-3000:]


def test_a_mean_exactly_on_a_threshold_reaches_it(handmade_warehouse):
    completed = run_unit_tests(handmade_warehouse, "test_mean_exactly_on_a_threshold_reaches_it")
    assert completed.returncode == 0 and "PASS=1 " in completed.stdout, completed.stdout[-3000:]


def test_a_session_id_used_on_two_channels_is_flagged(handmade_warehouse):
    name = "test_session_id_used_on_two_channels_is_flagged"
    completed = run_unit_tests(handmade_warehouse, name)
    assert completed.returncode == 0 and "PASS=1 " in completed.stdout, completed.stdout[-3000:]


def test_a_classification_with_a_severity_and_no_intent_sets_the_session_severity(
    handmade_warehouse,
):
    name = "test_severity_comes_from_a_classification_without_an_intent"
    completed = run_unit_tests(handmade_warehouse, name)
    assert completed.returncode == 0 and "PASS=1 " in completed.stdout, completed.stdout[-3000:]


def test_autonomous_needs_a_bot_reply_before_resolution_and_no_agent_resolution(
    handmade_warehouse,
):
    name = "test_autonomous_needs_bot_reply_first_no_agent_resolution"
    completed = run_unit_tests(handmade_warehouse, name)
    assert completed.returncode == 0 and "PASS=1 " in completed.stdout, completed.stdout[-3000:]


def test_events_stamped_with_the_same_instant_keep_their_delivery_order(handmade_warehouse):
    names = (
        "test_event_sequence_follows_delivery_order_on_ties",
        "test_session_facts_break_ties_on_occurred_at_by_delivery_order",
        "test_message_sequence_follows_delivery_order_on_ties",
        "test_message_order_on_ties_is_delivery_order",
    )
    completed = run_unit_tests(handmade_warehouse, *names)
    assert completed.returncode == 0 and "PASS=4 " in completed.stdout, completed.stdout[-3000:]


def test_a_qa_review_scored_under_the_older_spelling_of_its_key_still_counts(handmade_warehouse):
    name = "stg_support__events_reads_a_qa_score_under_its_older_spelling"
    completed = run_unit_tests(handmade_warehouse, name)
    assert completed.returncode == 0 and "PASS=1 " in completed.stdout, completed.stdout[-3000:]


def test_trailing_periods_pool_the_sessions_of_their_window(handmade_warehouse):
    name = "test_trailing_periods_pool_the_sessions_of_their_window"
    completed = run_unit_tests(handmade_warehouse, name)
    assert completed.returncode == 0 and "PASS=1 " in completed.stdout, completed.stdout[-3000:]


def test_dim_metrics_names_the_sample_population_of_a_scorecard_metric(handmade_warehouse):
    """A data test (dbt_project/tests/): escalation_rate -> bot_handled_sessions / has_bot_reply,
    csat_mean_bot_resolved -> its CSAT split, coverage_rate -> every session, assisted_rate
    (not on the scorecard) -> none."""
    name = "dim_metrics_names_the_sample_population_of_a_scorecard_metric"
    completed = run_unit_tests(handmade_warehouse, name)
    assert completed.returncode == 0 and "PASS=1 " in completed.stdout, completed.stdout[-3000:]
