"""Deterministic synthetic support events, written into a landing folder like a real delivery.

Why it exists: the warehouse must be tested (and demonstrated) on data whose truth is known.
Every rate the marts compute has a planted value here (`MODELS`, `PROMPTS`, `CHANNELS`,
`INTENTS` and the module constants), documented in docs/synthetic-data.md, so a test can
check that the marts recover it.

How it stays fast and flat in memory at 10M events: sessions are simulated one at a time as
small tuples, turned into envelope dicts only when they fall inside the window, and routed to
the day they occurred on; only the events that spill into a later day are held back.
Randomness is `random.Random` plus a precomputed normal-quantile table (a table look-up is
~3x cheaper than `Random.gauss` and keeps the medians exact).
"""

from __future__ import annotations

import csv
import gzip
import math
import os
from abc import ABC, abstractmethod
from bisect import bisect
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import accumulate
from operator import itemgetter
from pathlib import Path
from random import Random
from statistics import NormalDist
from typing import Any, NamedTuple

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.ingest.contract import ENVELOPE_FIELDS
from orchestration.settings import real_landing_files, record_generated_demo_files


def _json_bytes(value: Any) -> bytes:
    """orjson encodes ~10x faster than json and to the same bytes (a test pins that)."""
    return orjson.dumps(value)


FILE_FORMATS = ("jsonl", "jsonl.gz", "parquet", "csv")
DEFECT_KINDS = ("duplicate", "malformed", "unknown_event_type", "late")
# The survey scales a CSAT answer can be written on (docs/event-contract.md, feedback_submitted).
CSAT_SCALES = ("1-5", "0-10", "good_bad")

# ---------------------------------------------------------------------------------------------
# Ground truth: the parameters the events are drawn from (docs/synthetic-data.md explains them).
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelTruth:
    """How a bot model version really behaves in a session the bot handles.

    The four outcome rates sum to 1: escalated to a human, resolved by the bot alone, customer
    abandoned, or closed by timeout. They do not depend on intent or channel, so a mart's rate
    per model version can be compared with these numbers directly.
    """

    model_version: str
    escalation_rate: float
    bot_resolution_rate: float
    abandon_rate: float
    timeout_rate: float
    latency_factor: float  # multiplies the channel's bot first-response median
    rephrase_rate: float  # chance a follow-up customer message repeats the question

    @property
    def outcome_weights(self) -> tuple[float, float, float, float]:
        return (
            self.escalation_rate,
            self.bot_resolution_rate,
            self.abandon_rate,
            self.timeout_rate,
        )


@dataclass(frozen=True)
class PromptTruth:
    """How a prompt shapes the tone of bot replies (and so the empathy metrics)."""

    prompt_id: str
    empathy_rate: float  # first bot reply opens with an empathy phrase
    next_step_rate: float  # a bot reply carries a next-step phrase
    over_cheerful_rate: float  # a bot reply carries an over-cheerful phrase
    qa_acknowledgement_mean: float  # mean human QA acknowledgement score (1-5)
    qa_reassurance_mean: float


@dataclass(frozen=True)
class ChannelTruth:
    """Volume and speed of one channel. Latency medians are in seconds (lognormal)."""

    name: str
    share: float
    bot_coverage: float  # sessions the bot replies in; the rest go straight to a human
    bot_reply_median_s: float
    customer_reply_median_s: float
    human_pickup_median_s: float  # escalation (or session start) -> agent_joined
    agent_reply_median_s: float
    idle_timeout_s: int  # silence after which the system closes the session
    source_start_type: str | None  # source-specific name used for half the session starts


@dataclass(frozen=True)
class IntentTruth:
    name: str
    share: float
    severity_weights: tuple[float, float, float, float]  # low, medium, high, critical
    reopen_rate: float  # resolved sessions later reopened (within 7 days)


MODELS = (
    ModelTruth("support-llm-2026.06", 0.20, 0.55, 0.15, 0.10, 1.0, 0.15),  # control
    ModelTruth("support-llm-2026.09", 0.30, 0.45, 0.15, 0.10, 0.6, 0.25),  # treatment
)
CONTROL_MODEL, TREATMENT_MODEL = MODELS
PROMPTS = (
    PromptTruth("prompt-concise-v3", 0.25, 0.50, 0.10, 3.0, 3.0),  # control
    PromptTruth("prompt-empathy-v4", 0.65, 0.70, 0.03, 4.0, 3.8),  # treatment
)
CONTROL_PROMPT, TREATMENT_PROMPT = PROMPTS

CHANNELS = (
    ChannelTruth("chat", 0.45, 0.95, 3.0, 40.0, 240.0, 90.0, 15 * 60, "conversation_started"),
    ChannelTruth(
        "email", 0.25, 0.70, 90.0, 3 * 3600.0, 5 * 3600.0, 3 * 3600.0, 72 * 3600, "ticket.created"
    ),
    ChannelTruth("social", 0.10, 0.85, 20.0, 300.0, 1800.0, 900.0, 24 * 3600, "mention"),
    ChannelTruth("in_app", 0.20, 0.95, 3.0, 40.0, 240.0, 90.0, 15 * 60, None),
)
INTENTS = (
    IntentTruth("billing_dispute", 0.20, (0.20, 0.45, 0.30, 0.05), 0.12),
    IntentTruth("refund_request", 0.18, (0.30, 0.50, 0.18, 0.02), 0.10),
    IntentTruth("account_lockout", 0.15, (0.10, 0.40, 0.40, 0.10), 0.05),
    IntentTruth("outage", 0.07, (0.05, 0.20, 0.40, 0.35), 0.15),
    IntentTruth("shipping_status", 0.22, (0.50, 0.40, 0.09, 0.01), 0.08),
    IntentTruth("how_to", 0.18, (0.70, 0.25, 0.05, 0.00), 0.03),
)
SEVERITIES = ("low", "medium", "high", "critical")
LANGUAGES = ("en", "es", "de", "fr")
LANGUAGE_SHARES = (0.60, 0.15, 0.15, 0.10)  # per customer: a customer keeps one language

BOT_LATENCY_SIGMA = 0.6  # lognormal sigma of bot reply latencies
CUSTOMER_LATENCY_SIGMA = 0.8
HUMAN_LATENCY_SIGMA = 0.9  # agent pickup and agent replies: long right tail
BOT_TURN_WEIGHTS = (0.45, 0.35, 0.20)  # 1, 2 or 3 bot replies before the outcome
AGENT_TURN_WEIGHTS = (0.60, 0.30, 0.10)

AGENT_JOIN_RATE = 0.92  # escalations an agent picks up; the rest are silent handoffs
SILENT_HANDOFF_PING_RATE = 0.5  # silent handoffs where the customer asks if anyone is there
# Agents who pick a session up leave an internal note (visibility internal) before their
# opener; it splits the opener's wait, so handoff latency and human first response keep
# their planted values only if the marts ignore the note, as they must.
INTERNAL_NOTE_RATE = 0.30
AGENT_RESOLUTION_RATE = 0.85  # sessions an agent works (escalated, human-only or reopened)
CONFIRMED_BY_CUSTOMER_RATE = 0.60
ESCALATION_REASONS = (
    ("customer_request", 0.25),
    ("missing_knowledge", 0.18),
    ("unsupported_request", 0.12),
    ("policy_restriction", 0.10),
    ("tool_failure", 0.08),
    ("pending_clarification", 0.07),
    ("low_confidence", 0.20),
)
FREE_TEXT_REASON_RATE = 0.20  # escalations whose reason arrives as free text (see below)
FREE_TEXT_REASONS = {
    "customer_request": ("Customer asked for a human", "user requested agent"),
    "missing_knowledge": ("No KB article found", "knowledge gap"),
    "unsupported_request": ("Request type not supported by bot",),
    "policy_restriction": ("Refund above bot policy limit",),
    "tool_failure": ("Order API timeout", "payments tool error"),
    "pending_clarification": ("Waiting for customer details",),
    "low_confidence": ("Bot confidence below threshold",),
}
UNMAPPABLE_REASON = "escalated by routing rule 42"  # free text no taxonomy entry matches
UNMAPPABLE_REASON_RATE = 0.02
SUMMARY_PART_RATES = (
    ("issue_summary", 0.85),
    ("customer_emotion", 0.55),
    ("attempted_solutions", 0.65),
    ("metadata", 0.75),
)
# The customer repeats the question to the agent (transfer quality) more without a summary.
REPEAT_TO_AGENT_RATE_WITH_SUMMARY = 0.10
REPEAT_TO_AGENT_RATE_WITHOUT_SUMMARY = 0.45
REPEAT_CONTACT_RATE_RESOLVED = 0.06  # same customer, same intent, new session within 24 h
REPEAT_CONTACT_RATE_UNRESOLVED = 0.30
REOPEN_MEDIAN_S = 36 * 3600.0
REOPEN_MAX_S = 7 * 86400
MICRO_FEEDBACK_RATE = 0.35  # bot-handled sessions asked "did this answer solve your issue?"
MICRO_YES_RATE_RESOLVED = 0.85
MICRO_YES_RATE_UNRESOLVED = 0.25
MICRO_QUESTION = "did this answer solve your issue?"
CSAT_RESPONSE_RATE = 0.30  # sessions (all are offered it) that answer the end-of-session survey
CSAT_WEIGHTS = {  # P(score = 1..5) by outcome
    "bot_resolved": (0.04, 0.06, 0.15, 0.35, 0.40),  # mean 4.01
    "assisted_resolved": (0.05, 0.08, 0.17, 0.35, 0.35),  # mean 3.87
    "human_resolved": (0.03, 0.05, 0.12, 0.35, 0.45),  # mean 4.14
    "unresolved": (0.35, 0.25, 0.20, 0.12, 0.08),  # mean 2.33
}
QA_REVIEW_RATE = 0.06
QA_REVIEW_RATE_ESCALATED = 0.20
QA_SCORE_SIGMA = 0.8  # QA scores: round(mean + 0.8 * N(0, 1)) clipped to 1..5
QA_CLARITY_MEAN = 3.8
QA_ACCOUNTABILITY_MEAN = 3.5
QA_APPROPRIATENESS_MEAN = 3.8
QA_OVER_CHEERFUL_PENALTY = 1.5  # first bot reply over-cheerful on a high/critical issue
HAS_NEXT_STEP_FLAG_RATE = 0.7  # bot messages that carry the upstream has_next_step flag
PII_RATES = (("email", 0.06), ("phone", 0.04), ("card", 0.02))  # per first customer message
SOURCE_EVENT_TYPE_RATE = 0.5  # where a source-specific name exists, share of events using it
UNKNOWN_EVENT_TYPES = ("bot.thought", "agent.typing", "sla.timer_tick")
DAY_OF_WEEK_WEIGHTS = (1.0, 1.0, 1.0, 1.0, 1.0, 0.6, 0.5)  # Monday first
# Session starts per UTC hour: quiet at night, busy in (European) business hours.
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 3, 5, 8, 10, 10, 10, 9, 10, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1)
# Used only to size the customer pool (about two sessions per customer over the window).
EVENTS_PER_SESSION_ESTIMATE = 10  # measured: 9.9

# Source-specific event type names, by canonical type (for the dbt mapping seed).
SOURCE_EVENT_TYPES = {
    "session_started": ("conversation_started", "ticket.created", "mention"),
    "resolved": ("ticket.solved",),
    "reopened": ("ticket.reopened",),
    "feedback_submitted": ("survey.response",),
}

# ---------------------------------------------------------------------------------------------
# Text templates
# ---------------------------------------------------------------------------------------------

QUESTIONS = {
    "billing_dispute": (
        "I was charged twice for my subscription this month.",
        "There's a charge on my bill I don't recognise.",
        "Why was I billed more than my plan price?",
    ),
    "refund_request": (
        "I'd like a refund for my last order.",
        "The item arrived broken, can I get my money back?",
        "How do I return this and get refunded?",
    ),
    "account_lockout": (
        "I'm locked out of my account after too many attempts.",
        "I can't log in, the reset email never arrives.",
        "My account says it is suspended and I don't know why.",
    ),
    "outage": (
        "Your app is down, nothing loads.",
        "The checkout page keeps failing with an error.",
        "Is there an outage? I can't reach the dashboard.",
    ),
    "shipping_status": (
        "Where is my order? It hasn't moved in days.",
        "My package was supposed to arrive yesterday.",
        "Can you tell me when my delivery will arrive?",
    ),
    "how_to": (
        "How do I export my data to CSV?",
        "How can I add a second user to my plan?",
        "Where do I change my notification settings?",
    ),
}
ANSWERS = {
    "billing_dispute": (
        "I checked your account and the duplicate charge will be reversed in 3-5 business days.",
        "That charge is the annual add-on you enabled; you can turn it off under Billing.",
    ),
    "refund_request": (
        "Your order qualifies for a refund; I've started it and it will reach your card in 5 days.",
        "You can return the item with the prepaid label in your order page.",
    ),
    "account_lockout": (
        "I've unlocked your account; please sign in again and set a new password.",
        "The reset email can land in spam; I've sent a new link just now.",
    ),
    "outage": (
        "We're seeing an incident on our side and engineers are on it.",
        "Clearing the app cache usually fixes this error while we deploy a fix.",
    ),
    "shipping_status": (
        "Your parcel is at the local depot and should arrive tomorrow.",
        "The carrier reports a delay; the new delivery date is in two days.",
    ),
    "how_to": (
        "Go to Settings > Data and choose Export; the CSV arrives by email.",
        "Open Team, click Invite, and enter their email address.",
    ),
}
EMPATHY_PHRASES = (
    "I'm sorry about the trouble.",
    "I understand how frustrating this must be.",
    "I'm sorry, I know this is stressful.",
)
NEXT_STEP_PHRASES = (
    "Here's what to do next: follow the link I just sent.",
    "I've opened a ticket and you'll get an update within 24 hours.",
    "Next step: reply here once you've tried it and I'll check again.",
)
OVER_CHEERFUL_PHRASES = ("Awesome!!", "Yay, happy to help!!!")
GREETINGS = {"en": "Hi! ", "es": "¡Hola! ", "de": "Hallo! ", "fr": "Bonjour ! "}
FOLLOW_UPS = (
    "That didn't work, what else can I try?",
    "Ok, and what happens after that?",
    "I tried that already.",
)
REPHRASE_TEMPLATES = (
    "As I said: {q}",
    "Again: {q}",
    "I'll ask again. {q}",
    "{q} I still need help.",
)
ESCALATION_ASKS = ("Can I talk to a human please?", "I want to speak to an agent.")
THANKS = ("Thanks, that worked!", "Great, it's fixed now, thank you.")
SILENT_HANDOFF_PINGS = ("Hello? Is anyone there?", "Still waiting for someone...")
AGENT_OPENERS = (
    "Hi, I've read the summary from our assistant and I'm looking into it now.",
    "Thanks for waiting, I'm taking over from here.",
    "Hello, I'm here to help. Could you tell me what happened?",
)
INTERNAL_NOTES = (
    "Read the bot's summary; checking the account history before I answer.",
    "Known issue, see the incident page; will offer the workaround.",
)
AGENT_REPLIES = (
    "I've fixed this on our side; here's what to do next: sign out and back in.",
    "I understand how frustrating this is. I've escalated it to billing and opened a ticket.",
    "Done. You should see the change within the hour.",
)
EMOTIONS = ("frustrated", "calm", "angry", "anxious", "confused")
REOPEN_REASONS = ("issue_not_fixed", "new_information", "customer_reply")
CLOSE_REASONS = ("completed", "abandoned", "timeout")
QA_LABELS_LOW = ("rushed", "dismissive", "robotic")
QA_LABELS_HIGH = ("reassuring", "clear", "warm")
PLANS = ("free", "pro", "enterprise")
TEST_CARD_NUMBERS = ("4111 1111 1111 1111", "5500-0000-0000-0004")
CHANNEL_ACTORS = {
    "chat": "chat-widget",
    "email": "helpdesk",
    "social": "social-listener",
    "in_app": "in-app-sdk",
}
# The label each channel family is delivered under: every fourth session (by number, so no
# random draw moves) uses the second, source-specific one; seeds/channel_mapping.csv maps both.
CHANNEL_LABELS = {
    "chat": ("chat", "live_chat"),
    "email": ("email", "web_form"),
    "social": ("social", "whatsapp"),
    "in_app": ("in_app", "mobile_sdk"),
}
BOT_ID = "support-bot"
AGENT_COUNT = 40
REVIEWER_COUNT = 6

# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DefectRates:
    """Per-event chances of the delivery problems the loader must survive (all default to 0).

    Every defect is an extra record or a relocated one, never a lost or changed event, so a
    correct pipeline computes the same marts with and without defects.
    """

    duplicate: float = 0.0  # the same event delivered again, same day or up to 2 days later
    malformed: float = 0.0  # an extra record that does not parse (JSONL) / has broken attributes
    unknown_event_type: float = 0.0  # an extra event of a type the mapping does not know
    late: float = 0.0  # the event is delivered 1-3 days after the day it occurred

    def __post_init__(self) -> None:
        for name in DEFECT_KINDS:
            rate = getattr(self, name)
            if not 0.0 <= rate < 1.0:
                raise ValueError(f"defect rate {name}={rate!r} must be in [0, 1).")


DEFAULT_DEFECTS = DefectRates(duplicate=0.01, malformed=0.005, unknown_event_type=0.005, late=0.01)


@dataclass
class LandingSummary:
    """What `write_landing` wrote: files, clean events, and each defect injected."""

    files: list[Path]
    events_written: int  # clean events (about the target); defect records come on top
    records_written: (
        int  # lines/rows in the files: events_written + duplicate + malformed + unknown
    )
    defects_injected: dict[str, int] = field(default_factory=dict)


def generate_events(
    target_events: int,
    *,
    seed: int,
    start_date: date,
    days: int,
    defects: DefectRates | None = None,
    csat_scale: str = "1-5",
) -> Iterator[dict[str, Any]]:
    """Yield about `target_events` contract-shaped events, grouped by the day they are delivered.

    Same arguments, same events in the same order. Events of a session are time-ordered;
    events that would occur after the window (`start_date` + `days`) have not happened yet and
    are not produced. Defects (default none) are added on top of the clean events. CSAT answers
    are written on `csat_scale` (see on_csat_scale).
    """
    _validate(target_events, start_date, days, csat_scale)
    deliveries = _deliveries(target_events, seed, start_date, days, defects, Counter(), csat_scale)
    return (event for _, event in deliveries)


def write_landing(
    landing_dir: Path | str,
    *,
    target_events: int,
    seed: int,
    start_date: date,
    days: int,
    file_format: str = "jsonl",
    defects: DefectRates | None = None,
    events_per_file: int = 500_000,
    file_prefix: str = "events",
    overwrite: bool = False,
    csat_scale: str = "1-5",
) -> LandingSummary:
    """Write the generated events as one or more files per delivery day into `landing_dir`.

    Files are named `<prefix>_<YYYY-MM-DD>_part<NNN>.<format>` and appear atomically (written
    under a dot-name the loader ignores, then renamed), so a sensor never sees half a file.
    The folder's demo-data marker lists each file written with its sha256: the pipeline accepts
    the demo key for those files, unchanged, and for nothing else.
    """
    if file_format not in FILE_FORMATS:
        raise ValueError(f"file_format {file_format!r} is not one of {', '.join(FILE_FORMATS)}.")
    if events_per_file < 1:
        raise ValueError(f"events_per_file must be at least 1, got {events_per_file}.")
    _validate(target_events, start_date, days, csat_scale)
    landing = Path(landing_dir)
    names = _DayFileNames(file_prefix, file_format, start_date)
    _refuse_real_data(landing)
    if not overwrite:
        _refuse_to_overwrite(landing, names, days)
    landing.mkdir(parents=True, exist_ok=True)

    tally: Counter[str] = Counter()
    malformed_rng = Random(f"{seed}:malformed")
    malformed_rate = defects.malformed if defects else 0.0
    files = _RollingFiles(landing, names, file_format, events_per_file)
    try:
        deliveries = _deliveries(target_events, seed, start_date, days, defects, tally, csat_scale)
        for day, event in deliveries:
            writer = files.writer_for(day)
            writer.write(event)
            if malformed_rate and malformed_rng.random() < malformed_rate:
                writer.write_malformed(event)
                tally["malformed"] += 1
        files.close()
    except BaseException:
        files.abort()
        raise
    record_generated_demo_files(landing, files.paths)
    injected = {name: tally[name] for name in DEFECT_KINDS}
    extras = injected["duplicate"] + injected["malformed"] + injected["unknown_event_type"]
    return LandingSummary(files.paths, files.records - extras, files.records, injected)


@dataclass(frozen=True)
class _DayFileNames:
    prefix: str
    file_format: str
    start_date: date

    def name(self, day: int, part: int) -> str:
        day_name = (self.start_date + timedelta(days=day)).isoformat()
        return f"{self.prefix}_{day_name}_part{part:03d}.{self.file_format}"

    def pattern(self, day: int) -> str:
        """Glob for every part of a day."""
        day_name = (self.start_date + timedelta(days=day)).isoformat()
        return f"{self.prefix}_{day_name}_part*.{self.file_format}"


def _refuse_real_data(landing: Path) -> None:
    """Never mix demo events into a folder of real deliveries.

    The demo-data marker lets the pipeline use the public demo pseudonym key, which must never
    hash real customers; the rule for what is real is the pipeline's own (`real_landing_files`).
    """
    real = real_landing_files(landing)
    if real:
        raise FileExistsError(
            f"{landing} holds deliveries that are not generated demo data (e.g. {real[0]}); "
            "write synthetic events into an empty or demo-only landing folder."
        )


def _refuse_to_overwrite(landing: Path, names: _DayFileNames, days: int) -> None:
    """Stop before writing anything if a file this run would write already exists.

    Checked up front so a refused run leaves the folder as it was.
    """
    for day in range(days):
        clash = next(landing.glob(names.pattern(day)), None)
        if clash is not None:
            raise FileExistsError(
                f"{clash} already exists; choose another landing folder or file prefix, "
                "or overwrite it (overwrite=True, --overwrite)."
            )


class _RollingFiles:
    """One open file at a time: a new one per delivery day and every `events_per_file` records."""

    def __init__(self, landing: Path, names: _DayFileNames, file_format: str, per_file: int):
        self.landing = landing
        self.names = names
        self.file_format = file_format
        self.per_file = per_file
        self.paths: list[Path] = []
        self.records = 0
        self.current: _FileWriter | None = None
        self.day, self.part = -1, 0

    def writer_for(self, day: int) -> _FileWriter:
        current = self.current
        if current is not None and day == self.day and current.records < self.per_file:
            return current
        self.part = self.part + 1 if day == self.day else 0
        self.day = day
        self.close()
        path = self.landing / self.names.name(day, self.part)
        self.current = _open_writer(self.file_format, path)
        self.paths.append(path)
        return self.current

    def close(self) -> None:
        if self.current is not None:
            self.records += self.current.close()
            self.current = None

    def abort(self) -> None:
        """Leave no half-written file behind (finished files stay: they are complete)."""
        if self.current is not None:
            self.current.abort()
            self.current = None


# ---------------------------------------------------------------------------------------------
# Simulation: one session at a time, as (seconds, type, actor_type, actor_id, text, attributes)
# ---------------------------------------------------------------------------------------------

_QUANTILES = 4096
# Standard normal quantiles at the centres of 4096 equal-probability bins: Z = _Z[random bin].
_Z = tuple(NormalDist().inv_cdf((i + 0.5) / _QUANTILES) for i in range(_QUANTILES))


def _cumulative(weights: Sequence[float]) -> list[float]:
    """Cumulative weights normalised to end at 1, for `bisect(cum, random())` draws."""
    total = sum(weights)
    cum = [w / total for w in accumulate(weights)]
    cum[-1] = 1.0 + 1e-9  # a draw of 0.999... always lands in the last bucket
    return cum


_CHANNEL_CUM = _cumulative([c.share for c in CHANNELS])
_INTENT_CUM = _cumulative([i.share for i in INTENTS])
_SEVERITY_CUM = {i.name: _cumulative(i.severity_weights) for i in INTENTS}
_LANGUAGE_CUM = _cumulative(LANGUAGE_SHARES)
_OUTCOME_CUM = {m.model_version: _cumulative(m.outcome_weights) for m in MODELS}
_REASON_CUM = _cumulative([w for _, w in ESCALATION_REASONS])
_BOT_TURN_CUM = _cumulative(BOT_TURN_WEIGHTS)
_AGENT_TURN_CUM = _cumulative(AGENT_TURN_WEIGHTS)
_CSAT_CUM = {kind: _cumulative(w) for kind, w in CSAT_WEIGHTS.items()}
_HOUR_CUM = _cumulative(HOUR_WEIGHTS)
_OUTCOMES = ("escalated", "bot_resolved", "abandoned", "timeout")
_KB_SOURCES = {i.name: tuple(f"kb-{i.name}-{n:03d}" for n in (101, 102, 205, 310)) for i in INTENTS}
_EPOCH_DATE = date(1970, 1, 1)


class _BotReply(NamedTuple):
    """What later events need to know about a bot reply."""

    position: int | None  # index in the session (None: not logged yet / no bot reply)
    next_step: bool
    cheerful: bool


_NO_REPLY = _BotReply(None, False, False)


@dataclass(frozen=True)
class _SessionPlan:
    """Who, where and what: drawn once per session, shared by its events."""

    number: int
    start_s: int
    customer: int
    channel: ChannelTruth
    intent: IntentTruth
    model: ModelTruth
    prompt: PromptTruth


class _SessionLog:
    """A session's events as (seconds, type, actor_type, actor_id, text, attributes) tuples.

    Each event comes strictly after the previous one (ties would blur the order downstream),
    `after_s` seconds later; the helpers name who speaks, so the story reads top to bottom.
    """

    def __init__(self, plan: _SessionPlan) -> None:
        self.plan = plan
        self.clock = plan.start_s
        self.events: list[tuple[int, str, str, str | None, str | None, dict[str, Any]]] = []

    def add(
        self,
        after_s: int,
        kind: str,
        actor_type: str,
        actor_id: str | None,
        text: str | None,
        attributes: dict[str, Any],
    ) -> int:
        """Append an event; returns its position (event ids are built from it)."""
        if self.events:
            self.clock += max(1, after_s)
        self.events.append((self.clock, kind, actor_type, actor_id, text, attributes))
        return len(self.events) - 1

    def customer(self, after_s: int, text: str, sentiment: float) -> None:
        self.add(after_s, "message", "customer", None, text, {"sentiment": sentiment})

    def agent(self, after_s: int, agent: str, text: str) -> None:
        self.add(after_s, "message", "agent", agent, text, {})

    def system(self, after_s: int, kind: str, attributes: dict[str, Any]) -> None:
        self.add(after_s, kind, "system", CHANNEL_ACTORS[self.plan.channel.name], None, attributes)


class _Simulator:
    """Simulates sessions with one seeded `Random`; holds only lookup tables and a counter."""

    def __init__(self, rng: Random, customer_pool: int) -> None:
        self.rand = rng.random
        self.customer_pool = customer_pool
        self.sessions = 0

    # -- draws --------------------------------------------------------------------------------
    def pick(self, options: Sequence[Any]) -> Any:
        return options[int(self.rand() * len(options))]

    def lognormal(self, median: float, sigma: float) -> int:
        """Whole seconds (at least 1) from a lognormal with this median."""
        return max(1, round(median * math.exp(sigma * _Z[int(self.rand() * _QUANTILES)])))

    def source_name(self, canonical: str, source_specific: str | None) -> str:
        """The source-specific event type half the time (where the source has one)."""
        if source_specific and self.rand() < SOURCE_EVENT_TYPE_RATE:
            return source_specific
        return canonical

    def plan(
        self,
        start_s: int,
        customer: int | None = None,
        intent: IntentTruth | None = None,
        channel: ChannelTruth | None = None,
    ) -> _SessionPlan:
        """Draw a new session; a repeat contact passes the customer, intent and channel."""
        rand = self.rand
        self.sessions += 1
        return _SessionPlan(
            number=self.sessions,
            start_s=start_s,
            customer=int(rand() * self.customer_pool) if customer is None else customer,
            channel=CHANNELS[bisect(_CHANNEL_CUM, rand())] if channel is None else channel,
            intent=INTENTS[bisect(_INTENT_CUM, rand())] if intent is None else intent,
            model=MODELS[int(rand() * 2)],
            prompt=PROMPTS[int(rand() * 2)],
        )

    # -- one session --------------------------------------------------------------------------
    def session(self, plan: _SessionPlan) -> tuple[_SessionLog, _SessionPlan | None]:
        """The session's events in time order, and the repeat contact it triggers (if any)."""
        rand = self.rand
        log = _SessionLog(plan)
        question, severity = self.opening(log)
        outcome, first_reply, has_next_step = "human", _NO_REPLY, False
        if rand() < plan.channel.bot_coverage:
            outcome = _OUTCOMES[bisect(_OUTCOME_CUM[plan.model.model_version], rand())]
            first_reply, has_next_step = self.bot_conversation(log, question, outcome)
        escalated = outcome == "escalated"
        if outcome == "bot_resolved":
            self.resolve(log, "bot", BOT_ID)
            resolution = "bot_resolved"
        elif outcome in ("abandoned", "timeout"):
            self.close(log, outcome)
            resolution = "unresolved"
        else:
            summary_given = self.escalate(log) if escalated else True
            resolution = self.agent_path(log, question, escalated, summary_given)
        if resolution != "unresolved":
            self.maybe_reopen(log, question)
        # every session is offered the survey a minute after its last event; some answer
        log.system(60, "survey_offered", {"kind": "csat"})
        if rand() < CSAT_RESPONSE_RATE:
            self.csat(log, resolution)
        if rand() < (QA_REVIEW_RATE_ESCALATED if escalated else QA_REVIEW_RATE):
            self.qa_review(log, first_reply, severity, has_next_step, escalated)
        return log, self.maybe_repeat_contact(plan, resolution)

    def opening(self, log: _SessionLog) -> tuple[str, str]:
        """Session start, the customer's question, its classification: (question, severity)."""
        rand, plan = self.rand, log.plan
        language = _customer_language(plan.customer)
        variant = {"model_version": plan.model.model_version, "prompt_id": plan.prompt.prompt_id}
        start_type = self.source_name("session_started", plan.channel.source_start_type)
        log.system(0, start_type, {"language": language, "variant": variant})
        question = self.pick(QUESTIONS[plan.intent.name])
        log.customer(
            1, self.with_pii(GREETINGS[language] + question, plan), round(-0.2 - 0.6 * rand(), 2)
        )
        severity = SEVERITIES[bisect(_SEVERITY_CUM[plan.intent.name], rand())]
        classified = {
            "intent": plan.intent.name,
            "severity": severity,
            "confidence": round(0.6 + 0.39 * rand(), 2),
        }
        log.add(1, "intent_classified", "system", "intent-classifier", None, classified)
        return question, severity

    def with_pii(self, text: str, plan: _SessionPlan) -> str:
        """Sometimes add an email, phone or test card number: the privacy layer must redact it."""
        rand = self.rand
        for kind, rate in PII_RATES:
            if rand() < rate:
                if kind == "email":
                    text += f" You can reach me at customer{plan.customer}@example.com."
                elif kind == "phone":
                    digits = f"{plan.customer % 10_000_000:07d}"
                    text += f" My number is +1 555 {digits[:3]} {digits[3:]}."
                else:
                    text += f" My card is {self.pick(TEST_CARD_NUMBERS)}."
        return text

    def bot_conversation(
        self, log: _SessionLog, question: str, outcome: str
    ) -> tuple[_BotReply, bool]:
        """1-3 bot replies (customer follow-ups between), maybe a micro survey.

        Returns the first reply and whether any reply carried a next step (for QA checks).
        """
        rand, plan = self.rand, log.plan
        ch, model = plan.channel, plan.model
        turns = 1 + bisect(_BOT_TURN_CUM, rand())
        replies: list[_BotReply] = []
        for turn in range(turns):
            if turn:
                rephrases = rand() < model.rephrase_rate
                text = (
                    self.pick(REPHRASE_TEMPLATES).format(q=question)
                    if rephrases
                    else self.pick(FOLLOW_UPS)
                )
                log.customer(
                    self.lognormal(ch.customer_reply_median_s, CUSTOMER_LATENCY_SIGMA),
                    text,
                    round(-0.8 * rand(), 2),
                )
            struggling = turn == turns - 1 and outcome == "escalated"
            text, attributes, reply = self.bot_reply(plan, turn == 0, struggling)
            latency = self.lognormal(
                ch.bot_reply_median_s * model.latency_factor, BOT_LATENCY_SIGMA
            )
            position = log.add(latency, "message", "bot", BOT_ID, text, attributes)
            replies.append(reply._replace(position=position))
        if ch.name != "email" and rand() < MICRO_FEEDBACK_RATE:
            solved = outcome == "bot_resolved"
            yes_rate = MICRO_YES_RATE_RESOLVED if solved else MICRO_YES_RATE_UNRESOLVED
            answer = "yes" if rand() < yes_rate else "no"
            micro = {"kind": "micro", "question": MICRO_QUESTION, "answer": answer}
            log.add(
                self.lognormal(20, CUSTOMER_LATENCY_SIGMA),
                "feedback_submitted",
                "customer",
                None,
                None,
                micro,
            )
        return replies[0], any(reply.next_step for reply in replies)

    def bot_reply(
        self, plan: _SessionPlan, first: bool, struggling: bool
    ) -> tuple[str, dict[str, Any], _BotReply]:
        """Text and attributes of one bot message, shaped by the prompt.

        A struggling reply (the last before an escalation) has low confidence and often no
        knowledge source, as a bot that is about to hand off would.
        """
        rand, pick, prompt = self.rand, self.pick, plan.prompt
        parts: list[str] = []
        tone: list[str] = []
        if first and rand() < prompt.empathy_rate:
            phrase = pick(EMPATHY_PHRASES)
            parts.append(phrase)
            tone.append("apologetic" if "sorry" in phrase else "empathetic")
        cheerful = rand() < prompt.over_cheerful_rate
        if cheerful:
            parts.append(pick(OVER_CHEERFUL_PHRASES))
            tone.append("cheerful")
        parts.append(pick(ANSWERS[plan.intent.name]))
        next_step = rand() < prompt.next_step_rate
        if next_step:
            parts.append(pick(NEXT_STEP_PHRASES))
        confidence = 0.35 + 0.3 * rand() if struggling else 0.7 + 0.29 * rand()
        n_sources = 0 if struggling and rand() < 0.5 else 1 + int(rand() * 3)
        drafted = plan.channel.name == "email"  # agents approve or edit bot drafts in email
        attributes: dict[str, Any] = {
            "model_version": plan.model.model_version,
            "prompt_id": prompt.prompt_id,
            "confidence": round(confidence, 2),
            "retrieved_sources": list(_KB_SOURCES[plan.intent.name][:n_sources]),
            "tone_tags": tone or ["neutral"],
            "sentiment": round(0.1 + 0.6 * rand() if cheerful else 0.5 * rand(), 2),
            "human_edited": rand() < (0.15 if drafted else 0.03),
            "human_approved": rand() < (0.40 if drafted else 0.08),
        }
        if rand() < HAS_NEXT_STEP_FLAG_RATE:
            attributes["has_next_step"] = next_step
        return " ".join(parts), attributes, _BotReply(None, next_step, cheerful)

    def escalate(self, log: _SessionLog) -> bool:
        """Emit the handoff; returns whether the summary states the issue (transfer quality)."""
        rand, pick, plan = self.rand, self.pick, log.plan
        reason = ESCALATION_REASONS[bisect(_REASON_CUM, rand())][0]
        if reason == "customer_request":
            wait = self.lognormal(plan.channel.customer_reply_median_s, CUSTOMER_LATENCY_SIGMA)
            log.customer(wait, pick(ESCALATION_ASKS), -0.5)
        if rand() < UNMAPPABLE_REASON_RATE:
            reason = UNMAPPABLE_REASON
        elif rand() < FREE_TEXT_REASON_RATE:
            reason = pick(FREE_TEXT_REASONS[reason])
        summary = {
            part: self.summary_part(part, plan)
            for part, rate in SUMMARY_PART_RATES
            if rand() < rate
        }
        log.add(2, "escalated", "bot", BOT_ID, None, {"reason": reason, "summary": summary})
        return "issue_summary" in summary

    def summary_part(self, part: str, plan: _SessionPlan) -> Any:
        if part == "issue_summary":
            return f"Customer contacted us about {plan.intent.name.replace('_', ' ')}."
        if part == "customer_emotion":
            return self.pick(EMOTIONS)
        if part == "attempted_solutions":
            return [_KB_SOURCES[plan.intent.name][0]]
        return {"plan": self.pick(PLANS), "order_id": f"o-{plan.number:07d}"}

    def agent_path(
        self, log: _SessionLog, question: str, escalated: bool, summary_given: bool
    ) -> str:
        """A human takes over (or, after a silent handoff, never shows up). Returns the outcome."""
        rand, pick, lognormal, ch = self.rand, self.pick, self.lognormal, log.plan.channel
        if escalated and rand() >= AGENT_JOIN_RATE:
            # Silent handoff: the customer either asks if anyone is there and waits in vain
            # (timeout), or leaves without another word (abandoned after handoff).
            if rand() < SILENT_HANDOFF_PING_RATE:
                wait = lognormal(ch.customer_reply_median_s * 3, CUSTOMER_LATENCY_SIGMA)
                log.customer(wait, pick(SILENT_HANDOFF_PINGS), -0.6)
                self.close(log, "timeout")
            else:
                self.close(log, "abandoned")
            return "unresolved"
        agent = self.agent_id()
        log.add(
            lognormal(ch.human_pickup_median_s, HUMAN_LATENCY_SIGMA),
            "agent_joined",
            "agent",
            agent,
            None,
            {},
        )
        opener_wait = lognormal(ch.agent_reply_median_s / 3, HUMAN_LATENCY_SIGMA)
        if rand() < INTERNAL_NOTE_RATE:
            note_wait = opener_wait // 2
            note = pick(INTERNAL_NOTES)
            log.add(note_wait, "message", "agent", agent, note, {"visibility": "internal"})
            opener_wait -= note_wait
        log.agent(opener_wait, agent, pick(AGENT_OPENERS))
        repeat_rate = (
            REPEAT_TO_AGENT_RATE_WITH_SUMMARY
            if summary_given
            else REPEAT_TO_AGENT_RATE_WITHOUT_SUMMARY
        )
        repeats = escalated and rand() < repeat_rate
        text = pick(REPHRASE_TEMPLATES).format(q=question) if repeats else pick(FOLLOW_UPS)
        log.customer(
            lognormal(ch.customer_reply_median_s, CUSTOMER_LATENCY_SIGMA),
            text,
            round(-0.6 * rand(), 2),
        )
        for _ in range(1 + bisect(_AGENT_TURN_CUM, rand())):
            log.agent(
                lognormal(ch.agent_reply_median_s, HUMAN_LATENCY_SIGMA), agent, pick(AGENT_REPLIES)
            )
        if rand() < AGENT_RESOLUTION_RATE:
            self.resolve(log, "agent", agent)
            return "assisted_resolved" if escalated else "human_resolved"
        self.close(log, "abandoned" if rand() < 2 / 3 else "timeout")
        return "unresolved"

    def agent_id(self) -> str:
        return f"agent-{1 + int(self.rand() * AGENT_COUNT):03d}"

    def resolve(self, log: _SessionLog, by: str, actor_id: str) -> None:
        """Resolution (sometimes confirmed by a thank-you), then the session closes."""
        ch = log.plan.channel
        confirmed = self.rand() < CONFIRMED_BY_CUSTOMER_RATE
        if confirmed:
            wait = self.lognormal(ch.customer_reply_median_s, CUSTOMER_LATENCY_SIGMA)
            log.customer(wait, self.pick(THANKS), 0.7)
        kind = self.source_name("resolved", "ticket.solved" if ch.name == "email" else None)
        resolved = {"resolved_by": by, "confirmed_by_customer": confirmed}
        log.add(5, kind, by, actor_id, None, resolved)
        self.close(log, "completed")

    def close(self, log: _SessionLog, reason: str) -> None:
        """Completed and abandoned sessions close within minutes; a timeout waits the idle limit."""
        after = (
            log.plan.channel.idle_timeout_s if reason == "timeout" else 60 + int(self.rand() * 240)
        )
        log.system(after, "session_closed", {"reason": reason})

    def maybe_reopen(self, log: _SessionLog, question: str) -> None:
        """A resolved session reopened within 7 days; an agent works it again."""
        rand, plan = self.rand, log.plan
        if rand() >= plan.intent.reopen_rate:
            return
        kind = self.source_name(
            "reopened", "ticket.reopened" if plan.channel.name == "email" else None
        )
        wait = min(REOPEN_MAX_S, self.lognormal(REOPEN_MEDIAN_S, 0.7))
        log.add(
            wait,
            kind,
            "customer",
            None,
            self.pick(REPHRASE_TEMPLATES).format(q=question),
            {"reason": self.pick(REOPEN_REASONS)},
        )
        agent = self.agent_id()
        log.agent(
            self.lognormal(plan.channel.agent_reply_median_s, HUMAN_LATENCY_SIGMA),
            agent,
            self.pick(AGENT_REPLIES),
        )
        if rand() < AGENT_RESOLUTION_RATE:
            self.resolve(log, "agent", agent)
        else:
            self.close(log, "timeout")

    def csat(self, log: _SessionLog, resolution: str) -> None:
        """End-of-session survey; the score distribution depends on how it was resolved."""
        score = 1 + bisect(_CSAT_CUM[resolution], self.rand())
        event_type = self.source_name("feedback_submitted", "survey.response")
        log.add(
            self.lognormal(600, 1.0),
            event_type,
            "customer",
            None,
            None,
            {"kind": "csat", "score": score},
        )

    def qa_review(
        self,
        log: _SessionLog,
        first_reply: _BotReply,
        severity: str,
        has_next_step: bool,
        escalated: bool,
    ) -> None:
        """A human QA rubric review, one to three days after the session."""
        rand, prompt = self.rand, log.plan.prompt

        def score(mean: float) -> int:
            return min(5, max(1, round(mean + _Z[int(rand() * _QUANTILES)] * QA_SCORE_SIGMA)))

        cheerful_on_serious = first_reply.cheerful and severity in ("high", "critical")
        scores = {
            "acknowledgement": score(prompt.qa_acknowledgement_mean),
            "clarity": score(QA_CLARITY_MEAN),
            "reassurance": score(prompt.qa_reassurance_mean),
            "accountability": score(QA_ACCOUNTABILITY_MEAN),
            "appropriateness": score(
                QA_APPROPRIATENESS_MEAN - (QA_OVER_CHEERFUL_PENALTY if cheerful_on_serious else 0)
            ),
        }
        labels = [self.pick(QA_LABELS_LOW)] if min(scores.values()) <= 2 else []
        labels += [self.pick(QA_LABELS_HIGH)] if max(scores.values()) == 5 else []
        labels += ["verbose"] if rand() < 0.05 else []
        attributes: dict[str, Any] = {
            "scores": scores,
            "labels": labels,
            "checks": {
                "intent_correct": rand() < 0.95,
                "tone_aligned": scores["acknowledgement"] >= 4 and not first_reply.cheerful,
                "next_step_clear": has_next_step,
                "handoff_clean": not escalated or rand() < 0.7,
            },
        }
        if first_reply.position is not None and rand() < 0.6:
            attributes["target_message_id"] = _event_id(log.plan.number, first_reply.position)
        reviewer = f"qa-{1 + int(rand() * REVIEWER_COUNT):02d}"
        log.add(86400 + int(rand() * 2 * 86400), "qa_review", "system", reviewer, None, attributes)

    def maybe_repeat_contact(self, plan: _SessionPlan, resolution: str) -> _SessionPlan | None:
        """The same customer comes back about the same intent within 24 h of this start.

        Unresolved sessions come back far more often; half the time on another channel.
        """
        rand = self.rand
        unresolved = resolution == "unresolved"
        rate = REPEAT_CONTACT_RATE_UNRESOLVED if unresolved else REPEAT_CONTACT_RATE_RESOLVED
        if rand() >= rate:
            return None
        channel = plan.channel if rand() < 0.5 else CHANNELS[bisect(_CHANNEL_CUM, rand())]
        start = plan.start_s + 3600 + int(rand() * 22 * 3600)
        return self.plan(start, plan.customer, plan.intent, channel)


def _customer_language(customer: int) -> str:
    """A customer's language, fixed per customer by a multiplicative hash (no table needed)."""
    share = ((customer * 2654435761) & 0xFFFFFFFF) / 2**32
    return LANGUAGES[bisect(_LANGUAGE_CUM, share)]


def _event_id(session_number: int, index: int) -> str:
    """Ids follow from session and position, so a QA review can point at a bot message."""
    return f"e-{session_number:07d}-{_POSITIONS[index]}"


# A session has at most ~30 events (every optional branch taken), so two digits suffice.
_POSITIONS = tuple(f"{i:02d}" for i in range(100))
_SECONDS = tuple(f"{s:02d}Z" for s in range(60))


def _minute_stamp(start_date: date, minute: int) -> str:
    """ISO 8601 prefix of a minute counted from the window start, up to the seconds."""
    moment = datetime(start_date.year, start_date.month, start_date.day) + timedelta(minutes=minute)
    return moment.strftime("%Y-%m-%dT%H:%M:")


# ---------------------------------------------------------------------------------------------
# Routing: sessions -> envelope dicts in the window, grouped by delivery day; then defects.
# ---------------------------------------------------------------------------------------------


def _validate(target_events: int, start_date: date, days: int, csat_scale: str = "1-5") -> None:
    if isinstance(target_events, bool) or not isinstance(target_events, int) or target_events < 1:
        raise ValueError(f"target_events must be a positive whole number, got {target_events!r}.")
    if isinstance(start_date, datetime) or not isinstance(start_date, date):
        raise ValueError(f"start_date must be a date (YYYY-MM-DD), got {start_date!r}.")
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValueError(f"days must be a positive whole number, got {days!r}.")
    if csat_scale not in CSAT_SCALES:
        raise ValueError(f"csat_scale must be one of {', '.join(CSAT_SCALES)}, got {csat_scale!r}.")


def _day_quotas(start_date: date, days: int) -> list[float]:
    """Share of the volume each day gets: weekends are quieter."""
    weights = [DAY_OF_WEEK_WEIGHTS[(start_date + timedelta(days=d)).weekday()] for d in range(days)]
    total = sum(weights)
    return [w / total for w in weights]


def _clean_deliveries(
    target_events: int, seed: int, start_date: date, days: int
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(day, event) for every in-window event, days non-decreasing, each on its own day.

    Each day generates sessions until it has produced its share of the events still to go,
    so overshoot on one day is absorbed by the next and the total lands within one session of
    the target. Events of a session that fall on a later day wait in `pending`.
    """
    rng = Random(seed)
    rand = rng.random
    estimate_sessions = max(1, target_events // EVENTS_PER_SESSION_ESTIMATE)
    sim = _Simulator(rng, customer_pool=max(10, estimate_sessions // 2))
    base_s = (start_date - _EPOCH_DATE).days * 86400  # window start, seconds since 1970 (UTC)
    shares = _day_quotas(start_date, days)
    pending: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
    minute_stamps: dict[int, str] = {}  # "YYYY-MM-DDTHH:MM:" by minute of the window
    produced = 0
    for day in range(days):
        yield from ((day, event) for event in pending.pop(day, ()))
        minute_stamps.clear()  # keeps the cache to the few days a day's sessions reach into
        remaining_share = sum(shares[day:])
        quota = (target_events - produced) * shares[day] / remaining_share
        today = 0
        day_start = base_s + day * 86400
        while today < quota:
            start = day_start + bisect(_HOUR_CUM, rand()) * 3600 + int(rand() * 3600)
            queue: list[_SessionPlan] = [sim.plan(start)]
            while queue:
                plan = queue.pop()
                log, repeat = sim.session(plan)
                if repeat is not None:
                    queue.append(repeat)
                id_prefix = f"e-{plan.number:07d}-"  # + position: see _event_id
                session_id = f"s-{plan.number:07d}"
                customer_id = f"c-{plan.customer:06d}"
                channel = CHANNEL_LABELS[plan.channel.name][plan.number % 4 == 0]
                for index, (ts, kind, actor_type, actor_id, text, attributes) in enumerate(
                    log.events
                ):
                    offset = ts - base_s
                    event_day = offset // 86400
                    if event_day >= days:
                        break  # time-ordered: the rest of the session has not happened yet
                    minute = offset // 60
                    stamp = minute_stamps.get(minute)
                    if stamp is None:
                        stamp = minute_stamps[minute] = _minute_stamp(start_date, minute)
                    event = {
                        "event_id": id_prefix + _POSITIONS[index],
                        "event_type": kind,
                        "occurred_at": stamp + _SECONDS[offset % 60],
                        "session_id": session_id,
                        "customer_id": customer_id,
                        "channel": channel,
                        "actor_type": actor_type,
                        "actor_id": actor_id,
                        "text": text,
                        "attributes": attributes,
                    }
                    today += 1
                    if event_day == day:
                        yield day, event
                    else:
                        pending[event_day].append(event)
        produced += today


def _deliveries(
    target_events: int,
    seed: int,
    start_date: date,
    days: int,
    defects: DefectRates | None,
    tally: Counter[str],
    csat_scale: str = "1-5",
) -> Iterator[tuple[int, dict[str, Any]]]:
    """The clean deliveries plus duplicates, unknown types and late moves, counted in `tally`.

    Defects draw from their own `Random`, so the clean events are identical with or without
    them; so are they on every CSAT scale, which only rewrites the answers.
    """
    clean = (
        (day, on_csat_scale(event, csat_scale))
        for day, event in _clean_deliveries(target_events, seed, start_date, days)
    )
    if defects is None or not (defects.duplicate or defects.unknown_event_type or defects.late):
        yield from clean
        return
    rng = Random(f"{seed}:defects")
    rand = rng.random
    held: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
    current = 0
    last_day = days - 1
    for day, event in clean:
        if day != current:
            for flush_day in range(current, day):
                yield from ((flush_day, e) for e in held.pop(flush_day, ()))
            current = day
        delivered = day
        if day < last_day and rand() < defects.late:
            delivered = min(last_day, day + 1 + int(rand() * 3))
            held[delivered].append(event)
            tally["late"] += 1
        else:
            yield day, event
        if rand() < defects.duplicate:  # a re-delivery never comes before the delivery
            held[min(last_day, delivered + int(rand() * 3))].append(dict(event))
            tally["duplicate"] += 1
        if rand() < defects.unknown_event_type:
            yield (
                day,
                _unknown_event(event, UNKNOWN_EVENT_TYPES[int(rand() * len(UNKNOWN_EVENT_TYPES))]),
            )
            tally["unknown_event_type"] += 1
    for flush_day in sorted(held):
        yield from ((flush_day, e) for e in held[flush_day])


# A 1-5 answer as a 0-10 survey or a good/bad one would have it: the same place on the scale,
# rounded to whole points ((score - 1) * 2.5, half up), and good for the top two boxes.
CSAT_ON_0_10 = {1: 0, 2: 3, 3: 5, 4: 8, 5: 10}
CSAT_ON_GOOD_BAD = {1: "bad", 2: "bad", 3: "bad", 4: "good", 5: "good"}


def on_csat_scale(event: dict[str, Any], scale: str) -> dict[str, Any]:
    """`event`, with its CSAT answer (drawn on 1-5) written on `scale` and the scale named;
    every other event, and every answer on 1-5, unchanged (1-5 is the contract's default)."""
    attributes = event.get("attributes") or {}
    if scale == "1-5" or attributes.get("kind") != "csat" or "score" not in attributes:
        return event
    score = attributes["score"]
    rescaled = CSAT_ON_0_10[score] if scale == "0-10" else CSAT_ON_GOOD_BAD[score]
    return {**event, "attributes": {**attributes, "scale": scale, "score": rescaled}}


def _unknown_event(host: dict[str, Any], event_type: str) -> dict[str, Any]:
    """An event of a type the mapping does not know, riding along with a real one."""
    return {
        **host,
        "event_id": host["event_id"] + "-u",
        "event_type": event_type,
        "actor_type": "system",
        "actor_id": "bot-platform",
        "text": None,
        "attributes": {"debug": True},
    }


def _malformed_copy(event: dict[str, Any]) -> dict[str, Any]:
    """A record with its own id whose attributes will not parse, for formats that cannot
    carry a truncated line (CSV, Parquet)."""
    broken = dict(event, event_id=event["event_id"] + "-m")
    broken["attributes"] = _json_bytes(event["attributes"]).decode()[:-1]
    return broken


# ---------------------------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------------------------


_ENVELOPE = itemgetter(*ENVELOPE_FIELDS)  # event dict -> row tuple, in column order
_ENVELOPE_HEAD = itemgetter(*ENVELOPE_FIELDS[:-1])  # every column but attributes


class _FileWriter(ABC):
    """Writes one landing file under a dot-name and renames it into place on close."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.partial = target.with_name(f".{target.name}.partial")
        self.records = 0

    @abstractmethod
    def write(self, event: dict[str, Any]) -> None: ...

    @abstractmethod
    def write_malformed(self, event: dict[str, Any]) -> None: ...

    @abstractmethod
    def finish(self) -> None: ...

    def close(self) -> int:
        self.finish()
        os.replace(self.partial, self.target)
        return self.records

    def abort(self) -> None:
        try:
            self.finish()
        finally:
            self.partial.unlink(missing_ok=True)


class _JsonlWriter(_FileWriter):
    _FLUSH_LINES = 20_000

    def __init__(self, target: Path, compress: bool) -> None:
        super().__init__(target)
        raw = open(self.partial, "wb")  # closed in finish()
        # mtime=0 and no file name in the header: the same events give the same bytes.
        self.stream = (
            gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=5, mtime=0, filename="")
            if compress
            else raw
        )
        self.raw = raw
        self.lines: list[bytes] = []

    def write(self, event: dict[str, Any]) -> None:
        self.lines.append(_json_bytes(event))
        self.records += 1
        if len(self.lines) >= self._FLUSH_LINES:
            self.flush()

    def write_malformed(self, event: dict[str, Any]) -> None:
        line = _json_bytes(dict(event, event_id=event["event_id"] + "-m")).decode()
        # Cut mid-record (never valid JSON) on a character boundary (always valid UTF-8).
        self.lines.append(line[: len(line) // 2].encode())
        self.records += 1

    def flush(self) -> None:
        if self.lines:
            self.stream.write(b"\n".join(self.lines) + b"\n")
            self.lines = []

    def finish(self) -> None:
        self.flush()
        self.stream.close()
        self.raw.close()


class _CsvWriter(_FileWriter):
    def __init__(self, target: Path) -> None:
        super().__init__(target)
        self.file = open(self.partial, "w", newline="", encoding="utf-8")  # closed in finish()
        self.csv = csv.writer(self.file, lineterminator="\n")
        self.csv.writerow(ENVELOPE_FIELDS)

    def write(self, event: dict[str, Any]) -> None:
        self.csv.writerow((*_ENVELOPE_HEAD(event), _json_bytes(event["attributes"]).decode()))
        self.records += 1

    def write_malformed(self, event: dict[str, Any]) -> None:
        broken = _malformed_copy(event)
        self.csv.writerow(_ENVELOPE(broken))
        self.records += 1

    def finish(self) -> None:
        self.file.close()


class _ParquetWriter(_FileWriter):
    SCHEMA = pa.schema([(name, pa.string()) for name in ENVELOPE_FIELDS])
    _BATCH_ROWS = 100_000

    def __init__(self, target: Path) -> None:
        super().__init__(target)
        self.writer = pq.ParquetWriter(self.partial, self.SCHEMA, compression="zstd")
        self.rows: list[tuple[str | None, ...]] = []

    def write(self, event: dict[str, Any]) -> None:
        self.append((*_ENVELOPE_HEAD(event), _json_bytes(event["attributes"]).decode()))

    def write_malformed(self, event: dict[str, Any]) -> None:
        broken = _malformed_copy(event)
        self.append(_ENVELOPE(broken))

    def append(self, row: tuple[str | None, ...]) -> None:
        self.rows.append(row)
        self.records += 1
        if len(self.rows) >= self._BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            columns = [list(column) for column in zip(*self.rows, strict=True)]
            self.writer.write_table(pa.table(columns, schema=self.SCHEMA))
            self.rows = []

    def finish(self) -> None:
        self.flush()
        self.writer.close()


def _open_writer(file_format: str, target: Path) -> _FileWriter:
    if file_format == "csv":
        return _CsvWriter(target)
    if file_format == "parquet":
        return _ParquetWriter(target)
    return _JsonlWriter(target, compress=file_format == "jsonl.gz")
