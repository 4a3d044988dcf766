"""The segment-day handoff, first-contact, micro-feedback and CSAT-split metrics
(docs/metrics.md), on the hand-made day.

Sessions of tests/handmade_events.py (2026-10-05): S1 chat autonomous (CSAT 5, a repeat contact
because c-1 opens S5 on the same intent), S2 email assisted (CSAT 3, escalated 09:20 with
reason customer_request and 2 of 4 summary parts, agent joins 09:30), S3 chat abandoned (never
escalated), S4 social human-only (no CSAT, reopened two days later), S5 in_app unresolved
(escalated 20:01 with reason low_confidence and a full summary, nobody comes; its last customer
message is 20:00:05, before the escalation). Nobody answers a micro-feedback question.
"""

from __future__ import annotations

from tests.conftest import with_upstream_ids
from tests.handmade_events import SESSION_IDS

DAY = "2026-10-05"


def test_session_handoff_facts(published):
    # S2: one handoff, customer_request, completeness 2 / 4 = 0.5, agent joined after 10 min
    # (not silent), resolved -> not abandoned after the handoff.
    # S5: one handoff, low_confidence, completeness 4 / 4 = 1.0, silent, never resolved and
    # the customer wrote nothing after 20:01 -> abandoned after the handoff.
    # S1, S3, S4 were never escalated: nothing to judge (null).
    rows = published(
        "select session_id, first_handoff_reason, handoff_context_completeness, "
        "has_silent_handoff, is_abandoned_after_handoff from fct_sessions"
    )
    assert with_upstream_ids(rows, SESSION_IDS) == [
        ("S1", None, None, None, None),
        ("S2", "customer_request", 0.5, False, False),
        ("S3", None, None, None, None),
        ("S4", None, None, None, None),
        ("S5", "low_confidence", 1.0, True, True),
    ]


def test_day_totals_of_the_new_counts_across_segments(published):
    # escalated S2, S5 = 2; silent S5 = 1; abandoned after handoff S5 = 1.
    # First contact resolved: S1 is a repeat contact, S4 was reopened, S3 and S5 unresolved ->
    # S2 only = 1. Micro-feedback answers: 0. CSAT answers of autonomous sessions: S1 = 1; of
    # human-only sessions: S4 did not answer = 0. Human reply measured: S2 (2400 s), S4 (600 s).
    (row,) = published(
        f"""
        select sum(escalated_sessions), sum(silent_handoff_sessions),
               sum(abandoned_after_handoff_sessions), sum(first_contact_resolved_sessions),
               sum(micro_feedback_responses), sum(csat_responses_bot_resolved),
               sum(csat_responses_human_only), sum(human_responded_sessions)
        from agg_metrics_segment_daily where session_date = '{DAY}'
        """
    )
    assert row == (2, 1, 1, 1, 0, 1, 0, 2)


def test_handoff_metrics_of_the_email_and_in_app_segments(published):
    # email segment = S2 alone: not silent (0.0), not abandoned (0.0), reason customer_request
    # (1.0), completeness 0.5. in_app segment = S5 alone: silent 1.0, abandoned 1.0,
    # low_confidence 1.0, completeness 1.0.
    rows = published(
        """
        select channel, escalated_sessions, silent_handoff_rate, abandoned_after_handoff_rate,
               handoff_reason_customer_request_rate, handoff_reason_low_confidence_rate,
               handoff_context_completeness_mean
        from agg_metrics_segment_daily where channel in ('email', 'in_app') order by channel
        """
    )
    assert rows == [
        ("email", 1, 0.0, 0.0, 1.0, 0.0, 0.5),
        ("in_app", 1, 1.0, 1.0, 0.0, 1.0, 1.0),
    ]


def test_segment_without_escalation_or_answers_has_null_rates(published):
    # chat/billing_dispute = S1: never escalated, no micro-feedback -> those rates are null
    # (no population), CSAT of the bot-resolved S1 = 5.0, no human-only baseline (null), and
    # S1 is not a first-contact resolution (a repeat contact follows) -> 0.0.
    (row,) = published(
        """
        select silent_handoff_rate, abandoned_after_handoff_rate, micro_feedback_yes_rate,
               csat_mean_bot_resolved, csat_mean_human_only, first_contact_resolution_rate
        from agg_metrics_segment_daily where channel = 'chat' and intent = 'billing_dispute'
        """
    )
    assert row == (None, None, None, 5.0, None, 0.0)


def test_overall_scorecard_row_rolls_the_day_up_from_sessions(published):
    # Overall level = the whole day, 5 sessions: first-contact resolution 1 / 5 = 0.2, silent
    # handoff 1 / 2 = 0.5 on 2 escalated sessions, human first response median of 600 and
    # 2400 = 1500 s on 2 sessions; context completeness (0.5 + 1.0) / 2 = 0.75. Every sample is
    # below the floor of 30 -> low_confidence, never judged on this tiny day.
    rows = published(
        f"""
        select metric_name, channel, intent, sessions, sample_size, metric_value, status
        from agg_scorecard_segment_daily
        where segment_level = 'overall' and session_date = '{DAY}'
          and metric_name in ('first_contact_resolution_rate', 'silent_handoff_rate',
                              'human_first_response_seconds_median',
                              'handoff_context_completeness_mean')
        order by metric_name
        """
    )
    assert rows == [
        ("first_contact_resolution_rate", "all", "all", 5, 5, 0.2, "low_confidence"),
        ("handoff_context_completeness_mean", "all", "all", 5, 2, 0.75, "low_confidence"),
        ("human_first_response_seconds_median", "all", "all", 5, 2, 1500.0, "low_confidence"),
        ("silent_handoff_rate", "all", "all", 5, 2, 0.5, "low_confidence"),
    ]


def test_channel_level_has_one_row_per_channel_and_the_full_grain_is_unchanged(published):
    # channel level: chat S1 + S3 = 2 sessions, email 1, in_app 1, social 1. The full grain
    # keeps one row per agg_metrics_segment_daily row (5 segment-days on the hand-made day).
    channel_rows = published(
        f"""
        select channel, sessions from agg_scorecard_segment_daily
        where segment_level = 'channel' and metric_name = 'resolution_rate'
          and session_date = '{DAY}'
        order by channel
        """
    )
    assert channel_rows == [("chat", 2), ("email", 1), ("in_app", 1), ("social", 1)]
    (full_rows,) = published(
        f"""
        select count(*) from agg_scorecard_segment_daily
        where segment_level = 'full' and metric_name = 'resolution_rate'
          and session_date = '{DAY}'
        """
    )
    assert full_rows == (5,)


def test_balance_flags_cover_every_rollup_level(published):
    rows = published("select distinct segment_level from agg_scorecard_balance_flags order by 1")
    assert rows == [
        ("channel",),
        ("full",),
        ("intent",),
        ("language",),
        ("model_version",),
        ("overall",),
        ("prompt_id",),
        ("severity",),
    ]


def test_every_metric_column_of_the_segment_mart_is_in_dim_metrics(published):
    metric_columns = {
        name
        for (name,) in published("select column_name from (describe agg_metrics_segment_daily)")
        if name.endswith(("_rate", "_mean", "_median"))
    }
    defined = {
        name
        for (name,) in published(
            "select column_name from dim_metrics "
            "where model_name = 'agg_metrics_segment_daily' and definition is not null"
        )
    }
    assert metric_columns - defined == set()
