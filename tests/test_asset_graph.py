"""A snapshot of the Dagster asset graph, so that an accidental change to keys, dependencies,
checks, schedules or sensors shows up in review instead of in production."""

from __future__ import annotations

import pytest

from tests.conftest import manifest_published_marts


@pytest.fixture(scope="module")
def definitions(handmade_warehouse):
    # Importing the definitions needs dbt's manifest, which the shared warehouse run prepared.
    from orchestration.defs.code_location import build_definitions

    return build_definitions(handmade_warehouse)


def test_asset_keys(definitions):
    keys = {key.to_user_string() for key in definitions.resolve_asset_graph().get_all_asset_keys()}
    assert keys == {
        "raw/events",
        "raw/rejected_events",
        "raw/file_loads",
        "raw/source_rows",
        "raw/source_table_files",
        # the pseudonym key's HMAC pads, written by the dbt asset itself before dbt runs
        "ops/pseudonymisation_key",
        "seeds/event_type_mapping",
        "seeds/handoff_reason_mapping",
        "seeds/channel_mapping",
        "staging/stg_support__events",
        "staging/stg_raw__rejected_events",
        "staging/stg_raw__file_loads",
        "staging/stg_raw__source_file_loads",
        "staging/stg_sources__row_outcomes",
        "staging/stg_social__tweets",
        "staging/stg_social__events",
        "staging/stg_social__row_outcomes",
        *(
            f"staging/stg_zendesk__{model}"
            for model in (
                "tickets",
                "ticket_comments",
                "users",
                "ticket_field_history",
                "satisfaction_ratings",
                "events",
                "row_outcomes",
            )
        ),
        "staging/stg_intercom__conversations",
        "staging/stg_intercom__conversation_parts",
        "staging/stg_intercom__events",
        "staging/stg_intercom__row_outcomes",
        "intermediate/int_events_sessionised",
        "intermediate/int_sessions_aggregated",
        "intermediate/int_business_hours_expanded",
        "intermediate/int_messages_scored",
        "intermediate/int_sessions_measured",
        "intermediate/int_qa_reviews_extracted",
        "intermediate/int_qa_scores_paired",
        "intermediate/int_days_enumerated",
        "seeds/next_step_phrases",
        "seeds/tone_lexicon",
        "seeds/support_schedule",
        "seeds/support_holidays",
        "seeds/sla_targets",
        "seeds/scorecard_thresholds",
        "seeds/qa_sampling_quotas",
        *(f"marts/{mart}" for mart in manifest_published_marts()),
        "published_marts",
    }


def test_publish_waits_for_every_published_mart(definitions):
    graph = definitions.resolve_asset_graph()
    parents = {
        key.to_user_string()
        for key in graph.get(
            next(k for k in graph.get_all_asset_keys() if k.to_user_string() == "published_marts")
        ).parent_keys
    }
    assert parents == {f"marts/{mart}" for mart in manifest_published_marts()}


def test_every_published_mart_has_a_blocking_great_expectations_check(definitions):
    graph = definitions.resolve_asset_graph()
    ge_checks = {
        key.asset_key.to_user_string()
        for key in graph.asset_check_keys
        if key.name == "great_expectations_suite"
    }
    assert ge_checks == {f"marts/{mart}" for mart in manifest_published_marts()}
    for key in graph.asset_check_keys:
        if key.name == "great_expectations_suite":
            assert graph.get_check_spec(key).blocking, key


def test_the_delivery_gate_blocks_everything_downstream_of_the_raw_load(definitions):
    graph = definitions.resolve_asset_graph()
    gate = next(key for key in graph.asset_check_keys if key.name == "reject_share_within_limit")
    assert gate.asset_key.to_user_string() == "raw/events"
    assert graph.get_check_spec(gate).blocking


def test_job_schedule_and_sensor(definitions):
    job = definitions.resolve_job_def("refresh_warehouse")
    partitions = job.partitions_def
    assert (partitions.start.date().isoformat(), partitions.timezone) == ("2024-01-01", "UTC")
    assert partitions.cron_schedule == "0 0 * * *"  # one partition per UTC day
    schedule = definitions.resolve_schedule_def("refresh_warehouse_schedule")
    assert (schedule.cron_schedule, schedule.job_name) == ("0 2 * * *", "refresh_warehouse")
    sensor = definitions.resolve_sensor_def("landing_folder_sensor")
    assert sensor.job_name == "refresh_warehouse"
