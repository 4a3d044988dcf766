"""Leading indicators on the hand-made day of tests/handmade_events.py.

Every value is worked out by hand below. Business hours are the seeds' Europe/Berlin Mon-Fri
08:00-18:00, i.e. 06:00-16:00 UTC on Monday 2026-10-05 (summer time). SLA targets come from
seeds/sla_targets.csv: chat/high and in_app/high calendar 60 s first reply; chat/critical
calendar 60 s; email/medium business 14400 s; social/low business 900 s.
"""

from __future__ import annotations

from tests.conftest import pseudonym, with_upstream_ids
from tests.handmade_events import EVENT_IDS, SESSION_IDS


def test_s1_first_response_acknowledges_and_offers_a_next_step(published):
    # "I'm sorry about the double charge. Here's what to do next: ..." at 10:00:35, 35 s after
    # the start: "sorry" acknowledges; the upstream has_next_step flag is true.
    rows = published(
        "select is_first_response_acknowledging, time_to_useful_response_seconds, "
        "time_to_useful_response_business_seconds from fct_sessions "
        f"where session_id = '{pseudonym('S1')}'"
    )
    assert rows == [(True, 35, 35)]


def test_s1_tone_scores_from_the_lexicon(published):
    # One bot reply: "sorry" -> acknowledgement 3 + 1 = 4; "what to do next" -> clarity 4; the
    # other three dimensions have no phrase -> 3. Overall (4 + 4 + 3 + 3 + 3) / 5 = 3.4.
    rows = published(
        "select tone_acknowledgement_score, tone_clarity_score, tone_reassurance_score, "
        "tone_accountability_score, tone_appropriateness_score, tone_alignment_score "
        f"from fct_sessions where session_id = '{pseudonym('S1')}'"
    )
    assert rows == [(4, 4, 3, 3, 3, 3.4)]


def test_human_first_response_is_measured_from_the_handoff(published):
    # S2: escalated 09:20, first agent message 10:00 -> 2400 s, all inside business hours.
    # S4 (human only, never escalated): from the start 14:00 to the agent at 14:10 -> 600 s;
    # its reopen (2026-10-07 09:00) got no agent message -> null.
    # S1 (no agent) and S5 (escalation nobody answers) -> null.
    rows = published(
        "select session_id, human_first_response_seconds, human_first_response_business_seconds, "
        "reopen_human_first_response_seconds from fct_sessions"
    )
    assert with_upstream_ids(rows, SESSION_IDS) == [
        ("S1", None, None, None),
        ("S2", 2400, 2400, None),
        ("S3", None, None, None),
        ("S4", 600, 600, None),
        ("S5", None, None, None),
    ]


def test_business_seconds_skip_the_evening(published):
    # S5 starts 20:00 UTC (22:00 Berlin, closed): its 20 s first response has 0 business seconds.
    # S2: 09:00 -> 09:10 UTC, open: 600 business seconds, like the calendar value.
    rows = published(
        "select session_id, first_response_seconds, first_response_business_seconds "
        f"from fct_sessions where session_id in ('{pseudonym('S2')}', '{pseudonym('S5')}')"
    )
    assert with_upstream_ids(rows, SESSION_IDS) == [("S2", 600, 600), ("S5", 20, 0)]


def test_unanswered_critical_chat_breaches_the_first_reply_sla(published):
    # S3 chat/critical: nobody answers; the clock runs to the close at 12:30, 1800 s > 60 s.
    # Every other session answered within its target.
    rows = published(
        "select session_id, sla_time_basis, is_first_reply_sla_breached from fct_sessions"
    )
    assert with_upstream_ids(rows, SESSION_IDS) == [
        ("S1", "calendar", False),
        ("S2", "business", False),
        ("S3", "calendar", True),
        ("S4", "business", False),
        ("S5", "calendar", False),
    ]


def test_nobody_rephrases_on_the_hand_made_day(published):
    # Every session has a single customer message: nothing to compare.
    assert published("select count(*) from fct_sessions where has_customer_rephrase") == [(0,)]


def test_transfer_quality_of_each_escalation(published):
    # S2: 2 of 4 summary parts (0.5), agent joined, no customer message after it (no repeat):
    # quality (0.5 + 1) / 2 = 0.75; not clean (0.5 < 0.75 completeness); handoff 09:20 -> 10:00
    # = 2400 business seconds. S5: nobody joined: all unknown.
    rows = published(
        "select session_id, handoff_latency_business_seconds, transfer_quality_score, "
        "has_customer_repeat_after_join, has_clean_transfer from fct_escalations"
    )
    assert with_upstream_ids(rows, SESSION_IDS) == [
        ("S2", 2400, 0.75, False, False),
        ("S5", None, None, None, None),
    ]


def test_day_acknowledgement_and_rephrase_counts(published):
    # Responded: S1, S2, S4, S5 (S3 never answered); acknowledging: S1 only.
    (row,) = published(
        "select sum(responded_sessions), sum(acknowledging_sessions), sum(rephrase_sessions), "
        "sum(first_reply_sla_breached_sessions), sum(sla_covered_sessions) "
        "from agg_metrics_segment_daily where session_date = '2026-10-05'"
    )
    assert row == (4, 1, 0, 1, 5)


def test_segment_rates_for_the_billing_dispute_chat_segment(published):
    # S1 alone: acknowledged (1 / 1), no rephrase (0 / 1), tone 3.4, useful response 35 s.
    (row,) = published(
        """
        select acknowledgement_rate, rephrase_rate, tone_alignment_score_mean,
               time_to_useful_response_seconds_median, first_reply_sla_breach_rate
        from agg_metrics_segment_daily
        where channel = 'chat' and intent = 'billing_dispute' and severity = 'high'
          and language = 'en' and model_version = 'v1' and prompt_id = 'p1'
        """
    )
    assert row == (1.0, 0.0, 3.4, 35.0, 0.0)


def test_each_reply_answers_the_customer_message_before_it(working):
    # S1 e-104 (10:00:35) answers e-102 (10:00:05): 30 s. S2 e-204 (09:10) answers e-202 (09:01):
    # 540 s, in hours. S2's agent message (10:00) has no customer message waiting: not a reply.
    # S4 e-404 (14:10:00) answers e-402 (14:00:30): 570 s. S5 e-504 (20:00:20) answers e-502
    # (20:00:05): 15 s, 0 business seconds. All first replies, none over target.
    rows = working(
        "select reply_id, answered_message_id, responder_type, reply_number, wait_seconds, "
        "wait_business_seconds, is_sla_breached from marts.fct_replies"
    )
    assert with_upstream_ids(rows, EVENT_IDS) == [
        ("e-104", "e-102", "bot", 1, 30, 30, False),
        ("e-204", "e-202", "bot", 1, 540, 540, False),
        ("e-404", "e-402", "agent", 1, 570, 570, False),
        ("e-504", "e-502", "bot", 1, 15, 0, False),
    ]
