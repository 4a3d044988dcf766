"""The Intercom adapter: conversation_history and conversation_part_history as Fivetran lands
them (CSV), through the real job, every number worked out by hand below.

CONVERSATIONS (all 2026-10-05 UTC; Fivetran's `...T10:00:00.000Z`, `... UTC` and an offset):

    line  id  what                                                   becomes
       1   1  first version (open, no rating)                        unmapped: older version
       2   1  latest version: user u-1001, chat, rated 5 at 10:04    session C1, rating 5
       3   2  lead l-2002, email, 13:00 +02:00 = 11:00 UTC, rated 2  session C2, rating 2
       4   3  user u-3003, chat, 12:00                               session C3
       5   4  created_at 'yesterday'                                 unmapped: no time

PARTS:

    line  id  conv  time   part / author                becomes
       1  11  1     10:00:30 comment bot                bot reply (waits 30 s)
       2  12  1     10:01:00 conversation_attribute_... unmapped: part_type not mapped
       3  13  1     10:02:00 close bot                  resolved_by bot
       4  21  2     11:01:00 comment bot                bot reply (waits 60 s)
       5  22  2     11:01:30 comment lead               customer message
       6  23  2     11:02:00 assignment bot -> admin    escalated (the handoff)
       7  24  2     11:03:00 note admin                 internal message: no reply
       8  25  2     11:10:00 comment admin (updated 11:10) unmapped: older version
       9  25  2     11:10:00 comment admin (updated 11:11) agent reply, waits 510 s
                                                        (from 11:01:30, not from the note)
      10  26  2     11:20:00 close admin                resolved_by agent
      11  31  3     12:04:00 assignment admin -> admin  unmapped: no bot before, no handoff
      12  32  3     12:05:00 comment admin              agent reply (waits 300 s)
      13  33  3     12:10:00 close admin                resolved_by agent
      14  34  3     13:00:00 comment user               customer message
      15  35  3     13:01:00 open admin                 reopened (after the close)
      16  36  3     13:05:00 comment admin              agent reply (waits 300 s)
      17  41  4     14:00:00 comment user               unmapped: its conversation is not
      18  99  999   15:00:00 comment user               unmapped: no such conversation
      19  (3 cells of 10)                               unreadable: rejected by the loader

Sessions: C1 chat, started 10:00, first response 30 s, bot closes at 10:02: autonomous,
time to resolution 120 s, CSAT 5. C2 email, first response 60 s, escalated 11:02 (reason
unknown: other), agent 11:10 (human first response 480 s after the handoff, not 60 s from the
note; not silent: within 15 min), resolved by the agent 11:20: assisted, 1200 s, CSAT 2. C3
chat, human only: agent 12:05 (300 s; human first response 300 s, from the start since never
escalated), resolved 12:10 (600 s), reopened 13:01 (inside 7 days), agent again 13:05 (240 s
after the reopen). Day: 3 sessions, 3 resolved, median first response of 30, 60, 300 = 60 s,
CSAT mean (5 + 2) / 2 = 3.5, escalation 1 of 2 bot-handled sessions.
Messages: customer 5 (C1 1, C2 2, C3 2), bot 2, agent public 3, agent internal 1 (the note).

Reconciliation: conversation_history received 5 = mapped 3 + rejected 2 (unmapped: lines 1,
5); conversation_part_history received 19 = mapped 13 + rejected 6 (unreadable 1: line 19;
unmapped 5: lines 2, 8, 11, 17, 18). The load's reject share is 1/24, under the default 5%.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.ingest.sources import SOURCE_ADAPTERS
from orchestration.warehouse_layout import MARTS_SCHEMA
from tests.conftest import (
    load_source_landing,
    manifest_published_marts,
    pipeline_environment,
    pseudonym,
    query,
    secrets_in_published,
    with_upstream_ids,
)
from tests.engine_portability import assert_same_mart, duckdb_rows
from tests.test_postgres_portability import _postgres_rows, copy_raw_layer, run_dbt
from tests.test_postgres_portability import postgres_server as postgres_server_fixture

# the PostgreSQL test's server fixture, shared (a server per module, started once)
postgres_server = postgres_server_fixture

DAY = "2026-10-05"
CONVERSATIONS = """\
id,created_at,updated_at,source_type,source_delivered_as,source_author_type,source_author_id,\
source_body,state,conversation_rating_value,conversation_rating_remark,\
conversation_rating_created_at
1,2026-10-05T10:00:00.000Z,2026-10-05T10:00:00.000Z,conversation,customer_initiated,user,u-1001,\
My invoice shows the wrong VAT number,open,,,
1,2026-10-05T10:00:00.000Z,2026-10-05T10:05:00.000Z,conversation,customer_initiated,user,u-1001,\
My invoice shows the wrong VAT number,closed,5,Quick and right,2026-10-05T10:04:00.000Z
2,2026-10-05 13:00:00+02:00,2026-10-05 13:30:00+02:00,email,customer_initiated,lead,l-2002,\
I was charged twice for order 4471,closed,2,Took too long,2026-10-05 11:25:00 UTC
3,2026-10-05T12:00:00Z,2026-10-05T13:10:00Z,conversation,customer_initiated,user,u-3003,\
The app logs me out every hour,open,,,
4,yesterday,2026-10-05T14:00:00Z,conversation,customer_initiated,user,u-4004,hello?,open,,,
"""
PART_HEADER = (
    "id,conversation_id,created_at,updated_at,part_type,author_type,author_id,body,"
    "assigned_to_id,assigned_to_type"
)


def _part(part, conversation, time, part_type, author, author_id, body="", assigned="", updated=""):
    created = f"2026-10-05T{time}Z"
    updated = f"2026-10-05T{updated}Z" if updated else created
    assigned_to = f"{assigned},admin" if assigned else ","
    return (
        f"{part},{conversation},{created},{updated},{part_type},{author},{author_id},"
        f'"{body}",{assigned_to}'
    )


PARTS = (
    "\n".join(
        [
            PART_HEADER,
            _part(11, 1, "10:00:30", "comment", "bot", "fin-1", "I corrected the VAT number."),
            _part(12, 1, "10:01:00", "conversation_attribute_updated", "bot", "fin-1"),
            _part(13, 1, "10:02:00", "close", "bot", "fin-1"),
            _part(21, 2, "11:01:00", "comment", "bot", "fin-1", "Let me look at your order."),
            _part(22, 2, "11:01:30", "comment", "lead", "l-2002", "I want to talk to a person"),
            _part(23, 2, "11:02:00", "assignment", "bot", "fin-1", assigned="a-77"),
            _part(24, 2, "11:03:00", "note", "admin", "a-77", "l-2002 double charge: check Stripe"),
            _part(25, 2, "11:10:00", "comment", "admin", "a-77", "Hi, Dana here (draft)"),
            _part(
                25,
                2,
                "11:10:00",
                "comment",
                "admin",
                "a-77",
                "Hi, Dana: refunded.",
                updated="11:11:00",
            ),
            _part(26, 2, "11:20:00", "close", "admin", "a-77"),
            _part(31, 3, "12:04:00", "assignment", "admin", "a-88", assigned="a-88"),
            _part(32, 3, "12:05:00", "comment", "admin", "a-88", "Please update the app to 7.2."),
            _part(33, 3, "12:10:00", "close", "admin", "a-88"),
            _part(34, 3, "13:00:00", "comment", "user", "u-3003", "Still logged out after it"),
            _part(35, 3, "13:01:00", "open", "admin", "a-88"),
            _part(36, 3, "13:05:00", "comment", "admin", "a-88", "Sorry, passing it on."),
            _part(41, 4, "14:00:00", "comment", "user", "u-4004", "hello again"),
            _part(99, 999, "15:00:00", "comment", "user", "u-9009", "Is anyone there?"),
            "100,3,2026-10-05T13:30:00Z",
        ]
    )
    + "\n"
)
SESSIONS = [f"intercom:conversation:{conversation}" for conversation in (1, 2, 3)]
CUSTOMERS = ["intercom:contact:u-1001", "intercom:contact:l-2002", "intercom:contact:u-3003"]


def write_intercom_tables(landing: Path) -> None:
    (landing / "intercom").mkdir(parents=True)
    (landing / "intercom" / "conversation_history.csv").write_text(CONVERSATIONS)
    (landing / "intercom" / "conversation_part_history.csv").write_text(PARTS)


@pytest.fixture(scope="module")
def intercom_warehouse(tmp_path_factory: pytest.TempPathFactory):
    """The whole job on a landing folder holding only the two Intercom tables; read-only after."""
    from orchestration.cli import run_refresh

    warehouse_dir = tmp_path_factory.mktemp("intercom_warehouse")
    write_intercom_tables(warehouse_dir / "landing")
    with pipeline_environment(warehouse_dir, EMPATHY_SOURCES="intercom") as settings:
        outcome = run_refresh(settings, DAY)
        assert outcome.published, outcome.problems
    return settings


def test_conversations_are_the_sessions_with_their_outcomes(intercom_warehouse):
    rows = query(
        intercom_warehouse.published_db,
        """
        select session_id, customer_key, channel, delivered_channel,
            strftime(started_at, '%H:%M:%S'), first_response_seconds, customer_message_count,
            bot_message_count, agent_message_count, resolution_kind, resolved_by,
            escalation_count, time_to_resolution_seconds, csat_score, is_reopened_within_window,
            human_first_response_seconds, reopen_human_first_response_seconds
        from fct_sessions
        """,
    )
    assert with_upstream_ids(rows, SESSIONS + CUSTOMERS) == [
        (
            "intercom:conversation:1", "intercom:contact:u-1001", "chat", "conversation",
            "10:00:00", 30, 1, 1, 0, "autonomous", "bot", 0, 120, 5, False, None, None,
        ),
        (
            "intercom:conversation:2", "intercom:contact:l-2002", "email", "email",
            "11:00:00", 60, 2, 1, 1, "assisted", "agent", 1, 1200, 2, False, 480, None,
        ),
        (
            "intercom:conversation:3", "intercom:contact:u-3003", "chat", "conversation",
            "12:00:00", 300, 2, 0, 2, "human_only", "agent", 0, 600, None, True, 300, 240,
        ),
    ]  # fmt: skip


def test_replies_wait_from_the_customer_message_and_a_note_is_no_reply(intercom_warehouse):
    rows = query(
        intercom_warehouse.published_db,
        "select session_id, responder_type, reply_number, wait_seconds from fct_replies",
    )
    assert with_upstream_ids(rows, SESSIONS) == [
        ("intercom:conversation:1", "bot", 1, 30),
        ("intercom:conversation:2", "agent", 2, 510),
        ("intercom:conversation:2", "bot", 1, 60),
        ("intercom:conversation:3", "agent", 1, 300),
        ("intercom:conversation:3", "agent", 2, 300),
    ]
    assert query(
        intercom_warehouse.published_db,
        """
        select actor_type, visibility, count(*) from fct_messages
        group by actor_type, visibility order by actor_type, visibility
        """,
    ) == [
        ("agent", "internal", 1),
        ("agent", "public", 3),
        ("bot", "public", 2),
        ("customer", "public", 5),
    ]


def test_the_bot_to_admin_assignment_is_the_handoff(intercom_warehouse):
    rows = query(
        intercom_warehouse.published_db,
        "select session_id, handoff_reason, is_silent_handoff from fct_escalations",
    )
    assert with_upstream_ids(rows, SESSIONS) == [("intercom:conversation:2", "other", False)]


def test_day_metrics_of_the_conversations(intercom_warehouse):
    assert query(
        intercom_warehouse.published_db,
        """
        select sum(sessions), sum(resolved_sessions), sum(escalated_sessions),
            sum(bot_handled_sessions)
        from agg_metrics_segment_daily
        """,
    ) == [(3, 3, 1, 2)]
    assert query(
        intercom_warehouse.published_db,
        "select median(first_response_seconds), avg(csat_score) from fct_sessions",
    ) == [(60.0, 3.5)]


def test_received_equals_mapped_plus_rejected_per_source_table(intercom_warehouse):
    assert query(
        intercom_warehouse.published_db,
        "select * from mon_source_reconciliation order by source, source_table",
    ) == [
        ("intercom", "conversation_history", 5, 3, 2, 0, 2, True),
        ("intercom", "conversation_part_history", 19, 13, 6, 1, 5, True),
    ]


def test_every_row_not_mapped_is_kept_with_its_reason(intercom_warehouse):
    assert query(
        intercom_warehouse.working_db,
        """
        select source_table, source_line, unmapped_reason from staging.stg_intercom__row_outcomes
        where unmapped_reason is not null order by source_table, source_line
        """,
    ) == [
        (
            "conversation_history",
            1,
            "an older version of the conversation (a later updated_at was delivered); "
            "the latest version is mapped",
        ),
        ("conversation_history", 5, "created_at is not a time like 2026-10-05T10:00:00Z"),
        (
            "conversation_part_history",
            2,
            "part_type is none of comment, note, assignment, close, open",
        ),
        (
            "conversation_part_history",
            8,
            "an older version of the part (a later updated_at was delivered); "
            "the latest version is mapped",
        ),
        (
            "conversation_part_history",
            11,
            "an assignment that is no handoff: no bot comment before it, a handoff came "
            "earlier, or it assigns no admin or team",
        ),
        (
            "conversation_part_history",
            17,
            "its conversation is not mapped (its conversation_history row says why)",
        ),
        (
            "conversation_part_history",
            18,
            "conversation_id names no conversation delivered in conversation_history",
        ),
    ]
    assert query(
        intercom_warehouse.working_db,
        "select source_file, source_line, field, reason from raw.rejected_events",
    ) == [
        (
            "intercom/conversation_part_history.csv",
            19,
            "row",
            "has 3 cells but the header has 10 (file line 20)",
        )
    ]


def test_no_contact_id_admin_id_or_text_is_published(intercom_warehouse):
    secrets = ["u-1001", "l-2002", "u-3003", "a-77", "a-88", "fin-1", "VAT", "Dana", "Stripe"]
    assert secrets_in_published(intercom_warehouse.published_db, secrets) == []
    # the hash of the conversation is what the published rows carry
    assert query(
        intercom_warehouse.published_db,
        "select count(*) from fct_messages "
        f"where session_id = '{pseudonym('intercom:conversation:2')}'",
    ) == [(5,)]


def test_the_run_prints_each_intercom_tables_reconciliation(intercom_warehouse):
    from orchestration.summary import source_reconciliation_lines

    assert source_reconciliation_lines(intercom_warehouse.published_db) == [
        "source intercom/conversation_history: received 5 = mapped 3 + rejected 2 (unreadable 0: "
        "raw.rejected_events; unmapped 2: staging.stg_intercom__row_outcomes)",
        "source intercom/conversation_part_history: received 19 = mapped 13 + rejected 6 "
        "(unreadable 1: raw.rejected_events; unmapped 5: staging.stg_intercom__row_outcomes)",
    ]


def test_every_published_mart_has_the_same_rows_on_postgres(
    intercom_warehouse, postgres_server, tmp_path_factory
):
    """The adapter's SQL on PostgreSQL over the same raw rows (the hand-made PostgreSQL test
    has no source rows): it builds, its tests pass and every published mart is the same."""
    copied = copy_raw_layer(intercom_warehouse.working_db, postgres_server)
    assert copied["source_rows"] == 5 + 18
    target_path = tmp_path_factory.mktemp("dbt-postgres-intercom")
    output = run_dbt(postgres_server, target_path, "build", "--exclude-resource-type", "unit_test")
    assert "ERROR=0" in output and "SKIP=0" in output, output[-3000:]
    for mart in manifest_published_marts():
        assert_same_mart(
            duckdb_rows(intercom_warehouse.published_db, f"select * from main.{mart}"),
            _postgres_rows(postgres_server, f"select * from {MARTS_SCHEMA}.{mart}"),
        )


# --- the loader on Intercom's tables -------------------------------------------------------------


def _load(landing: Path, database: Path):
    return load_source_landing(landing, database, ("intercom",))


def test_the_loader_knows_the_two_intercom_tables():
    assert sorted(SOURCE_ADAPTERS["intercom"]) == [
        "conversation_history",
        "conversation_part_history",
    ]


def test_tables_the_adapter_does_not_read_are_left_alone(landing: Path, database: Path):
    """Fivetran lands admin and contact_history too: the adapter needs neither (author_type
    tells a bot from an admin), so they are listed as ignored, not loaded."""
    write_intercom_tables(landing)
    (landing / "intercom" / "admin.csv").write_text("id,name\na-77,Dana\n")
    (landing / "intercom" / "contact_history").mkdir()
    (landing / "intercom" / "contact_history" / "part-0.csv").write_text("id,role\nu-1001,user\n")
    report = _load(landing, database)
    assert [(f.source_file, f.received, f.rejected) for f in report.files] == [
        ("intercom/conversation_history.csv", 5, 0),
        ("intercom/conversation_part_history.csv", 19, 1),
    ]
    assert [name.split(" ")[0] for name in report.ignored_files] == [
        "intercom/admin.csv",
        "intercom/contact_history/part-0.csv",
    ]


def test_a_part_table_without_its_conversation_id_column_is_refused_whole(
    landing: Path, database: Path
):
    (landing / "intercom").mkdir()
    (landing / "intercom" / "conversation_part_history.csv").write_text(
        "id,created_at,updated_at,part_type,author_type,author_id,body\n"
        "11,2026-10-05T10:00:30Z,2026-10-05T10:00:30Z,comment,bot,fin-1,hi\n"
    )
    report = _load(landing, database)
    assert [(f.received, f.rejected) for f in report.files] == [(1, 1)]
    assert report.files[0].refusal.endswith("missing conversation_id")
    assert query(database, "select source_table from raw.source_table_files") == [
        ("conversation_part_history",)
    ]
