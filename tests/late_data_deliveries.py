"""The late and re-delivered deliveries of 2026-10-01..03 that tests/test_late_data.py describes:
generated events (1 to 3 days late, sent twice) plus hand-made sessions older than the lookback.
tests/conftest.py `late_data_warehouses` runs the job on them once per session."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from orchestration.synthetic.generator import DefectRates, write_landing
from tests.handmade_events import V1, V2, event

DAYS = ("2026-10-01", "2026-10-02", "2026-10-03")


def _l1_start() -> list[dict]:
    return [
        event(
            "e-L1-1",
            "session_started",
            "2026-09-26T10:00:00Z",
            "L1",
            "system",
            customer="c-L1",
            channel="chat",
            language="en",
            variant=V1,
        ),
        event(
            "e-L1-2",
            "message",
            "2026-09-26T10:00:05Z",
            "L1",
            "customer",
            "Charged twice",
            customer="c-L1",
            channel="chat",
        ),
        event(
            "e-L1-3",
            "intent_classified",
            "2026-09-26T10:00:06Z",
            "L1",
            "system",
            channel="chat",
            intent="billing_dispute",
            severity="high",
        ),
        event(
            "e-L1-4",
            "message",
            "2026-09-26T10:00:30Z",
            "L1",
            "bot",
            "Refunded.",
            channel="chat",
            **V1,
        ),
        event(
            "e-L1-5",
            "resolved",
            "2026-09-26T10:02:00Z",
            "L1",
            "bot",
            channel="chat",
            resolved_by="bot",
        ),
        event(
            "e-L1-6",
            "session_closed",
            "2026-09-26T10:03:00Z",
            "L1",
            "system",
            channel="chat",
            reason="completed",
        ),
    ]


def _l1_late() -> list[dict]:
    csat = event(
        "e-L1-7",
        "feedback_submitted",
        "2026-09-26T10:05:00Z",
        "L1",
        "customer",
        channel="chat",
        kind="csat",
        score=2,
    )
    redelivered = {**_l1_start()[0], "channel": "email"}
    return [csat, redelivered]


def _l2_whole_session() -> list[dict]:
    at = "2026-09-27T{}Z".format
    return [
        event(
            "e-L2-1",
            "session_started",
            at("15:00:00"),
            "L2",
            "system",
            customer="c-L2",
            channel="email",
            language="en",
            variant=V2,
        ),
        event(
            "e-L2-2",
            "message",
            at("15:00:10"),
            "L2",
            "customer",
            "Refund?",
            customer="c-L2",
            channel="email",
        ),
        event(
            "e-L2-3",
            "intent_classified",
            at("15:00:11"),
            "L2",
            "system",
            channel="email",
            intent="refund_request",
            severity="medium",
        ),
        event("e-L2-4", "message", at("15:00:50"), "L2", "bot", "Checking.", channel="email", **V2),
        event(
            "e-L2-5",
            "escalated",
            at("15:01:00"),
            "L2",
            "bot",
            channel="email",
            reason="customer_request",
            summary={"issue_summary": "refund", "customer_emotion": "calm"},
        ),
        event("e-L2-6", "agent_joined", at("15:05:00"), "L2", "agent", channel="email"),
        event("e-L2-7", "message", at("15:06:00"), "L2", "agent", "Done.", channel="email"),
        event(
            "e-L2-8",
            "resolved",
            at("15:30:00"),
            "L2",
            "agent",
            channel="email",
            resolved_by="agent",
        ),
    ]


HANDMADE = {DAYS[0]: _l1_start, DAYS[1]: _l1_late, DAYS[2]: _l2_whole_session}


def write_late_data_deliveries(folder: Path) -> dict[str, list[Path]]:
    """Per delivery day, its files; names sort in delivery order, as the loader reads them."""
    write_landing(
        folder,
        target_events=1_500,
        seed=3,
        start_date=date.fromisoformat(DAYS[0]),
        days=len(DAYS),
        defects=DefectRates(duplicate=0.03, late=0.05, unknown_event_type=0.01),
        file_prefix="events",
    )
    for day, events in HANDMADE.items():
        lines = [json.dumps(event) for event in events()]
        (folder / f"events_{day}_part900.jsonl").write_text("\n".join(lines) + "\n")
    return {day: sorted(folder.glob(f"events_{day}_*.jsonl")) for day in DAYS}
