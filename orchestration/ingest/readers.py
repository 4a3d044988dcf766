"""Turn each landing file format into Arrow batches of one shape, so one set of rules checks all.

Every reader yields `pa.Table`s with the columns of `BATCH_SCHEMA`:
source_line, raw_record (the line/row as text, kept for rejects), record (the event as JSON
text, null when the reader already rejected it), early_field and early_reason (that problem).

JSON Lines are not parsed in Python: lines are cut at newline bytes with numpy and handed to
DuckDB as a zero-copy Arrow string array; DuckDB parses the JSON set-wise. Only a batch that
holds invalid UTF-8 takes a slow per-line path to find the offending lines.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import zlib
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from orchestration.ingest.contract import ENVELOPE_FIELDS, REQUIRED_FIELDS
from orchestration.sql import quote_identifier

BATCH_SCHEMA = pa.schema(
    [
        ("source_line", pa.int64()),
        ("raw_record", pa.string()),
        ("record", pa.string()),
        ("early_field", pa.string()),
        ("early_reason", pa.string()),
    ]
)

# Bytes read per JSON Lines batch: big enough that per-batch overhead vanishes, small enough
# that a multi-gigabyte file never has to fit in memory at once.
JSONL_BATCH_BYTES = 64 << 20
# Rows per CSV / Parquet batch, for the same reason.
ROW_BATCH = 100_000

INVALID_UTF8 = "contains bytes that are not valid UTF-8"


class FileFormatError(Exception):
    """The file as a whole is not what its name says (not gzip, not Parquet, no CSV header)."""


def _batch(
    source_line: pa.Array | list[int],
    raw_record: pa.Array | list[str],
    record: pa.Array | list[str | None],
    early_field: list[str | None] | None = None,
    early_reason: list[str | None] | None = None,
) -> pa.Table:
    rows = len(source_line)
    return pa.Table.from_arrays(
        [
            pa.array(source_line, pa.int64()),
            pa.array(raw_record, pa.string()),
            pa.array(record, pa.string()),
            pa.nulls(rows, pa.string()) if early_field is None else pa.array(early_field),
            pa.nulls(rows, pa.string()) if early_reason is None else pa.array(early_reason),
        ],
        schema=BATCH_SCHEMA,
    )


# --- JSON Lines ------------------------------------------------------------------------------


def _lines_batch(data: pa.Buffer, starts: np.ndarray, first_line: int) -> pa.Table:
    """Lines data[starts[i]:starts[i+1]] (newline included) as one batch, numbered from first_line.

    The Arrow array points into `data` without copying. DuckDB must never see invalid UTF-8,
    so a batch that fails Arrow's full validation is rebuilt line by line in Python.
    """
    count = len(starts) - 1
    numbers = np.arange(first_line, first_line + count, dtype=np.int64)
    lines = pa.StringArray.from_buffers(count, pa.py_buffer(starts.astype(np.int32)), data)
    try:
        lines.validate(full=True)
    except pa.ArrowInvalid:
        return _lines_batch_with_invalid_utf8(data, starts, numbers)
    return _batch(pa.array(numbers), lines, lines)


def _lines_batch_with_invalid_utf8(
    data: pa.Buffer, starts: np.ndarray, numbers: np.ndarray
) -> pa.Table:
    raw = data.to_pybytes()
    texts: list[str] = []
    records: list[str | None] = []
    fields: list[str | None] = []
    reasons: list[str | None] = []
    for start, end in zip(starts[:-1], starts[1:], strict=True):
        chunk = raw[start:end]
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError:
            texts.append(chunk.decode("utf-8", errors="replace"))
            records.append(None)
            fields.append("record")
            reasons.append(INVALID_UTF8)
        else:
            texts.append(text)
            records.append(text)
            fields.append(None)
            reasons.append(None)
    return _batch(numbers, texts, records, fields, reasons)


def _read_jsonl_stream(stream: io.BufferedIOBase) -> Iterator[pa.Table]:
    """Cut a byte stream into line batches; a line split across two reads is carried over."""
    carry = b""
    next_line = 1
    while True:
        block = stream.read(JSONL_BATCH_BYTES)
        if not block:
            break
        newlines = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10)
        if len(newlines) == 0:
            carry += block
            continue
        first_end = int(newlines[0]) + 1
        if carry:
            joined = carry + block[:first_end]
            yield _lines_batch(pa.py_buffer(joined), np.array([0, len(joined)]), next_line)
            next_line += 1
            carry = b""
            starts = newlines + 1
        else:
            starts = np.concatenate(([0], newlines + 1))
        if len(starts) > 1:
            yield _lines_batch(pa.py_buffer(block), starts, next_line)
            next_line += len(starts) - 1
        carry = block[int(newlines[-1]) + 1 :]
    if carry:
        yield _lines_batch(pa.py_buffer(carry), np.array([0, len(carry)]), next_line)


def read_jsonl(path: Path) -> Iterator[pa.Table]:
    with path.open("rb") as stream:
        if stream.read(2) == b"\x1f\x8b":
            raise FileFormatError(
                "not a JSON Lines file: the content is gzip-compressed; "
                "name it .jsonl.gz and deliver it again"
            )
        stream.seek(0)
        yield from _read_jsonl_stream(stream)


def read_jsonl_gz(path: Path) -> Iterator[pa.Table]:
    try:
        with gzip.open(path, "rb") as stream:
            yield from _read_jsonl_stream(stream)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise FileFormatError(f"not a valid gzip file: {exc}") from exc


# --- CSV -------------------------------------------------------------------------------------


class _LineRecorder:
    """Feeds csv.reader line by line and remembers the lines of the row being parsed.

    csv.reader returns fields, not the text it read; a rejected row must keep its original
    text (multi-line quoted fields included) so it can be replayed.
    """

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self.taken: list[str] = []
        self.line_number = 0

    def __iter__(self) -> _LineRecorder:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.taken.append(line)
        self.line_number += 1
        return line

    def pop_text(self) -> str:
        text = "".join(self.taken)
        self.taken.clear()
        return text


def _has_invalid_utf8(text: str) -> bool:
    """True when decoding with surrogateescape smuggled undecodable bytes into `text`."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _printable(text: str) -> str:
    return text.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")


def _csv_header(reader: Iterator[list[str]], recorder: _LineRecorder) -> list[str]:
    try:
        header = next(reader, [])
    except csv.Error as exc:
        raise FileFormatError(f"the CSV header row cannot be read: {exc}") from exc
    recorder.pop_text()
    names = [name.strip().lower() for name in header]
    missing = [field for field in REQUIRED_FIELDS if field not in names]
    if missing:
        raise FileFormatError(
            "not a valid CSV file: the header row must name the columns "
            f"{', '.join(REQUIRED_FIELDS)}; missing {', '.join(missing)}"
        )
    return names


def read_csv(path: Path) -> Iterator[pa.Table]:
    """CSV with a header row; attributes is a JSON string column; rows number from 1 after it.

    Empty cells become absent fields (CSV cannot tell "" from missing). Columns outside the
    envelope are not stored, as for JSON. A row csv cannot parse, or with more or fewer cells
    than the header, is rejected with its row number and the file line where it starts.
    """
    with path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        recorder = _LineRecorder(iter(handle))
        reader = csv.reader(recorder, strict=True)
        names = _csv_header(reader, recorder)
        keep = [(i, name) for i, name in enumerate(names) if name in ENVELOPE_FIELDS]
        rows: tuple[list, ...] = ([], [], [], [], [])
        row_number = 0
        while True:
            start_line = recorder.line_number + 1
            problem: str | None = None
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                cells, problem = None, f"is a malformed CSV row (file line {start_line}): {exc}"
            text = recorder.pop_text()
            if cells == []:
                continue
            row_number += 1
            if problem is None and _has_invalid_utf8(text):
                problem = f"{INVALID_UTF8} (file line {start_line})"
            if problem is None and len(cells) != len(names):
                problem = (
                    f"has {len(cells)} cells but the header has {len(names)} "
                    f"(file line {start_line})"
                )
            record = None
            if problem is None:
                record = json.dumps({name: cells[i] for i, name in keep if cells[i] != ""})
            for column, value in zip(
                rows,
                (row_number, _printable(text), record, problem and "row", problem),
                strict=True,
            ):
                column.append(value)
            if len(rows[0]) >= ROW_BATCH:
                yield _batch(*rows)
                rows = ([], [], [], [], [])
        if rows[0]:
            yield _batch(*rows)


# --- Parquet ---------------------------------------------------------------------------------


def read_parquet(path: Path, cursor: duckdb.DuckDBPyConnection) -> tuple[Iterator[pa.Table], bool]:
    """Parquet rows as JSON text (1-based row numbers), plus whether attributes is a text column.

    DuckDB's to_json turns each row into the same JSON a JSON Lines file would carry, so typed
    columns (a numeric event_id, a naive timestamp) meet the same rules as JSON values do.
    """
    try:
        relation = cursor.read_parquet(str(path))
    except duckdb.Error as exc:
        raise FileFormatError(f"not a valid Parquet file: {exc}") from exc
    columns = {
        name.lower(): (name, str(type_name))
        for name, type_name in zip(relation.columns, relation.types, strict=True)
    }
    missing = [field for field in REQUIRED_FIELDS if field not in columns]
    if missing:
        raise FileFormatError(
            "not a valid Parquet file for this contract: it must have the columns "
            f"{', '.join(REQUIRED_FIELDS)}; missing {', '.join(missing)}"
        )
    attributes_are_text = columns.get("attributes", ("", ""))[1] == "VARCHAR"
    # Column names come from the file: quoted by the engine's rules, they stay names.
    row_json = ", ".join(
        f"{quote_identifier(name.lower())} := {quote_identifier(name)}"
        for name, _ in columns.values()
    )
    query = f"""
        select
            file_row_number + 1 as source_line,
            to_json(struct_pack({row_json})) as raw_record,
            raw_record as record,
            null::varchar as early_field,
            null::varchar as early_reason
        from read_parquet(?, file_row_number = true)
    """
    return _parquet_batches(cursor, query, path), attributes_are_text


def _parquet_batches(
    cursor: duckdb.DuckDBPyConnection, query: str, path: Path
) -> Iterator[pa.Table]:
    try:
        reader = cursor.sql(query, params=[str(path)]).to_arrow_reader(ROW_BATCH)
        for batch in reader:
            yield pa.Table.from_batches([batch]).cast(BATCH_SCHEMA)
    except duckdb.Error as exc:
        raise FileFormatError(f"not a valid Parquet file: {exc}") from exc
