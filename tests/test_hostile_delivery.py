"""The hostile-input suite: one delivery holding every attack and oddity found so far, through
the whole real job (load, dbt, Great Expectations, publish), twice, into two warehouses whose
paths hold quotes.

It proves, end to end, what the named tests elsewhere prove piece by piece:
- no input runs code: SQL in Parquet column names, in event types and in text, Jinja in text,
  links out of the landing folder all stay data (no marker file, no uncounted row, no secret);
- no planted personal value (in every field of the contract) reaches a published table, a
  Parquet file, a log or a dbt artifact;
- every record delivered is accounted for, file by file, with the count worked out by hand;
- identical inputs publish identical marts.

The attacks are made here, in the test; the expected counts are written next to each.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.cli import run_refresh
from tests.conftest import (
    PLANTED_DELIVERY,
    PLANTED_TOKENS,
    TEST_PSEUDONYM_KEY,
    pipeline_environment,
    query,
)
from tests.handmade_events import DAY, event, write_deliveries
from tests.test_loader_hostile_files import SECRET_LINE, sql_attack_column_names
from tests.test_privacy import _files_of_the_run, _string_values

SECRET_FILE_CONTENT = "secret-file-content-hostile-77e1"
INJECTED_TEXT = "{{ env_var('EMPATHY_PSEUDONYM_KEY') }} '); drop table raw.events; --"


def _jsonl(path: Path, records: list[dict | str], newline: str = "\n") -> None:
    lines = [record if isinstance(record, str) else json.dumps(record) for record in records]
    path.write_text("".join(line + newline for line in lines))


def write_hostile_landing(landing: Path, outside: Path) -> dict[str, int]:
    """Writes the hostile delivery; returns, per landing file, the records it holds (received)."""
    write_deliveries(landing)  # the hand-made day: the marts have real content
    expected = {"2026-10-05_helpdesk.jsonl": 0, "2026-10-06_redelivery.jsonl": 0}
    for name in expected:
        expected[name] = sum(1 for line in (landing / name).read_text().splitlines() if line)

    # Personal data in every field of the contract (tests/conftest.py PLANTED_DELIVERY).
    _jsonl(landing / "planted.jsonl", PLANTED_DELIVERY)
    expected["planted.jsonl"] = len(PLANTED_DELIVERY)

    # Parquet column names that ran SQL through the old loader: 4 files of one event each.
    marker = outside / "marker.csv"
    secret_file = outside / "secret.txt"
    secret_file.write_text(SECRET_FILE_CONTENT)
    for name, column in sql_attack_column_names(marker, secret_file).items():
        table = pa.table(
            {
                column: ["1"],
                "event_id": [f"h-parquet-{name}"],
                "event_type": ["message"],
                "occurred_at": [f"{DAY}T15:00:00Z"],
                "session_id": ["H-PARQUET"],
                "actor_type": ["customer"],
                "channel": ["chat"],
            }
        )
        pq.write_table(table, landing / f"attack_{name}.parquet")
        expected[f"attack_{name}.parquet"] = 1

    # Links out of the landing folder, to a file and to a folder: refused unread, 1 each.
    (outside / "passwd").write_text(SECRET_LINE + "\n")
    (outside / "folder").mkdir()
    (outside / "folder" / "events.jsonl").write_text(SECRET_LINE + "\n")
    (landing / "passwd.jsonl").symlink_to(outside / "passwd")
    (landing / "elsewhere").symlink_to(outside / "folder")
    expected["passwd.jsonl"] = 1
    expected["elsewhere"] = 1

    # A name that is not UTF-8: refused, shown with escapes, the rest loads.
    os.close(os.open(os.fsencode(landing) + b"/caf\xe9.jsonl", os.O_CREAT | os.O_WRONLY))
    expected["caf\\xe9.jsonl"] = 1

    # A CSV with a quote that never closes, on data row 3 of 5: refused whole.
    header = "event_id,event_type,occurred_at,session_id,actor_type,channel,text\n"
    rows = [f"h-csv-{n},message,{DAY}T16:00:0{n}Z,H-CSV,customer,chat,row {n}\n" for n in range(5)]
    rows[2] = f'h-csv-2,message,{DAY}T16:00:02Z,H-CSV,customer,chat,"never closed\n'
    (landing / "unterminated.csv").write_text(header + "".join(rows))
    expected["unterminated.csv"] = 1

    # Old Mac line endings: three records, not one.
    cr_events = [
        event(f"h-cr-{n}", "message", f"16:30:0{n}", "H-CR", "customer", "hi", channel="chat")
        for n in range(3)
    ]
    _jsonl(landing / "cr_only.jsonl", cr_events, newline="\r")
    expected["cr_only.jsonl"] = 3

    # Two events in a gzip member, then 16 bytes of garbage: 2 loaded + 1 rejected.
    gz_events = [
        event(f"h-gz-{n}", "message", f"16:40:0{n}", "H-GZ", "customer", "hi", channel="chat")
        for n in range(2)
    ]
    member = gzip.compress("".join(json.dumps(e) + "\n" for e in gz_events).encode(), mtime=0)
    (landing / "trailing_garbage.jsonl.gz").write_bytes(member + b"\x00garbage-bytes!")
    expected["trailing_garbage.jsonl.gz"] = 3

    # One record of 2 MiB (over the 1 MiB record limit) between two good ones.
    giant = event("h-giant", "message", "16:50:00", "H-GIANT", "customer", "x" * (2 << 20))
    _jsonl(
        landing / "giant.jsonl",
        [
            event("h-giant-before", "message", "16:49:00", "H-GIANT", "customer", "hi"),
            giant,
            event("h-giant-after", "message", "16:51:00", "H-GIANT", "customer", "hi"),
        ],
    )
    expected["giant.jsonl"] = 3

    # Odd but contract-valid records, and broken timestamps, in one file (12 records):
    odd = [
        # a system message (valid: it must publish, counting in no metric)
        event("h-system", "message", "17:00:00", "H-ODD", "system", "maintenance", channel="chat"),
        # SQL and Jinja in text and in the event type: stored as data, never run or rendered
        event(
            "h-inject", "message", "17:00:05", "H-ODD", "customer", INJECTED_TEXT, channel="chat"
        ),
        event("h-inject-type", "x'); drop table raw.events; --", "17:00:06", "H-ODD"),
        # the same session id on a second channel: flagged, never silently merged
        event("h-other-channel", "message", "17:00:10", "H-ODD", "customer", "hi", channel="email"),
        # a re-delivery of a hand-made event with other content: rejected, naming the first
        event("e-101", "session_started", "10:00:00", "S1", "customer", customer="c-9"),
        # timestamps outside the plausible window or not RFC 3339: rejected
        event("h-1969", "message", "1969-12-31T23:59:59Z", "H-TIME", "customer", "hi"),
        event("h-9999", "message", "9999-12-31T23:59:59Z", "H-TIME", "customer", "hi"),
        event("h-offset", "message", "2026-10-05T10:00:00+99:99", "H-TIME", "customer", "hi"),
        {**event("h-bare-date", "message", "10:00:00", "H-TIME"), "occurred_at": "2026-10-05"},
        # valid, but odd: a NUL in text, 2,000 levels of nesting, a number no double holds
        event("h-nul", "message", "17:01:00", "H-ODD", "customer", "nul \u0000 char"),
        event("h-deep", "message", "17:01:05", "H-ODD", "bot", "hi"),
        event("h-huge", "message", "17:01:10", "H-ODD", "bot", "hi"),
    ]
    # (written by hand: Python's json refuses both)
    odd[-2] = (
        json.dumps(odd[-2])[:-1] + ', "attributes": {"nested": ' + "[" * 2000 + "]" * 2000 + "}}"
    )
    odd[-1] = json.dumps(odd[-1])[:-1] + ', "attributes": {"confidence": 1e400}}'

    _jsonl(landing / "odd.jsonl", odd)
    expected["odd.jsonl"] = len(odd)
    return expected


# Tables of the published file that describe the run, not the data.
RUN_TABLES = {"publication", "mon_refresh_runs"}


def published_tables(database: Path) -> dict[str, list[tuple]]:
    """Every published table but the run's own, rows sorted, without the *loaded_at columns
    (when the loader saw an event): what must be equal for equal inputs."""
    with duckdb.connect(str(database), read_only=True) as connection:
        names = [row[0] for row in connection.execute("show tables").fetchall()]
        return {
            name: connection.execute(
                f"select columns(lambda c: c not like '%loaded_at') from \"{name}\" order by all"
            ).fetchall()
            for name in names
            if name not in RUN_TABLES
        }


REJECTED_WHOLE = {"passwd.jsonl", "elsewhere", "caf\\xe9.jsonl", "unterminated.csv"}


@pytest.fixture(scope="module")
def hostile_runs(tmp_path_factory: pytest.TempPathFactory):
    """The hostile delivery, run twice in two warehouses named with quotes; read-only after."""
    runs = []
    for twin in ("first", "second"):
        root = tmp_path_factory.mktemp(f"hostile_{twin}")
        warehouse = root / 'it\'s a "warehouse"'
        outside = root / "outside"
        outside.mkdir()
        expected = write_hostile_landing(warehouse / "landing", outside)
        # Publishing despite the rejects is what lets this suite scan the published files.
        with pipeline_environment(warehouse, EMPATHY_REJECT_SHARE_LIMIT="1") as settings:
            outcome = run_refresh(settings, DAY)
        assert outcome.published, outcome.problems
        runs.append((settings, outcome, expected, outside))
    return runs


def test_no_input_ran_code(hostile_runs):
    settings, _, _, outside = hostile_runs[0]
    assert not (outside / "marker.csv").exists()
    loaded = query(settings.working_db, "select sum(loaded) from raw.file_loads")[0][0]
    assert query(settings.working_db, "select count(*) from raw.events")[0][0] == loaded
    stored = "\n".join(
        repr(row)
        for table in ("raw.events", "raw.rejected_events", "raw.file_loads")
        for row in query(settings.working_db, f"select * from {table}")
    )
    for secret in (TEST_PSEUDONYM_KEY, SECRET_FILE_CONTENT, SECRET_LINE):
        assert secret not in stored
    # SQL and Jinja in text are text: stored and staged literally, nothing rendered or run.
    assert query(
        settings.working_db, "select text from raw.events where event_id = 'h-inject'"
    ) == [(INJECTED_TEXT,)]


def test_every_record_delivered_is_accounted_for_file_by_file(hostile_runs):
    settings, _, expected, _ = hostile_runs[0]
    rows = query(
        settings.working_db,
        "select source_file, received, loaded, duplicates, rejected from raw.file_loads",
    )
    assert {name: received for name, received, *_ in rows} == expected
    assert all(received == loaded + dup + rejected for _, received, loaded, dup, rejected in rows)
    rejected_whole = {
        name
        for (name,) in query(
            settings.working_db,
            "select source_file from raw.rejected_events where field = 'file' and source_line = 0",
        )
    }
    assert rejected_whole == REJECTED_WHOLE
    by_file = {name: (loaded, rejected) for name, _, loaded, _, rejected in rows}
    assert by_file["cr_only.jsonl"] == (3, 0)
    assert by_file["trailing_garbage.jsonl.gz"] == (2, 1)
    assert by_file["giant.jsonl"] == (2, 1)
    # odd.jsonl: the system message, both injections, the second channel, the NUL, the nesting
    # and the huge number load; the conflicting re-delivery and the 4 broken timestamps do not.
    assert by_file["odd.jsonl"] == (7, 5)


def test_no_planted_value_reaches_a_published_file_or_a_log(hostile_runs):
    settings, _, _, _ = hostile_runs[0]
    tokens = (*PLANTED_TOKENS, SECRET_LINE, SECRET_FILE_CONTENT, TEST_PSEUDONYM_KEY)
    findings = []
    with duckdb.connect(str(settings.published_db), read_only=True) as connection:
        for (table,) in connection.execute("show tables").fetchall():
            values = _string_values(connection, f'"{table}"')
            findings += [
                f"{table}: {t!r}" for t in tokens for v in values if t.lower() in v.lower()
            ]
    parquet_files = sorted(settings.parquet_dir.glob("*.parquet"))
    assert len(parquet_files) >= 14
    for path in [*parquet_files, *_files_of_the_run(settings)]:
        content = path.read_bytes().lower()
        findings += [f"{path.name}: {t!r}" for t in tokens if t.lower().encode() in content]
    assert findings == []


def test_the_odd_but_valid_records_are_published(hostile_runs):
    settings, _, _, _ = hostile_runs[0]
    published = query(
        settings.published_db,
        "select count(*) filter (where actor_type = 'system'), "
        "count(*) filter (where actor_type = 'customer') from fct_messages",
    )
    assert published[0][0] == 1
    assert query(
        settings.published_db,
        "select source_event_type, event_count from mon_unmapped_event_types "
        "where source_event_type = 'unrecognised'",
    ) == [("unrecognised", 2)]  # the SQL above and the planted one, as labels would leak
    assert query(
        settings.published_db,
        "select count(*) from fct_sessions where has_conflicting_channels",
    ) == [(1,)]


def test_a_session_without_a_channel_publishes_in_the_unknown_segment(hostile_runs):
    """channel is optional in the contract; the segment suite once rejected 'unknown' and a
    single such session blocked every publish (H-GIANT's events carry no channel)."""
    settings, _, _, _ = hostile_runs[0]
    assert query(
        settings.published_db,
        "select sum(sessions) from agg_metrics_segment_daily where channel = 'unknown'",
    ) == [(1,)]


def test_identical_hostile_inputs_publish_identical_marts(hostile_runs):
    """Parallel float sums differ in their last bits: two runs once published a mean of
    3.5000000000000004 and 3.4999999999999996 and flipped a status and an empathy-theater flag.
    Published rates, means and medians are rounded to 6 places before they are judged (pinned
    exactly on a threshold by the dbt unit test test_mean_exactly_on_a_threshold_reaches_it)."""
    (first, *_), (second, *_) = hostile_runs
    first_tables = published_tables(first.published_db)
    second_tables = published_tables(second.published_db)
    assert sorted(first_tables) == sorted(second_tables)
    assert [name for name in first_tables if first_tables[name] != second_tables[name]] == []
