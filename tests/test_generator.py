"""The synthetic generator: deterministic, contract-shaped, with its planted truth recoverable.

Expected values come from the parameters in orchestration/synthetic/generator.py (see
docs/synthetic-data.md); tolerances are about three binomial standard deviations.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from orchestration.settings import SEEDS_DIR
from orchestration.synthetic import DefectRates, generate_events, write_landing
from orchestration.synthetic.__main__ import main
from orchestration.synthetic.generator import (
    AGENT_JOIN_RATE,
    CHANNEL_LABELS,
    CLOSE_REASONS,
    CONTROL_MODEL,
    CONTROL_PROMPT,
    ENVELOPE_FIELDS,
    SOURCE_EVENT_TYPES,
    TREATMENT_MODEL,
    TREATMENT_PROMPT,
    UNKNOWN_EVENT_TYPES,
    _json_bytes,
)

START = date(2026, 10, 1)
CANONICAL_TYPES = {
    "session_started",
    "message",
    "intent_classified",
    "escalated",
    "agent_joined",
    "resolved",
    "reopened",
    "session_closed",
    "survey_offered",
    "feedback_submitted",
    "qa_review",
}
TO_CANONICAL = {
    source: canonical for canonical, names in SOURCE_EVENT_TYPES.items() for source in names
}


def canonical(event: dict[str, Any]) -> str:
    return TO_CANONICAL.get(event["event_type"], event["event_type"])


def sessions_of(events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Events by session, in the order they were generated."""
    sessions: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        sessions[event["session_id"]].append(event)
    return sessions


@pytest.fixture(scope="module")
def small_run() -> list[dict[str, Any]]:
    return list(generate_events(5_000, seed=7, start_date=START, days=14))


@pytest.fixture(scope="module")
def large_run() -> list[dict[str, Any]]:
    return list(generate_events(50_000, seed=11, start_date=START, days=14))


def read_jsonl(path: Path) -> list[str]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return handle.read().splitlines()


# -- determinism --------------------------------------------------------------------------------


def test_same_seed_writes_the_same_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    def landing_bytes(folder: str, seed: int, file_format: str) -> list[bytes]:
        summary = write_landing(
            tmp_path / folder,
            target_events=3_000,
            seed=seed,
            start_date=START,
            days=3,
            file_format=file_format,
            defects=DefectRates(duplicate=0.02, malformed=0.02, unknown_event_type=0.02, late=0.02),
        )
        return [path.read_bytes() for path in summary.files]

    assert landing_bytes("a", 7, "jsonl") == landing_bytes("b", 7, "jsonl")
    assert landing_bytes("c", 7, "jsonl.gz") == landing_bytes("d", 7, "jsonl.gz")
    assert landing_bytes("e", 7, "jsonl") != landing_bytes("f", 8, "jsonl")


def test_fast_json_encoder_writes_what_the_standard_library_would(small_run: list) -> None:
    """orjson is used for speed; what it writes must be byte-for-byte standard JSON."""
    stdlib = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
    for event in small_run:
        assert _json_bytes(event) == stdlib.encode(event).encode()


# -- shape and content --------------------------------------------------------------------------


def test_every_event_is_a_contract_envelope(small_run: list) -> None:
    iso_utc = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
    for event in small_run:
        assert tuple(event) == ENVELOPE_FIELDS
        assert iso_utc.match(event["occurred_at"])
        assert event["actor_type"] in {"customer", "bot", "agent", "system"}
        assert isinstance(event["attributes"], dict)
    assert len({event["event_id"] for event in small_run}) == len(small_run)


def test_every_event_type_and_channel_appears_in_5k_events(small_run: list) -> None:
    assert {canonical(event) for event in small_run} == CANONICAL_TYPES
    labels = {label for pair in CHANNEL_LABELS.values() for label in pair}
    assert {event["channel"] for event in small_run} == labels


def test_every_delivered_channel_label_maps_to_its_family() -> None:
    with (SEEDS_DIR / "channel_mapping.csv").open() as seed:
        families = {row["source_channel"]: row["channel_family"] for row in csv.DictReader(seed)}
    for family, pair in CHANNEL_LABELS.items():
        assert [families.get(label) for label in pair] == [family, family]


def test_every_source_specific_name_appears_in_50k_events(large_run: list) -> None:
    delivered = {event["event_type"] for event in large_run}
    assert set(TO_CANONICAL) <= delivered


@pytest.mark.parametrize("target", [1_000, 5_000, 20_000])
def test_target_events_is_met_and_overshot_by_less_than_one_session(target: int) -> None:
    """Each day generates whole sessions until its quota is met, and the last day takes
    whatever is left, so the total is at least the target and over by less than one session
    with its repeat contacts (a session has at most ~30 events): under 100."""
    produced = sum(1 for _ in generate_events(target, seed=3, start_date=START, days=14))
    assert target <= produced < target + 100


def test_each_session_opens_with_its_start_event_and_runs_forward_in_time(
    small_run: list,
) -> None:
    for events in sessions_of(small_run).values():
        assert canonical(events[0]) == "session_started"
        assert events[0]["customer_id"]
        stamps = [event["occurred_at"] for event in events]
        assert stamps == sorted(stamps)


def test_events_stay_inside_the_window(small_run: list) -> None:
    days = {event["occurred_at"][:10] for event in small_run}
    assert min(days) == "2026-10-01"
    assert max(days) == "2026-10-14"


def test_an_agent_joins_only_after_the_escalation_and_some_handoffs_stay_silent(
    large_run: list,
) -> None:
    escalations = silent = 0
    for events in sessions_of(large_run).values():
        kinds = [canonical(event) for event in events]
        if "escalated" not in kinds:
            continue
        escalations += 1
        escalated_at = events[kinds.index("escalated")]["occurred_at"]
        if "agent_joined" in kinds:
            assert events[kinds.index("agent_joined")]["occurred_at"] > escalated_at
        else:
            silent += 1
    # 8% of handoffs are never picked up (AGENT_JOIN_RATE 0.92); ~1,100 escalations.
    assert escalations > 900
    assert silent / escalations == pytest.approx(1 - AGENT_JOIN_RATE, abs=0.025)


def test_sessions_close_only_for_the_three_contract_reasons(small_run: list) -> None:
    reasons = {e["attributes"]["reason"] for e in small_run if e["event_type"] == "session_closed"}
    assert reasons == set(CLOSE_REASONS)


def test_a_qa_review_points_at_a_bot_message_of_its_own_session(large_run: list) -> None:
    by_id = {event["event_id"]: event for event in large_run}
    targets = [
        (event["session_id"], event["attributes"]["target_message_id"])
        for event in large_run
        if event["event_type"] == "qa_review" and "target_message_id" in event["attributes"]
    ]
    assert targets
    for session_id, message_id in targets:
        assert by_id[message_id]["session_id"] == session_id
        assert by_id[message_id]["actor_type"] == "bot"


# -- planted ground truth -----------------------------------------------------------------------


def test_treatment_model_escalates_more_and_resolves_less_than_control(large_run: list) -> None:
    """Per model: sessions the bot replied in, those escalated, those the bot resolved.

    ~2,100 bot-handled sessions per model: 3 standard deviations of a 20-30% rate is ~0.03.
    """
    handled: Counter[str] = Counter()
    escalated: Counter[str] = Counter()
    bot_resolved: Counter[str] = Counter()
    for events in sessions_of(large_run).values():
        model = events[0]["attributes"]["variant"]["model_version"]
        if not any(e["event_type"] == "message" and e["actor_type"] == "bot" for e in events):
            continue
        handled[model] += 1
        kinds = [canonical(event) for event in events]
        escalated[model] += "escalated" in kinds
        bot_resolved[model] += any(
            canonical(e) == "resolved" and e["attributes"]["resolved_by"] == "bot" for e in events
        )
    control, treatment = CONTROL_MODEL.model_version, TREATMENT_MODEL.model_version
    assert escalated[control] / handled[control] == pytest.approx(0.20, abs=0.03)
    assert escalated[treatment] / handled[treatment] == pytest.approx(0.30, abs=0.03)
    assert bot_resolved[control] / handled[control] == pytest.approx(0.55, abs=0.035)
    assert bot_resolved[treatment] / handled[treatment] == pytest.approx(0.45, abs=0.035)


def test_empathy_prompt_opens_with_empathy_far_more_often(large_run: list) -> None:
    """First bot reply with an empathy phrase: 25% for the concise prompt, 65% for empathy."""
    first_replies: dict[str, list[str]] = defaultdict(list)
    for events in sessions_of(large_run).values():
        bot = [e for e in events if e["event_type"] == "message" and e["actor_type"] == "bot"]
        if bot:
            first_replies[bot[0]["attributes"]["prompt_id"]].append(bot[0]["text"])

    def empathy_rate(prompt_id: str) -> float:
        texts = first_replies[prompt_id]
        return sum("sorry" in t or "I understand" in t for t in texts) / len(texts)

    assert empathy_rate(CONTROL_PROMPT.prompt_id) == pytest.approx(0.25, abs=0.035)
    assert empathy_rate(TREATMENT_PROMPT.prompt_id) == pytest.approx(0.65, abs=0.035)


def test_customer_texts_sometimes_carry_personal_data_and_rephrases(large_run: list) -> None:
    customer_texts = [
        e["text"]
        for e in large_run
        if e["event_type"] == "message" and e["actor_type"] == "customer"
    ]
    first_questions = [
        events[1]["text"]
        for events in sessions_of(large_run).values()
        if len(events) > 1 and events[1]["actor_type"] == "customer"
    ]
    emails = sum(bool(re.search(r"[\w.]+@example\.com", text)) for text in first_questions)
    assert emails / len(first_questions) == pytest.approx(0.06, abs=0.015)
    assert any(re.search(r"\+1 555 \d{3} \d{4}", text) for text in customer_texts)
    assert any(re.search(r"\b\d{4}[ -]\d{4}[ -]\d{4}[ -]\d{4}\b", text) for text in customer_texts)
    assert any(text.startswith(("As I said: ", "Again: ")) for text in customer_texts)


# -- defects ------------------------------------------------------------------------------------


def test_injected_defects_are_exactly_what_lands_in_the_files(tmp_path: Path) -> None:
    summary = write_landing(
        tmp_path,
        target_events=5_000,
        seed=5,
        start_date=START,
        days=7,
        defects=DefectRates(duplicate=0.03, malformed=0.02, unknown_event_type=0.02, late=0.03),
    )
    malformed = 0
    deliveries: dict[str, list[str]] = defaultdict(list)  # event id -> file days, in order
    occurred: dict[str, str] = {}
    unknown = 0
    for path in summary.files:
        file_day = path.name.split("_")[1]
        for line in read_jsonl(path):
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                malformed += 1
                continue
            if event["event_type"] in UNKNOWN_EVENT_TYPES:
                unknown += 1
                continue
            deliveries[event["event_id"]].append(file_day)
            occurred[event["event_id"]] = event["occurred_at"][:10]
    duplicates = sum(len(days) - 1 for days in deliveries.values())
    late = sum(days[0] > occurred[event_id] for event_id, days in deliveries.items())
    assert summary.defects_injected == {
        "duplicate": duplicates,
        "malformed": malformed,
        "unknown_event_type": unknown,
        "late": late,
    }
    assert min(summary.defects_injected.values()) > 0
    assert summary.events_written == len(deliveries)
    assert summary.records_written == summary.events_written + duplicates + malformed + unknown


def test_defects_leave_the_clean_events_untouched(tmp_path: Path) -> None:
    """Dropping malformed lines, unknown types and repeated ids recovers the clean run."""
    clean = list(generate_events(3_000, seed=9, start_date=START, days=5))
    summary = write_landing(
        tmp_path,
        target_events=3_000,
        seed=9,
        start_date=START,
        days=5,
        defects=DefectRates(duplicate=0.05, malformed=0.05, unknown_event_type=0.05, late=0.05),
    )
    recovered: dict[str, dict[str, Any]] = {}
    for path in summary.files:
        for line in read_jsonl(path):
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue
            if event["event_type"] not in UNKNOWN_EVENT_TYPES:
                recovered.setdefault(event["event_id"], event)
    assert sorted(recovered.values(), key=lambda e: e["event_id"]) == sorted(
        clean, key=lambda e: e["event_id"]
    )


def test_malformed_csv_rows_carry_attributes_that_do_not_parse(tmp_path: Path) -> None:
    summary = write_landing(
        tmp_path,
        target_events=2_000,
        seed=4,
        start_date=START,
        days=2,
        file_format="csv",
        defects=DefectRates(malformed=0.05),
    )
    broken = 0
    for path in summary.files:
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                try:
                    json.loads(row["attributes"])
                except json.JSONDecodeError:
                    broken += 1
    assert broken == summary.defects_injected["malformed"] > 0


# -- formats and files --------------------------------------------------------------------------


def read_back(path: Path) -> list[dict[str, Any]]:
    """Events from a landing file of any format, attributes parsed, CSV blanks as None."""
    if path.suffix == ".parquet":
        rows = pq.read_table(path).to_pylist()
    elif path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as handle:
            rows = [
                {k: v if v != "" else None for k, v in r.items()} for r in csv.DictReader(handle)
            ]
    else:
        rows = [json.loads(line) for line in read_jsonl(path)]
    for row in rows:
        if isinstance(row["attributes"], str):
            row["attributes"] = json.loads(row["attributes"])
    return rows


@pytest.mark.parametrize("file_format", ["jsonl", "jsonl.gz", "parquet", "csv"])
def test_each_format_reads_back_as_the_generated_events(tmp_path: Path, file_format: str) -> None:
    expected = list(generate_events(2_000, seed=2, start_date=START, days=3))
    summary = write_landing(
        tmp_path, target_events=2_000, seed=2, start_date=START, days=3, file_format=file_format
    )
    assert [path.name for path in summary.files] == [
        f"events_2026-10-0{day}_part000.{file_format}" for day in (1, 2, 3)
    ]
    read = [event for path in summary.files for event in read_back(path)]
    assert read == json.loads(json.dumps(expected))  # tuples and lists compare alike
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == sorted(
        p.name for p in summary.files
    )


def test_a_busy_day_rolls_over_into_numbered_parts(tmp_path: Path) -> None:
    summary = write_landing(
        tmp_path, target_events=1_200, seed=1, start_date=START, days=1, events_per_file=500
    )
    assert [path.name for path in summary.files] == [
        "events_2026-10-01_part000.jsonl",
        "events_2026-10-01_part001.jsonl",
        "events_2026-10-01_part002.jsonl",
    ]
    assert [len(read_jsonl(path)) for path in summary.files][:2] == [500, 500]


def test_an_existing_delivery_is_not_overwritten_unless_asked(tmp_path: Path) -> None:
    first = write_landing(tmp_path, target_events=500, seed=1, start_date=START, days=2)
    before = [path.read_bytes() for path in first.files]
    with pytest.raises(FileExistsError, match="already exists"):
        write_landing(tmp_path, target_events=500, seed=2, start_date=START, days=2)
    assert [path.read_bytes() for path in first.files] == before
    write_landing(tmp_path, target_events=500, seed=2, start_date=START, days=2, overwrite=True)
    assert [path.read_bytes() for path in first.files] != before


# -- command line -------------------------------------------------------------------------------


def _csat_answers(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The attributes of every CSAT answer (survey_offered has kind csat too, and no score)."""
    return [
        event["attributes"]
        for event in events
        if event["attributes"].get("kind") == "csat" and "score" in event["attributes"]
    ]


@pytest.mark.parametrize(
    ("scale", "on_scale"),
    [
        # 1-5 answer -> the same place on 0-10, (score - 1) * 2.5 rounded half up
        ("0-10", {1: 0, 2: 3, 3: 5, 4: 8, 5: 10}),
        # top two boxes are good
        ("good_bad", {1: "bad", 2: "bad", 3: "bad", 4: "good", 5: "good"}),
    ],
)
def test_csat_answers_can_be_written_on_each_survey_scale(scale: str, on_scale: dict) -> None:
    """The same run on another scale: the same events, each CSAT answer rewritten on it."""
    default = list(generate_events(3_000, seed=9, start_date=START, days=5))
    rescaled = list(generate_events(3_000, seed=9, start_date=START, days=5, csat_scale=scale))
    answers, rescaled_answers = _csat_answers(default), _csat_answers(rescaled)
    assert len(answers) > 50 and {answer["score"] for answer in answers} == {1, 2, 3, 4, 5}
    assert all("scale" not in answer for answer in answers)  # 1-5 is the contract's default
    assert rescaled_answers == [
        {**answer, "scale": scale, "score": on_scale[answer["score"]]} for answer in answers
    ]
    others = [event for event in default if "score" not in event["attributes"]]
    assert [event for event in rescaled if "score" not in event["attributes"]] == others


def test_cli_writes_csat_answers_on_the_scale_asked_for(tmp_path: Path) -> None:
    argv = ["--events", "1000", "--seed", "7", "--start-date", "2026-10-01", "--days", "2"]
    assert main([*argv, "--out", str(tmp_path), "--csat-scale", "good_bad"]) == 0
    events = [json.loads(line) for path in tmp_path.glob("*.jsonl") for line in read_jsonl(path)]
    assert {(a["scale"], a["score"]) for a in _csat_answers(events)} == {
        ("good_bad", "good"),
        ("good_bad", "bad"),
    }


def test_cli_writes_the_landing_folder_and_says_what_it_wrote(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--events", "1000", "--seed", "7", "--start-date", "2026-10-01", "--days", "2"]
    assert main([*argv, "--format", "csv", "--out", str(tmp_path), "--defects"]) == 0
    out = capsys.readouterr().out
    assert "events_2026-10-02_part000.csv" in out
    assert "defects injected: duplicate=" in out
    assert len(list(tmp_path.glob("*.csv"))) == 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--events", "zero"], "'zero' is not a whole number"),
        (["--events", "0"], "'0' must be at least 1"),
        (["--start-date", "01/10/2026"], "is not a date like 2026-10-01"),
        (["--format", "xml"], "invalid choice: 'xml'"),
        (["--csat-scale", "1-7"], "invalid choice: '1-7'"),
    ],
)
def test_cli_rejects_bad_arguments_with_a_plain_message(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_cli_refuses_to_overwrite_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--events", "200", "--days", "1", "--out", str(tmp_path)]
    assert main(argv) == 0
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "already exists" in err


def test_demo_events_are_never_mixed_into_a_folder_of_real_deliveries(tmp_path: Path) -> None:
    (tmp_path / "helpdesk_export.jsonl").write_text('{"event_id": "real-1"}\n')
    with pytest.raises(FileExistsError, match="not generated demo data"):
        write_landing(tmp_path, target_events=100, seed=1, start_date=START, days=1)
    assert [p.name for p in tmp_path.iterdir()] == ["helpdesk_export.jsonl"]
