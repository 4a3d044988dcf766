"""Hostile and odd deliveries: crafted names, links, files that change, broken framing.

Each test builds its landing folder by hand and calls `load_landing` (or `publish_marts`)
directly; the expected counts are worked out in the test.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import jsonschema
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.ingest import contract, load_landing, loader, readers
from orchestration.ingest.contract import RAW_RECORD_PREFIX_BYTES
from orchestration.publish import publish_marts
from orchestration.run_log import PUBLISHED_RUN_LOG, RunSummary, published_run_log, record_run
from orchestration.settings import PROJECT_ROOT, ConfigurationError, load_settings
from tests.conftest import parquet_query
from tests.test_loader import NOW, event, query, rejects, write_jsonl

PSEUDONYM_KEY = "key-that-must-never-be-stored-7f3a"


def every_stored_text(database: Path) -> str:
    """Every value of every raw table, as one text to search for leaked secrets."""
    tables = ("raw.events", "raw.rejected_events", "raw.file_loads")
    return "\n".join(
        repr(row) for table in tables for row in query(database, f"select * from {table}")
    )


def reconciliation(database: Path) -> list[tuple]:
    return query(
        database,
        "select sum(received), sum(loaded), sum(duplicates), sum(rejected) from raw.file_loads",
    )


# --- 1. Parquet column names are names, never SQL ------------------------------------------------

# What the loader's query builder wrote around the first column name, and what an attacker
# closes it with: the rest of the column name runs as statements of its own.
_BREAK_OUT = (
    'p" := 1)) as raw_record, null as record, null as early_field, null as early_reason '
    "from (select 1 as file_row_number); "
)
_ENVELOPE = (
    "event_id := event_id, event_type := event_type, occurred_at := occurred_at, "
    "session_id := session_id"
)
_RESUME = (
    "select file_row_number + 1 as source_line, to_json(struct_pack("
    + _ENVELOPE
    + "{extra})) as raw_record, --"
)


def sql_attack_column_names(marker: Path, secret_file: Path) -> dict[str, str]:
    """Column names that ran SQL through the old loader (names are lower-cased first)."""
    assert str(marker) == str(marker).lower(), "the attack only survives lower-casing"
    return {
        "copy": _BREAK_OUT
        + f"copy (select 42 as x) to '{marker}' (format csv); "
        + _RESUME.format(extra=""),
        "insert": _BREAK_OUT
        + "insert into raw.events values ('injected', 'message', '2026-03-01 09:00:00', 's1', "
        "null, null, null, null, null, '{}', 'x.parquet', 1, 'x', now()::timestamp); "
        + _RESUME.format(extra=""),
        "getenv": _BREAK_OUT
        + "set variable leak = getenv(upper('empathy_pseudonym_key')); "
        + _RESUME.format(extra=", text := getvariable('leak')"),
        "read_file": _BREAK_OUT
        + f"set variable leak = (select content from read_text('{secret_file}')); "
        + _RESUME.format(extra=", text := getvariable('leak')"),
    }


def test_parquet_column_names_that_are_sql_attacks_run_nothing(
    tmp_path: Path, landing: Path, database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EMPATHY_PSEUDONYM_KEY", PSEUDONYM_KEY)
    marker = tmp_path / "marker.csv"
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text("secret-file-content-91c2")
    attacks = sql_attack_column_names(marker, secret_file)
    for name, column in attacks.items():
        table = pa.table(
            {
                column: ["1"],
                "event_id": [f"e-{name}"],
                "event_type": ["message"],
                "occurred_at": ["2026-03-01T09:00:00Z"],
                "session_id": ["s1"],
            }
        )
        pq.write_table(table, landing / f"{name}.parquet")

    report = load_landing(landing, database, now=NOW)

    assert not marker.exists()
    # Each file is one ordinary event; the odd column is simply not part of the envelope.
    assert query(database, "select event_id, text from raw.events order by 1") == [
        ("e-copy", None),
        ("e-getenv", None),
        ("e-insert", None),
        ("e-read_file", None),
    ]
    assert (report.received, report.loaded, report.duplicates, report.rejected) == (4, 4, 0, 0)
    assert reconciliation(database) == [(4, 4, 0, 0)]
    stored = every_stored_text(database)
    assert PSEUDONYM_KEY not in stored
    assert "secret-file-content-91c2" not in stored


# --- 2. paths with quotes reach SQL as bound values ----------------------------------------------


def test_publish_works_from_and_to_folders_whose_names_hold_quotes(tmp_path: Path) -> None:
    odd = tmp_path / "O'Brien's \"data\"; drop table x; --"
    working = odd / "work" / "warehouse.duckdb"
    working.parent.mkdir(parents=True)
    with duckdb.connect(str(working)) as connection:
        connection.execute("create schema marts")
        connection.execute("create table marts.fct_sessions as select range as n from range(3)")

    result = publish_marts(
        working,
        odd / "published" / "metrics.duckdb",
        odd / "parquet",
        ("fct_sessions",),
        beside_marts={PUBLISHED_RUN_LOG: published_run_log()},
    )

    assert result.row_counts == {"fct_sessions": 3}
    assert query(result.database, "select count(*) from fct_sessions") == [(3,)]
    for table in ("fct_sessions", "mon_refresh_runs"):
        assert (odd / "parquet" / f"{table}.parquet").is_file()
    parquet_rows = parquet_query(
        "select count(*) from read_parquet(?)", (str(odd / "parquet" / "fct_sessions.parquet"),)
    )
    assert parquet_rows == [(3,)]


def test_run_log_reads_a_working_database_whose_name_holds_a_double_quote(tmp_path: Path) -> None:
    working = tmp_path / 'ware"house.duckdb'
    started = datetime(2026, 3, 2, 11, 0)
    with duckdb.connect(str(working)) as connection:
        connection.execute("create schema raw")
        connection.execute(
            "create table raw.rejected_events as select 'a.jsonl' as source_file, "
            "'not a valid gzip file' as reason, 'file' as field, ? as rejected_at",
            [datetime(2026, 3, 2, 11, 30)],
        )
    summary = RunSummary(**{field.name: None for field in dataclasses.fields(RunSummary)})
    summary = dataclasses.replace(
        summary,
        run_id="r1",
        job_name="refresh_warehouse",
        outcome="published",
        started_at=started,
        finished_at=datetime(2026, 3, 2, 12, 0),
        recorded_at=started,
    )

    recorded = record_run(working, summary)

    assert recorded.rejected_files == "a.jsonl: not a valid gzip file"


# --- 3. symbolic links never lead out of the landing folder --------------------------------------

SECRET_LINE = "root:x:0:0:secret-line-4d1e:/root:/bin/bash"


def test_symbolic_links_leaving_the_landing_folder_are_refused_unread(
    tmp_path: Path, landing: Path, database: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "passwd").write_text(SECRET_LINE + "\n")
    (outside / "secrets.jsonl").write_text(SECRET_LINE + "\n")
    (landing / "passwd.jsonl").symlink_to(outside / "passwd")
    (landing / "elsewhere").symlink_to(outside, target_is_directory=True)
    (landing / "up.jsonl").symlink_to(Path("..") / "outside" / "passwd")  # relative link
    (landing / "via.jsonl").symlink_to(landing / "passwd.jsonl")  # inside, then out
    (landing / "loop.jsonl").symlink_to(landing / "loop.jsonl")
    write_jsonl(landing / "day.jsonl", [event(1)])

    report = load_landing(landing, database, now=NOW)

    assert [(f.source_file, f.file_format, f.received, f.rejected) for f in report.files] == [
        ("day.jsonl", "jsonl", 1, 0),
        ("elsewhere", "folder", 1, 1),
        ("loop.jsonl", "jsonl", 1, 1),
        ("passwd.jsonl", "jsonl", 1, 1),
        ("up.jsonl", "jsonl", 1, 1),
        ("via.jsonl", "jsonl", 1, 1),
    ]
    reason = "symbolic link to a target outside the landing folder; not read"
    loop = "symbolic link that never reaches a file (a loop of links); not read"
    assert [r[:4] for r in rejects(database)] == [
        ("elsewhere", 0, "file", reason),
        ("loop.jsonl", 0, "file", loop),
        ("passwd.jsonl", 0, "file", reason),
        ("up.jsonl", 0, "file", reason),
        ("via.jsonl", 0, "file", reason),
    ]
    assert f"    rejected whole: {reason}" in report.summary_lines()
    assert "secret-line-4d1e" not in every_stored_text(database)
    assert reconciliation(database) == [(6, 1, 0, 5)]


def test_a_link_to_a_file_inside_the_landing_folder_loads_under_the_link_name(
    landing: Path, database: Path
) -> None:
    write_jsonl(landing / ".archive" / "day.jsonl", [event(1)])  # a dot-folder: not searched
    (landing / "today.jsonl").symlink_to(landing / ".archive" / "day.jsonl")
    (landing / "again").symlink_to(landing / ".archive", target_is_directory=True)

    report = load_landing(landing, database, now=NOW)

    assert [(f.source_file, f.loaded) for f in report.files] == [("today.jsonl", 1)]
    assert query(database, "select source_file from raw.events") == [("today.jsonl",)]


# --- 4. a file name that is not UTF-8 -----------------------------------------------------------


def test_file_name_that_is_not_utf8_is_refused_and_the_other_files_still_load(
    landing: Path, database: Path
) -> None:
    write_jsonl(landing / os.fsdecode(b"caf\xe9.jsonl"), [event(1)])  # Latin-1, not UTF-8
    write_jsonl(landing / "later.jsonl", [event(2)])

    first = load_landing(landing, database, now=NOW)
    second = load_landing(landing, database, now=NOW)

    assert [(f.source_file, f.received, f.loaded, f.rejected) for f in first.files] == [
        ("caf\\xe9.jsonl", 1, 0, 1),
        ("later.jsonl", 1, 1, 0),
    ]
    assert first.files[0].refusal.startswith("the file name is not valid UTF-8")
    # Refused, not recorded as loaded: tried (and refused) again until it is renamed.
    assert [f.source_file for f in second.files] == ["caf\\xe9.jsonl"]
    assert second.skipped_files == ["later.jsonl"]
    assert query(database, "select event_id from raw.events") == [("e2",)]


# --- 5. a file that grows while it is read ------------------------------------------------------


def test_file_appended_to_while_loading_is_not_recorded_and_loads_whole_next_run(
    landing: Path, database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_jsonl(landing / "day.jsonl", [event(1), event(2)])
    real_sha256 = loader.file_sha256

    def hash_then_upstream_appends(hashed: Path) -> str:
        digest = real_sha256(hashed)
        with hashed.open("ab") as handle:  # the upstream writer, between hashing and reading
            handle.write(json.dumps(event(3)).encode() + b"\n")
        monkeypatch.setattr(loader, "file_sha256", real_sha256)
        return digest

    monkeypatch.setattr(loader, "file_sha256", hash_then_upstream_appends)
    first = load_landing(landing, database, now=NOW)

    assert first.files == []
    [deferred] = first.deferred_files
    assert deferred.source_file == "day.jsonl"
    assert "changed while it was read" in deferred.reason
    assert any(
        line.startswith("  not loaded, tried again next run: day.jsonl")
        for line in first.summary_lines()
    )
    assert query(database, "select count(*) from raw.events") == [(0,)]
    assert query(database, "select count(*) from raw.file_loads") == [(0,)]

    second = load_landing(landing, database, now=NOW)

    assert [(f.received, f.loaded, f.duplicates, f.rejected) for f in second.files] == [
        (3, 3, 0, 0)
    ]
    # The digest recorded is the digest of exactly the bytes loaded.
    assert query(database, "select file_sha256 from raw.file_loads") == [
        (hashlib.sha256(path.read_bytes()).hexdigest(),)
    ]
    assert reconciliation(database) == [(3, 3, 0, 0)]


def test_gzip_still_being_written_is_not_rejected_but_left_for_the_next_run(
    landing: Path, database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    complete = gzip.compress("".join(json.dumps(event(n)) + "\n" for n in range(1, 6)).encode())
    path = landing / "day.jsonl.gz"
    path.write_bytes(complete[: len(complete) // 3])
    real_sha256 = loader.file_sha256

    def hash_then_upstream_writes_more(hashed: Path) -> str:
        digest = real_sha256(hashed)
        with hashed.open("ab") as handle:  # still not the whole file: reading finds it cut short
            handle.write(complete[len(complete) // 3 : 2 * len(complete) // 3])
        monkeypatch.setattr(loader, "file_sha256", real_sha256)
        return digest

    monkeypatch.setattr(loader, "file_sha256", hash_then_upstream_writes_more)
    first = load_landing(landing, database, now=NOW)
    path.write_bytes(complete)  # the upload finishes
    second = load_landing(landing, database, now=NOW)

    assert (first.files, [d.source_file for d in first.deferred_files]) == ([], ["day.jsonl.gz"])
    assert [(f.received, f.loaded, f.rejected) for f in second.files] == [(5, 5, 0)]
    assert rejects(database) == []


# --- 6. an unterminated CSV quote ---------------------------------------------------------------


def test_csv_with_an_unterminated_quote_is_refused_whole_naming_its_line(
    landing: Path, database: Path
) -> None:
    rows = [f"e{n},message,2026-03-01T09:00:{n % 60:02d}Z,s1" for n in range(1, 101)]
    rows[2] = 'e3,"message,2026-03-01T09:00:03Z,s1'  # data row 3, file line 4
    (landing / "day.csv").write_text(
        "event_id,event_type,occurred_at,session_id\n" + "\n".join(rows) + "\n"
    )

    report = load_landing(landing, database, now=NOW)

    [file] = report.files
    assert (file.received, file.loaded, file.duplicates, file.rejected) == (1, 0, 0, 1)
    [reject] = rejects(database)
    assert reject[:3] == ("day.csv", 0, "file")
    assert "row starting at file line 4 (data row 3)" in reject[3]
    assert "quoted field that is never closed" in reject[3]
    assert query(database, "select count(*) from raw.events") == [(0,)]


# --- 7. old Mac line endings --------------------------------------------------------------------


def test_cr_only_line_endings_end_records_in_jsonl_and_csv(
    landing: Path, database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [json.dumps(event(n)) for n in (1, 2, 3, 4)]
    # CR alone, CR LF, CR alone; a small read size puts a CR LF across two reads.
    (landing / "mac.jsonl").write_bytes(
        (lines[0] + "\r" + lines[1] + "\r\n" + lines[2] + "\r" + lines[3]).encode()
    )
    monkeypatch.setattr(readers, "JSONL_BATCH_BYTES", len(lines[0]) + len(lines[1]) + 2)
    (landing / "mac.csv").write_bytes(
        b"event_id,event_type,occurred_at,session_id\r"
        b"c1,message,2026-03-01T09:00:01Z,s1\r"
        b'c2,message,2026-03-01T09:00:02Z,"s\r1"\r'
        b"c3,message,2026-03-01T09:00:03Z,s1\r"
    )

    report = load_landing(landing, database, now=NOW)

    assert [(f.source_file, f.received, f.loaded) for f in report.files] == [
        ("mac.csv", 3, 3),
        ("mac.jsonl", 4, 4),
    ]
    assert query(
        database, "select event_id, source_line, session_id from raw.events order by 1"
    ) == [
        ("c1", 1, "s1"),
        ("c2", 2, "s\r1"),
        ("c3", 3, "s1"),
        ("e1", 1, "s1"),
        ("e2", 2, "s1"),
        ("e3", 3, "s1"),
        ("e4", 4, "s1"),
    ]


# --- 8. gzip framing ----------------------------------------------------------------------------


def test_garbage_after_a_gzip_member_keeps_the_events_and_counts_the_bytes(
    landing: Path, database: Path
) -> None:
    member = gzip.compress("".join(json.dumps(event(n)) + "\n" for n in (1, 2)).encode())
    (landing / "day.jsonl.gz").write_bytes(member + b"trailing garbage")

    report = load_landing(landing, database, now=NOW)

    assert [(f.received, f.loaded, f.rejected) for f in report.files] == [(3, 2, 1)]
    assert query(database, "select event_id from raw.events order by 1") == [("e1",), ("e2",)]
    [reject] = rejects(database)
    assert reject[:3] == ("day.jsonl.gz", 3, "record")
    assert reject[3].startswith(
        f"16 bytes after the end of the gzip stream at byte offset {len(member)} "
    )


def test_concatenated_gzip_members_load_fully(landing: Path, database: Path) -> None:
    members = [gzip.compress(json.dumps(event(n)).encode() + b"\n") for n in (1, 2, 3)]
    (landing / "day.jsonl.gz").write_bytes(b"".join(members))

    report = load_landing(landing, database, now=NOW)

    assert (report.received, report.loaded, report.rejected) == (3, 3, 0)
    assert query(database, "select source_line from raw.events order by 1") == [(1,), (2,), (3,)]


# --- 9. one giant record costs no more memory than the maximum record size ----------------------

LONG_LINE_BYTES = 48 << 20
MEASURE_LOAD = """
import json, sys
from pathlib import Path
from orchestration.ingest import load_landing, readers
readers.JSONL_BATCH_BYTES = 4 << 20  # the block read at once: the other bound on memory

def status_kib(key):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])

def peak_growth_kib(landing, database):
    Path("/proc/self/clear_refs").write_text("5")  # resets the peak (VmHWM) to the current RSS
    before = status_kib("VmRSS")
    report = load_landing(landing, database)
    return status_kib("VmHWM") - before, report.received

warm_up, small, giant, work = map(Path, sys.argv[1:])
load_landing(warm_up, work / "warm-up.duckdb")
small_growth, _ = peak_growth_kib(small, work / "small.duckdb")
giant_growth, received = peak_growth_kib(giant, work / "giant.duckdb")
print(json.dumps({"small": small_growth, "giant": giant_growth, "received": received}))
"""


def write_giant_landing(landing: Path, text: str) -> None:
    write_jsonl(landing / "day.jsonl", [event(1), event(2, text=text), event(3)])
    (landing / "day.csv").write_text(
        "event_id,event_type,occurred_at,session_id,text\n"
        "c1,message,2026-03-01T09:00:01Z,s1,hi\n"
        f'c2,message,2026-03-01T09:00:02Z,s1,"{text}\nstill the same cell"\n'
        "c3,message,2026-03-01T09:00:03Z,s1,bye\n"
    )


def test_a_giant_line_or_row_is_rejected_unread_with_bounded_memory(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "warm-up" / "small.jsonl", [event(1)])
    write_giant_landing(tmp_path / "small", "x")
    giant_text = "x" * LONG_LINE_BYTES
    write_giant_landing(tmp_path / "giant", giant_text)
    folders = [str(tmp_path / name) for name in ("warm-up", "small", "giant")]

    child = subprocess.run(
        [sys.executable, "-c", MEASURE_LOAD, *folders, str(tmp_path)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )

    measured = json.loads(child.stdout.splitlines()[-1])
    database = tmp_path / "giant.duckdb"
    assert measured["received"] == 6
    # Peak resident memory of the load beyond the same load with a one-character text, in KiB:
    # the blocks in flight (two or three of 4 MiB), nothing that grows with the line. The
    # loader before this bound peaked 700 MiB higher; buffering the line once would add 48.
    assert measured["giant"] - measured["small"] < (LONG_LINE_BYTES >> 10) // 3
    assert query(database, "select event_id from raw.events order by 1") == [
        ("c1",),
        ("c3",),
        ("e1",),
        ("e3",),
    ]
    [csv_reject, jsonl_reject] = rejects(database)
    assert csv_reject[:3] == ("day.csv", 2, "row")
    assert "file lines 3-4" in csv_reject[3]
    assert jsonl_reject[:3] == ("day.jsonl", 2, "record")
    line_bytes = len(json.dumps(event(2, text=giant_text)))
    assert jsonl_reject[3].startswith(f"is a line of {line_bytes} bytes, more than the maximum")
    assert len(jsonl_reject[4]) == len(csv_reject[4]) == RAW_RECORD_PREFIX_BYTES


def test_the_longest_valid_text_fits_well_inside_the_maximum_record_size(
    landing: Path, database: Path
) -> None:
    # Every character outside the Basic Multilingual Plane, escaped as a \\u escape pair: the
    # largest a valid text can be written (12 bytes per character).
    longest = event(1, text="\U0001f600" * contract.MAX_TEXT_CHARS)
    line = json.dumps(longest)
    assert 4 * len(line) < contract.MAX_RECORD_BYTES
    write_jsonl(landing / "day.jsonl", [longest])

    report = load_landing(landing, database, now=NOW)

    assert (report.loaded, report.rejected) == (1, 0)
    assert query(database, "select length(text) from raw.events") == [(contract.MAX_TEXT_CHARS,)]


# --- 10. a re-delivery with different content is kept for review, not counted as a duplicate ---


def test_redelivery_with_different_content_is_rejected_naming_the_first_delivery(
    landing: Path, database: Path
) -> None:
    write_jsonl(landing / "a.jsonl", [event(1), event(2), event(2, text="edited in the file")])
    write_jsonl(
        landing / "b.jsonl",
        [event(1), event(2, text="edited later", channel="email"), event(3)],
    )

    report = load_landing(landing, database, now=NOW)

    assert [(f.received, f.loaded, f.duplicates, f.rejected) for f in report.files] == [
        (3, 2, 0, 1),  # e2 again on line 3, another text
        (3, 1, 1, 1),  # e1 identical: duplicate; e2 with another text and channel
    ]
    assert rejects(database) == [
        (
            "a.jsonl",
            3,
            "event_id",
            "delivers an event_id already delivered (a.jsonl line 2) with a different text; "
            "the first delivery is kept",
            '{"event_id":"e2","event_type":"message","occurred_at":"2026-03-01T09:02:00.000000Z",'
            '"session_id":"s1","customer_id":"c1","channel":"chat","actor_type":"bot",'
            '"actor_id":"bot-1","text":"edited in the file","attributes":{"confidence":0.9}}',
        ),
        (
            "b.jsonl",
            2,
            "event_id",
            "delivers an event_id already delivered (a.jsonl line 2) with a different channel, "
            "text; the first delivery is kept",
            '{"event_id":"e2","event_type":"message","occurred_at":"2026-03-01T09:02:00.000000Z",'
            '"session_id":"s1","customer_id":"c1","channel":"email","actor_type":"bot",'
            '"actor_id":"bot-1","text":"edited later","attributes":{"confidence":0.9}}',
        ),
    ]
    assert query(database, "select event_id, source_file, text from raw.events order by 1") == [
        ("e1", "a.jsonl", "hello 1"),
        ("e2", "a.jsonl", "hello 2"),
        ("e3", "b.jsonl", "hello 3"),
    ]
    assert reconciliation(database) == [(6, 3, 1, 2)]


def test_identical_redelivery_within_a_file_and_across_files_stays_a_duplicate(
    landing: Path, database: Path
) -> None:
    write_jsonl(landing / "a.jsonl", [event(1), event(1)])
    (landing / "b.csv").write_text(  # the same event in another format: same stored values
        "event_id,event_type,occurred_at,session_id,customer_id,channel,actor_type,actor_id,"
        "text,attributes\n"
        'e1,message,2026-03-01T10:01:00+01:00,s1,c1,Chat,bot,bot-1,hello 1,"{""confidence"":0.9}"\n'
    )

    report = load_landing(landing, database, now=NOW)

    assert [(f.received, f.loaded, f.duplicates, f.rejected) for f in report.files] == [
        (2, 1, 1, 0),
        (1, 0, 1, 0),
    ]
    assert rejects(database) == []


# --- 11. occurred_at: the loader and the JSON Schema give the same verdict ----------------------

# (string, valid RFC 3339 date-time with a real date and a valid offset?)
OCCURRED_AT_CASES = [
    ("2026-03-01T09:30:00Z", True),
    ("2026-03-01T11:30:00+02:00", True),
    ("2026-03-01T09:30:00.123456Z", True),
    ("2026-03-01T09:30:00.123456789-05:30", True),  # beyond microseconds: truncated
    ("2026-03-01t09:30:00z", True),  # RFC 3339 allows lower case
    ("2024-02-29T12:00:00Z", True),  # leap year
    ("2000-02-29T12:00:00Z", True),  # divisible by 400: leap year
    ("0001-01-01T00:00:00Z", True),
    ("9999-12-31T00:00:00Z", True),
    ("2026-03-01T09:30:00+23:59", True),
    ("2026-03-01T09:30:00-00:00", True),
    ("2026-10-05", False),  # a bare date: its -05 is no offset
    ("2026-03-01T09:30:00+99:99", False),
    ("2026-03-01T09:30:00+24:00", False),
    ("294247-01-01T00:00:00Z", False),
    ("0000-01-01T00:00:00Z", False),
    ("2026-02-29T12:00:00Z", False),  # not a leap year
    ("1900-02-29T12:00:00Z", False),  # divisible by 100, not by 400
    ("2026-04-31T12:00:00Z", False),
    ("2026-13-01T12:00:00Z", False),
    ("2026-03-01T24:00:00Z", False),
    ("2026-12-31T23:59:60Z", False),  # leap second: not storable
    ("2026-03-01T09:30:00", False),  # no offset
    ("2026-03-01T09:30Z", False),  # no seconds
    ("2026-03-01T09:30:00+0200", False),
    ("2026-03-01T09:30:00+02", False),
    ("2026-03-01 09:30:00Z", False),
    ("2026-03-01T09:30:00.Z", False),
    (" 2026-03-01T09:30:00Z", False),
]


def test_loader_and_json_schema_agree_on_every_occurred_at(landing: Path, database: Path) -> None:
    schema = json.loads((Path(contract.__file__).parent / "event_contract.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    write_jsonl(
        landing / "day.jsonl",
        [event(n, occurred_at=text) for n, (text, _) in enumerate(OCCURRED_AT_CASES)],
    )
    naive_now = NOW.replace(tzinfo=None)

    load_landing(  # the plausible window opened as wide as a timestamp goes
        landing,
        database,
        now=NOW,
        occurred_at_earliest=datetime(1, 1, 1),
        occurred_at_max_days_ahead=(datetime(9999, 12, 31) - naive_now).days + 1,
    )

    accepted = {row[0] for row in query(database, "select event_id from raw.events")}
    verdicts = [
        (text, f"e{n}" in accepted, validator.is_valid(event(n, occurred_at=text)), valid)
        for n, (text, valid) in enumerate(OCCURRED_AT_CASES)
    ]
    assert [v for v in verdicts if not v[1] == v[2] == v[3]] == []
    assert schema["properties"]["occurred_at"]["pattern"] == contract.OCCURRED_AT_PATTERN
    reasons = dict(query(database, "select source_line, reason from raw.rejected_events"))
    assert reasons[12].startswith("is not an RFC 3339 date-time")  # the bare date
    assert reasons[23].startswith("needs a UTC offset or Z")


# --- 12. occurred_at outside the plausible window -----------------------------------------------


def test_occurred_at_before_2000_or_over_a_day_after_the_load_is_rejected(
    landing: Path, database: Path
) -> None:
    write_jsonl(
        landing / "day.jsonl",
        [
            event(1, occurred_at="1969-12-31T23:59:59Z"),
            event(2, occurred_at="2000-01-01T00:30:00+01:00"),  # 1999-12-31T23:30Z
            event(3, occurred_at="2000-01-01T00:00:00Z"),  # the earliest accepted
            event(4, occurred_at="2026-03-03T12:00:00Z"),  # load time + 1 day: accepted
            event(5, occurred_at="2026-03-03T12:00:01Z"),
            event(6, occurred_at="9999-12-31T23:59:59Z"),
        ],
    )

    load_landing(landing, database, now=NOW)

    assert query(database, "select event_id from raw.events order by 1") == [("e3",), ("e4",)]
    early = (
        "is before 2000-01-01T00:00:00Z, the earliest time accepted (EMPATHY_OCCURRED_AT_EARLIEST)"
    )
    late = (
        "is after 2026-03-03T12:00:00Z: later than the load time plus the days allowed ahead "
        "(EMPATHY_OCCURRED_AT_MAX_DAYS_AHEAD)"
    )
    assert [r[1:4] for r in rejects(database)] == [
        (1, "occurred_at", early),
        (2, "occurred_at", early),
        (5, "occurred_at", late),
        (6, "occurred_at", late),
    ]


def test_occurred_at_window_comes_from_the_settings(
    tmp_path: Path, landing: Path, database: Path
) -> None:
    env = {
        "WAREHOUSE_DIR": str(tmp_path),
        "LANDING_DIR": str(landing),
        "EMPATHY_PSEUDONYM_KEY": PSEUDONYM_KEY,
        "EMPATHY_OCCURRED_AT_EARLIEST": "2026-03-01T09:02:00+00:00",
        "EMPATHY_OCCURRED_AT_MAX_DAYS_AHEAD": "0",
    }
    settings = load_settings(env)
    assert (settings.occurred_at_earliest, settings.occurred_at_max_days_ahead) == (
        datetime(2026, 3, 1, 9, 2),
        0.0,
    )
    defaults = load_settings({k: v for k, v in env.items() if "OCCURRED_AT" not in k})
    assert (defaults.occurred_at_earliest, defaults.occurred_at_max_days_ahead) == (
        datetime(2000, 1, 1),
        1.0,
    )
    write_jsonl(
        landing / "day.jsonl",
        [event(1), event(2), event(3, occurred_at="2026-03-02T12:00:01Z")],
    )

    load_landing(
        landing,
        database,
        now=NOW,
        occurred_at_earliest=settings.occurred_at_earliest,
        occurred_at_max_days_ahead=settings.occurred_at_max_days_ahead,
    )

    assert query(database, "select event_id from raw.events") == [("e2",)]
    assert [r[1] for r in rejects(database)] == [1, 3]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("EMPATHY_OCCURRED_AT_EARLIEST", "last tuesday"),
        ("EMPATHY_OCCURRED_AT_MAX_DAYS_AHEAD", "-1"),
        ("EMPATHY_OCCURRED_AT_MAX_DAYS_AHEAD", "a day"),
    ],
)
def test_unusable_occurred_at_window_setting_names_the_variable(
    tmp_path: Path, variable: str, value: str
) -> None:
    env = {"WAREHOUSE_DIR": str(tmp_path), "EMPATHY_PSEUDONYM_KEY": "k", variable: value}

    with pytest.raises(ConfigurationError, match=f"^{variable}="):
        load_settings(env)
