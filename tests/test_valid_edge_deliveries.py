"""Valid real deliveries publish: a quality gate is never stricter than the event contract.

One run of the real job (load, dbt build, Great Expectations, publish) over one landing folder
whose sessions are each valid under docs/event-contract.md and each an edge a gate could trip
on. In the whole delivery nobody replies to a customer (fct_replies is empty) and nobody hands
off (fct_escalations is empty); 2026-10-06, the partition run, holds only surveys and starts one
session.

Hand-worked values (2026-10-05 UTC unless noted):

U1 no channel on any event; c-u1 writes at 08:00:10, nobody answers; closed as abandoned 08:30.
   channel null (segment 'unknown'), abandoned, no first response, no SLA target (no severity).
U2 chat; classified with a severity (high) and no intent; c-u2 writes, nobody answers; closed
   as timeout 09:20 (an abandoned reason): abandoned. Severity high, so the high/chat target
   applies: first reply 60 s, calendar; the clock runs to the close, 1200 s > 60: breached.
U3 email; the bot sends a notice at 10:00:01 (no customer message waits: not a reply, but the
   first response, 1 s); resolved 10:30 with resolved_by agent, no escalation, no agent
   message: assisted (not autonomous: a human resolved it). Its CSAT (5) arrives on 2026-10-06.
U4 in_app; resolved 11:05 (no resolved_by), the bot's only message comes after it, 11:05:30:
   the bot did not reply before the resolution, so human_only (not autonomous). First
   response 330 s (the bot message is the first bot/agent message after the start).
U5 social; two intent_classified events stamped 12:00:10, billing/low on line 15 of the file,
   refund_request/medium on line 16: the later line wins, although the keyed hash of the first
   one's id sorts after the second's. The medium/social target is 900 s in business time; the
   clock runs from 12:00 to the close at 12:30 UTC (14:00-14:30 in Berlin, a Monday inside
   support hours), 1800 s > 900: breached. Closed completed: unresolved.
U6 chat; c-u6 writes at 13:00:05, an agent leaves an internal note at 13:01:00 (visibility
   internal) and nobody answers; never closed: unresolved. The note is published in
   fct_messages as internal, but it is no reply, no first response (null) and no agent
   message (agent_message_count 0, human first response null); customer_message_count 1.
U7 delivered on the label ' WhatsApp ' (session_started) and 'whatsapp' (c-u7's message at
   14:00:05): the family social (seeds/channel_mapping.csv), delivered_channel whatsapp; nobody
   answers, never closed: unresolved.
U8 delivered on 'Fax', a label the seed does not know: kept, channel null (segment 'unknown',
   with U1), delivered_channel fax; c-u8 writes at 15:00:05, closed abandoned 15:30.
   mon_unmapped_channels: fax, 3 events, 1 session.
V1 2026-10-06, chat: only a CSAT survey (4) at 09:00, the one session of that day: it starts at
   its first event, unresolved.

Day 2026-10-05: 8 sessions, resolved U3 and U4 (2), assisted 1, human-only 1, abandoned 3
(U1, U2, U8), unresolved 3 (U5, U6, U7), autonomous 0, first-reply SLA breached 2 (U2, U5).
Day 2026-10-06: 1 session, CSAT mean 4.0.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import run_refresh
from orchestration.quality.suites import published_suites
from orchestration.quality.validation import validate_table
from orchestration.warehouse_layout import MARTS_SCHEMA
from tests.conftest import (
    parsed_manifest,
    pipeline_environment,
    pseudonym,
    query,
    with_upstream_ids,
)
from tests.handmade_events import DAY, event

SURVEY_DAY = "2026-10-06"
SESSIONS = ["U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "V1"]


def _at(day: str, time: str) -> str:
    return f"{day}T{time}Z"


EDGE_DAY = [
    # U1: no channel anywhere, nobody answers
    event("u1-1", "session_started", "08:00:00", "U1", "customer", customer="c-u1", language="en"),
    event("u1-2", "message", "08:00:10", "U1", "customer", "Is anyone there?", "c-u1"),
    event("u1-3", "session_closed", "08:30:00", "U1", "system", reason="abandoned"),
    # U2: a severity without an intent, nobody answers
    event("u2-1", "session_started", "09:00:00", "U2", "customer", customer="c-u2", channel="chat"),
    event("u2-2", "message", "09:00:05", "U2", "customer", "My card is blocked", "c-u2", "chat"),
    event("u2-3", "intent_classified", "09:00:06", "U2", "system", severity="high"),
    event("u2-4", "session_closed", "09:20:00", "U2", "system", reason="timeout"),
    # U3: a bot notice, then an agent resolves it without a message
    event(
        "u3-1", "session_started", "10:00:00", "U3", "customer", customer="c-u3", channel="email"
    ),
    event("u3-2", "message", "10:00:01", "U3", "bot", "We received your e-mail.", channel="email"),
    event("u3-3", "resolved", "10:30:00", "U3", "agent", resolved_by="agent"),
    # U4: the bot's only message comes after the resolution
    event(
        "u4-1", "session_started", "11:00:00", "U4", "customer", customer="c-u4", channel="in_app"
    ),
    event("u4-2", "resolved", "11:05:00", "U4", "system"),
    event("u4-3", "message", "11:05:30", "U4", "bot", "Glad that is sorted.", channel="in_app"),
    # U5: two classifications stamped with the same instant, lines 9 and 10 of the file
    event(
        "u5-1", "session_started", "12:00:00", "U5", "customer", customer="c-u5", channel="social"
    ),
    event(
        "u5-2", "intent_classified", "12:00:10", "U5", "system", intent="billing", severity="low"
    ),
    event(
        "u5-3",
        "intent_classified",
        "12:00:10",
        "U5",
        "system",
        intent="refund_request",
        severity="medium",
    ),
    event("u5-4", "session_closed", "12:30:00", "U5", "system", reason="completed"),
    # U6: only an internal note after the customer's message
    event("u6-1", "session_started", "13:00:00", "U6", "customer", customer="c-u6", channel="chat"),
    event("u6-2", "message", "13:00:05", "U6", "customer", "Where is my parcel?", "c-u6", "chat"),
    event(
        "u6-3", "message", "13:01:00", "U6", "agent", "VIP, check carrier.", visibility="internal"
    ),
    # U7: a channel label the seed maps to a family; U8: one it does not know
    event("u7-1", "session_started", "14:00:00", "U7", customer="c-u7", channel=" WhatsApp "),
    event("u7-2", "message", "14:00:05", "U7", "customer", "Hello", "c-u7", "whatsapp"),
    event("u8-1", "session_started", "15:00:00", "U8", "customer", customer="c-u8", channel="Fax"),
    event("u8-2", "message", "15:00:05", "U8", "customer", "See my fax", "c-u8", "fax"),
    event("u8-3", "session_closed", "15:30:00", "U8", "system", channel="fax", reason="abandoned"),
]
SURVEY_ONLY_DAY = [
    event(
        "u3-4",
        "feedback_submitted",
        _at(SURVEY_DAY, "08:00:00"),
        "U3",
        "customer",
        kind="csat",
        score=5,
    ),
    event(
        "v1-1",
        "feedback_submitted",
        _at(SURVEY_DAY, "09:00:00"),
        "V1",
        "customer",
        customer="c-v1",
        channel="chat",
        kind="csat",
        score=4,
    ),
]


def _write_jsonl(path: Path, events: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(record) + "\n" for record in events))


@pytest.fixture(scope="module")
def edge_warehouse(tmp_path_factory):
    """One real run of the job over both days, for the survey-only day's partition."""
    warehouse_dir = tmp_path_factory.mktemp("edge_deliveries")
    _write_jsonl(warehouse_dir / "landing" / DAY / "helpdesk.jsonl", EDGE_DAY)
    _write_jsonl(warehouse_dir / "landing" / SURVEY_DAY / "surveys.jsonl", SURVEY_ONLY_DAY)
    with pipeline_environment(warehouse_dir) as settings:
        outcome = run_refresh(settings, SURVEY_DAY)
    return settings, outcome


def _published(edge_warehouse, sql: str) -> list[tuple]:
    settings, _ = edge_warehouse
    return query(settings.published_db, sql)


def test_valid_edge_case_deliveries_publish(edge_warehouse):
    _, outcome = edge_warehouse
    assert outcome.published, outcome.problems


def test_nobody_replied_and_nobody_escalated_publishes_empty_reply_and_escalation_marts(
    edge_warehouse,
):
    counts = _published(
        edge_warehouse,
        "select (select count(*) from fct_replies), (select count(*) from fct_escalations), "
        "(select count(*) from fct_messages), (select count(*) from fct_sessions)",
    )
    assert counts == [(0, 0, 8, 9)]


def test_edge_case_sessions_publish_their_hand_worked_values(edge_warehouse):
    # U5 tells delivery order from id order only if its ids' keyed hashes sort against it.
    assert pseudonym("u5-2") > pseudonym("u5-3")
    rows = _published(
        edge_warehouse,
        "select session_id, channel, intent, severity, resolution_kind, first_response_seconds, "
        "first_reply_sla_target_seconds, is_first_reply_sla_breached, csat_score, "
        "session_date::varchar from fct_sessions",
    )
    assert with_upstream_ids(rows, SESSIONS) == [
        ("U1", None, None, None, "abandoned", None, None, None, None, DAY),
        ("U2", "chat", None, "high", "abandoned", None, 60, True, None, DAY),
        ("U3", "email", None, None, "assisted", 1, None, None, 5, DAY),
        ("U4", "in_app", None, None, "human_only", 330, None, None, None, DAY),
        ("U5", "social", "refund_request", "medium", "unresolved", None, 900, True, None, DAY),
        ("U6", "chat", None, None, "unresolved", None, None, None, None, DAY),
        ("U7", "social", None, None, "unresolved", None, None, None, None, DAY),
        ("U8", None, None, None, "abandoned", None, None, None, None, DAY),
        ("V1", "chat", None, None, "unresolved", None, None, None, 4, SURVEY_DAY),
    ]


def test_edge_case_days_in_the_daily_metrics(edge_warehouse):
    rows = _published(
        edge_warehouse,
        "select session_date::varchar, sum(sessions), sum(resolved_sessions), "
        "sum(autonomous_sessions), sum(assisted_sessions), sum(human_only_sessions), "
        "sum(abandoned_sessions), sum(unresolved_sessions), sum(first_reply_sla_breached_sessions) "
        "from agg_metrics_segment_daily group by session_date order by session_date",
    )
    assert rows == [(DAY, 8, 2, 0, 1, 1, 3, 3, 2), (SURVEY_DAY, 1, 0, 0, 0, 0, 0, 1, 0)]
    (no_channel,) = _published(
        edge_warehouse,
        "select sum(sessions), sum(abandoned_sessions) from agg_metrics_segment_daily "
        "where channel = 'unknown'",
    )
    assert no_channel == (2, 2)  # U1 (no channel) and U8 (a label nobody mapped), both abandoned
    (survey_day,) = _published(
        edge_warehouse,
        f"select sessions, csat_mean, csat_satisfied_rate from agg_metrics_segment_daily "
        f"where session_date = '{SURVEY_DAY}'",
    )
    assert survey_day == (1, 4.0, 1.0)


def test_an_internal_note_is_published_but_counts_as_no_message(edge_warehouse):
    messages = _published(
        edge_warehouse,
        "select message_id, actor_type, visibility from fct_messages order by sent_at",
    )
    ids = ["u1-2", "u2-2", "u3-2", "u4-3", "u6-2", "u6-3", "u7-2", "u8-2"]
    assert with_upstream_ids(messages, ids) == [
        ("u1-2", "customer", "public"),
        ("u2-2", "customer", "public"),
        ("u3-2", "bot", "public"),
        ("u4-3", "bot", "public"),
        ("u6-2", "customer", "public"),
        ("u6-3", "agent", "internal"),
        ("u7-2", "customer", "public"),
        ("u8-2", "customer", "public"),
    ]
    session = _published(
        edge_warehouse,
        "select session_id, customer_message_count, agent_message_count, first_response_seconds, "
        "human_first_response_seconds from fct_sessions",
    )
    assert [row for row in with_upstream_ids(session, SESSIONS) if row[0] == "U6"] == [
        ("U6", 1, 0, None, None)
    ]


def test_a_channel_label_is_mapped_to_its_family_or_surfaced(edge_warehouse):
    sessions = _published(
        edge_warehouse, "select session_id, channel, delivered_channel from fct_sessions"
    )
    sessions = with_upstream_ids(sessions, SESSIONS)
    labelled = [row for row in sessions if row[0] in {"U2", "U7", "U8"}]
    assert labelled == [("U2", "chat", "chat"), ("U7", "social", "whatsapp"), ("U8", None, "fax")]
    unmapped = _published(
        edge_warehouse,
        "select delivered_channel, event_count, session_count, example_event_id "
        "from mon_unmapped_channels",
    )
    # the example is the smallest keyed hash of the label's events
    assert unmapped == [("fax", 3, 1, min(pseudonym(e) for e in ("u8-1", "u8-2", "u8-3")))]


def test_a_delivery_without_any_message_passes_the_fct_messages_suite(edge_warehouse, tmp_path):
    # A delivery of only surveys (or only session events) builds an empty fct_messages: the
    # mart as this run built it, without its rows, must pass its suite.
    settings, _ = edge_warehouse
    empty = tmp_path / "empty_messages.duckdb"
    with duckdb.connect(str(empty)) as connection:
        connection.execute(f"attach '{settings.working_db}' as built (read_only)")
        connection.execute(f"create schema {MARTS_SCHEMA}")
        connection.execute(
            f"create table {MARTS_SCHEMA}.fct_messages as "
            f"select * from built.{MARTS_SCHEMA}.fct_messages limit 0"
        )
    suite = published_suites(parsed_manifest())["fct_messages"]
    outcome = validate_table(empty, MARTS_SCHEMA, "fct_messages", suite)
    assert outcome.success, outcome.describe()
    assert outcome.row_count == 0
