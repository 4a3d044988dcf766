"""The reject-share gate holds both ways, and the ways out: accept, raise the limit, quarantine.

Every warehouse gets the hand-made day (tests/handmade_events.py: 2 files, 33 records, 1
rejected) plus `broken.jsonl`, 10 lines that are not JSON. Run 1 loads all three files as one
load: 11 of 43 rejected = 25.6% > limit 10% (with the system message below: 11 of 44 = 25.0%):
blocked (the raised and the fixed cases share that run 1). Then:

- held: run 2 with nothing changed is blocked again (the load was already recorded as loaded,
  the gate re-judges the held load, not only the run's new files); `accept-load` with a name
  and a reason lets run 3 publish, and the run log says who accepted what and why.
- raised: run 2 with EMPATHY_REJECT_SHARE_LIMIT=0.30 publishes (25.6% <= 30%).
- fixed: `quarantine --file broken.jsonl` sets the file aside (its 10 records no longer count):
  1 of 33 = 3.0% <= 10%, run 2 publishes.

The held warehouse also carries `system.jsonl`: one contract-valid system message in S1
("Conversation transferred", 10:01:00, between the bot reply and the resolution), stamped
with channel email while the rest of S1 is chat. It must not block publishing, and it counts
in no metric: S1 keeps first response 35 s and one reply. S1's id now names two channels: it
is flagged (has_conflicting_channels) and the run log's warnings count it.
After run 3, `quarantine --file system.jsonl --line 1` moves it out of raw.events; run 4
rebuilds the models from raw, and the message is gone from the published fct_messages, with
raw.file_loads still reconciling every file.
"""

from __future__ import annotations

import json
import shutil

import pytest

from orchestration.cli import run_refresh
from orchestration.run_log import read_run_log
from tests.conftest import cli_environment, pipeline_environment, pseudonym, query, run_cli
from tests.handmade_events import DAY, event, write_deliveries

LIMIT = "0.10"
BROKEN_LINES = [f'{{"event_id": "x-{number}", "event_type": ' for number in range(10)]
SYSTEM_MESSAGE = event(
    "sys-1", "message", "10:01:00", "S1", "system", "Conversation transferred", channel="email"
)


def _deliver(warehouse_dir, *, with_system_message: bool = False) -> None:
    landing = warehouse_dir / "landing"
    write_deliveries(landing)
    (landing / "broken.jsonl").write_text("\n".join(BROKEN_LINES) + "\n")
    if with_system_message:
        (landing / "system.jsonl").write_text(json.dumps(SYSTEM_MESSAGE) + "\n")


def _refresh(warehouse_dir, **environment: str):
    with pipeline_environment(warehouse_dir, **environment) as settings:
        return run_refresh(settings, DAY)


def _working(warehouse_dir, sql: str) -> list[tuple]:
    return query(warehouse_dir / "work" / "warehouse.duckdb", sql)


def _published(warehouse_dir, sql: str) -> list[tuple]:
    return query(warehouse_dir / "published" / "metrics.duckdb", sql)


def _held_load(warehouse_dir) -> str:
    (load_id,) = _working(warehouse_dir, "select load_id from ops.held_loads")[0]
    return load_id


def _gate_problem(outcome) -> str:
    return next(problem for problem in outcome.problems if "reject_share_within_limit" in problem)


@pytest.fixture(scope="module")
def held_runs(tmp_path_factory):
    warehouse_dir = tmp_path_factory.mktemp("held")
    _deliver(warehouse_dir, with_system_message=True)
    blocked = _refresh(warehouse_dir, EMPATHY_REJECT_SHARE_LIMIT=LIMIT)
    unchanged = _refresh(warehouse_dir, EMPATHY_REJECT_SHARE_LIMIT=LIMIT)
    env = cli_environment(warehouse_dir, EMPATHY_REJECT_SHARE_LIMIT=LIMIT)
    accepted = run_cli(
        env,
        "accept-load",
        _held_load(warehouse_dir),
        "--by",
        "Dana (support ops)",
        "--reason",
        "broken.jsonl is a test export",
    )
    published = _refresh(warehouse_dir, EMPATHY_REJECT_SHARE_LIMIT=LIMIT)
    return warehouse_dir, blocked, unchanged, accepted, published


def test_blocked_delivery_stays_blocked_on_a_rerun_with_nothing_changed(held_runs):
    warehouse_dir, blocked, unchanged, _, _ = held_runs
    load_id = _held_load(warehouse_dir)
    assert not blocked.published and not unchanged.published
    # Run 2 loads nothing new (0 of 0 new records), and still the held load blocks.
    problem = _gate_problem(unchanged)
    assert problem.startswith(
        "check failed: raw/events [reject_share_within_limit]: 0 of 0 new records rejected"
    )
    assert f"Held until someone acts: load {load_id}: 11 of 44 rejected (25.0%)." in problem
    assert "accept-load LOAD_ID --by NAME --reason TEXT" in problem


def test_accepted_load_publishes_and_the_run_log_says_who_and_why(held_runs):
    warehouse_dir, _, _, accepted, published = held_runs
    load_id = _held_load(warehouse_dir)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert published.published, published.problems
    assert _working(
        warehouse_dir, "select load_id, accepted_by, reason from ops.load_acceptances"
    ) == [(load_id, "Dana (support ops)", "broken.jsonl is a test export")]
    released = _working(warehouse_dir, "select released_because from ops.held_loads")
    assert released == [("accepted by Dana (support ops): broken.jsonl is a test export",)]
    runs = read_run_log(warehouse_dir / "work" / "warehouse.duckdb")
    assert [run["outcome"] for run in runs] == ["blocked", "blocked", "published"]
    assert runs[-1]["accepted_loads"] == (
        f"load {load_id}: 11 of 44 rejected (25.0%) accepted by Dana (support ops): "
        "broken.jsonl is a test export"
    )


def test_accepting_an_unknown_load_says_which_loads_are_held(held_runs):
    warehouse_dir, _, _, _, _ = held_runs
    env = cli_environment(warehouse_dir, EMPATHY_REJECT_SHARE_LIMIT=LIMIT)
    refused = run_cli(env, "accept-load", "no-such-load", "--by", "Dana", "--reason", "typo")
    assert refused.returncode == 2
    assert "error: no load no-such-load in raw.file_loads of " in refused.stderr
    assert "loads held now: none" in refused.stderr


def test_system_message_publishes_and_counts_in_no_metric(held_runs):
    warehouse_dir, _, _, _, published = held_runs
    assert published.published, published.problems
    assert _published(
        warehouse_dir,
        f"select actor_type, channel from fct_messages where message_id = '{pseudonym('sys-1')}'",
    ) == [("system", "email")]
    assert _published(
        warehouse_dir,
        "select first_response_seconds, customer_message_count, bot_message_count "
        f"from fct_sessions where session_id = '{pseudonym('S1')}'",
    ) == [(35, 1, 1)]
    assert _published(
        warehouse_dir, f"select count(*) from fct_replies where session_id = '{pseudonym('S1')}'"
    ) == [(1,)]


def test_a_session_id_used_on_two_channels_is_flagged_and_counted_in_the_run_log(held_runs):
    warehouse_dir, _, _, _, published = held_runs
    assert _published(
        warehouse_dir,
        "select session_id, channel, channel_count from fct_sessions "
        "where has_conflicting_channels",
    ) == [(pseudonym("S1"), "chat", 2)]
    warning = (
        "marts/fct_sessions [conflicting_channels]: 1 session(s) whose events name more than "
        "one channel"
    )
    assert warning in published.run_summary.warnings
    assert published.published  # a warning, not a block


# After the tests above: the quarantine changes what the held warehouse publishes.
@pytest.fixture(scope="module")
def quarantined_line(held_runs):
    warehouse_dir, _, _, _, _ = held_runs
    env = cli_environment(warehouse_dir, EMPATHY_REJECT_SHARE_LIMIT=LIMIT)
    command = run_cli(
        env, "quarantine", "--file", "system.jsonl", "--line", "1", "--reason", "test notice"
    )
    rerun = _refresh(warehouse_dir, EMPATHY_REJECT_SHARE_LIMIT=LIMIT)
    return warehouse_dir, command, rerun


def test_quarantined_record_leaves_raw_events_and_the_marts_on_the_next_run(quarantined_line):
    warehouse_dir, command, rerun = quarantined_line
    assert command.returncode == 0, command.stdout + command.stderr
    assert "quarantined 1 record(s) of system.jsonl line 1" in command.stdout
    assert rerun.published, rerun.problems
    assert _working(warehouse_dir, "select count(*) from raw.events where event_id = 'sys-1'") == [
        (0,)
    ]
    rejected = _working(
        warehouse_dir,
        "select source_line, field, reason, raw_record::json->>'event_id' "
        "from raw.rejected_events where source_file = 'system.jsonl'",
    )
    assert rejected == [(1, "quarantine", "test notice", "sys-1")]
    # The incremental models were rebuilt from raw: the message is gone everywhere.
    assert _published(
        warehouse_dir,
        f"select count(*) from fct_messages where message_id = '{pseudonym('sys-1')}'",
    ) == [(0,)]
    assert _working(
        warehouse_dir,
        f"select count(*) from staging.stg_support__events where event_id = '{pseudonym('sys-1')}'",
    ) == [(0,)]
    assert _working(
        warehouse_dir, "select count(*) from ops.quarantines where refreshed_at is null"
    ) == [(0,)]


def test_quarantine_keeps_every_file_reconciled(quarantined_line):
    warehouse_dir, _, _ = quarantined_line
    assert _working(
        warehouse_dir,
        "select source_file, received, loaded, duplicates, rejected from raw.file_loads "
        "order by source_file",
    ) == [
        ("2026-10-05_helpdesk.jsonl", 30, 30, 0, 0),
        ("2026-10-06_redelivery.jsonl", 3, 1, 1, 1),
        ("broken.jsonl", 10, 0, 0, 10),
        ("system.jsonl", 1, 0, 0, 1),
    ]
    per_file = _working(
        warehouse_dir,
        """
        select file_loads.source_file
        from raw.file_loads as file_loads
        where file_loads.loaded
            != (select count(*) from raw.events where source_file = file_loads.source_file)
            or file_loads.rejected != (
                select count(*) from raw.rejected_events
                where source_file = file_loads.source_file
            )
        """,
    )
    assert per_file == []


@pytest.fixture(scope="module")
def blocked_delivery(tmp_path_factory):
    """Run 1 of the raised and the fixed cases (the same delivery, blocked the same way), once:
    each case continues on a copy of the warehouse it left."""
    warehouse_dir = tmp_path_factory.mktemp("blocked") / "warehouse"
    _deliver(warehouse_dir)
    blocked = _refresh(warehouse_dir, EMPATHY_REJECT_SHARE_LIMIT=LIMIT)
    return warehouse_dir, blocked


def _copy_of_blocked(blocked_delivery, warehouse_dir):
    """The blocked warehouse in a folder of its own (a fresh Dagster instance, as on a new
    machine: the held load lives in the working database), and run 1's outcome."""
    blocked_dir, blocked = blocked_delivery
    shutil.copytree(
        blocked_dir, warehouse_dir, ignore=shutil.ignore_patterns("dagster_home", ".refresh.lock")
    )
    return blocked


def test_raising_the_limit_publishes_the_held_load(blocked_delivery, tmp_path):
    warehouse_dir = tmp_path / "raised"
    blocked = _copy_of_blocked(blocked_delivery, warehouse_dir)
    assert not blocked.published
    raised = _refresh(warehouse_dir, EMPATHY_REJECT_SHARE_LIMIT="0.30")
    assert raised.published, raised.problems
    released = _working(warehouse_dir, "select released_because from ops.held_loads")
    assert released == [("25.6% is within the limit 30.0% now",)]


def test_quarantining_the_bad_file_releases_the_held_load(blocked_delivery, tmp_path):
    warehouse_dir = tmp_path / "fixed"
    blocked = _copy_of_blocked(blocked_delivery, warehouse_dir)
    assert not blocked.published
    env = cli_environment(warehouse_dir, EMPATHY_REJECT_SHARE_LIMIT=LIMIT)
    command = run_cli(env, "quarantine", "--file", "broken.jsonl", "--reason", "export bug")
    assert command.returncode == 0, command.stdout + command.stderr
    # Nothing of broken.jsonl was in raw.events (all 10 lines were rejected by the contract).
    assert "quarantined 0 record(s) of broken.jsonl" in command.stdout
    fixed = _refresh(warehouse_dir, EMPATHY_REJECT_SHARE_LIMIT=LIMIT)
    assert fixed.published, fixed.problems
    released = _working(warehouse_dir, "select released_because from ops.held_loads")
    assert released == [("3.0% is within the limit 10.0% now",)]
