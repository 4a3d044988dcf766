"""The Zendesk Support adapter: the five core tables as Fivetran lands them, through the real
job, every number worked out by hand below (all times 2026-10-05, UTC).

USERS: 1 and 2 end-users (Ann, Ben), 10 agent (Alice), 11 admin, 90 "Answer Bot" (role agent,
but named as var zendesk_bot_names says: the bot). Line 6 repeats id 10 (kept: the first),
line 7 has role light-agent (no actor type).

TICKETS (= sessions): 101 web (family email), requester 1, 09:00; 102 chat, requester 2,
10:00; 103 api (email), requester 1, 13:00; 104 voice, requester 2, 14:00. Unmapped: line 5
(created_at 'soon'), line 6 (101 again), line 7 (no requester); line 8 has too few cells
(unreadable, rejected by the loader).

    ticket 101: 09:00 customer; 09:05 assigned to agent 10 (agent_joined; no bot, so no
        escalation); 09:10 internal note by 10 (no reply); 09:30 agent reply (first response
        1800 s); 10:00 solved by 10 (resolved, by agent); 11:00 customer reopens (reopened);
        11:00 customer; 11:30 agent reply (1800 s); 12:00 solved again (a second resolved);
        rating good, answered 12:30 (CSAT good_bad: good = 1.0).
    ticket 102: 10:00 customer; 10:01 answer bot (first response 60 s); 10:05 customer;
        10:10 assigned to agent 10 after the bot spoke: escalated + agent_joined; 10:20
        agent reply (900 s after 10:05); 10:40 solved by 10; rating bad, answered 11:00 (0.0).
    ticket 103: 13:00 customer; 13:02 answer bot (120 s); 13:05 solved by the bot: an
        autonomous resolution; 13:10 survey offered, never answered.
    ticket 104: 14:00 customer, never answered; rating unoffered (no event).

Sessions 4 (email 2, chat 1, voice 1); resolved 3 of 4 (101, 102, 103), autonomous 1 (103),
reopened 1 (101); bot-handled 102 and 103, escalated 102 (escalation rate 1/2); first
response median over 101, 102, 103 = median(1800, 60, 120) = 120 s; replies 5 (1800, 1800,
60, 900, 120); CSAT answers 2 (good, bad), survey offered 3 (two answers count as offered).
Customer 1 opens 101 and 103 within 24 h, but intent is unknown: no repeat contact.

Reconciliation (received = mapped + rejected; rejected = unreadable + unmapped):
    satisfaction_rating   7 = 4 + 3 (0 + 3: lines 5, 6, 7)
    ticket                8 = 4 + 4 (1 + 3: lines 5, 6, 7; line 8 unreadable)
    ticket_comment       17 = 12 + 5 (0 + 5: lines 12-16 of part-0.csv; part-1.parquet holds 4001)
    ticket_field_history 17 = 12 + 5 (0 + 5: lines 13-17)
    user                  7 = 5 + 2 (0 + 2: lines 6, 7)
Mapped rows without an event: users, status changes new and new->open, a priority and a
group_id change, the unoffered rating. The loader's reject share is 1/56 (2%).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.ingest.sources import SOURCE_ADAPTERS
from tests.conftest import (
    load_source_landing,
    pipeline_environment,
    pseudonym,
    query,
    secrets_in_published,
    with_upstream_ids,
)

DAY = "2026-10-05"
T = "2026-10-05T"
USERS = """id,name,email,role,locale
1,Ann Requester,ann@example.com,end-user,en
2,Ben Requester,ben@example.com,end-user,en
10,Alice Agent,alice@support.example,agent,en
11,Omar Admin,omar@support.example,admin,en
90,Answer Bot,,agent,en
10,Alice Agent (renamed),alice@support.example,agent,en
12,Zed Helper,zed@support.example,light-agent,en
"""
TICKETS = f"""id,created_at,updated_at,status,priority,requester_id,group_id,via_channel,subject
101,{T}09:00:00Z,{T}12:30:00Z,solved,high,1,5,web,Order 123 never arrived
102,2026-10-05 10:00:00,{T}11:00:00Z,solved,normal,2,5,chat,Cannot log in
103,{T}13:00:00.000Z,{T}13:10:00Z,solved,low,1,5,api,Change of address
104,{T}14:00:00+00:00,{T}14:00:00Z,open,normal,2,5,voice,Phone broken
105,soon,{T}15:00:00Z,new,normal,1,5,web,Bad time
101,{T}09:00:00Z,{T}12:31:00Z,closed,high,1,5,web,Order 123 never arrived
106,{T}15:00:00Z,{T}15:00:00Z,new,normal,,5,email,Nobody asked
107,{T}16:00:00Z,{T}16:00:00Z
"""
COMMENTS = f"""id,ticket_id,user_id,created,body,public
1001,101,1,{T}09:00:00Z,"My order 123 never arrived, call me on +44 20 7946 0958",true
1002,101,10,{T}09:10:00Z,"Internal: courier lost it, Ann is upset",false
1003,101,10,{T}09:30:00Z,"Sorry Ann, we are resending it today",true
1004,101,1,{T}11:00:00Z,Still nothing arrived,true
1005,101,10,{T}11:30:00Z,Here is the new tracking number,true
2001,102,2,{T}10:00:00Z,I cannot log in,true
2002,102,90,{T}10:01:00Z,Try resetting your password here,true
2003,102,2,{T}10:05:00Z,"That did not work, I want a human",true
2004,102,10,{T}10:20:00Z,"Hi Ben, I reset it for you",true
3001,103,1,{T}13:00:00Z,How do I change my address?,true
3002,103,90,{T}13:02:00Z,This article explains it,true
5001,999,1,{T}15:00:00Z,Hello?,true
5002,101,1,yesterday,late,true
1003,101,10,{T}09:31:00Z,resent,true
5003,104,777,{T}14:30:00Z,who am I,true
5004,104,2,{T}14:40:00Z,maybe,maybe
"""
HISTORY = f"""ticket_id,field_name,updated,value,user_id,_fivetran_synced
101,status,{T}09:00:00Z,new,1,{T}20:00:00Z
101,assignee_id,{T}09:05:00Z,10,11,{T}20:00:00Z
101,priority,{T}09:05:00Z,high,10,{T}20:00:00Z
101,status,{T}09:30:00Z,open,10,{T}20:00:00Z
101,status,{T}10:00:00Z,solved,10,{T}20:00:00Z
101,status,{T}11:00:00Z,open,1,{T}20:00:00Z
101,status,{T}12:00:00Z,solved,10,{T}20:00:00Z
102,status,{T}10:00:00Z,new,2,{T}20:00:00Z
102,assignee_id,{T}10:10:00Z,10,-1,{T}20:00:00Z
102,group_id,{T}10:10:00Z,5,-1,{T}20:00:00Z
102,status,{T}10:40:00Z,solved,10,{T}20:00:00Z
103,status,{T}13:05:00Z,solved,90,{T}20:00:00Z
101,status,{T}10:00:00Z,solved,10,2026-10-06T20:00:00Z
999,status,{T}10:00:00Z,open,10,{T}20:00:00Z
104,status,2026-10-05 at two,open,2,{T}20:00:00Z
104,status,{T}14:05:00Z,escalating,10,{T}20:00:00Z
104,assignee_id,{T}14:10:00Z,777,10,{T}20:00:00Z
"""
RATINGS = f"""id,ticket_id,score,created_at,updated_at,comment
7001,101,good,{T}12:05:00Z,{T}12:30:00Z,Thanks Alice
7002,102,bad,{T}10:45:00Z,{T}11:00:00Z,
7003,103,offered,{T}13:10:00Z,{T}13:10:00Z,
7004,104,unoffered,{T}14:00:00Z,{T}14:00:00Z,
7005,999,good,{T}15:00:00Z,{T}15:05:00Z,
7006,101,great,{T}12:05:00Z,{T}12:30:00Z,
7002,102,bad,{T}10:45:00Z,{T}11:00:00Z,
"""
TABLES = {
    "user": USERS,
    "ticket": TICKETS,
    "ticket_comment": COMMENTS,
    "ticket_field_history": HISTORY,
    "satisfaction_rating": RATINGS,
}
SESSIONS = [f"zendesk:ticket:{ticket}" for ticket in (101, 102, 103, 104)]
CUSTOMERS = [f"zendesk:user:{user}" for user in (1, 2)]


@pytest.fixture(scope="module")
def zendesk_warehouse(tmp_path_factory: pytest.TempPathFactory):
    """The whole job on a landing folder of the five Zendesk tables; read-only afterwards.
    The comments arrive as a folder of a CSV and a Parquet file, as Fivetran and Airbyte write
    a table."""
    from orchestration.cli import run_refresh

    warehouse_dir = tmp_path_factory.mktemp("zendesk_warehouse")
    folder = warehouse_dir / "landing" / "zendesk"
    folder.mkdir(parents=True)
    for table, text in TABLES.items():
        if table != "ticket_comment":
            (folder / f"{table}.csv").write_text(text)
    (folder / "ticket_comment").mkdir()
    (folder / "ticket_comment" / "part-0.csv").write_text(COMMENTS)
    # the last comment as Parquet with typed columns, as a Fivetran file destination writes it
    pq.write_table(
        pa.table(
            {
                "id": pa.array([4001], pa.int64()),
                "ticket_id": pa.array([104], pa.int64()),
                "user_id": pa.array([2], pa.int64()),
                "created": pa.array(
                    [datetime(2026, 10, 5, 14, 0, tzinfo=UTC)], pa.timestamp("us", tz="UTC")
                ),
                "body": ["My phone is broken"],
                "public": [True],
            }
        ),
        folder / "ticket_comment" / "part-1.parquet",
    )
    with pipeline_environment(warehouse_dir, EMPATHY_SOURCES="zendesk") as settings:
        outcome = run_refresh(settings, DAY)
        assert outcome.published, outcome.problems
    return settings


def test_tickets_are_the_sessions(zendesk_warehouse):
    rows = query(
        zendesk_warehouse.published_db,
        """
        select session_id, customer_key, channel, delivered_channel,
            strftime(started_at, '%H:%M:%S'), first_response_seconds, customer_message_count,
            bot_message_count, agent_message_count, resolution_kind, resolved_by,
            time_to_resolution_seconds, is_reopened_within_window, has_escalation,
            human_first_response_seconds, reopen_human_first_response_seconds,
            is_repeat_contact
        from fct_sessions
        """,
    )
    assert with_upstream_ids(rows, SESSIONS + CUSTOMERS) == [
        # agent replies at 09:30 (the 09:10 internal note is none); solved 10:00, reopened
        # 11:00 by the customer, the agent back at 11:30; the handoff is the start (no bot)
        ("zendesk:ticket:101", "zendesk:user:1", "email", "web", "09:00:00", 1800,
            2, 0, 2, "human_only", "agent", 3600, True, False, 1800, 1800, False),
        # bot at 10:01; assigned to an agent at 10:10 after the bot spoke: escalated; the
        # agent's first message 10:20 is 600 s after the handoff; solved 10:40
        ("zendesk:ticket:102", "zendesk:user:2", "chat", "chat", "10:00:00", 60,
            2, 1, 1, "assisted", "agent", 2400, False, True, 600, None, False),
        # the bot answers at 13:02 and solves it at 13:05
        ("zendesk:ticket:103", "zendesk:user:1", "email", "api", "13:00:00", 120,
            1, 1, 0, "autonomous", "bot", 300, False, False, None, None, False),
        ("zendesk:ticket:104", "zendesk:user:2", "voice", "voice", "14:00:00", None,
            1, 0, 0, "unresolved", None, None, False, False, None, None, False),
    ]  # fmt: skip


def test_public_comments_are_replies_and_internal_notes_are_not(zendesk_warehouse):
    assert with_upstream_ids(
        query(
            zendesk_warehouse.published_db,
            "select session_id, responder_type, reply_number, wait_seconds, is_first_reply "
            "from fct_replies",
        ),
        SESSIONS,
    ) == [
        ("zendesk:ticket:101", "agent", 1, 1800, True),  # 09:30 answers 09:00
        ("zendesk:ticket:101", "agent", 2, 1800, False),  # 11:30 answers 11:00
        ("zendesk:ticket:102", "agent", 2, 900, False),  # 10:20 answers 10:05
        ("zendesk:ticket:102", "bot", 1, 60, True),  # 10:01 answers 10:00
        ("zendesk:ticket:103", "bot", 1, 120, True),  # 13:02 answers 13:00
    ]
    assert with_upstream_ids(
        query(
            zendesk_warehouse.published_db,
            "select session_id, actor_type, visibility, count(*) from fct_messages group by all",
        ),
        SESSIONS,
    ) == [
        ("zendesk:ticket:101", "agent", "internal", 1),
        ("zendesk:ticket:101", "agent", "public", 2),
        ("zendesk:ticket:101", "customer", "public", 2),
        ("zendesk:ticket:102", "agent", "public", 1),
        ("zendesk:ticket:102", "bot", "public", 1),
        ("zendesk:ticket:102", "customer", "public", 2),
        ("zendesk:ticket:103", "bot", "public", 1),
        ("zendesk:ticket:103", "customer", "public", 1),
        ("zendesk:ticket:104", "customer", "public", 1),  # from the Parquet file
    ]


def test_an_assignment_to_an_agent_after_the_bot_spoke_is_the_handoff(zendesk_warehouse):
    """Ticket 101 was assigned too (09:05), but no bot had spoken: no escalation."""
    assert with_upstream_ids(
        query(
            zendesk_warehouse.published_db,
            """
            select session_id, strftime(escalated_at, '%H:%M'),
                strftime(first_agent_joined_at, '%H:%M'),
                strftime(first_agent_message_at, '%H:%M'), handoff_reason, is_silent_handoff
            from fct_escalations
            """,
        ),
        SESSIONS,
    ) == [("zendesk:ticket:102", "10:10", "10:10", "10:20", "other", False)]


def test_ratings_are_csat_on_the_good_bad_scale(zendesk_warehouse):
    assert with_upstream_ids(
        query(
            zendesk_warehouse.published_db,
            "select session_id, csat_scale, csat_normalised_score, is_survey_offered "
            "from fct_sessions",
        ),
        SESSIONS,
    ) == [
        ("zendesk:ticket:101", "good_bad", 1.0, True),  # good: answered, so offered
        ("zendesk:ticket:102", "good_bad", 0.0, True),  # bad
        ("zendesk:ticket:103", None, None, True),  # offered, never answered
        ("zendesk:ticket:104", None, None, False),  # unoffered
    ]


def test_day_metrics_of_the_tickets(zendesk_warehouse):
    """Per channel: email = 101 + 103 (first responses 1800 and 120: median 960), chat = 102,
    voice = 104 (unanswered)."""
    assert query(
        zendesk_warehouse.published_db,
        """
        select channel, sessions, responded_sessions, resolved_sessions,
            repeat_contact_sessions, first_response_seconds_median
        from agg_metrics_segment_daily order by channel
        """,
    ) == [
        ("chat", 1, 1, 1, 0, 60.0),
        ("email", 2, 2, 2, 0, 960.0),
        ("voice", 1, 0, 0, 0, None),
    ]


def test_received_equals_mapped_plus_rejected_per_zendesk_table(zendesk_warehouse):
    assert query(
        zendesk_warehouse.published_db,
        "select * from mon_source_reconciliation order by source_table",
    ) == [
        ("zendesk", "satisfaction_rating", 7, 4, 3, 0, 3, True),
        ("zendesk", "ticket", 8, 4, 4, 1, 3, True),
        ("zendesk", "ticket_comment", 17, 12, 5, 0, 5, True),
        ("zendesk", "ticket_field_history", 17, 12, 5, 0, 5, True),
        ("zendesk", "user", 7, 5, 2, 0, 2, True),
    ]


DELIVERED_BEFORE = "id delivered before (an earlier row or load); the first delivery is kept"
NO_TICKET = "ticket_id names no mapped ticket"


def test_every_zendesk_row_not_mapped_is_kept_with_its_reason(zendesk_warehouse):
    assert query(
        zendesk_warehouse.working_db,
        """
        select source_file, source_line, unmapped_reason from staging.stg_zendesk__row_outcomes
        where unmapped_reason is not null order by source_file, source_line
        """,
    ) == [
        ("zendesk/satisfaction_rating.csv", 5, NO_TICKET),
        ("zendesk/satisfaction_rating.csv", 6, "score is none of offered, unoffered, good, bad"),
        (
            "zendesk/satisfaction_rating.csv",
            7,
            "rating (id, score) delivered before (an earlier row or load); the first delivery "
            "is kept",
        ),
        ("zendesk/ticket.csv", 5, "created_at is not a time like 2026-10-05T09:00:00Z"),
        ("zendesk/ticket.csv", 6, DELIVERED_BEFORE),
        ("zendesk/ticket.csv", 7, "requester_id is empty, so the session has no customer"),
        ("zendesk/ticket_comment/part-0.csv", 12, NO_TICKET),
        (
            "zendesk/ticket_comment/part-0.csv",
            13,
            "created is not a time like 2026-10-05T09:00:00Z",
        ),
        ("zendesk/ticket_comment/part-0.csv", 14, DELIVERED_BEFORE),
        (
            "zendesk/ticket_comment/part-0.csv",
            15,
            "user_id names no mapped user, so its author cannot be told customer, agent or bot",
        ),
        ("zendesk/ticket_comment/part-0.csv", 16, "public is neither true nor false"),
        (
            "zendesk/ticket_field_history.csv",
            13,
            "change (ticket_id, field_name, updated) delivered before (an earlier row or load, "
            "e.g. a re-sync); the first delivery is kept",
        ),
        ("zendesk/ticket_field_history.csv", 14, NO_TICKET),
        (
            "zendesk/ticket_field_history.csv",
            15,
            "updated is not a time like 2026-10-05T09:00:00Z",
        ),
        (
            "zendesk/ticket_field_history.csv",
            16,
            "status value is none of new, open, pending, hold, solved, closed, deleted",
        ),
        ("zendesk/ticket_field_history.csv", 17, "assignee_id value names no mapped user"),
        ("zendesk/user.csv", 6, DELIVERED_BEFORE),
        (
            "zendesk/user.csv",
            7,
            "role is none of end-user, agent, admin (and the name is no bot of var "
            "zendesk_bot_names)",
        ),
    ]
    assert query(
        zendesk_warehouse.working_db,
        "select source_file, source_line, field, reason from raw.rejected_events",
    ) == [("zendesk/ticket.csv", 8, "row", "has 3 cells but the header has 9 (file line 9)")]


def test_the_events_of_one_ticket_in_order(zendesk_warehouse):
    """Ticket 101 as canonical events (upstream ids, before stg_support__events hashes them)."""
    assert query(
        zendesk_warehouse.working_db,
        """
        select event_type, strftime(occurred_at, '%H:%M'), actor_type, actor_id, attributes
        from staging.stg_zendesk__events where session_id = 'zendesk:ticket:101'
        order by occurred_at, event_type
        """,
    ) == [
        ("message", "09:00", "customer", "zendesk:user:1", '{"visibility": "public"}'),
        ("session_started", "09:00", "system", None, "{}"),
        ("agent_joined", "09:05", "agent", "zendesk:user:10", "{}"),
        ("message", "09:10", "agent", "zendesk:user:10", '{"visibility": "internal"}'),
        ("message", "09:30", "agent", "zendesk:user:10", '{"visibility": "public"}'),
        ("resolved", "10:00", "agent", "zendesk:user:10", '{"resolved_by": "agent"}'),
        ("message", "11:00", "customer", "zendesk:user:1", '{"visibility": "public"}'),
        ("reopened", "11:00", "customer", "zendesk:user:1", "{}"),
        ("message", "11:30", "agent", "zendesk:user:10", '{"visibility": "public"}'),
        ("resolved", "12:00", "agent", "zendesk:user:10", '{"resolved_by": "agent"}'),
        (
            "feedback_submitted",
            "12:30",
            "customer",
            None,
            '{"kind": "csat", "scale": "good_bad", "score": "good"}',
        ),
    ]


def test_no_zendesk_id_name_or_comment_text_is_published(zendesk_warehouse):
    secrets = [
        "zendesk:",  # every upstream id is namespaced, so none may appear unhashed
        "Ann Requester",
        "ann@example.com",
        "Alice",
        "7946 0958",
        "courier",
        "Order 123",
        "Answer Bot",
        "Thanks",
    ]
    assert secrets_in_published(zendesk_warehouse.published_db, secrets) == []
    assert query(
        zendesk_warehouse.published_db,
        f"select count(*) from fct_messages where session_id = '{pseudonym(SESSIONS[0])}'",
    ) == [(5,)]


def test_the_run_prints_each_zendesk_tables_reconciliation(zendesk_warehouse):
    from orchestration.summary import source_reconciliation_lines

    assert source_reconciliation_lines(zendesk_warehouse.published_db)[1] == (
        "source zendesk/ticket: received 8 = mapped 4 + rejected 4 (unreadable 1: "
        "raw.rejected_events; unmapped 3: staging.stg_zendesk__row_outcomes)"
    )


# --- loader rules for the zendesk tables (no job run) --------------------------------------------


def test_a_zendesk_table_without_a_column_the_adapter_reads_is_refused_whole(
    landing: Path, database: Path
):
    (landing / "zendesk").mkdir()
    (landing / "zendesk" / "ticket.csv").write_text("id,created_at,via_channel\n1,x,web\n")
    report = load_source_landing(landing, database, ("zendesk",))
    assert [(f.received, f.rejected) for f in report.files] == [(1, 1)]
    assert report.files[0].refusal == (
        "not a valid CSV file: the header row must name the columns id, created_at, "
        "requester_id, via_channel; missing requester_id"
    )


def test_the_zendesk_tables_the_loader_reads(landing: Path, database: Path):
    """Every table of the fixture lands in raw.source_rows under its own name; any other
    Zendesk table (ticket_tag) is left alone."""
    assert sorted(SOURCE_ADAPTERS["zendesk"]) == sorted(TABLES)
    (landing / "zendesk").mkdir()
    for table, text in TABLES.items():
        (landing / "zendesk" / f"{table}.csv").write_text(text)
    (landing / "zendesk" / "ticket_tag.csv").write_text("ticket_id,tag\n101,vip\n")
    report = load_source_landing(landing, database, ("zendesk",))
    assert [name.split(" ")[0] for name in report.ignored_files] == ["zendesk/ticket_tag.csv"]
    assert query(
        database,
        "select source_table, count(*) from raw.source_rows group by all order by all",
    ) == [
        ("satisfaction_rating", 7),
        ("ticket", 7),  # 8 received, 1 unreadable
        ("ticket_comment", 16),  # without the Parquet file's comment
        ("ticket_field_history", 17),
        ("user", 7),
    ]
