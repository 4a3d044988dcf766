"""Bad input end to end, through `python -m orchestration run` as a user runs it.

Run 1 delivers sessions that break the happy path (no session_started, no customer message,
a bot reply clock-skewed before the start) and a landing entry that cannot be read; it
publishes. Run 2 delivers a file that is mostly broken; the reject share passes the limit and
nothing is published. EMPATHY_REJECT_SHARE_LIMIT is 0.10 for both.

Hand-worked expectations (all 2026-10-05 UTC):

N1 chat, c-n1, no session_started: starts at the first customer message 08:00:00; bot replies
   08:00:30 (first response 30 s); bot resolves 08:05:00 (time to resolution 300 s).
N2 email, no session_started and no customer message at all (a proactive bot message):
   starts at its first event, the intent classification at 09:00:00; bot message 09:00:10
   (first response 10 s); closed as abandoned 09:10:00. started_at is never null: a session
   with neither a session_started event nor a customer message starts at its first event
   (int_sessions_aggregated), so it still has a day and counts in the daily scorecard.
K1 chat, c-k1, clock skew: session_started 10:00:00, a bot reply stamped 09:59:50 (10 s before
   the start), customer message 10:00:05, bot reply 10:00:40; resolved 10:02:00. A reply
   before the start is not a response: first response 40 s (not -10), resolution 120 s.

Run 1 reconciliation: edge_cases.jsonl 11 events loaded; stuck.jsonl (a broken symbolic link)
is one record, rejected: received 12, rejected 1, share 8.3% <= 10%.
Run 2: bad_delivery.jsonl 2 good + 4 malformed lines, and stuck.jsonl again (never read, so
tried again): received 7, rejected 5, share 71.4% > 10%: blocked.
"""

from __future__ import annotations

import json

import duckdb
import pytest

from orchestration.run_log import read_run_log
from tests.conftest import cli_environment, pseudonym, query, run_cli, with_upstream_ids
from tests.handmade_events import DAY, event

LIMIT = "0.10"


EDGE_CASES = [
    event("n1-1", "message", "08:00:00", "N1", "customer", "My invoice is wrong", "c-n1", "chat"),
    event("n1-2", "message", "08:00:30", "N1", "bot", "Let me check that.", channel="chat"),
    event("n1-3", "resolved", "08:05:00", "N1", "bot", resolved_by="bot"),
    event(
        "n2-1",
        "intent_classified",
        "09:00:00",
        "N2",
        "system",
        channel="email",
        intent="billing_question",
        severity="low",
    ),
    event("n2-2", "message", "09:00:10", "N2", "bot", "Your renewal is due.", channel="email"),
    event("n2-3", "session_closed", "09:10:00", "N2", "system", reason="abandoned"),
    event(
        "k1-1",
        "session_started",
        "10:00:00",
        "K1",
        "customer",
        customer="c-k1",
        channel="chat",
        language="en",
    ),
    event("k1-2", "message", "09:59:50", "K1", "bot", "Hello! How can I help?", channel="chat"),
    event("k1-3", "message", "10:00:05", "K1", "customer", "The app crashes", "c-k1", "chat"),
    event("k1-4", "message", "10:00:40", "K1", "bot", "Please update to 4.2.", channel="chat"),
    event("k1-5", "resolved", "10:02:00", "K1", "bot", resolved_by="bot"),
]
BAD_DELIVERY_LINES = [
    json.dumps(event("b1-1", "session_started", "13:00:00", "B1", "customer", customer="c-b1")),
    json.dumps(event("b1-2", "message", "13:00:05", "B1", "customer", "hello", "c-b1")),
    '{"event_id": "b1-3", "event_type": "message"',  # cut off: not valid JSON
    json.dumps({"event_id": "b1-4", "event_type": "message", "session_id": "B1"}),  # no time
    json.dumps({**event("b1-5", "message", "13:01:00", "B1"), "occurred_at": "13:01"}),
    "[1, 2, 3]",  # not an object
]


@pytest.fixture(scope="module")
def bad_runs(tmp_path_factory):
    """Both CLI runs on one warehouse, with the published file's bytes after run 1."""
    warehouse_dir = tmp_path_factory.mktemp("bad_deliveries")
    landing = warehouse_dir / "landing"
    landing.mkdir()
    (landing / "edge_cases.jsonl").write_text("".join(json.dumps(e) + "\n" for e in EDGE_CASES))
    (landing / "stuck.jsonl").symlink_to(landing / "upload-that-never-finished.jsonl")
    env = cli_environment(warehouse_dir, EMPATHY_REJECT_SHARE_LIMIT=LIMIT)
    first = run_cli(env, "run", "--partition", DAY, "--no-demo")
    published_db = warehouse_dir / "published" / "metrics.duckdb"
    after_first = published_db.read_bytes() if published_db.exists() else b""
    (landing / "bad_delivery.jsonl").write_text("\n".join(BAD_DELIVERY_LINES) + "\n")
    second = run_cli(env, "run", "--partition", DAY, "--no-demo")
    return warehouse_dir, first, second, after_first


def _published(warehouse_dir, sql):
    return query(warehouse_dir / "published" / "metrics.duckdb", sql)


def test_first_delivery_publishes_despite_the_unreadable_file(bad_runs):
    _, first, _, _ = bad_runs
    assert first.returncode == 0, first.stdout + first.stderr
    assert (
        "load: 2 new files (0 already loaded); received 12 = loaded 11 + duplicates 0 + "
        "rejected 1" in first.stdout
    )


def test_unreadable_file_is_rejected_by_name_and_the_other_files_load(bad_runs):
    warehouse_dir, first, _, _ = bad_runs
    rows = query(
        warehouse_dir / "work" / "warehouse.duckdb",
        "select source_file, source_line, field, reason from raw.rejected_events "
        "where source_file = 'stuck.jsonl' order by rejected_at",
    )
    reason = "cannot be read: a broken symbolic link, nothing to read"
    assert rows == [("stuck.jsonl", 0, "file", reason), ("stuck.jsonl", 0, "file", reason)]
    assert f"  files rejected whole: stuck.jsonl: {reason}" in first.stdout.splitlines()
    loaded = query(
        warehouse_dir / "work" / "warehouse.duckdb",
        "select count(*) from raw.events where source_file = 'edge_cases.jsonl'",
    )
    assert loaded == [(11,)]


def test_sessions_without_session_started_start_at_first_customer_message_else_first_event(
    bad_runs,
):
    warehouse_dir, _, _, _ = bad_runs
    rows = _published(
        warehouse_dir,
        "select session_id, started_at::varchar, has_session_started_event, "
        "first_response_seconds, time_to_resolution_seconds, resolution_kind "
        f"from fct_sessions where session_id in ('{pseudonym('N1')}', '{pseudonym('N2')}')",
    )
    assert with_upstream_ids(rows, ["N1", "N2"]) == [
        ("N1", "2026-10-05 08:00:00", False, 30, 300, "autonomous"),
        ("N2", "2026-10-05 09:00:00", False, 10, None, "abandoned"),
    ]


def test_bot_reply_stamped_before_the_start_is_not_a_negative_first_response(bad_runs):
    warehouse_dir, _, _, _ = bad_runs
    rows = _published(
        warehouse_dir,
        "select first_response_seconds, time_to_resolution_seconds, first_response_at::varchar, "
        f"bot_message_count from fct_sessions where session_id = '{pseudonym('K1')}'",
    )
    assert rows == [(40, 120, "2026-10-05 10:00:40", 2)]


def test_edge_case_sessions_count_in_the_daily_scorecard(bad_runs):
    warehouse_dir, _, _, _ = bad_runs
    rows = _published(
        warehouse_dir,
        f"select sum(sessions), sum(resolved_sessions) from agg_metrics_segment_daily "
        f"where session_date = '{DAY}'",
    )
    assert rows == [(3, 2)]


def test_delivery_over_the_reject_share_limit_blocks_with_share_and_limit(bad_runs):
    _, _, second, _ = bad_runs
    assert second.returncode == 1
    gate = (
        "check failed: raw/events [reject_share_within_limit]: 5 of 7 new records rejected "
        "(71.4%); limit 10.0% (EMPATHY_REJECT_SHARE_LIMIT). Nothing was published. See "
        "raw.rejected_events for file, line, reason. Held until someone acts: load "
    )
    line = next(line for line in second.stdout.splitlines() if line.startswith(gate))
    assert ": 5 of 7 rejected (71.4%). Fix the delivery (python -m orchestration quarantine" in line
    assert f"refresh of {DAY} did not publish; the previous published version" in second.stdout
    assert "Traceback" not in second.stdout + second.stderr
    assert 'File "' not in second.stderr  # no stack trace of the blocked step


def test_blocked_delivery_leaves_the_previous_published_version(bad_runs):
    warehouse_dir, _, _, after_first = bad_runs
    assert (warehouse_dir / "published" / "metrics.duckdb").read_bytes() == after_first
    sessions = _published(warehouse_dir, "select session_id from fct_sessions")
    assert with_upstream_ids(sessions, ["K1", "N1", "N2"]) == [("K1",), ("N1",), ("N2",)]


def test_run_log_records_the_published_and_the_blocked_run(bad_runs):
    warehouse_dir, _, second, _ = bad_runs
    runs = read_run_log(warehouse_dir / "work" / "warehouse.duckdb")
    rows = [
        (row["outcome"], row["received"], row["rejected"], row["published_version"] is None)
        for row in runs
    ]
    assert rows == [("published", 12, 1, False), ("blocked", 7, 5, True)]
    assert runs[0]["outcome_detail"] is None
    assert runs[1]["outcome_detail"].startswith(
        "blocked by raw/events [reject_share_within_limit]: 5 of 7 new records rejected "
        "(71.4%); limit 10.0% (EMPATHY_REJECT_SHARE_LIMIT). Nothing was published. See "
        "raw.rejected_events for file, line, reason. Held until someone acts: load "
    )
    run_id = read_run_log(warehouse_dir / "work" / "warehouse.duckdb")[1]["run_id"]
    assert f"run {run_id} (refresh_warehouse, partition {DAY}): blocked by raw/events" in (
        second.stdout
    )


def test_published_run_log_shows_the_runs_up_to_its_own_publish(bad_runs):
    warehouse_dir, _, _, _ = bad_runs
    rows = _published(warehouse_dir, "select outcome, received from mon_refresh_runs")
    assert rows == [("published", 12)]
    with duckdb.connect() as connection:
        parquet = warehouse_dir / "published" / "parquet" / "mon_refresh_runs.parquet"
        assert connection.execute(f"select count(*) from '{parquet}'").fetchone() == (1,)
