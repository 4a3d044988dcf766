{{ config(enabled=source_adapter_enabled('intercom')) }}

{#
    One row per stored row of Intercom's conversation_history table as Fivetran lands it
    (raw.source_rows): typed, and either mappable (unmapped_reason null) or not, with the reason.
    Personal data (contact ids, the first message's body): a view in staging, read only by the
    intercom adapter's models.

    A history table holds a row per version of a conversation (same id, a new updated_at each
    time it changed): the latest version (by updated_at, then the later delivery) is the one
    mapped, every older one is kept as unmapped with its reason. first_* columns are the id's
    first delivery (load, time, file, row): the conversation's events are staged with it, so a
    later version never stages them twice (stg_support__events appends loads; README, "Limits").
#}

{%- set columns = [
    'id', 'created_at', 'updated_at', 'source_type', 'source_delivered_as', 'source_author_type',
    'source_author_id', 'source_body', 'conversation_rating_value',
    'conversation_rating_created_at'
] -%}
{%- set delivery_order = source_delivery_order() -%}

with

delivered as (

    {{ source_table_texts('intercom', 'conversation_history', columns, empty_as_null=true) }}

),

parsed as (

    select
        *,
        {{ iso_utc_timestamp('created_at_text') }} as created_at,
        {{ iso_utc_timestamp('updated_at_text') }} as updated_at,
        {{ iso_utc_timestamp('conversation_rating_created_at_text') }} as rating_created_at,
        lower(source_author_type_text) as source_author_type,
        -- an integer only: the rating is written into the event's JSON attributes
        case
            when {{ adapter.dispatch('regexp_matches_all', 'empathy_warehouse')(
                'conversation_rating_value_text', '^[0-9]{1,2}$') }}
                then conversation_rating_value_text
        end as rating_value
    from delivered

),

checked as (

    select
        *,
        case
            when id_text is null then 'id is empty'
            when created_at is null then 'created_at is not a time like 2026-10-05T10:00:00Z'
            when updated_at is null then 'updated_at is not a time like 2026-10-05T10:00:00Z'
        end as row_problem
    from parsed

),

versions as (

    select
        *,
        {{ history_version_columns() }},
        -- the first delivery of a version with a rating: its feedback event is staged with it
        {%- for column in delivery_order %}
        first_value({{ column }}) over (
            partition by id_text, row_problem is null
            order by case when rating_value is null then 1 else 0 end, {{ delivery_order | join(', ') }}
        ) as rating_first_{{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from checked

),

final as (

    select
        -- ids
        id_text as conversation_id,
        source_author_id_text as source_author_id,
        load_id,
        first_load_id,
        rating_first_load_id,

        -- strings
        source,
        source_table,
        lower(source_type_text) as source_type,
        lower(source_delivered_as_text) as source_delivered_as,
        source_author_type,
        source_body_text as source_body,
        rating_value,
        source_file,
        first_source_file,
        rating_first_source_file,
        case
            when row_problem is not null then row_problem
            when version_rank > 1
                then 'an older version of the conversation (a later updated_at was delivered); '
                    || 'the latest version is mapped'
            when source_author_type is null or source_author_type not in ('user', 'lead', 'contact')
                then 'its first message is not from a user, lead or contact (an outbound message), '
                    || 'so its session has no customer'
            when source_author_id_text is null then 'source_author_id is empty, so its session has no customer'
        end as unmapped_reason,

        -- numerics
        source_line,
        first_source_line,
        rating_first_source_line,

        -- booleans
        -- the version a conversation's parts are placed in (mappable or not)
        coalesce(row_problem is null and version_rank = 1, false) as is_latest_version,

        -- timestamps
        created_at,
        updated_at,
        coalesce(rating_created_at, updated_at) as rating_created_at,
        loaded_at,
        first_loaded_at,
        rating_first_loaded_at

    from versions

)

select * from final
