"""A five-session support day, small enough to work every metric out by hand.

All times are 2026-10-05 UTC unless noted. The expected values the pipeline tests assert are
derived in the comments next to each session.

S1 chat, customer c-1, billing_dispute/high, model v1/p1: autonomous resolution.
    started 10:00:00, bot replies 10:00:35 (first response 35 s), bot resolves 10:03:00
    (time to resolution 180 s), CSAT 5. c-1 opens S5 on the same intent 10 h later, so S1
    is a repeat contact (window 24 h).
S2 email (source name `ticket.created`), c-2, refund_request/medium, es, model v2/p2: assisted.
    started 09:00:00, bot 09:10:00 (600 s), escalated 09:20:00 with 2 of 4 summary parts
    (completeness 0.5), agent joins 09:30:00 (a status update inside 15 min: not a silent
    handoff), agent message 10:00:00 (handoff latency 2400 s),
    agent resolves 11:00:00 (7200 s), CSAT 3.
S3 chat, c-3, outage/critical: no session_started, so it starts at the first customer message
    12:00:00; nobody answers; closed 12:30:00 as abandoned. First response: null.
S4 social, c-1, account_lockout/low: human only. started 14:00:00, agent 14:10:00 (600 s),
    agent resolves 14:30:00 (1800 s), reopened 2026-10-07 09:00 (inside the 7-day window).
    Same customer as S5 but another intent, so S4 is not a repeat contact.
S5 in_app, c-1, billing_dispute/high, model v1/p1: unresolved. started 20:00:00, bot 20:00:20
    (20 s), escalated 20:01:00 with a full summary (completeness 1.0); no agent ever comes:
    a silent handoff. Never closed, so neither resolved nor abandoned.

Whole day: 5 sessions; resolved S1, S2, S4 (rate 0.6); bot-handled S1, S2, S5, of which S2
and S5 escalated (escalation rate 2/3); reopened 1 of 3 resolved; repeat contacts 1 of 5;
CSAT mean (5 + 3) / 2 = 4.0, satisfied share 1/2; median first response of 20, 35, 600, 600
is 317.5 s.

The second delivery re-sends one S1 event (a duplicate), one malformed line and one event
type nobody mapped (`bot.thought`), which is kept and surfaced, never dropped.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DAY = "2026-10-05"


def event(
    event_id: str,
    event_type: str,
    at: str,
    session: str,
    actor: str | None = None,
    text: str | None = None,
    customer: str | None = None,
    channel: str | None = None,
    **attributes: Any,
) -> dict[str, Any]:
    occurred_at = at if "T" in at else f"{DAY}T{at}Z"
    fields = {
        "event_id": event_id,
        "event_type": event_type,
        "occurred_at": occurred_at,
        "session_id": session,
        "actor_type": actor,
        "text": text,
        "customer_id": customer,
        "channel": channel,
        "attributes": attributes,
    }
    return {key: value for key, value in fields.items() if value is not None}


V1 = {"model_version": "v1", "prompt_id": "p1"}
V2 = {"model_version": "v2", "prompt_id": "p2"}
FULL_SUMMARY = {
    "issue_summary": "double charge",
    "customer_emotion": "annoyed",
    "attempted_solutions": "refund check",
    "metadata": {"plan": "pro"},
}

FIRST_DELIVERY = [
    # S1: autonomous resolution, chat
    event(
        "e-101",
        "session_started",
        "10:00:00",
        "S1",
        "system",
        customer="c-1",
        channel="chat",
        language="en",
        variant=V1,
    ),
    event(
        "e-102",
        "message",
        "10:00:05",
        "S1",
        "customer",
        "I was charged twice!",
        customer="c-1",
        channel="chat",
    ),
    event(
        "e-103",
        "intent_classified",
        "10:00:10",
        "S1",
        "system",
        channel="chat",
        intent="billing_dispute",
        severity="high",
        confidence=0.9,
    ),
    event(
        "e-104",
        "message",
        "10:00:35",
        "S1",
        "bot",
        "I'm sorry about the double charge. Here's what to do next: I have refunded it.",
        channel="chat",
        confidence=0.8,
        has_next_step=True,
        **V1,
    ),
    event(
        "e-105",
        "resolved",
        "10:03:00",
        "S1",
        "bot",
        channel="chat",
        resolved_by="bot",
        confirmed_by_customer=True,
    ),
    event(
        "e-106",
        "feedback_submitted",
        "10:04:00",
        "S1",
        "customer",
        channel="chat",
        kind="csat",
        score=5,
    ),
    event(
        "e-107", "session_closed", "10:05:00", "S1", "system", channel="chat", reason="completed"
    ),
    # S2: assisted resolution, email, source-specific session start name
    event(
        "e-201",
        "ticket.created",
        "09:00:00",
        "S2",
        "system",
        customer="c-2",
        channel="email",
        language="es",
        variant=V2,
    ),
    event(
        "e-202",
        "message",
        "09:01:00",
        "S2",
        "customer",
        "Quiero un reembolso",
        customer="c-2",
        channel="email",
    ),
    event(
        "e-203",
        "intent_classified",
        "09:02:00",
        "S2",
        "system",
        channel="email",
        intent="refund_request",
        severity="medium",
    ),
    event(
        "e-204",
        "message",
        "09:10:00",
        "S2",
        "bot",
        "Estoy revisando tu pedido.",
        channel="email",
        **V2,
    ),
    event(
        "e-205",
        "escalated",
        "09:20:00",
        "S2",
        "bot",
        channel="email",
        reason="customer_request",
        summary={"issue_summary": "refund", "customer_emotion": "frustrated"},
    ),
    event("e-206", "agent_joined", "09:30:00", "S2", "agent", channel="email"),
    event("e-207", "message", "10:00:00", "S2", "agent", "Hola, soy Ana.", channel="email"),
    event("e-208", "resolved", "11:00:00", "S2", "agent", channel="email", resolved_by="agent"),
    event(
        "e-209",
        "feedback_submitted",
        "11:05:00",
        "S2",
        "customer",
        channel="email",
        kind="csat",
        score=3,
    ),
    # S3: abandoned, no session_started
    event(
        "e-301",
        "message",
        "12:00:00",
        "S3",
        "customer",
        "Is the service down?",
        customer="c-3",
        channel="chat",
    ),
    event(
        "e-302",
        "intent_classified",
        "12:00:01",
        "S3",
        "system",
        channel="chat",
        intent="outage",
        severity="critical",
    ),
    event(
        "e-303", "session_closed", "12:30:00", "S3", "system", channel="chat", reason="abandoned"
    ),
    # S4: human only, social, reopened two days later
    event(
        "e-401",
        "session_started",
        "14:00:00",
        "S4",
        "system",
        customer="c-1",
        channel="social",
        language="en",
    ),
    event(
        "e-402",
        "message",
        "14:00:30",
        "S4",
        "customer",
        "Locked out of my account",
        customer="c-1",
        channel="social",
    ),
    event(
        "e-403",
        "intent_classified",
        "14:00:31",
        "S4",
        "system",
        channel="social",
        intent="account_lockout",
        severity="low",
    ),
    event(
        "e-404", "message", "14:10:00", "S4", "agent", "Let me unlock it for you.", channel="social"
    ),
    event("e-405", "resolved", "14:30:00", "S4", "agent", channel="social", resolved_by="agent"),
    event(
        "e-406",
        "reopened",
        "2026-10-07T09:00:00Z",
        "S4",
        "customer",
        channel="social",
        reason="still locked",
    ),
    # S5: unresolved, silent handoff, in-app
    event(
        "e-501",
        "session_started",
        "20:00:00",
        "S5",
        "system",
        customer="c-1",
        channel="in_app",
        language="en",
        variant=V1,
    ),
    event(
        "e-502",
        "message",
        "20:00:05",
        "S5",
        "customer",
        "Charged twice again",
        customer="c-1",
        channel="in_app",
    ),
    event(
        "e-503",
        "intent_classified",
        "20:00:06",
        "S5",
        "system",
        channel="in_app",
        intent="billing_dispute",
        severity="high",
    ),
    event("e-504", "message", "20:00:20", "S5", "bot", "Let me check.", channel="in_app", **V1),
    event(
        "e-505",
        "escalated",
        "20:01:00",
        "S5",
        "bot",
        channel="in_app",
        reason="low_confidence",
        summary=FULL_SUMMARY,
    ),
]

# Upstream session ids; the marts hold their pseudonyms (tests.conftest.pseudonym).
SESSION_IDS = tuple(sorted({record["session_id"] for record in FIRST_DELIVERY}))
EVENT_IDS = tuple(record["event_id"] for record in FIRST_DELIVERY)
RESENT_EVENT = FIRST_DELIVERY[3]  # S1's bot reply, delivered again
MALFORMED_LINE = '{"event_id": "e-900", "event_type": "message", '
UNMAPPED_EVENT = event("e-901", "bot.thought", "10:00:30", "S1", "bot", channel="chat")


def write_deliveries(landing_dir: Path) -> None:
    """Two JSONL files: the day's events, then the re-delivery with its defects."""
    landing_dir.mkdir(parents=True, exist_ok=True)
    first = "\n".join(json.dumps(event) for event in FIRST_DELIVERY) + "\n"
    (landing_dir / "2026-10-05_helpdesk.jsonl").write_text(first)
    second = [json.dumps(RESENT_EVENT), MALFORMED_LINE, json.dumps(UNMAPPED_EVENT)]
    (landing_dir / "2026-10-06_redelivery.jsonl").write_text("\n".join(second) + "\n")
