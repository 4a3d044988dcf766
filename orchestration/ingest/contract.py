"""The raw event contract as the loader enforces it: field lists, accepted values, limits.

Kept apart from the loader so the rules live in one place that the docs
(docs/event-contract.md), the JSON Schema (event_contract.schema.json) and the tests point to.
Checks run set-wise in DuckDB SQL (see `validation_sql`): parsing ten million lines one by one
in Python would cost minutes, DuckDB does it in seconds.
"""

from __future__ import annotations

# Required on every event; a missing, null or blank value rejects the record.
REQUIRED_FIELDS: tuple[str, ...] = ("event_id", "event_type", "occurred_at", "session_id")
# Optional envelope strings; null or "" is stored as NULL (CSV cannot tell the two apart).
OPTIONAL_FIELDS: tuple[str, ...] = ("customer_id", "channel", "actor_type", "actor_id", "text")
ENVELOPE_FIELDS: tuple[str, ...] = (*REQUIRED_FIELDS, *OPTIONAL_FIELDS, "attributes")

CHANNELS: tuple[str, ...] = ("chat", "email", "social", "in_app")
ACTOR_TYPES: tuple[str, ...] = ("customer", "bot", "agent", "system")

# Longest message text accepted. Real support messages stay far below; anything longer is
# almost always a pasted log or an attachment body that would bloat every downstream model.
MAX_TEXT_CHARS = 20_000

# Longest record (a JSON Lines line or a CSV row, line break excluded) the readers parse. A
# longer one is rejected unread, so one giant line never costs gigabytes of memory. 1 MiB is
# far above the largest valid envelope: MAX_TEXT_CHARS characters escaped as \uXXXX pairs
# take at most 12 bytes each (240 kB), plus the other fields and usual attributes.
MAX_RECORD_BYTES = 1 << 20
# How much of a record rejected for its size is kept as raw_record.
RAW_RECORD_PREFIX_BYTES = 4096

# ISO 8601 ends with Z or a numeric offset (+02:00, +0200, +02). Without one the instant is
# ambiguous, so the loader refuses to guess a time zone.
_OFFSET_SUFFIX = r"([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$"
# What JSON allows around a value: space, tab, line feed, carriage return.
_WHITESPACE = "' ' || chr(9) || chr(10) || chr(13)"
_OFFSET_REASON = (
    "'needs a UTC offset or Z (ISO 8601, e.g. 2026-03-01T09:30:00Z or 2026-03-01T11:30:00+02:00)'"
)

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


def validation_sql(source: str, *, attributes_are_text: bool) -> str:
    """SELECT that checks every record of `source` and returns its problem or its values.

    Needs KIND_WORDS_MACRO created on the connection. `source` has columns (source_line,
    raw_record, record, early_field, early_reason): `record` is the event as JSON text,
    `early_*` carry a problem the reader already found (invalid UTF-8, malformed CSV row).
    Every format is brought to this shape first, so JSON Lines, CSV and Parquet are checked by
    exactly the same rules. `attributes_are_text` is set for CSV (and Parquet string columns),
    where attributes arrive as a JSON object written as text.

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
        try_cast(v.occurred_at as timestamptz) as occurred_at_tz,
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
            when not regexp_matches(v.occurred_at, '{_OFFSET_SUFFIX}')
                then {_problem("occurred_at", _OFFSET_REASON)}
            when occurred_at_tz is null
                then {_problem("occurred_at", "'is not a valid ISO 8601 timestamp'")}
            when channel_value not in ({_sql_list(CHANNELS)})
                then {_problem("channel", f"'must be one of {', '.join(CHANNELS)}'")}
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
