"""The delivery gate that holds both ways, and the two ways a person lets a load through.

The reject-share gate (orchestration/defs/ingestion.py) judges every load that is not yet
settled, not only this run's: a load whose rejected share passed EMPATHY_REJECT_SHARE_LIMIT is
recorded in `ops.held_loads` and stays held on every later run, with nothing changed, until
someone acts:

- raises the limit: every run re-judges the held loads against the current limit;
- fixes the data: `python -m orchestration quarantine --file F [--line N] --reason TEXT` sets
  the bad file (or record) aside; a file quarantined whole no longer counts in its load's share,
  a quarantined record counts neither as received nor as rejected;
- accepts it: `python -m orchestration accept-load <load_id> --by NAME --reason TEXT` records
  who accepted which load and why in `ops.load_acceptances`; the run that publishes it lists the
  acceptance in the run log (column accepted_loads of ops.refresh_runs).

A held load that passes is released (released_at, released_because) and never judged again.

Quarantine moves the file's (or line's) records out of raw.events into raw.rejected_events
(field `quarantine`, the reason given, the load they came with) and moves their count from
`loaded` to `rejected` in raw.file_loads, so received = loaded + duplicates + rejected stays
exact. Staging appends new loads only, so the next run rebuilds every incremental model from
raw (`dbt build --full-refresh`) to drop what the records touched; `ops.quarantines` keeps the
request until a build has done it (column refreshed_at).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

OPS_SCHEMA = "ops"
QUARANTINE_FIELD = "quarantine"

LOAD_GATE_DDL = f"""
create schema if not exists {OPS_SCHEMA};

create table if not exists {OPS_SCHEMA}.held_loads (
    load_id varchar not null,
    held_at timestamp not null,
    received bigint not null,
    rejected bigint not null,
    limit_when_held double not null,
    released_at timestamp,
    released_because varchar
);

create table if not exists {OPS_SCHEMA}.load_acceptances (
    load_id varchar not null,
    accepted_by varchar not null,
    reason varchar not null,
    accepted_at timestamp not null
);

create table if not exists {OPS_SCHEMA}.quarantines (
    quarantine_id varchar not null,
    source_file varchar not null,
    source_line bigint,
    reason varchar not null,
    records bigint not null,
    quarantined_at timestamp not null,
    refreshed_at timestamp
);
"""

ACCEPT_HINT = (
    "Fix the delivery (python -m orchestration quarantine --file F --reason TEXT, then deliver "
    "it again corrected), raise EMPATHY_REJECT_SHARE_LIMIT, or accept the load "
    "(python -m orchestration accept-load LOAD_ID --by NAME --reason TEXT)."
)


class LoadGateError(Exception):
    """A quarantine or acceptance that cannot be done; the message says what to do instead."""


@dataclass(frozen=True)
class LoadShare:
    """One load as the gate judges it (quarantined files and records left out)."""

    load_id: str
    received: int
    rejected: int
    accepted_by: str | None = None
    accepted_because: str | None = None

    @property
    def share(self) -> float:
        return self.rejected / self.received if self.received else 0.0

    def describe(self) -> str:
        rejected = f"{self.rejected} of {self.received} rejected ({self.share:.1%})"
        return f"load {self.load_id}: {rejected}"


@dataclass(frozen=True)
class GateVerdict:
    limit: float
    held: tuple[LoadShare, ...]  # over the limit and not accepted: nothing is published
    released: tuple[tuple[LoadShare, str], ...]  # held before, passing now, and why
    accepted: tuple[LoadShare, ...]  # over the limit but accepted by someone

    @property
    def passed(self) -> bool:
        return not self.held

    def description(self) -> str:
        """What the gate decided beyond this run's own share (which the check states first)."""
        parts = []
        if self.held:
            parts.append(
                "Nothing was published. See raw.rejected_events for file, line, reason. Held "
                "until someone acts: "
                + "; ".join(load.describe() for load in self.held)
                + ". "
                + ACCEPT_HINT
            )
        for load, because in self.released:
            parts.append(f"Held {load.describe()} released: {because}.")
        for load in self.accepted:
            parts.append(
                f"Over the limit but accepted: {load.describe()}, by {load.accepted_by}: "
                f"{load.accepted_because}."
            )
        return " ".join(parts)

    def accepted_loads(self) -> str | None:
        """For the run log: which over-limit loads went through on whose word."""
        text = "; ".join(
            f"{load.describe()} accepted by {load.accepted_by}: {load.accepted_because}"
            for load in self.accepted
        )
        return text or None


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _load_shares(
    connection: duckdb.DuckDBPyConnection, load_ids: list[str]
) -> dict[str, LoadShare]:
    """received and rejected per load over its files, quarantined files and records left out;
    with the latest acceptance of each load."""
    if not load_ids:
        return {}
    rows = connection.execute(
        f"""
        with candidate_files as (
            select file_loads.load_id, file_loads.source_file, file_loads.received,
                file_loads.rejected
            from raw.file_loads as file_loads
            where file_loads.load_id in (select unnest(?::varchar[]))
                and not exists (
                    select 1 from {OPS_SCHEMA}.quarantines as quarantines
                    where quarantines.source_file = file_loads.source_file
                        and quarantines.source_line is null
                        and quarantines.quarantined_at >= file_loads.loaded_at
                )
        ),
        quarantined_records as (
            select load_id, source_file, count(*) as records
            from raw.rejected_events
            where field = '{QUARANTINE_FIELD}'
            group by load_id, source_file
        ),
        acceptances as (
            select load_id, arg_max(accepted_by, accepted_at) as accepted_by,
                arg_max(reason, accepted_at) as reason
            from {OPS_SCHEMA}.load_acceptances
            group by load_id
        )
        select candidate_files.load_id,
            sum(candidate_files.received - coalesce(quarantined_records.records, 0)),
            sum(candidate_files.rejected - coalesce(quarantined_records.records, 0)),
            any_value(acceptances.accepted_by), any_value(acceptances.reason)
        from candidate_files
        left join quarantined_records
            on candidate_files.load_id = quarantined_records.load_id
            and candidate_files.source_file = quarantined_records.source_file
        left join acceptances on candidate_files.load_id = acceptances.load_id
        group by candidate_files.load_id
        order by candidate_files.load_id
        """,
        [load_ids],
    ).fetchall()
    return {row[0]: LoadShare(row[0], int(row[1]), int(row[2]), row[3], row[4]) for row in rows}


def judge_loads(working_db: Path, load_id: str, limit: float) -> GateVerdict:
    """Judges this run's load and every load still held; records new holds and releases."""
    now = _now()
    with duckdb.connect(str(working_db)) as connection:
        connection.execute(LOAD_GATE_DDL)
        still_held = [
            row[0]
            for row in connection.execute(
                f"select distinct load_id from {OPS_SCHEMA}.held_loads where released_at is null"
            ).fetchall()
        ]
        shares = _load_shares(connection, sorted({load_id, *still_held}))
        over_limit = [load for load in shares.values() if load.share > limit]
        held = tuple(load for load in over_limit if load.accepted_by is None)
        accepted = tuple(load for load in over_limit if load.accepted_by is not None)
        released = []
        for held_id in still_held:
            load = shares.get(held_id, LoadShare(held_id, 0, 0))
            if load in held:
                continue
            if load.accepted_by is not None:
                because = f"accepted by {load.accepted_by}: {load.accepted_because}"
            else:
                because = f"{load.share:.1%} is within the limit {limit:.1%} now"
            released.append((load, because))
        connection.begin()
        for load in held:
            if load.load_id not in still_held:
                connection.execute(
                    f"insert into {OPS_SCHEMA}.held_loads values (?, ?, ?, ?, ?, null, null)",
                    [load.load_id, now, load.received, load.rejected, limit],
                )
        for load, because in released:
            connection.execute(
                f"update {OPS_SCHEMA}.held_loads set released_at = ?, released_because = ? "
                "where load_id = ? and released_at is null",
                [now, because, load.load_id],
            )
        connection.commit()
    return GateVerdict(limit, held, tuple(released), accepted)


def accept_load(working_db: Path, load_id: str, accepted_by: str, reason: str) -> LoadShare:
    """Records that `accepted_by` lets `load_id` through the gate, and why."""
    if not accepted_by.strip() or not reason.strip():
        raise LoadGateError("say who accepts the load (--by) and why (--reason)")
    with duckdb.connect(str(working_db)) as connection:
        connection.execute(LOAD_GATE_DDL)
        exists = connection.execute(
            "select count(*) from duckdb_tables() "
            "where schema_name = 'raw' and table_name = 'file_loads'"
        ).fetchone()[0]
        shares = _load_shares(connection, [load_id]) if exists else {}
        if load_id not in shares:
            held = connection.execute(
                f"select load_id from {OPS_SCHEMA}.held_loads where released_at is null "
                "order by held_at"
            ).fetchall()
            listing = ", ".join(row[0] for row in held) or "none"
            raise LoadGateError(
                f"no load {load_id} in raw.file_loads of {working_db}; loads held now: {listing}"
            )
        connection.execute(
            f"insert into {OPS_SCHEMA}.load_acceptances values (?, ?, ?, ?)",
            [load_id, accepted_by.strip(), reason.strip(), _now()],
        )
    return shares[load_id]


@dataclass(frozen=True)
class QuarantineResult:
    source_file: str
    source_line: int | None
    records: int  # moved out of raw.events


def quarantine(
    working_db: Path, source_file: str, reason: str, source_line: int | None = None
) -> QuarantineResult:
    """Moves a file's (or one line's) records from raw.events to raw.rejected_events, keeps
    raw.file_loads reconciled, and asks the next run for a full rebuild of the models."""
    if not reason.strip():
        raise LoadGateError("say why the records are quarantined (--reason)")
    now = _now()
    line_filter = "" if source_line is None else " and source_line = ?"
    parameters = [source_file] if source_line is None else [source_file, source_line]
    with duckdb.connect(str(working_db)) as connection:
        connection.execute(LOAD_GATE_DDL)
        known = (
            connection.execute(
                "select count(*) from duckdb_tables() "
                "where schema_name = 'raw' and table_name = 'file_loads'"
            ).fetchone()[0]
            and connection.execute(
                "select count(*) from raw.file_loads where source_file = ?", [source_file]
            ).fetchone()[0]
        )
        if not known:
            raise LoadGateError(
                f"no file {source_file} in raw.file_loads of {working_db}: give the file name "
                "relative to the landing folder, as raw.file_loads.source_file has it"
            )
        connection.begin()
        connection.execute(
            "create temp table quarantined as select * from raw.events "
            f"where source_file = ?{line_filter}",
            parameters,
        )
        records = connection.execute("select count(*) from quarantined").fetchone()[0]
        if records == 0 and source_line is not None:
            connection.rollback()
            raise LoadGateError(
                f"{source_file} line {source_line} is not in raw.events (already rejected or "
                "quarantined, or no such line): nothing to quarantine"
            )
        connection.execute(
            """
            insert into raw.rejected_events
            select source_file, source_line, ?, ?,
                to_json(struct_pack(event_id, event_type, occurred_at, session_id, customer_id,
                    channel, actor_type, actor_id, text, attributes))::varchar,
                load_id, ?
            from quarantined
            """,
            [QUARANTINE_FIELD, reason.strip(), now],
        )
        connection.execute(
            """
            update raw.file_loads
            set loaded = file_loads.loaded - moved.records,
                rejected = file_loads.rejected + moved.records
            from (
                select load_id, source_file, count(*) as records
                from quarantined group by load_id, source_file
            ) as moved
            where file_loads.load_id = moved.load_id
                and file_loads.source_file = moved.source_file
            """
        )
        connection.execute(
            "delete from raw.events where event_id in (select event_id from quarantined)"
        )
        connection.execute(
            f"insert into {OPS_SCHEMA}.quarantines values (?, ?, ?, ?, ?, ?, null)",
            [uuid.uuid4().hex[:12], source_file, source_line, reason.strip(), records, now],
        )
        connection.execute("drop table quarantined")
        connection.commit()
    return QuarantineResult(source_file, source_line, records)


def full_refresh_requested(working_db: Path) -> bool:
    """A quarantine not yet rebuilt: the next dbt build must start from raw."""
    if not working_db.exists():
        return False
    # Read-only: a refresh asks this while a second one, refused a moment later at the refresh
    # lock, may be reading the same file; a writing connection would fail on its lock.
    with duckdb.connect(str(working_db), read_only=True) as connection:
        exists = connection.execute(
            "select count(*) from duckdb_tables() "
            f"where schema_name = '{OPS_SCHEMA}' and table_name = 'quarantines'"
        ).fetchone()[0]
        if not exists:
            return False
        return bool(
            connection.execute(
                f"select count(*) from {OPS_SCHEMA}.quarantines where refreshed_at is null"
            ).fetchone()[0]
        )


def mark_full_refresh_done(working_db: Path, requested_before: datetime) -> None:
    """The build that started at `requested_before` rebuilt everything quarantined before it."""
    with duckdb.connect(str(working_db)) as connection:
        connection.execute(
            f"update {OPS_SCHEMA}.quarantines set refreshed_at = ? "
            "where refreshed_at is null and quarantined_at <= ?",
            [_now(), requested_before],
        )
