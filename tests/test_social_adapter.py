"""The social threads adapter: a tweet-style CSV, as the Kaggle "Customer Support on Twitter"
dataset ships it, through the real job, every number worked out by hand below.

TWEETS (all 2026-10-05; created_at in the dataset's form, 'Mon Oct 05 10:00:00 +0000 2026'):

    line  tweet  author        inbound  UTC time  answers  what becomes of it
       1      1  115712        True     10:00:00  -        starts thread 1 (customer 115712)
       2      2  sprintcare    False    10:05:00  1        agent reply in thread 1: waits 300 s
       3      3  115713        True     11:00:00  -        starts thread 3 (customer 115713)
       4      4  AppleSupport  False    11:10:00  3        agent reply in thread 3: waits 600 s
       5      5  115713        True     11:12:00  4        customer again in thread 3
       6      6  AppleSupport  False    11:13:00  5        agent reply in thread 3: waits 60 s
       7      7  115714        True     12:00:00  -        thread 7, never answered
       8      8  115715        True     'yesterday'       unmapped: created_at is no time
       9      9  115712        True     12:00:00  999      13:00 +0100; 999 is not in the file,
                                                           so 9 starts thread 9, unanswered
      10     10  sprintcare    False    14:00:00  998      unmapped: its thread has no customer
      11      2  sprintcare    False    10:06:00  1        unmapped: tweet 2 delivered before
      12     12  115717        True     15:00:00  13       unmapped: 12 and 13 answer each
      13     13  sprintcare    False    15:01:00  12       other, a loop with no first tweet
      14     14  (4 cells of 7)                            unreadable: rejected by the loader

Sessions (one per thread): 1, 3, 7, 9 = 4, all social, all unresolved (tweets say nothing of
resolution). First response: 300 s (1), 600 s (3), none (7, 9); median 450 s. Replies: 3
(300, 600, 60 s). Messages: 5 customer (1, 3, 5, 7, 9), 3 agent (2, 4, 6). Customer 115712
opens sessions 1 and 9 within 24 h, but intent is unknown, so neither is a repeat contact
(the definition needs the same known intent).

Reconciliation of social/tweets: received 14 = mapped 8 + rejected 6 (unreadable 1: line 14;
unmapped 5: lines 8, 10, 11, 12, 13). The loader's reject share is 1/14 (7%), over the
default 5%, so the run sets EMPATHY_REJECT_SHARE_LIMIT to 0.1.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from orchestration.ingest import load_landing
from orchestration.ingest.sources import SOURCE_ADAPTERS
from orchestration.settings import DBT_PROJECT_DIR, ConfigurationError, load_settings
from tests.conftest import (
    pipeline_environment,
    pseudonym,
    published_values_containing,
    query,
    with_upstream_ids,
)
from tests.test_loader import NOW

DAY = "2026-10-05"
HEADER = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id"
TWEETS = f"""{HEADER}
1,115712,True,Mon Oct 05 10:00:00 +0000 2026,@sprintcare my phone has no signal since today,2,
2,sprintcare,False,Mon Oct 05 10:05:00 +0000 2026,@115712 Sorry to hear that! Please DM us.,,1
3,115713,True,Mon Oct 05 11:00:00 +0000 2026,@AppleSupport battery drains overnight,4,
4,AppleSupport,False,Mon Oct 05 11:10:00 +0000 2026,@115713 Which iOS version are you on?,5,3
5,115713,True,Mon Oct 05 11:12:00 +0000 2026,"@AppleSupport 11.1, on an iPhone 7",6,4
6,AppleSupport,False,Mon Oct 05 11:13:00 +0000 2026,@115713 Thanks! Try a restart and tell us.,,5
7,115714,True,Mon Oct 05 12:00:00 +0000 2026,@sprintcare anyone there?,,
8,115715,True,yesterday,@sprintcare hello,,
9,115712,True,Mon Oct 05 13:00:00 +0100 2026,@sprintcare still no signal,,999
10,sprintcare,False,Mon Oct 05 14:00:00 +0000 2026,@115716 We are here to help,,998
2,sprintcare,False,Mon Oct 05 10:06:00 +0000 2026,@115712 Sorry to hear that (sent twice),,1
12,115717,True,Mon Oct 05 15:00:00 +0000 2026,@sprintcare as I said,,13
13,sprintcare,False,Mon Oct 05 15:01:00 +0000 2026,@115717 as we said,,12
14,115718,True,Mon Oct 05 16:00:00 +0000 2026
"""
THREADS = [f"social:thread:{tweet}" for tweet in (1, 3, 7, 9)]
CUSTOMERS = [f"social:author:{author}" for author in (115712, 115713, 115714)]


@pytest.fixture(scope="module")
def social_warehouse(tmp_path_factory: pytest.TempPathFactory):
    """The whole job on a landing folder holding only social/tweets.csv; read-only afterwards."""
    from orchestration.cli import run_refresh

    warehouse_dir = tmp_path_factory.mktemp("social_warehouse")
    (warehouse_dir / "landing" / "social").mkdir(parents=True)
    (warehouse_dir / "landing" / "social" / "tweets.csv").write_text(TWEETS)
    with pipeline_environment(
        warehouse_dir, EMPATHY_SOURCES="social", EMPATHY_REJECT_SHARE_LIMIT="0.1"
    ) as settings:
        outcome = run_refresh(settings, DAY)
        assert outcome.published, outcome.problems
    return settings


def test_threads_rebuilt_from_reply_links_are_the_sessions(social_warehouse):
    rows = query(
        social_warehouse.published_db,
        """
        select session_id, customer_key, channel, strftime(started_at, '%H:%M:%S'),
            first_response_seconds, customer_message_count, agent_message_count,
            is_resolved, is_repeat_contact
        from fct_sessions
        """,
    )
    assert with_upstream_ids(rows, THREADS + CUSTOMERS) == [
        ("social:thread:1", "social:author:115712", "social", "10:00:00", 300, 1, 1, False, False),
        ("social:thread:3", "social:author:115713", "social", "11:00:00", 600, 2, 2, False, False),
        ("social:thread:7", "social:author:115714", "social", "12:00:00", None, 1, 0, False, False),
        # 13:00 +0100 is 12:00 UTC; it answers tweet 999, which is not in the file
        ("social:thread:9", "social:author:115712", "social", "12:00:00", None, 1, 0, False, False),
    ]


def test_replies_wait_from_the_customer_tweet_they_answer(social_warehouse):
    rows = query(
        social_warehouse.published_db,
        "select session_id, responder_type, reply_number, wait_seconds, is_first_reply "
        "from fct_replies",
    )
    assert with_upstream_ids(rows, THREADS) == [
        ("social:thread:1", "agent", 1, 300, True),
        ("social:thread:3", "agent", 1, 600, True),
        ("social:thread:3", "agent", 2, 60, False),
    ]


def test_day_metrics_of_the_tweets(social_warehouse):
    assert query(
        social_warehouse.published_db,
        """
        select sessions, responded_sessions, resolved_sessions, repeat_contact_sessions,
            first_response_seconds_median
        from agg_metrics_segment_daily
        """,
    ) == [(4, 2, 0, 0, 450.0)]
    assert query(
        social_warehouse.published_db,
        "select actor_type, count(*) from fct_messages group by actor_type order by actor_type",
    ) == [("agent", 3), ("customer", 5)]


def test_received_equals_mapped_plus_rejected_per_source_table(social_warehouse):
    assert query(
        social_warehouse.published_db,
        "select * from mon_source_reconciliation",
    ) == [("social", "tweets", 14, 8, 6, 1, 5, True)]


LOOP = "its reply chain never reaches a first tweet (the in_response_to_tweet_id links loop)"


def test_every_row_not_mapped_is_kept_with_its_reason(social_warehouse):
    assert query(
        social_warehouse.working_db,
        """
        select source_line, unmapped_reason from staging.stg_social__row_outcomes
        where unmapped_reason is not null order by source_line
        """,
    ) == [
        (8, "created_at is not a time like Tue Oct 31 22:10:47 +0000 2017"),
        (10, "its thread holds no customer tweet (inbound True), so its session has no customer"),
        (11, "tweet_id delivered before (an earlier row or load); the first delivery is kept"),
        (12, LOOP),
        (13, LOOP),
    ]
    assert query(
        social_warehouse.working_db,
        "select source_file, source_line, field, reason from raw.rejected_events",
    ) == [("social/tweets.csv", 14, "row", "has 4 cells but the header has 7 (file line 15)")]


def test_no_author_id_or_tweet_text_is_published(social_warehouse):
    """Author ids and texts stay in the working database; the published file holds hashes."""
    secrets = ["115712", "115713", "sprintcare", "AppleSupport", "no signal", "iPhone"]
    assert published_values_containing(social_warehouse.published_db, secrets) == []
    # the hash of the thread is what the published rows carry
    assert query(
        social_warehouse.published_db,
        f"select count(*) from fct_messages where session_id = '{pseudonym('social:thread:3')}'",
    ) == [(4,)]


# --- the framework: configuration, loader rules --------------------------------------------------


def test_the_loader_and_dbt_know_the_same_adapters():
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    assert project["vars"]["event_sources"] == sorted(SOURCE_ADAPTERS)
    for source in SOURCE_ADAPTERS:
        folder = DBT_PROJECT_DIR / "models" / "staging" / source
        assert (folder / f"stg_{source}__events.sql").is_file()
        assert (folder / f"stg_{source}__row_outcomes.sql").is_file()


def test_sources_setting_defaults_to_none_and_refuses_an_unknown_source(tmp_path: Path):
    env = {"WAREHOUSE_DIR": str(tmp_path), "EMPATHY_PSEUDONYM_KEY": "k"}
    assert load_settings(env).sources == ()
    assert load_settings({**env, "EMPATHY_SOURCES": " Social, social "}).sources == ("social",)
    with pytest.raises(ConfigurationError, match="EMPATHY_SOURCES='zendesk' names zendesk"):
        load_settings({**env, "EMPATHY_SOURCES": "zendesk"})


def _load(landing: Path, database: Path, sources=("social",)):
    return load_landing(landing, database, now=NOW, sources=sources)


def test_without_the_setting_a_source_folder_is_read_as_canonical_events(
    landing: Path, database: Path
):
    """Only a configured source's folder is a source: a canonical deployment may well have a
    folder named social/ holding event files."""
    (landing / "social").mkdir()
    (landing / "social" / "tweets.csv").write_text(TWEETS)
    report = _load(landing, database, sources=())
    assert [(f.source_file, f.received, f.rejected) for f in report.files] == [
        ("social/tweets.csv", 1, 1)
    ]
    assert query(database, "select count(*) from raw.source_rows") == [(0,)]


def test_a_source_table_lands_whole_in_raw_with_every_column(landing: Path, database: Path):
    (landing / "social").mkdir()
    (landing / "social" / "tweets.csv").write_text(TWEETS)
    report = _load(landing, database)
    assert [(f.source_file, f.received, f.loaded, f.rejected) for f in report.files] == [
        ("social/tweets.csv", 14, 13, 1)
    ]
    assert query(database, "select count(*) from raw.events") == [(0,)]
    assert query(
        database,
        "select source, source_table, record from raw.source_rows where source_line = 2",
    ) == [
        (
            "social",
            "tweets",
            '{"tweet_id": "2", "author_id": "sprintcare", "inbound": "False", '
            '"created_at": "Mon Oct 05 10:05:00 +0000 2026", '
            '"text": "@115712 Sorry to hear that! Please DM us.", '
            '"in_response_to_tweet_id": "1"}',
        )
    ]
    assert query(database, "select * from raw.source_table_files") == [
        (report.load_id, "social/tweets.csv", "social", "tweets")
    ]
    # loaded again: skipped by its sha256, as any landing file
    assert _load(landing, database).skipped_files == ["social/tweets.csv"]


def test_a_table_folder_of_several_files_and_parquet_load_as_the_same_table(
    landing: Path, database: Path
):
    """Fivetran and Airbyte land a table as a folder of files (CSV or Parquet)."""
    folder = landing / "social" / "tweets"
    folder.mkdir(parents=True)
    (folder / "part-0.csv").write_text(TWEETS)
    pq.write_table(
        pa.table(
            {
                "Tweet_ID": [101],
                "author_id": ["115799"],
                "inbound": [True],
                "created_at": ["Mon Oct 05 18:00:00 +0000 2026"],
                "text": ["hello"],
                "in_response_to_tweet_id": [None],
            }
        ),
        folder / "part-1.parquet",
    )
    report = _load(landing, database)
    assert [(f.source_file, f.received, f.loaded) for f in report.files] == [
        ("social/tweets/part-0.csv", 14, 13),
        ("social/tweets/part-1.parquet", 1, 1),
    ]
    assert query(
        database, "select record from raw.source_rows where source_file like '%parquet'"
    ) == [
        (
            '{"tweet_id":101,"author_id":"115799","inbound":true,'
            '"created_at":"Mon Oct 05 18:00:00 +0000 2026","text":"hello",'
            '"in_response_to_tweet_id":null}',
        )
    ]


def test_a_file_of_a_source_that_is_no_table_of_it_is_left_alone(landing: Path, database: Path):
    (landing / "social").mkdir()
    (landing / "social" / "users.csv").write_text("user_id\n1\n")
    (landing / "social" / "tweets.jsonl").write_text("{}\n")
    report = _load(landing, database)
    assert report.files == []
    assert [name.split(" ")[0] for name in report.ignored_files] == [
        "social/tweets.jsonl",
        "social/users.csv",
    ]
    assert "not a table the social adapter reads (tweets;" in report.ignored_files[0]


def test_a_source_table_missing_a_column_the_adapter_reads_is_refused_whole(
    landing: Path, database: Path
):
    (landing / "social").mkdir()
    (landing / "social" / "tweets.csv").write_text("tweet_id,author_id,text\n1,2,hi\n")
    report = _load(landing, database)
    assert [(f.received, f.rejected) for f in report.files] == [(1, 1)]
    assert report.files[0].refusal == (
        "not a valid CSV file: the header row must name the columns tweet_id, author_id, "
        "inbound, created_at, text, in_response_to_tweet_id; missing inbound, created_at, "
        "in_response_to_tweet_id"
    )
    # the reconciliation still knows which table the refused file was
    assert query(database, "select source_table from raw.source_table_files") == [("tweets",)]


def test_a_column_named_like_sql_is_only_a_key_of_the_kept_row(landing: Path, database: Path):
    attack = '"; drop table raw.events; --'
    (landing / "social").mkdir()
    (landing / "social" / "tweets.csv").write_text(
        f'{HEADER},"{attack.replace(chr(34), chr(34) * 2)}"\n'
        "1,115712,True,Mon Oct 05 10:00:00 +0000 2026,hi,,,x\n"
    )
    report = _load(landing, database)
    assert [(f.received, f.loaded) for f in report.files] == [(1, 1)]
    ((record,),) = query(database, "select record from raw.source_rows")
    assert json.loads(record)[attack] == "x"
    assert query(database, "select count(*) from raw.events") == [(0,)]


def test_a_source_table_naming_a_column_twice_is_refused_whole(landing: Path, database: Path):
    (landing / "social").mkdir()
    (landing / "social" / "tweets.csv").write_text(f"{HEADER},Text \n")
    report = _load(landing, database)
    assert report.files[0].refusal == (
        "not a valid CSV file: it names the column(s) text more than once (letter case and "
        "surrounding spaces aside), so a row cannot be kept whole"
    )


def test_a_huge_row_of_a_source_table_is_rejected_and_the_next_row_loads(
    landing: Path, database: Path
):
    (landing / "social").mkdir()
    huge = "x" * (2 << 20)
    (landing / "social" / "tweets.csv").write_text(
        f"{HEADER}\n1,115712,True,Mon Oct 05 10:00:00 +0000 2026,{huge},,\n"
        "2,115712,True,Mon Oct 05 10:01:00 +0000 2026,hi,,\n"
    )
    report = _load(landing, database)
    assert [(f.received, f.loaded, f.rejected) for f in report.files] == [(2, 1, 1)]
    assert query(database, "select source_line from raw.source_rows") == [(2,)]
    (reason,) = query(database, "select reason from raw.rejected_events")[0]
    assert reason.startswith("is a row of about 2097")


def test_a_link_in_a_source_folder_pointing_outside_is_refused_unread(
    tmp_path: Path, landing: Path, database: Path
):
    outside = tmp_path / "secret.csv"
    outside.write_text(TWEETS)
    (landing / "social").mkdir()
    os.symlink(outside, landing / "social" / "tweets.csv")
    report = _load(landing, database)
    assert [(f.source_file, f.received, f.rejected, f.refusal) for f in report.files] == [
        (
            "social/tweets.csv",
            1,
            1,
            "symbolic link to a target outside the landing folder; not read",
        )
    ]
    assert query(database, "select count(*) from raw.source_rows") == [(0,)]


def test_the_run_prints_each_source_tables_reconciliation(social_warehouse):
    from orchestration.summary import source_reconciliation_lines

    assert source_reconciliation_lines(social_warehouse.published_db) == [
        "source social/tweets: received 14 = mapped 8 + rejected 6 (unreadable 1: "
        "raw.rejected_events; unmapped 5: staging.stg_social__row_outcomes)"
    ]
