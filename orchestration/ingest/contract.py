"""The raw event contract as the loader enforces it: field lists, accepted values, limits.

Kept apart from the loader so the rules live in one place that the docs
(docs/event-contract.md), the JSON Schema (event_contract.schema.json) and the tests point to.
Checks run set-wise in DuckDB SQL (see `validation_sql`): parsing ten million lines one by one
in Python would cost minutes, DuckDB does it in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# Required on every event; a missing, null or blank value rejects the record.
REQUIRED_FIELDS: tuple[str, ...] = ("event_id", "event_type", "occurred_at", "session_id")
# Optional envelope strings; null or "" is stored as NULL (CSV cannot tell the two apart).
OPTIONAL_FIELDS: tuple[str, ...] = ("customer_id", "channel", "actor_type", "actor_id", "text")
ENVELOPE_FIELDS: tuple[str, ...] = (*REQUIRED_FIELDS, *OPTIONAL_FIELDS, "attributes")

ACTOR_TYPES: tuple[str, ...] = ("customer", "bot", "agent", "system")

# Longest message text accepted. Real support messages stay far below; anything longer is
# almost always a pasted log or an attachment body that would bloat every downstream model.
MAX_TEXT_CHARS = 20_000

# Longest record (a JSON Lines line or a CSV row, line break excluded) the readers parse. A
# longer one is rejected unread, so one giant line never costs gigabytes of memory. 1 MiB is
# far above the largest valid envelope: MAX_TEXT_CHARS characters escaped as \u escape pairs
# take at most 12 bytes each (240 kB), plus the other fields and usual attributes.
MAX_RECORD_BYTES = 1 << 20
# How much of a record rejected for its size is kept as raw_record.
RAW_RECORD_PREFIX_BYTES = 4096

# occurred_at is an RFC 3339 date-time: date, "T", time with seconds, "Z" or a +hh:mm / -hh:mm
# offset. Without an offset the instant is ambiguous, so the loader refuses to guess a time
# zone. The regular expression checks the calendar too (days per month, leap years: 2024-02-29
# passes, 2026-02-29 does not), so that the JSON Schema (event_contract.schema.json, the same
# pattern) and the loader give every string the same verdict. Years 0001-9999; no leap second
# (:60, which DuckDB cannot store). Fractions of a second beyond microseconds are truncated.
_YEAR = "(?:[0-9]{3}[1-9]|[0-9]{2}[1-9]0|[0-9][1-9]00|[1-9]000)"
_LEAP_YEAR = "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
_DATE = (
    f"(?:{_YEAR}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))"
    f"|{_LEAP_YEAR}-02-29)"
)
_TIME = "[Tt](?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:[.][0-9]+)?"
_OFFSET = "(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
OCCURRED_AT_PATTERN = f"^{_DATE}{_TIME}{_OFFSET}$"
# The same without the offset: the one mistake worth its own reason.
_LOCAL_DATE_TIME_PATTERN = f"^{_DATE}{_TIME}$"
# What JSON allows around a value: space, tab, line feed, carriage return.
_WHITESPACE = "' ' || chr(9) || chr(10) || chr(13)"
_EXAMPLES = "e.g. 2026-03-01T09:30:00Z or 2026-03-01T11:30:00+02:00"
_OFFSET_REASON = f"'needs a UTC offset or Z (RFC 3339, {_EXAMPLES})'"
_FORMAT_REASON = (
    f"'is not an RFC 3339 date-time with a real date, time and UTC offset ({_EXAMPLES})'"
)

# The plausible window for occurred_at, checked on the UTC instant. Support events from before
# the earliest time or from more than a day in the future are broken clocks or placeholder
# dates (1970-01-01, 9999-12-31) that would put sessions on days that never had them.
# Settings: EMPATHY_OCCURRED_AT_EARLIEST, EMPATHY_OCCURRED_AT_MAX_DAYS_AHEAD.
DEFAULT_OCCURRED_AT_EARLIEST = datetime(2000, 1, 1)
DEFAULT_OCCURRED_AT_MAX_DAYS_AHEAD = 1.0


@dataclass(frozen=True)
class OccurredAtWindow:
    """Earliest and latest accepted occurred_at, as naive UTC."""

    earliest: datetime
    latest: datetime

    @classmethod
    def around(
        cls,
        loaded_at: datetime,
        earliest: datetime = DEFAULT_OCCURRED_AT_EARLIEST,
        max_days_ahead: float = DEFAULT_OCCURRED_AT_MAX_DAYS_AHEAD,
    ) -> OccurredAtWindow:
        return cls(earliest, loaded_at + timedelta(days=max_days_ahead))


def _utc_literal(moment: datetime) -> str:
    return f"timestamptz '{moment:%Y-%m-%d %H:%M:%S.%f}+00'"


def _rfc3339(moment: datetime) -> str:
    return f"{moment:%Y-%m-%dT%H:%M:%S}Z"


# Names the JSON type of a value from its text ('123' -> 'a number'), for readable reasons.
# Looking at the first character is enough for text DuckDB already parsed as valid JSON.
KIND_WORDS_MACRO = """
create or replace temp macro json_kind_words(fragment) as
    case
        when fragment = 'null' then 'null'
        when starts_with(fragment, '"') then 'a string'
        when starts_with(fragment, '{') then 'an object'
        when starts_with(fragment, '[') then 'an array'
        when fragment in ('true', 'false') then 'a boolean'
        else 'a number'
    end
"""


def _sql_list(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


def _problem(field: str, reason_sql: str) -> str:
    return f"{{'field': '{field}', 'reason': {reason_sql}}}"


def _string_checks() -> list[str]:
    """WHEN branches: required fields present and strings, optional fields strings."""
    missing = "'is required but missing or empty'"
    branches = []
    for name in ENVELOPE_FIELDS[:-1]:
        if name in REQUIRED_FIELDS:
            branches.append(
                f"when j.{name} is null or j.{name} = 'null' or trim(v.{name}) = '' "
                f"then {_problem(name, missing)}"
            )
        branches.append(
            f"when j.{name} <> 'null' and not starts_with(j.{name}, '\"') then "
            + _problem(name, f"'must be a string, got ' || json_kind_words(j.{name})")
        )
    return branches


def validation_sql(source: str, *, attributes_are_text: bool, window: OccurredAtWindow) -> str:
    """SELECT that checks every record of `source` and returns its problem or its values.

    Needs KIND_WORDS_MACRO created on the connection. `source` has columns (source_line,
    raw_record, record, early_field, early_reason): `record` is the event as JSON text,
    `early_*` carry a problem the reader already found (invalid UTF-8, malformed CSV row).
    Every format is brought to this shape first, so JSON Lines, CSV and Parquet are checked by
    exactly the same rules. `attributes_are_text` is set for CSV (and Parquet string columns),
    where attributes arrive as a JSON object written as text. `window` bounds occurred_at.

    Each record is parsed once, keeping every envelope value as JSON text (`j`): its first
    character gives the type, and the string value (`v`) is cut from it (a second full parse
    as VARCHAR measured ~7% slower). Whitespace-only lines are not records and are left out.
    Each record gets at most one problem: the first broken rule in the order of the CASE below.
    """
    as_json = ", ".join(f'"{name}": "JSON"' for name in ENVELOPE_FIELDS)
    # A JSON string without a backslash is its own value between the quotes; only strings
    # with escapes need decoding. Saves a second full parse of every record.
    unescaped = ", ".join(
        f"{name} := case when starts_with(j.{name}, '\"') then case "
        f"when contains(j.{name}, '\\') then j.{name} ->> '$' else j.{name}[2:-2] end end"
        for name in ENVELOPE_FIELDS[:-1]
    )
    text_attributes = (
        "when starts_with(j.attributes, '\"') and trim(j.attributes ->> '$') = '' then '{}'\n"
        "            when starts_with(j.attributes, '\"') and json_valid(j.attributes ->> '$')\n"
        "                and regexp_matches(j.attributes ->> '$', '^\\s*[{]')\n"
        "                then json(j.attributes ->> '$')"
        if attributes_are_text
        else ""
    )
    attributes_hint = ", written as JSON text" if attributes_are_text else ""
    checks = "\n            ".join(_string_checks())
    early_reason = (
        f"'is before {_rfc3339(window.earliest)}, the earliest time accepted "
        "(EMPATHY_OCCURRED_AT_EARLIEST)'"
    )
    late_reason = (
        f"'is after {_rfc3339(window.latest)}: later than the load time plus the days "
        "allowed ahead (EMPATHY_OCCURRED_AT_MAX_DAYS_AHEAD)'"
    )
    return f"""
with lines as (
    select
        source_line,
        raw_record,
        record,
        early_field,
        early_reason,
        json_valid(record) as is_json
    from {source}
),

parsed as (
    select
        source_line,
        raw_record,
        early_field,
        early_reason,
        is_json,
        is_json and regexp_matches(record, '^\\s*[{{]') as is_object,
        case when is_object then from_json(record, '{{{as_json}}}') end as j,
        case
            when is_json and not is_object then json_kind_words(trim(record, {_WHITESPACE}))
        end as record_kind
    from lines
    where early_reason is not null
        or is_json
        or trim(raw_record, {_WHITESPACE}) <> ''
),

unescaped as (
    select
        *,
        struct_pack({unescaped}) as v
    from parsed
),

normalised as (
    select
        *,
        -- DuckDB reads only upper-case T and Z; RFC 3339 allows both cases.
        try_cast(upper(v.occurred_at) as timestamptz) as occurred_at_tz,
        -- any channel label: dbt maps it to a family (seeds/channel_mapping.csv)
        nullif(lower(trim(v.channel)), '') as channel_value,
        nullif(lower(trim(v.actor_type)), '') as actor_type_value,
        case
            when j.attributes is null or j.attributes = 'null' then '{{}}'
            when starts_with(j.attributes, '{{') then j.attributes
            {text_attributes}
        end as attributes_value
    from unescaped
),

checked as (
    select
        *,
        case
            when early_reason is not null
                then {{'field': early_field, 'reason': early_reason}}
            when not is_json
                then {_problem("record", "'is not valid JSON'")}
            when not is_object
                then {_problem("record", "'must be a JSON object, got ' || record_kind")}
            {checks}
            when regexp_matches(v.occurred_at, '{_LOCAL_DATE_TIME_PATTERN}')
                then {_problem("occurred_at", _OFFSET_REASON)}
            when not regexp_matches(v.occurred_at, '{OCCURRED_AT_PATTERN}')
                or occurred_at_tz is null
                then {_problem("occurred_at", _FORMAT_REASON)}
            when occurred_at_tz < {_utc_literal(window.earliest)}
                then {_problem("occurred_at", early_reason)}
            when occurred_at_tz > {_utc_literal(window.latest)}
                then {_problem("occurred_at", late_reason)}
            when actor_type_value not in ({_sql_list(ACTOR_TYPES)})
                then {_problem("actor_type", f"'must be one of {', '.join(ACTOR_TYPES)}'")}
            when attributes_value is null
                then {_problem("attributes", f"'must be a JSON object{attributes_hint}'")}
            when length(v.text) > {MAX_TEXT_CHARS}
                then {_problem("text", f"'is longer than {MAX_TEXT_CHARS} characters'")}
        end as problem
    from normalised
)

select
    source_line,
    problem.field as field,
    problem.reason as reason,
    case when problem is not null then raw_record end as raw_record,
    v.event_id as event_id,
    v.event_type as event_type,
    occurred_at_tz at time zone 'UTC' as occurred_at,
    v.session_id as session_id,
    nullif(v.customer_id, '') as customer_id,
    channel_value as channel,
    actor_type_value as actor_type,
    nullif(v.actor_id, '') as actor_id,
    nullif(v.text, '') as text,
    attributes_value as attributes
from checked
"""
