"""The source adapters the warehouse ships: which tables of which system the loader lands raw.

A deployment names the sources it has in EMPATHY_SOURCES (orchestration/settings.py); their
tables land under `<landing>/<source>/<table>.csv|.parquet` (or `<landing>/<source>/<table>/`
holding any number of such files, as Fivetran and Airbyte deliver them). The loader keeps every
row of such a file as JSON text in raw.source_rows; the dbt models of
`dbt_project/models/staging/<source>/` map them to canonical events (docs/architecture.md,
"Source adapters"). `tests/test_social_adapter.py` keeps this list equal to the dbt var
`event_sources`.
"""

from __future__ import annotations

from dataclasses import dataclass

# Source table file formats: what Fivetran and Airbyte write to a file destination.
SOURCE_TABLE_FORMATS: tuple[str, ...] = ("parquet", "csv")


@dataclass(frozen=True)
class SourceTable:
    source: str
    table: str
    # The header must name these (any letter case); other columns are kept too.
    required_columns: tuple[str, ...]


SOURCE_ADAPTERS: dict[str, dict[str, SourceTable]] = {
    # Tweet-style threads, as the Kaggle "Customer Support on Twitter" dataset ships them.
    "social": {
        "tweets": SourceTable(
            "social",
            "tweets",
            (
                "tweet_id",
                "author_id",
                "inbound",
                "created_at",
                "text",
                "in_response_to_tweet_id",
            ),
        ),
    },
    # Zendesk Support as Fivetran (or Airbyte) lands it: the tables the zendesk adapter maps.
    "zendesk": {
        table: SourceTable("zendesk", table, columns)
        for table, columns in (
            ("ticket", ("id", "created_at", "requester_id", "via_channel")),
            ("ticket_comment", ("id", "ticket_id", "user_id", "created", "body", "public")),
            ("user", ("id", "name", "role")),
            ("ticket_field_history", ("ticket_id", "field_name", "updated", "value", "user_id")),
            ("satisfaction_rating", ("id", "ticket_id", "score", "created_at", "updated_at")),
        )
    },
    # Intercom as Fivetran lands it: history tables, a row per version of a conversation or part
    # (dbt_project/models/staging/intercom/). admin and contact_history are not read: a part's
    # author_type already tells a bot from an admin, and a contact's id is all a session needs.
    "intercom": {
        "conversation_history": SourceTable(
            "intercom",
            "conversation_history",
            (
                "id",
                "created_at",
                "updated_at",
                "source_type",
                "source_author_type",
                "source_author_id",
            ),
        ),
        "conversation_part_history": SourceTable(
            "intercom",
            "conversation_part_history",
            (
                "id",
                "conversation_id",
                "created_at",
                "updated_at",
                "part_type",
                "author_type",
                "author_id",
            ),
        ),
    },
}


def source_table_of(relative: str, sources: tuple[str, ...]) -> SourceTable | str | None:
    """The source table a landing file belongs to, by its path relative to the landing folder;
    None for a canonical event file; a reason (text) for a file in a source's folder that is
    not one of its tables, which the loader leaves alone."""
    parts = relative.split("/")
    if len(parts) < 2 or parts[0] not in sources:
        return None
    source, file_name = parts[0], parts[-1]
    file_format = next(
        (fmt for fmt in SOURCE_TABLE_FORMATS if file_name.lower().endswith("." + fmt)), None
    )
    if len(parts) == 2 and file_format is not None:
        table = file_name[: -len(file_format) - 1]
    else:
        table = parts[1] if len(parts) == 3 else ""
    tables = SOURCE_ADAPTERS[source]
    if file_format is None or table.lower() not in tables:
        return (
            f"not a table the {source} adapter reads ({', '.join(tables)}; as "
            f"{source}/<table>.csv|.parquet or {source}/<table>/<file>.csv|.parquet)"
        )
    return tables[table.lower()]
