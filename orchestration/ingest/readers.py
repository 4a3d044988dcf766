"""Turn each landing file format into Arrow batches of one shape, so one set of rules checks all.

Every reader yields `pa.Table`s with the columns of `BATCH_SCHEMA`:
source_line, raw_record (the line/row as text, kept for rejects), record (the event as JSON
text, null when the reader already rejected it), early_field and early_reason (that problem).

Readers take the open file (the loader hashes the bytes read through it, see HashingReader).
Lines end with LF, CR LF or a lone CR. A line longer than MAX_RECORD_BYTES is skipped unread:
it becomes one rejected record holding its first RAW_RECORD_PREFIX_BYTES bytes, so no record
costs more memory than that, however long it is.

JSON Lines are not parsed in Python: lines are cut at line breaks with numpy and handed to
DuckDB as a zero-copy Arrow string array; DuckDB parses the JSON set-wise. Only a batch that
holds invalid UTF-8 takes a slow per-line path to find the offending lines.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import zlib
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from orchestration.ingest.contract import (
    ENVELOPE_FIELDS,
    MAX_RECORD_BYTES,
    RAW_RECORD_PREFIX_BYTES,
    REQUIRED_FIELDS,
)
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
# that a multi-gigabyte file never has to fit in memory at once. Must exceed MAX_RECORD_BYTES.
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


# --- reading a file: the digest of exactly the bytes parsed ---------------------------------


class HashingReader(io.RawIOBase):
    """A binary file that hashes every byte read through it.

    The loader decides whether a file is new by its sha256, computed before reading. A file
    appended to (or replaced) in between would be recorded under one digest while the records
    come from other bytes; comparing `hexdigest()` after the read with the digest before
    catches that, because it covers exactly the bytes the reader parsed.
    """

    def __init__(self, handle: io.RawIOBase) -> None:
        super().__init__()
        self._handle = handle
        self._digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:
        count = self._handle.readinto(buffer) or 0
        if count:
            self._digest.update(memoryview(buffer)[:count])
        return count

    def hexdigest(self) -> str:
        """The digest of every byte read, after reading what is left: normally nothing, since
        the readers read to the end; bytes appended meanwhile make the digest differ, as
        they should."""
        for block in iter(lambda: self._handle.read(1 << 20), b""):
            self._digest.update(block)
        return self._digest.hexdigest()


# --- cutting bytes into lines ----------------------------------------------------------------


@dataclass
class LongLine:
    """A line longer than MAX_RECORD_BYTES: counted and skipped, only its start is kept."""

    number: int
    prefix: bytes = b""
    size: int = 0  # bytes, line break included until `finish`
    quotes: int = 0  # '"' bytes in it: CSV needs them to tell where a row ends
    ends_with_cr: bool = False

    def add(self, block: bytes, start: int = 0, end: int | None = None) -> None:
        """Counts block[start:end] into the line without copying it."""
        end = len(block) if end is None else end
        if len(self.prefix) < RAW_RECORD_PREFIX_BYTES:
            self.prefix += block[
                start : min(end, start + RAW_RECORD_PREFIX_BYTES - len(self.prefix))
            ]
        self.size += end - start
        self.quotes += block.count(b'"', start, end)
        if end > start:
            self.ends_with_cr = block[end - 1] == 13

    def finish(self, block: bytes, end: int) -> LongLine:
        """Adds block[:end], which ends the line, and leaves the line break out of the size."""
        cr_before = self.ends_with_cr
        self.add(block, 0, end)
        if end and block[end - 1] == 10:
            crlf = block[end - 2] == 13 if end >= 2 else cr_before
            self.size -= 2 if crlf else 1
        elif (end and block[end - 1] == 13) or (not end and cr_before):
            self.size -= 1
        return self

    def reason(self) -> str:
        return (
            f"is a line of {self.size} bytes, more than the maximum record size of "
            f"{MAX_RECORD_BYTES} bytes; it was skipped unread and only its first "
            f"{len(self.prefix)} bytes are kept"
        )


def _line_ends(block: bytes, *, after_cr: bool) -> np.ndarray:
    """Offsets just past each line break in `block`: LF, CR LF, or a CR alone (old Mac files).

    A CR as the last byte is left for the next block to settle (its LF may follow there);
    `after_cr` says the byte before `block` was such a CR, so a line ended right before
    `block` unless it starts with LF. An empty block is the end of the stream.
    """
    if block.find(b"\r") < 0:
        ends = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10) + 1
    else:
        data = np.frombuffer(block, dtype=np.uint8)
        line_feed = data == 10
        lone_cr = data == 13
        lone_cr[:-1] &= ~line_feed[1:]
        lone_cr[-1] = False
        ends = np.flatnonzero(line_feed | lone_cr) + 1
    if after_cr and block[:1] != b"\n":
        ends = np.concatenate(([0], ends))
    return ends


def _content_length(block: bytes, start: int, end: int) -> int:
    """Bytes of the line block[start:end] without its line break."""
    if end > start and block[end - 1] == 10:
        return end - start - (2 if end - start >= 2 and block[end - 2] == 13 else 1)
    if end > start and block[end - 1] == 13:
        return end - start - 1
    return end - start


# A run of lines: block[starts[i]:starts[i + 1]] is line first_number + i.
Lines = tuple[bytes, np.ndarray, int]


def _split(block: bytes, starts: np.ndarray, number: int) -> Iterator[Lines | LongLine]:
    """The lines block[starts[0]:starts[-1]], with each line over the maximum set apart."""
    lengths = np.diff(starts)
    if len(lengths) == 0 or int(lengths.max()) <= MAX_RECORD_BYTES:
        yield block, starts, number
        return
    first = 0
    for index in np.flatnonzero(lengths > MAX_RECORD_BYTES):
        start, end = int(starts[index]), int(starts[index + 1])
        if _content_length(block, start, end) <= MAX_RECORD_BYTES:
            continue
        if index > first:
            yield block, starts[first : index + 1], number + first
        long_line = LongLine(number + int(index))
        long_line.add(block[start : start + RAW_RECORD_PREFIX_BYTES])
        long_line.size = _content_length(block, start, end)
        long_line.quotes = block.count(b'"', start, end)
        yield long_line
        first = int(index) + 1
    if first < len(lengths):
        yield block, starts[first:], number + first


def split_lines(blocks: Iterator[bytes]) -> Generator[Lines | LongLine, None, int]:
    """Cuts a stream of byte blocks into runs of lines and over-long lines; returns the number
    the next line would have.

    A line that continues into the next block is carried over; once it passes
    MAX_RECORD_BYTES it is only counted (LongLine), so no line costs more memory than that.
    """
    pending = b""  # start of a line that goes on in the next block
    long_line: LongLine | None = None  # a line too long to keep, still going on
    number = 1
    for block in itertools.chain(blocks, [b""]):
        after_cr = long_line.ends_with_cr if long_line else pending.endswith(b"\r")
        ends = _line_ends(block, after_cr=after_cr)
        start = 0
        if (pending or long_line) and len(ends) == 0:
            if long_line is not None:
                long_line.add(block)
            elif len(pending) + len(block) > MAX_RECORD_BYTES:
                long_line = LongLine(number)
                long_line.add(pending)
                long_line.add(block)
                pending = b""
            else:
                pending += block
            if block:
                continue
        elif pending or long_line:
            first = int(ends[0])
            if long_line is not None:
                yield long_line.finish(block, first)
            else:
                line = pending + block[:first]
                yield from _split(line, np.array([0, len(line)]), number)
            number += 1
            pending, long_line, start, ends = b"", None, first, ends[1:]
        if len(ends):
            yield from _split(block, np.concatenate(([start], ends)), number)
            number += len(ends)
            start = int(ends[-1])
        if not block:
            break
        if len(block) - start > MAX_RECORD_BYTES:
            long_line = LongLine(number)
            long_line.add(block, start)
        else:
            pending = block[start:]
    if long_line is not None:
        yield long_line.finish(b"", 0)
        number += 1
    elif pending:
        yield from _split(pending, np.array([0, len(pending)]), number)
        number += 1
    return number


def _blocks(stream: io.BufferedIOBase, size: int) -> Iterator[bytes]:
    while block := stream.read(size):
        yield block


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


def _long_line_batch(long_line: LongLine) -> pa.Table:
    prefix = long_line.prefix.decode("utf-8", errors="replace")
    return _batch([long_line.number], [prefix], [None], ["record"], [long_line.reason()])


def _read_jsonl_blocks(blocks: Iterator[bytes]) -> Generator[pa.Table, None, int]:
    """Line batches of a byte stream; returns the number the next line would have."""
    lines = split_lines(blocks)
    while True:
        try:
            item = next(lines)
        except StopIteration as end:
            return end.value
        if isinstance(item, LongLine):
            yield _long_line_batch(item)
        else:
            block, starts, number = item
            yield _lines_batch(pa.py_buffer(block), starts, number)


def read_jsonl(stream: io.BufferedReader) -> Iterator[pa.Table]:
    if stream.peek(2)[:2] == b"\x1f\x8b":
        raise FileFormatError(
            "not a JSON Lines file: the content is gzip-compressed; "
            "name it .jsonl.gz and deliver it again"
        )
    yield from _read_jsonl_blocks(_blocks(stream, JSONL_BATCH_BYTES))


# --- gzip ------------------------------------------------------------------------------------

# Compressed bytes read at a time.
GZIP_READ_BYTES = 1 << 20


@dataclass
class GzipTail:
    """Bytes after the last complete gzip member that do not start another one."""

    offset: int = 0
    size: int = 0


def _gunzip(stream: io.BufferedIOBase, tail: GzipTail) -> Iterator[bytes]:
    """The decompressed content of every gzip member in turn, in blocks of about
    JSONL_BATCH_BYTES (a tiny file cannot inflate to more than that at once).

    Bytes after a complete member that are no member (garbage, zero padding) are counted into
    `tail` and not decompressed. A member that breaks after it produced content cannot be
    taken back (its lines are already read), so that, like a broken first member, is a
    FileFormatError: the whole file is refused.
    """
    decompressor = zlib.decompressobj(wbits=31)
    position = 0  # file offset of data[0]
    member_start = 0
    member_output = False
    output: list[bytes] = []
    output_bytes = 0
    data = b""
    while True:
        if not data:
            data = stream.read(GZIP_READ_BYTES)
            if not data:
                break
        try:
            piece = decompressor.decompress(data, JSONL_BATCH_BYTES)
        except zlib.error as exc:
            if member_start == 0 or member_output:
                raise FileFormatError(f"not a valid gzip file: {exc}") from exc
            tail.offset = member_start
            tail.size = position - member_start + len(data)
            tail.size += sum(len(block) for block in _blocks(stream, GZIP_READ_BYTES))
            break
        if piece:
            member_output = True
            output.append(piece)
            output_bytes += len(piece)
            if output_bytes >= JSONL_BATCH_BYTES:
                yield b"".join(output)
                output, output_bytes = [], 0
        if decompressor.eof:
            rest = decompressor.unused_data
            position += len(data) - len(rest)
            decompressor = zlib.decompressobj(wbits=31)
            member_start, member_output, data = position, False, rest
        else:
            rest = decompressor.unconsumed_tail
            position += len(data) - len(rest)
            data = rest
    if position > member_start and not tail.size:
        if member_start == 0 or member_output:
            raise FileFormatError(
                "not a valid gzip file: it ends in the middle of a gzip member (truncated?); "
                "deliver the complete file again"
            )
        tail.offset, tail.size = member_start, position - member_start
    if output:
        yield b"".join(output)


def read_jsonl_gz(stream: io.BufferedReader) -> Iterator[pa.Table]:
    """Gzip-compressed JSON Lines, one gzip member or several; trailing non-gzip bytes after
    the last member are one rejected record, so the events before them still load."""
    tail = GzipTail()
    next_line = yield from _read_jsonl_blocks(_gunzip(stream, tail))
    if tail.size:
        reason = (
            f"{tail.size} bytes after the end of the gzip stream at byte offset {tail.offset} "
            "are not gzip data; they were not read (the events before them were)"
        )
        yield _batch([next_line], [None], [None], ["record"], [reason])


# --- CSV -------------------------------------------------------------------------------------

# Bytes read at a time; CSV rows go through Python one by one, so bigger blocks gain nothing.
CSV_READ_BYTES = 1 << 20


class _RowTooLong(Exception):
    """Raised through csv.reader when the row being parsed passes MAX_RECORD_BYTES."""

    def __str__(self) -> str:
        return f"it is longer than the maximum record size of {MAX_RECORD_BYTES} bytes"


class _LineRecorder:
    """Feeds csv.reader line by line and remembers the lines of the row being parsed.

    csv.reader returns fields, not the text it read; a rejected row must keep its original
    text (multi-line quoted fields included) so it can be replayed. A row growing past
    MAX_RECORD_BYTES stops the parse (_RowTooLong) before it costs more memory.
    """

    def __init__(self, lines: Iterator[bytes | LongLine]) -> None:
        self._lines = lines
        self.taken: list[bytes] = []
        self.taken_bytes = 0
        self.long_line: LongLine | None = None
        self.line_number = 0
        self.at_end = False

    def __iter__(self) -> _LineRecorder:
        return self

    def next_line(self) -> bytes | LongLine:
        try:
            line = next(self._lines)
        except StopIteration:
            self.at_end = True
            raise
        self.line_number += 1
        return line

    def __next__(self) -> str:
        line = self.next_line()
        if isinstance(line, LongLine):
            self.long_line = line
            raise _RowTooLong
        if self.line_number == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        self.taken.append(line)
        self.taken_bytes += len(line)
        if self.taken_bytes > MAX_RECORD_BYTES:
            raise _RowTooLong
        return line.decode("utf-8", errors="surrogateescape")

    def pop_text(self) -> str:
        text = b"".join(self.taken).decode("utf-8", errors="surrogateescape")
        self.taken.clear()
        self.taken_bytes = 0
        return text


def _each_line(stream: io.BufferedIOBase) -> Iterator[bytes | LongLine]:
    for item in split_lines(_blocks(stream, CSV_READ_BYTES)):
        if isinstance(item, LongLine):
            yield item
            continue
        block, starts, _ = item
        for start, end in itertools.pairwise(starts.tolist()):
            yield block[start:end]


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


def _unclosed_quote(start_line: int, row_number: int) -> FileFormatError:
    return FileFormatError(
        f"the CSV row starting at file line {start_line} (data row {row_number}) opens a "
        "quoted field that is never closed, so every later line would be read as part of it; "
        "nothing of the file was loaded. Close the quote and deliver the file again"
    )


def _skip_long_row(recorder: _LineRecorder, start_line: int, row_number: int) -> tuple[str, str]:
    """Skips the rest of a row over MAX_RECORD_BYTES; returns its kept start and the reason.

    Where the row ends is found by counting quotes (RFC 4180: inside a quoted field quotes
    come in pairs), from the state csv was in: a row that took more than one line was inside
    a quoted field when it asked for the next one.
    """
    kept = b"".join(recorder.taken)
    size = recorder.taken_bytes
    last = recorder.long_line
    if last is not None:  # csv asked for this line mid-row only from inside a quoted field
        kept += last.prefix
        size += last.size
        in_quote = bool(recorder.taken) ^ (last.quotes % 2 == 1)
    else:  # the last line taken pushed the row over; csv has not parsed it yet
        in_quote = (len(recorder.taken) > 1) ^ (recorder.taken[-1].count(b'"') % 2 == 1)
    while in_quote:
        try:
            line = recorder.next_line()
        except StopIteration:
            raise _unclosed_quote(start_line, row_number) from None
        quotes = line.quotes if isinstance(line, LongLine) else line.count(b'"')
        size += line.size if isinstance(line, LongLine) else len(line)
        in_quote ^= quotes % 2 == 1
    recorder.taken.clear()
    recorder.taken_bytes = 0
    recorder.long_line = None
    prefix = kept[:RAW_RECORD_PREFIX_BYTES].decode("utf-8", errors="replace")
    reason = (
        f"is a row of about {size} bytes, more than the maximum record size of "
        f"{MAX_RECORD_BYTES} bytes (file lines {start_line}-{recorder.line_number}); it was "
        f"skipped unread and only its first {len(prefix.encode())} bytes are kept"
    )
    return prefix, reason


def _csv_header(
    reader: Iterator[list[str]], recorder: _LineRecorder, required: tuple[str, ...]
) -> list[str]:
    try:
        header = next(reader, [])
    except (csv.Error, _RowTooLong) as exc:
        raise FileFormatError(f"the CSV header row cannot be read: {exc}") from exc
    recorder.pop_text()
    names = [name.strip().lower() for name in header]
    missing = [field for field in required if field not in names]
    if missing:
        raise FileFormatError(
            "not a valid CSV file: the header row must name the columns "
            f"{', '.join(required)}; missing {', '.join(missing)}"
        )
    return names


def _check_unique_names(names: list[str], kind: str) -> None:
    """A source table's row is kept as {column: value}: two columns of one name would lose one."""
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise FileFormatError(
            f"not a valid {kind} file: it names the column(s) {', '.join(repeated)} more than "
            "once (letter case and surrounding spaces aside), so a row cannot be kept whole"
        )


def read_csv(
    stream: io.BufferedReader, required: tuple[str, ...] | None = None
) -> Iterator[pa.Table]:
    """CSV with a header row; attributes is a JSON string column; rows number from 1 after it.

    Empty cells become absent fields (CSV cannot tell "" from missing). Columns outside the
    envelope are not stored, as for JSON. A row csv cannot parse, or with more or fewer cells
    than the header, is rejected with its row number and the file line where it starts. Lines
    end with LF, CR LF or CR. A quoted field still open at the end of the file refuses the
    whole file (FileFormatError), naming the line where its row starts.

    `required` given: a source table (orchestration/ingest/sources.py), not events: the header
    must name those columns, and every column is kept, by its lower-cased trimmed name.
    """
    recorder = _LineRecorder(_each_line(stream))
    reader = csv.reader(recorder, strict=True)
    names = _csv_header(reader, recorder, REQUIRED_FIELDS if required is None else required)
    if required is None:
        keep = [(i, name) for i, name in enumerate(names) if name in ENVELOPE_FIELDS]
    else:
        _check_unique_names(names, "CSV")
        keep = list(enumerate(names))
    rows: tuple[list, ...] = ([], [], [], [], [])
    row_number = 0
    while True:
        start_line = recorder.line_number + 1
        problem: str | None = None
        text: str | None = None
        try:
            cells = next(reader)
        except StopIteration:
            break
        except _RowTooLong:
            row_number += 1
            text, problem = _skip_long_row(recorder, start_line, row_number)
            cells = None
            reader = csv.reader(recorder, strict=True)
        except csv.Error as exc:
            if recorder.at_end:
                raise _unclosed_quote(start_line, row_number + 1) from exc
            cells, problem = None, f"is a malformed CSV row (file line {start_line}): {exc}"
        if text is None:
            text = recorder.pop_text()
            if cells == []:
                continue
            row_number += 1
        if problem is None and _has_invalid_utf8(text):
            problem = f"{INVALID_UTF8} (file line {start_line})"
        if problem is None and len(cells) != len(names):
            problem = (
                f"has {len(cells)} cells but the header has {len(names)} (file line {start_line})"
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


def read_parquet(
    path: Path, cursor: duckdb.DuckDBPyConnection, required: tuple[str, ...] | None = None
) -> tuple[Iterator[pa.Table], bool]:
    """Parquet rows as JSON text (1-based row numbers), plus whether attributes is a text column.

    DuckDB's to_json turns each row into the same JSON a JSON Lines file would carry, so typed
    columns (a numeric event_id, a naive timestamp) meet the same rules as JSON values do.
    `required` given: a source table, whose header must name those columns (as for read_csv).
    """
    try:
        relation = cursor.read_parquet(str(path))
    except duckdb.Error as exc:
        raise FileFormatError(f"not a valid Parquet file: {exc}") from exc
    if required is not None:
        _check_unique_names([name.lower() for name in relation.columns], "Parquet")
    columns = {
        name.lower(): (name, str(type_name))
        for name, type_name in zip(relation.columns, relation.types, strict=True)
    }
    required = REQUIRED_FIELDS if required is None else required
    missing = [field for field in required if field not in columns]
    if missing:
        raise FileFormatError(
            "not a valid Parquet file for this contract: it must have the columns "
            f"{', '.join(required)}; missing {', '.join(missing)}"
        )
    attributes_are_text = columns.get("attributes", ("", ""))[1] == "VARCHAR"
    # Column names come from the file: quoted by the engine's rules, they stay names.
    row_json = ", ".join(
        f"{quote_identifier(lowered)} := {quote_identifier(name)}"
        for lowered, (name, _) in columns.items()
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
