"""Load the landing folder into the raw layer: raw.events, raw.rejected_events, raw.file_loads.

The contract is in docs/architecture.md (tables) and docs/event-contract.md (records). In short:
every record received is accounted for as loaded, duplicate or rejected; a file is loaded whole
or not at all (one transaction per file); a file already loaded (same sha256) is skipped, so
running the loader twice changes nothing.
"""

from __future__ import annotations

import hashlib
import io
import os
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.ingest.contract import (
    DEFAULT_OCCURRED_AT_EARLIEST,
    DEFAULT_OCCURRED_AT_MAX_DAYS_AHEAD,
    KIND_WORDS_MACRO,
    OccurredAtWindow,
    validation_sql,
)
from orchestration.ingest.readers import (
    BATCH_SCHEMA,
    FileFormatError,
    HashingReader,
    read_csv,
    read_jsonl,
    read_jsonl_gz,
    read_parquet,
)
from orchestration.ingest.sources import SourceTable, source_table_of

# Longest ending first: "x.jsonl.gz" must not be taken for something else.
FILE_FORMATS: tuple[str, ...] = ("jsonl.gz", "jsonl", "parquet", "csv")
# What counts as a landing file, for the loader and for the sensor that watches the folder.
LANDING_FILE_SUFFIXES: tuple[str, ...] = tuple("." + fmt for fmt in FILE_FORMATS)

# Rows per Arrow record batch handed to DuckDB; 16k measured best against 4k and 64k.
SCAN_SLICE_ROWS = 16_384

RAW_SCHEMA_DDL = """
create schema if not exists raw;

create table if not exists raw.events (
    event_id varchar not null,
    event_type varchar not null,
    occurred_at timestamp not null,
    session_id varchar not null,
    customer_id varchar,
    channel varchar,
    actor_type varchar,
    actor_id varchar,
    text varchar,
    attributes varchar,
    source_file varchar not null,
    source_line bigint not null,
    load_id varchar not null,
    loaded_at timestamp not null
);

create table if not exists raw.rejected_events (
    source_file varchar not null,
    source_line bigint not null,
    field varchar not null,
    reason varchar not null,
    raw_record varchar,
    load_id varchar not null,
    rejected_at timestamp not null
);

create table if not exists raw.file_loads (
    load_id varchar not null,
    source_file varchar not null,
    file_sha256 varchar not null,
    file_format varchar not null,
    received bigint not null,
    loaded bigint not null,
    duplicates bigint not null,
    rejected bigint not null,
    loaded_at timestamp not null
);

-- Rows of source tables (orchestration/ingest/sources.py), every column kept as delivered:
-- record is the row as a JSON object of text values keyed by the lower-cased column names,
-- so a delivered name is never an identifier and a column added upstream needs no DDL. The
-- adapter's dbt models (models/staging/<source>/) map them to canonical events.
create table if not exists raw.source_rows (
    source varchar not null,
    source_table varchar not null,
    record varchar not null,
    source_file varchar not null,
    source_line bigint not null,
    load_id varchar not null,
    loaded_at timestamp not null
);

-- Which source table each source file of raw.file_loads belongs to, for the reconciliation
-- per source table (mon_source_reconciliation).
create table if not exists raw.source_table_files (
    load_id varchar not null,
    source_file varchar not null,
    source varchar not null,
    source_table varchar not null
);
"""


class LandingError(Exception):
    """The landing folder cannot be loaded at all; the message says what to fix."""


@dataclass(frozen=True)
class FileLoad:
    """The reconciliation of one file: received = loaded + duplicates + rejected."""

    source_file: str
    file_format: str
    received: int
    loaded: int
    duplicates: int
    rejected: int
    # Why the file was rejected whole (one received record, rejected), else None.
    refusal: str | None = None
    # The source table the file holds; None for event files.
    source_table: SourceTable | None = None


@dataclass(frozen=True)
class DeferredFile:
    """A file left for the next run: it changed while it was read, so nothing was recorded."""

    source_file: str
    reason: str


@dataclass
class LoadReport:
    """What one loader run did, for the Dagster asset's metadata and the reject-share gate."""

    load_id: str
    files: list[FileLoad] = field(default_factory=list)
    skipped_files: list[str] = field(default_factory=list)
    ignored_files: list[str] = field(default_factory=list)
    deferred_files: list[DeferredFile] = field(default_factory=list)

    @property
    def received(self) -> int:
        return sum(file.received for file in self.files)

    @property
    def loaded(self) -> int:
        return sum(file.loaded for file in self.files)

    @property
    def duplicates(self) -> int:
        return sum(file.duplicates for file in self.files)

    @property
    def rejected(self) -> int:
        return sum(file.rejected for file in self.files)

    def reject_share(self) -> float:
        """Rejected / received over the files loaded in this run; 0 when nothing was received."""
        return self.rejected / self.received if self.received else 0.0

    def summary_lines(self) -> list[str]:
        """The reconciliation as printable lines, one per file and a total."""
        lines = [f"load {self.load_id}: {len(self.files)} new file(s)"]
        for file in self.files:
            lines.append(
                f"  {file.source_file} [{file.file_format}]: received {file.received} = "
                f"loaded {file.loaded} + duplicates {file.duplicates} + rejected {file.rejected}"
            )
            if file.refusal:
                lines.append(f"    rejected whole: {file.refusal}")
        lines.append(
            f"  total: received {self.received} = loaded {self.loaded} + duplicates "
            f"{self.duplicates} + rejected {self.rejected} (reject share {self.reject_share():.2%})"
        )
        if self.skipped_files:
            lines.append(f"  skipped, already loaded: {', '.join(self.skipped_files)}")
        if self.ignored_files:
            lines.append(f"  ignored, not a landing file: {', '.join(self.ignored_files)}")
        for deferred in self.deferred_files:
            lines.append(
                f"  not loaded, tried again next run: {deferred.source_file}: {deferred.reason}"
            )
        return lines


def load_landing(
    landing_dir: Path,
    database: Path,
    *,
    now: datetime | None = None,
    occurred_at_earliest: datetime = DEFAULT_OCCURRED_AT_EARLIEST,
    occurred_at_max_days_ahead: float = DEFAULT_OCCURRED_AT_MAX_DAYS_AHEAD,
    sources: tuple[str, ...] = (),
) -> LoadReport:
    """Load every new file in `landing_dir` into the raw schema of the DuckDB file `database`.

    `now` fixes the load time (tests, backfills); by default it is the current UTC time. An
    occurred_at before `occurred_at_earliest` (naive UTC) or more than
    `occurred_at_max_days_ahead` days after the load time is rejected. Files in the folder of
    one of `sources` (EMPATHY_SOURCES) are that source's tables, landed in raw.source_rows.
    """
    landing_dir = Path(landing_dir)
    if not landing_dir.is_dir():
        raise LandingError(
            f"Landing folder {landing_dir} does not exist (or is not a folder). Create it, or "
            "point the environment variable LANDING_DIR at the folder deliveries land in."
        )
    loaded_at = _utc_naive(now)
    window = OccurredAtWindow.around(
        loaded_at, _utc_naive(occurred_at_earliest), occurred_at_max_days_ahead
    )
    report = LoadReport(load_id=f"{loaded_at:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}")
    entries = find_landing_files(landing_dir, sources)
    report.ignored_files = entries.ignored

    database = Path(database)
    database.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(database)) as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute(RAW_SCHEMA_DDL)
        con.execute(KIND_WORDS_MACRO)
        for entry in entries.files:
            if entry.refusal is not None:
                report.files.append(_refuse(con, report.load_id, loaded_at, entry, entry.refusal))
                continue
            try:
                sha256 = file_sha256(entry.path)
            except OSError as exc:
                reason = f"cannot be read: {exc.strerror or exc}"
                report.files.append(_refuse(con, report.load_id, loaded_at, entry, reason))
                continue
            already = con.execute(
                "select 1 from raw.file_loads where file_sha256 = ? limit 1", [sha256]
            ).fetchone()
            if already:
                report.skipped_files.append(entry.source_file)
                continue
            batch = _FileBatch(
                con,
                report.load_id,
                loaded_at,
                entry.source_file,
                sha256,
                entry.file_format,
                window,
                entry.source_table,
            )
            try:
                report.files.append(batch.load(entry.path))
            except FileChangedWhileReading as exc:
                report.deferred_files.append(DeferredFile(entry.source_file, str(exc)))
    return report


def files_to_load(landing_dir: Path, database: Path, sources: tuple[str, ...] = ()) -> list[str]:
    """The landing entries a load would not skip (new, changed, or refused unread), by name.

    The loader's own rule, read-only: an entry is skipped only when its sha256 is in
    raw.file_loads; an entry refused unread is recorded again by every load."""
    entries = find_landing_files(Path(landing_dir), sources).files
    if not Path(database).exists():
        return [entry.source_file for entry in entries]
    with duckdb.connect(str(database), read_only=True) as con:
        has_file_loads = con.execute(
            "select 1 from duckdb_tables() where schema_name = 'raw' and table_name = 'file_loads'"
        ).fetchall()
        pending = []
        for entry in entries:
            try:
                sha256 = None if entry.refusal is not None else file_sha256(entry.path)
            except OSError:
                sha256 = None
            loaded = (
                sha256 is not None
                and has_file_loads
                and con.execute(
                    "select 1 from raw.file_loads where file_sha256 = ? limit 1", [sha256]
                ).fetchone()
            )
            if not loaded:
                pending.append(entry.source_file)
    return pending


class FileChangedWhileReading(Exception):
    """The bytes read differ from the bytes hashed: the file was written to during the load."""


@dataclass(frozen=True)
class LandingEntry:
    """A landing file to load (or to refuse unread, when `refusal` says why)."""

    path: Path  # what to open: the file itself, or the target of a link inside the folder
    source_file: str  # the name relative to the landing folder, as stored and reported
    file_format: str
    refusal: str | None = None
    # The source table the file holds (orchestration/ingest/sources.py); None: canonical events.
    source_table: SourceTable | None = None


@dataclass
class LandingEntries:
    files: list[LandingEntry] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


LINK_OUTSIDE = "symbolic link to a target outside the landing folder; not read"
LINK_LOOP = "symbolic link that never reaches a file (a loop of links); not read"
NAME_NOT_UTF8 = (
    "the file name is not valid UTF-8 (shown with \\x escapes); not read. Rename the file "
    "with a UTF-8 name and it loads"
)
# file_format of a refused link to a folder, which has no format of its own.
FOLDER_FORMAT = "folder"


def _printable_name(relative: str) -> str:
    """The name as UTF-8 text; bytes that are not UTF-8 shown as \\xNN escapes."""
    return os.fsencode(relative).decode("utf-8", errors="backslashreplace")


def find_landing_files(landing_dir: Path, sources: tuple[str, ...] = ()) -> LandingEntries:
    """Files to load with their format, sorted by relative path, and the names ignored.

    A file in the folder of one of `sources` holds that source's table (sources.py says which
    names are tables; any other file there is ignored, so it is never taken for events).

    Names starting with "." or "_" (in any folder) are left alone without a mention: that is
    how uploads in progress, checkpoints and markers such as _SUCCESS are conventionally named.
    Symbolic links are never followed out of the folder: a link whose target resolves outside
    it (file or folder) is refused unread. A link to a file inside loads that file under the
    link's name; a link to a folder inside is not searched (its files load under their own
    names). A name that is not valid UTF-8 is refused unread, shown with escapes.
    """
    root = landing_dir.resolve()
    found: list[tuple[str, Path]] = []
    entries = LandingEntries()
    folders = [landing_dir]
    while folders:
        folder = folders.pop()
        try:
            scan = os.scandir(folder)
        except OSError as exc:
            if folder == landing_dir:
                raise
            name = _printable_name(folder.relative_to(landing_dir).as_posix())
            reason = f"cannot be read: {exc.strerror or exc}"
            entries.files.append(LandingEntry(folder, name, FOLDER_FORMAT, reason))
            continue
        with scan:
            for item in scan:
                path = Path(item.path)
                relative = path.relative_to(landing_dir).as_posix()
                if item.name.startswith((".", "_")):
                    continue
                if item.is_dir(follow_symlinks=False):
                    folders.append(path)
                else:
                    found.append((relative, path))
    for relative, path in sorted(found):
        name = _printable_name(relative)
        file_format = next((fmt for fmt in FILE_FORMATS if name.lower().endswith("." + fmt)), None)
        try:
            target = path.resolve() if path.is_symlink() else path
        except (OSError, RuntimeError):  # RuntimeError: a loop of links
            if file_format is None:
                entries.ignored.append(name)
            else:
                entries.files.append(LandingEntry(path, name, file_format, LINK_LOOP))
            continue
        if path.is_symlink() and not target.is_relative_to(root):
            # Only the link is looked at (readlink), never what it points to.
            if file_format is not None or target.is_dir():
                entry_format = file_format or FOLDER_FORMAT
                entries.files.append(LandingEntry(path, name, entry_format, LINK_OUTSIDE))
            else:
                entries.ignored.append(name)
        elif path.is_symlink() and target.is_dir():
            continue
        elif file_format is None:
            entries.ignored.append(name)
        elif name != relative:
            entries.files.append(LandingEntry(path, name, file_format, NAME_NOT_UTF8))
        else:
            # Any entry named like a landing file (a FIFO, a broken symbolic link) is a
            # candidate, so it is rejected by name, not skipped.
            entries.files.append(
                LandingEntry(target if target.exists() else path, name, file_format)
            )
    entries.files.sort(key=lambda entry: entry.source_file)
    if sources:
        _assign_source_tables(entries, sources)
    return entries


def _assign_source_tables(entries: LandingEntries, sources: tuple[str, ...]) -> None:
    """Marks the files of source folders with their table; the rest of such a folder is ignored."""
    files = []
    for entry in entries.files:
        table = source_table_of(entry.source_file, sources)
        if isinstance(table, str):
            entries.ignored.append(f"{entry.source_file} ({table})")
        else:
            files.append(replace(entry, source_table=table))
    entries.files = files


def _sha256_now(path: Path) -> str:
    """The file's digest now, to compare with the one taken before reading it."""
    try:
        return file_sha256(path)
    except OSError:
        return UNREADABLE_SHA256


def file_sha256(path: Path) -> str:
    """The file's digest; OSError when it cannot be read (without opening a FIFO, which blocks)."""
    if not path.is_file():
        kind = "a broken symbolic link" if path.is_symlink() else "not a regular file"
        raise OSError(f"{kind}, nothing to read")
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _prefetched(batches: Iterator[pa.Table]) -> Iterator[pa.Table]:
    """Yield `batches`, reading the next one in a thread while DuckDB checks the current one.

    Reading (file I/O, gzip, numpy) and DuckDB both release the GIL, so the two overlap.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        upcoming = pool.submit(next, batches, None)
        while (batch := upcoming.result()) is not None:
            upcoming = pool.submit(next, batches, None)
            yield batch


def _utc_naive(moment: datetime | None) -> datetime:
    """UTC wall-clock time without tzinfo, as the raw tables store it (naive means UTC)."""
    if moment is None:
        moment = datetime.now(UTC)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None)


# What raw.events stores about an event besides its id: a re-delivery is compared on these.
CONTENT_COLUMNS: tuple[str, ...] = (
    "event_type",
    "occurred_at",
    "session_id",
    "customer_id",
    "channel",
    "actor_type",
    "actor_id",
    "text",
    "attributes",
)

# The accepted records of `checked` whose event_id was delivered before (in raw.events, or on
# a lower line of this file), with where that first delivery was and which values differ
# ('' when none: a plain duplicate). Usually a handful of rows; the parameter is the file name.
REPEATS_SQL = f"""
create or replace temp table repeats as
with accepted as (
    select
        event_id, source_line, {", ".join(CONTENT_COLUMNS)},
        row_number() over (partition by event_id order by source_line) as delivery
    from checked
    where field is null
),

earlier_loads as (
    select event_id, source_file as first_file, source_line as first_line,
        {", ".join(CONTENT_COLUMNS)}, false as in_this_file
    from raw.events
    where event_id in (select event_id from accepted)
),

first_deliveries as (
    select * from earlier_loads
    union all by name
    select event_id, $1 as first_file, source_line as first_line,
        {", ".join(CONTENT_COLUMNS)}, true as in_this_file
    from accepted
    where delivery = 1 and event_id not in (select event_id from earlier_loads)
)

select
    later.*,
    first.first_file,
    first.first_line,
    concat_ws(', ', {
    ", ".join(
        f"case when later.{name} is distinct from first.{name} then '{name}' end"
        for name in CONTENT_COLUMNS
    )
}) as differing
from accepted as later
inner join first_deliveries as first using (event_id)
where not (first.in_this_file and later.delivery = 1)
"""

# A conflicting re-delivery's raw_record: the loader keeps no text of valid records, so the
# record as it would have been stored stands in for it.
STORED_RECORD_JSON = (
    "json_object('event_id', event_id, 'event_type', event_type, "
    "'occurred_at', strftime(occurred_at, '%Y-%m-%dT%H:%M:%S.%fZ'), 'session_id', session_id, "
    "'customer_id', customer_id, 'channel', channel, 'actor_type', actor_type, "
    "'actor_id', actor_id, 'text', text, 'attributes', json(attributes))::varchar"
)


@dataclass
class _FileBatch:
    """Loads one file inside one transaction: all of it lands, or none of it does."""

    con: duckdb.DuckDBPyConnection
    load_id: str
    loaded_at: datetime
    source_file: str
    sha256: str
    file_format: str
    window: OccurredAtWindow
    source_table: SourceTable | None = None

    def load(self, path: Path) -> FileLoad:
        """Loads the file; FileChangedWhileReading (and nothing recorded) when it changed."""
        self.con.begin()
        try:
            refusal = None
            try:
                counts = self._load_records(path)
            except FileFormatError as exc:
                # A file still being written looks broken (a gzip cut short): retry it later.
                self._check_unchanged(_sha256_now(path))
                self.con.rollback()
                self.con.begin()
                refusal = str(exc)
                counts = self._reject_whole_file(refusal)
            file_load = FileLoad(
                self.source_file,
                self.file_format,
                *counts,
                refusal=refusal,
                source_table=self.source_table,
            )
            self.con.execute(
                "insert into raw.file_loads values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    self.load_id,
                    self.source_file,
                    self.sha256,
                    self.file_format,
                    file_load.received,
                    file_load.loaded,
                    file_load.duplicates,
                    file_load.rejected,
                    self.loaded_at,
                ],
            )
            _record_source_table(self.con, self.load_id, self.source_file, self.source_table)
            self.con.commit()
        except BaseException:
            self.con.rollback()
            raise
        return file_load

    def _check_unchanged(self, sha256_read: str) -> None:
        if sha256_read != self.sha256:
            raise FileChangedWhileReading(
                "the file changed while it was read (its sha256 before reading differs from "
                "the bytes read), so nothing of it was recorded. Deliver files by writing "
                "'.name.part' and renaming it when complete"
            )

    def _load_records(self, path: Path) -> tuple[int, int, int, int]:
        """Check every record into a temp table, then insert the good and the rejected ones.

        The records are read from exactly the bytes the digest covers: a file that changed
        after it was hashed raises FileChangedWhileReading, and the transaction is dropped.
        """
        if self.sha256 == EMPTY_SHA256:
            return 0, 0, 0, 0
        try:
            handle = path.open("rb", buffering=0)
        except OSError as exc:
            raise FileChangedWhileReading(
                f"the file could not be opened after it was hashed ({exc.strerror or exc}); "
                "nothing of it was recorded"
            ) from exc
        with handle:
            hashing = HashingReader(handle)
            batches, attributes_are_text = self._open(io.BufferedReader(hashing), path)
            check = (
                validation_sql(
                    "incoming", attributes_are_text=attributes_are_text, window=self.window
                )
                if self.source_table is None
                else SOURCE_ROWS_CHECK_SQL
            )
            self.con.register("incoming", BATCH_SCHEMA.empty_table())
            self.con.execute(f"create or replace temp table checked as {check}")
            for batch in _prefetched(batches):
                # DuckDB scans an Arrow table in parallel by record batch: slice (zero-copy) so
                # both cores get work even when a reader hands over one big batch.
                slices = batch.to_batches(max_chunksize=SCAN_SLICE_ROWS)
                self.con.register("incoming", pa.Table.from_batches(slices, schema=batch.schema))
                self.con.execute(f"insert into checked {check}")
            self.con.unregister("incoming")
            # DuckDB reads Parquet by path, so for Parquet the file is hashed again.
            parquet = self.file_format == "parquet"
            self._check_unchanged(_sha256_now(path) if parquet else hashing.hexdigest())
        return self._insert_checked()

    def _open(self, stream: io.BufferedReader, path: Path) -> tuple[Iterator[pa.Table], bool]:
        readers: dict[str, Callable[[io.BufferedReader], Iterator[pa.Table]]] = {
            "jsonl": read_jsonl,
            "jsonl.gz": read_jsonl_gz,
            "csv": read_csv,
        }
        required = None if self.source_table is None else self.source_table.required_columns
        if self.file_format == "parquet":
            cursor = self.con.cursor()
            cursor.execute("set TimeZone = 'UTC'")
            return read_parquet(path, cursor, required)
        if required is not None:
            return read_csv(stream, required), True
        return readers[self.file_format](stream), self.file_format == "csv"

    def _insert_checked(self) -> tuple[int, int, int, int]:
        if self.source_table is not None:
            return self._insert_source_rows(self.source_table)
        return self._insert_checked_events()

    def _insert_source_rows(self, table: SourceTable) -> tuple[int, int, int, int]:
        """Every readable row lands in raw.source_rows; mapping (and its rejects) is the
        adapter's dbt models' job, so no row is a duplicate here."""
        loaded = self.con.execute(
            """
            insert into raw.source_rows
            select ?, ?, record, ?, source_line, ?, ?
            from checked
            where field is null
            """,
            [table.source, table.table, self.source_file, self.load_id, self.loaded_at],
        ).fetchone()[0]
        rejected = self._insert_rejected_rows()
        self.con.execute("drop table checked")
        return loaded + rejected, loaded, 0, rejected

    def _insert_rejected_rows(self) -> int:
        """The records of `checked` that a rule rejected, into raw.rejected_events."""
        return self.con.execute(
            """
            insert into raw.rejected_events
            select
                ? as source_file, source_line, field, reason,
                rtrim(raw_record, chr(13) || chr(10)) as raw_record,
                ? as load_id, ? as rejected_at
            from checked
            where field is not null
            """,
            [self.source_file, self.load_id, self.loaded_at],
        ).fetchone()[0]

    def _insert_checked_events(self) -> tuple[int, int, int, int]:
        """First delivery wins: an event_id already in raw.events, or earlier in this file
        (lower source_line), makes the record a duplicate when it carries the same content,
        and a rejected record (field event_id, naming the first delivery) when it does not,
        so the differing content stays reviewable instead of silently dropped."""
        self.con.execute(REPEATS_SQL, [self.source_file])
        received, rejected = self.con.execute(
            "select count(*), count(field) from checked"
        ).fetchone()
        loaded = self.con.execute(
            """
            insert into raw.events
            select
                event_id, event_type, occurred_at, session_id, customer_id, channel,
                actor_type, actor_id, text, attributes,
                ? as source_file, source_line, ? as load_id, ? as loaded_at
            from checked
            where field is null
                and source_line not in (select source_line from repeats)
            """,
            [self.source_file, self.load_id, self.loaded_at],
        ).fetchone()[0]
        self._insert_rejected_rows()
        conflicts = self.con.execute(
            f"""
            insert into raw.rejected_events
            select
                ? as source_file, source_line, 'event_id' as field,
                'delivers an event_id already delivered (' || first_file || ' line '
                    || first_line || ') with a different ' || differing
                    || '; the first delivery is kept' as reason,
                {STORED_RECORD_JSON} as raw_record,
                ? as load_id, ? as rejected_at
            from repeats
            where differing <> ''
            """,
            [self.source_file, self.load_id, self.loaded_at],
        ).fetchone()[0]
        self.con.execute("drop table checked")
        self.con.execute("drop table repeats")
        rejected += conflicts
        return received, loaded, received - rejected - loaded, rejected

    def _reject_whole_file(self, reason: str) -> tuple[int, int, int, int]:
        """A file that is not what its name says counts as one received record, rejected."""
        self.con.execute(
            "insert into raw.rejected_events values (?, 0, 'file', ?, null, ?, ?)",
            [self.source_file, reason, self.load_id, self.loaded_at],
        )
        return 1, 0, 0, 1


# A source table's rows need no checks here (the readers already set aside what cannot be read).
SOURCE_ROWS_CHECK_SQL = """
select source_line, raw_record, record, early_field as field, early_reason as reason
from incoming
"""


def _record_source_table(
    con: duckdb.DuckDBPyConnection, load_id: str, source_file: str, table: SourceTable | None
) -> None:
    if table is not None:
        con.execute(
            "insert into raw.source_table_files values (?, ?, ?, ?)",
            [load_id, source_file, table.source, table.table],
        )


# Stands in for the digest of a file that was refused unread: it never matches a real one, so
# the entry is tried again by the next load (once it is readable it loads like any new file).
UNREADABLE_SHA256 = "unreadable"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def _refuse(
    con: duckdb.DuckDBPyConnection,
    load_id: str,
    loaded_at: datetime,
    entry: LandingEntry,
    reason: str,
) -> FileLoad:
    """An entry refused unread (unreadable, a link out of the folder, a name that is not UTF-8)
    counts as one received record, rejected, like a broken file; the other files of the run
    load as usual."""
    con.begin()
    con.execute(
        "insert into raw.rejected_events values (?, 0, 'file', ?, null, ?, ?)",
        [entry.source_file, reason, load_id, loaded_at],
    )
    con.execute(
        "insert into raw.file_loads values (?, ?, ?, ?, 1, 0, 0, 1, ?)",
        [load_id, entry.source_file, UNREADABLE_SHA256, entry.file_format, loaded_at],
    )
    _record_source_table(con, load_id, entry.source_file, entry.source_table)
    con.commit()
    return FileLoad(
        entry.source_file,
        entry.file_format,
        1,
        0,
        0,
        1,
        refusal=reason,
        source_table=entry.source_table,
    )
