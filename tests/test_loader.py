"""The loader from landing folder to raw layer: every record loaded, duplicate or rejected."""

from __future__ import annotations

import csv
import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import jsonschema
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.ingest import LandingError, contract, load_landing, readers
from orchestration.ingest.contract import MAX_TEXT_CHARS

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def event(number: int, **overrides: object) -> dict[str, object]:
    record: dict[str, object] = {
        "event_id": f"e{number}",
        "event_type": "message",
        "occurred_at": f"2026-03-01T09:0{number}:00Z",
        "session_id": "s1",
        "customer_id": "c1",
        "channel": "chat",
        "actor_type": "bot",
        "actor_id": "bot-1",
        "text": f"hello {number}",
        "attributes": {"confidence": 0.9},
    }
    record.update(overrides)
    return {key: value for key, value in record.items() if value is not ...}


def write_jsonl(path: Path, lines: list[dict[str, object] | str | bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    chunks = []
    for line in lines:
        if isinstance(line, dict):
            line = json.dumps(line)
        chunks.append(line if isinstance(line, bytes) else line.encode("utf-8"))
    path.write_bytes(b"\n".join(chunks) + b"\n")
    return path


def query(database: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).fetchall()


def event_ids(database: Path) -> list[str]:
    return [row[0] for row in query(database, "select event_id from raw.events order by 1")]


def rejects(database: Path) -> list[tuple]:
    return query(
        database,
        "select source_file, source_line, field, reason, raw_record "
        "from raw.rejected_events order by source_file, source_line",
    )


def load_one_bad_line(landing: Path, database: Path, bad: dict | str | bytes) -> tuple:
    """Loads good line 1, the bad line 2, good line 3; returns the single reject row."""
    write_jsonl(landing / "day.jsonl", [event(1), bad, event(3)])
    report = load_landing(landing, database, now=NOW)
    assert event_ids(database) == ["e1", "e3"]
    assert (report.received, report.loaded, report.rejected) == (3, 2, 1)
    [reject] = rejects(database)
    assert reject[:2] == ("day.jsonl", 2)
    return reject


# --- the happy path ----------------------------------------------------------------------------


def test_valid_events_land_with_every_envelope_column(landing: Path, database: Path) -> None:
    write_jsonl(landing / "2026-03-01" / "bot.jsonl", [event(1, channel=" Chat ")])

    report = load_landing(landing, database, now=NOW)

    assert query(database, "select * exclude (load_id) from raw.events") == [
        (
            "e1",
            "message",
            datetime(2026, 3, 1, 9, 1),
            "s1",
            "c1",
            "chat",
            "bot",
            "bot-1",
            "hello 1",
            '{"confidence":0.9}',
            "2026-03-01/bot.jsonl",
            1,
            datetime(2026, 3, 2, 12, 0),
        )
    ]
    assert query(database, "select distinct load_id from raw.events") == [(report.load_id,)]


def test_timestamp_with_plus_two_hours_offset_is_stored_as_utc(
    landing: Path, database: Path
) -> None:
    write_jsonl(landing / "day.jsonl", [event(1, occurred_at="2026-03-01T11:30:00+02:00")])

    load_landing(landing, database, now=NOW)

    assert query(database, "select occurred_at from raw.events") == [(datetime(2026, 3, 1, 9, 30),)]


def test_absent_attributes_are_stored_as_an_empty_object(landing: Path, database: Path) -> None:
    write_jsonl(landing / "day.jsonl", [event(1, attributes=...), event(2, attributes=None)])

    load_landing(landing, database, now=NOW)

    assert query(database, "select attributes from raw.events") == [("{}",), ("{}",)]


def test_unknown_event_type_and_attribute_keys_are_kept(landing: Path, database: Path) -> None:
    write_jsonl(
        landing / "day.jsonl",
        [event(1, event_type="zendesk.ticket_opened", attributes={"brand_new_key": [1, 2]})],
    )

    load_landing(landing, database, now=NOW)

    assert query(database, "select event_type, attributes from raw.events") == [
        ("zendesk.ticket_opened", '{"brand_new_key":[1,2]}')
    ]


def test_session_started_without_customer_id_is_left_for_dbt(landing: Path, database: Path) -> None:
    write_jsonl(landing / "day.jsonl", [event(1, event_type="session_started", customer_id=...)])

    report = load_landing(landing, database, now=NOW)

    assert (report.loaded, report.rejected) == (1, 0)
    assert query(database, "select customer_id from raw.events") == [(None,)]


def test_blank_lines_are_not_records_but_still_count_for_line_numbers(
    landing: Path, database: Path
) -> None:
    write_jsonl(landing / "day.jsonl", [event(1), "", "   ", event(4)])

    report = load_landing(landing, database, now=NOW)

    assert report.received == 2
    assert query(database, "select source_line from raw.events order by 1") == [(1,), (4,)]


def test_lines_split_across_read_blocks_keep_their_numbers(
    landing: Path, database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readers, "JSONL_BATCH_BYTES", 100)
    lines = [event(n) for n in range(1, 8)]
    path = write_jsonl(landing / "day.jsonl", lines)
    path.write_bytes(path.read_bytes().rstrip(b"\n"))  # last line without its newline

    load_landing(landing, database, now=NOW)

    assert query(database, "select event_id, source_line from raw.events order by 2") == [
        (f"e{n}", n) for n in range(1, 8)
    ]


# --- idempotence, duplicates, reconciliation ---------------------------------------------------


def test_same_file_twice_adds_nothing(landing: Path, database: Path) -> None:
    write_jsonl(landing / "day.jsonl", [event(1), event(2)])
    load_landing(landing, database, now=NOW)

    second = load_landing(landing, database, now=NOW)

    assert second.files == []
    assert second.skipped_files == ["day.jsonl"]
    assert query(database, "select count(*) from raw.events") == [(2,)]
    assert query(database, "select count(*) from raw.file_loads") == [(1,)]


def test_redelivered_event_in_another_file_counts_as_duplicate(
    landing: Path, database: Path
) -> None:
    write_jsonl(landing / "a.jsonl", [event(1), event(2)])
    write_jsonl(landing / "b.jsonl", [event(2, channel=" CHAT "), event(3)])  # same content

    report = load_landing(landing, database, now=NOW)

    assert [(f.source_file, f.loaded, f.duplicates) for f in report.files] == [
        ("a.jsonl", 2, 0),
        ("b.jsonl", 1, 1),
    ]
    assert query(database, "select source_file, text from raw.events where event_id = 'e2'") == [
        ("a.jsonl", "hello 2")
    ]


def test_duplicate_within_a_file_keeps_the_first_line(landing: Path, database: Path) -> None:
    write_jsonl(
        landing / "day.jsonl",
        [
            event(1, occurred_at="2026-03-01T09:01:00Z"),
            event(2),
            event(1, occurred_at="2026-03-01T11:01:00+02:00"),
        ],
    )

    report = load_landing(landing, database, now=NOW)

    assert (report.loaded, report.duplicates) == (2, 1)
    assert query(database, "select source_line from raw.events where event_id = 'e1'") == [(1,)]


def test_received_equals_loaded_plus_duplicates_plus_rejected(
    landing: Path, database: Path
) -> None:
    write_jsonl(landing / "a.jsonl", [event(1)])
    write_jsonl(landing / "b.jsonl", [event(1), event(2), "not json", event(2), event(3)])

    report = load_landing(landing, database, now=NOW)

    assert query(
        database,
        "select source_file, received, loaded, duplicates, rejected from raw.file_loads "
        "order by source_file",
    ) == [("a.jsonl", 1, 1, 0, 0), ("b.jsonl", 5, 2, 2, 1)]
    assert (report.received, report.loaded, report.duplicates, report.rejected) == (6, 3, 2, 1)
    assert report.reject_share() == pytest.approx(1 / 6)
    assert report.summary_lines()[2] == (
        "  b.jsonl [jsonl]: received 5 = loaded 2 + duplicates 2 + rejected 1"
    )


def test_reject_share_is_zero_when_nothing_new_was_received(landing: Path, database: Path) -> None:
    assert load_landing(landing, database, now=NOW).reject_share() == 0.0


def test_failure_mid_file_leaves_nothing_and_the_file_is_retried(
    landing: Path, database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_jsonl(landing / "day.jsonl", [event(n) for n in range(1, 8)])
    monkeypatch.setattr(readers, "JSONL_BATCH_BYTES", 300)
    real_batch = readers._lines_batch
    calls = []

    def crash_on_third_batch(*args: object) -> pa.Table:
        calls.append(1)
        if len(calls) == 3:
            raise MemoryError("simulated crash")
        return real_batch(*args)

    monkeypatch.setattr(readers, "_lines_batch", crash_on_third_batch)
    with pytest.raises(MemoryError):
        load_landing(landing, database, now=NOW)
    assert query(database, "select count(*) from raw.events") == [(0,)]
    assert query(database, "select count(*) from raw.file_loads") == [(0,)]

    monkeypatch.setattr(readers, "_lines_batch", real_batch)
    assert load_landing(landing, database, now=NOW).loaded == 7


# --- bad records: rejected with line, field and reason; the good ones still load ---------------


def test_line_that_is_not_json_is_rejected(landing: Path, database: Path) -> None:
    reject = load_one_bad_line(landing, database, '{"event_id": "e2", oops}')
    assert reject[2:] == ("record", "is not valid JSON", '{"event_id": "e2", oops}')


def test_json_array_instead_of_an_object_is_rejected(landing: Path, database: Path) -> None:
    reject = load_one_bad_line(landing, database, '[{"event_id": "e2"}]')
    assert reject[2:4] == ("record", "must be a JSON object, got an array")


def test_json_scalar_instead_of_an_object_is_rejected(landing: Path, database: Path) -> None:
    reject = load_one_bad_line(landing, database, "42")
    assert reject[2:4] == ("record", "must be a JSON object, got a number")


def test_line_with_invalid_utf8_bytes_is_rejected(landing: Path, database: Path) -> None:
    bad = json.dumps(event(2)).encode("utf-8").replace(b"hello", b"hel\xff\xfelo")
    reject = load_one_bad_line(landing, database, bad)
    assert reject[2] == "record"
    assert "not valid UTF-8" in reject[3]
    assert "hel\ufffd\ufffdlo" in reject[4]


@pytest.mark.parametrize("field", ["event_id", "event_type", "occurred_at", "session_id"])
def test_missing_required_field_is_rejected(landing: Path, database: Path, field: str) -> None:
    reject = load_one_bad_line(landing, database, event(2, **{field: ...}))
    assert reject[2:4] == (field, "is required but missing or empty")


def test_empty_session_id_is_rejected_as_missing(landing: Path, database: Path) -> None:
    reject = load_one_bad_line(landing, database, event(2, session_id="  "))
    assert reject[2:4] == ("session_id", "is required but missing or empty")


def test_numeric_event_id_is_rejected_as_not_a_string(landing: Path, database: Path) -> None:
    reject = load_one_bad_line(landing, database, event(2, event_id=2))
    assert reject[2:4] == ("event_id", "must be a string, got a number")


def test_object_as_actor_id_is_rejected_as_not_a_string(landing: Path, database: Path) -> None:
    reject = load_one_bad_line(landing, database, event(2, actor_id={"id": 7}))
    assert reject[2:4] == ("actor_id", "must be a string, got an object")


def test_timestamp_without_offset_is_rejected(landing: Path, database: Path) -> None:
    reject = load_one_bad_line(landing, database, event(2, occurred_at="2026-03-01T09:02:00"))
    assert reject[2] == "occurred_at"
    assert "needs a UTC offset or Z" in reject[3]


def test_unparseable_timestamp_is_rejected(landing: Path, database: Path) -> None:
    reject = load_one_bad_line(landing, database, event(2, occurred_at="2026-02-30T09:00:00Z"))
    assert reject[2] == "occurred_at"
    assert reject[3].startswith("is not an RFC 3339 date-time with a real date")


def test_any_channel_label_loads_lower_cased_and_trimmed(landing: Path, database: Path) -> None:
    # The channel vocabulary is open: dbt maps labels to families (seeds/channel_mapping.csv)
    # and surfaces the unknown ones, so a new helpdesk channel never costs an event.
    write_jsonl(landing / "day.jsonl", [event(1, channel=" WhatsApp "), event(2, channel="fax")])
    report = load_landing(landing, database, now=NOW)
    assert (report.received, report.loaded, report.rejected) == (2, 2, 0)
    assert query(database, "select channel from raw.events order by event_id") == [
        ("whatsapp",),
        ("fax",),
    ]


def test_a_channel_that_is_not_a_string_is_rejected(landing: Path, database: Path) -> None:
    reject = load_one_bad_line(landing, database, event(2, channel=7))
    assert reject[2:4] == ("channel", "must be a string, got a number")


def test_unknown_actor_type_is_rejected(landing: Path, database: Path) -> None:
    reject = load_one_bad_line(landing, database, event(2, actor_type="robot"))
    assert reject[2:4] == ("actor_type", "must be one of customer, bot, agent, system")


def test_attributes_that_are_not_an_object_are_rejected(landing: Path, database: Path) -> None:
    reject = load_one_bad_line(landing, database, event(2, attributes=["not", "an", "object"]))
    assert reject[2:4] == ("attributes", "must be a JSON object")


def test_text_longer_than_the_limit_is_rejected(landing: Path, database: Path) -> None:
    reject = load_one_bad_line(landing, database, event(2, text="x" * (MAX_TEXT_CHARS + 1)))
    assert reject[2:4] == ("text", f"is longer than {MAX_TEXT_CHARS} characters")


# --- whole files -------------------------------------------------------------------------------


def test_empty_file_is_recorded_with_nothing_received(landing: Path, database: Path) -> None:
    (landing / "empty.jsonl").write_bytes(b"")

    load_landing(landing, database, now=NOW)

    assert query(
        database, "select source_file, received, loaded, duplicates, rejected from raw.file_loads"
    ) == [("empty.jsonl", 0, 0, 0, 0)]


def test_parquet_file_that_is_text_is_rejected_whole_and_the_run_goes_on(
    landing: Path, database: Path
) -> None:
    (landing / "a.parquet").write_text("this is not parquet\n")
    write_jsonl(landing / "b.jsonl", [event(1)])

    report = load_landing(landing, database, now=NOW)

    [reject] = rejects(database)
    assert reject[:3] == ("a.parquet", 0, "file")
    assert reject[3].startswith("not a valid Parquet file")
    assert [(f.source_file, f.received, f.rejected) for f in report.files] == [
        ("a.parquet", 1, 1),
        ("b.jsonl", 1, 0),
    ]
    assert event_ids(database) == ["e1"]


def test_jsonl_gz_that_is_not_gzip_is_rejected_whole(landing: Path, database: Path) -> None:
    write_jsonl(landing / "a.jsonl.gz", [event(1)])

    load_landing(landing, database, now=NOW)

    [reject] = rejects(database)
    assert reject[:3] == ("a.jsonl.gz", 0, "file")
    assert reject[3].startswith("not a valid gzip file")
    assert event_ids(database) == []


def test_truncated_gzip_loads_nothing_of_the_file(landing: Path, database: Path) -> None:
    lines = "".join(json.dumps(event(n)) + "\n" for n in range(1, 8)).encode()
    (landing / "a.jsonl.gz").write_bytes(gzip.compress(lines)[:-30])

    load_landing(landing, database, now=NOW)

    assert [r[:3] for r in rejects(database)] == [("a.jsonl.gz", 0, "file")]
    assert event_ids(database) == []


def test_gzip_content_named_jsonl_is_rejected_whole(landing: Path, database: Path) -> None:
    (landing / "a.jsonl").write_bytes(gzip.compress(json.dumps(event(1)).encode()))

    load_landing(landing, database, now=NOW)

    [reject] = rejects(database)
    assert reject[:3] == ("a.jsonl", 0, "file")
    assert "name it .jsonl.gz" in reject[3]


def test_files_are_found_recursively_and_other_names_are_reported_as_ignored(
    landing: Path, database: Path
) -> None:
    write_jsonl(landing / "b" / "day.jsonl", [event(1)])
    write_jsonl(landing / "a.jsonl", [event(2)])
    (landing / "notes.txt").write_text("hi")
    write_jsonl(landing / ".upload.jsonl", [event(3)])
    write_jsonl(landing / "_staging" / "day.jsonl", [event(4)])

    report = load_landing(landing, database, now=NOW)

    assert [f.source_file for f in report.files] == ["a.jsonl", "b/day.jsonl"]
    assert report.ignored_files == ["notes.txt"]
    assert event_ids(database) == ["e1", "e2"]


def test_missing_landing_folder_raises_landing_error_naming_the_path(
    tmp_path: Path, database: Path
) -> None:
    missing = tmp_path / "nowhere"

    with pytest.raises(LandingError) as raised:
        load_landing(missing, database, now=NOW)

    assert str(missing) in str(raised.value)
    assert "LANDING_DIR" in str(raised.value)


# --- other formats: the same records, the same rows --------------------------------------------


def three_events() -> list[dict[str, object]]:
    return [
        event(1, occurred_at="2026-03-01T11:01:00+02:00"),
        event(2, channel="EMAIL", attributes={"kind": "csat", "score": 5}),
        event(3, text='she said "hi",\r\nthen left', customer_id=..., attributes=...),
    ]


def write_csv(path: Path, records: list[dict[str, object]]) -> None:
    columns = list(contract.ENVELOPE_FIELDS)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for record in records:
            values = dict(record, attributes=json.dumps(record.get("attributes", {})))
            writer.writerow([values.get(column, "") for column in columns])


def write_parquet(path: Path, records: list[dict[str, object]]) -> None:
    rows = [dict(r, attributes=json.dumps(r.get("attributes", {}))) for r in records]
    pq.write_table(pa.Table.from_pylist(rows), path)


def loaded_rows(database: Path) -> list[tuple]:
    return query(
        database,
        "select * exclude (source_file, load_id, loaded_at) from raw.events order by event_id",
    )


def test_jsonl_gz_parquet_and_csv_load_identical_rows(tmp_path: Path) -> None:
    writers = {
        "jsonl.gz": lambda p, r: p.write_bytes(
            gzip.compress("".join(json.dumps(x) + "\n" for x in r).encode())
        ),
        "parquet": write_parquet,
        "csv": write_csv,
    }
    results = {}
    for file_format, write in writers.items():
        landing = tmp_path / file_format / "landing"
        landing.mkdir(parents=True)
        write(landing / f"events.{file_format}", three_events())
        database = tmp_path / file_format / "w.duckdb"
        report = load_landing(landing, database, now=NOW)
        assert (report.files[0].file_format, report.loaded) == (file_format, 3)
        results[file_format] = loaded_rows(database)

    assert results["jsonl.gz"] == results["parquet"] == results["csv"]
    assert [(r[0], r[2], r[5], r[8], r[9]) for r in results["csv"]] == [
        ("e1", datetime(2026, 3, 1, 9, 1), "chat", "hello 1", '{"confidence":0.9}'),
        ("e2", datetime(2026, 3, 1, 9, 2), "email", "hello 2", '{"kind":"csat","score":5}'),
        ("e3", datetime(2026, 3, 1, 9, 3), "chat", 'she said "hi",\r\nthen left', "{}"),
    ]


def test_malformed_csv_row_is_rejected_with_its_row_number(landing: Path, database: Path) -> None:
    (landing / "day.csv").write_text(
        "event_id,event_type,occurred_at,session_id\n"
        "e1,message,2026-03-01T09:01:00Z,s1\n"
        'e2,"message"oops,2026-03-01T09:02:00Z,s1\n'
        "e3,message,2026-03-01T09:03:00Z\n"
        "e4,message,2026-03-01T09:04:00Z,s1\n"
    )

    report = load_landing(landing, database, now=NOW)

    assert event_ids(database) == ["e1", "e4"]
    assert report.files[0].received == 4
    [bad_quote, short_row] = rejects(database)
    assert bad_quote[1:3] == (2, "row")
    assert "malformed CSV row (file line 3)" in bad_quote[3]
    assert bad_quote[4] == 'e2,"message"oops,2026-03-01T09:02:00Z,s1'
    assert short_row[1:4] == (3, "row", "has 3 cells but the header has 4 (file line 4)")


def test_csv_attributes_that_are_not_json_are_rejected(landing: Path, database: Path) -> None:
    (landing / "day.csv").write_text(
        "event_id,event_type,occurred_at,session_id,attributes\n"
        'e1,message,2026-03-01T09:01:00Z,s1,"{""a"": 1}"\n'
        "e2,message,2026-03-01T09:02:00Z,s1,not json\n"
    )

    load_landing(landing, database, now=NOW)

    assert query(database, "select event_id, attributes from raw.events") == [("e1", '{"a":1}')]
    assert [r[1:4] for r in rejects(database)] == [
        (2, "attributes", "must be a JSON object, written as JSON text")
    ]


def test_csv_without_the_envelope_header_is_rejected_whole(landing: Path, database: Path) -> None:
    (landing / "day.csv").write_text("e1,message,2026-03-01T09:01:00Z,s1\n")

    load_landing(landing, database, now=NOW)

    [reject] = rejects(database)
    assert reject[:3] == ("day.csv", 0, "file")
    assert "header row must name the columns" in reject[3]


# --- the machine-readable contract agrees with the loader --------------------------------------


def test_json_schema_states_the_same_rules_as_the_loader() -> None:
    schema = json.loads((Path(contract.__file__).parent / "event_contract.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)

    assert tuple(schema["required"]) == contract.REQUIRED_FIELDS
    assert schema["properties"]["channel"]["type"] == ["string", "null"]
    assert schema["properties"]["actor_type"]["enum"][:-1] == list(contract.ACTOR_TYPES)
    assert schema["properties"]["text"]["maxLength"] == contract.MAX_TEXT_CHARS
    assert validator.is_valid(event(1, occurred_at="2026-03-01T11:30:00+02:00"))
    assert not validator.is_valid(event(1, occurred_at="2026-03-01T09:00:00"))
    assert not validator.is_valid(event(1, event_id=1))
