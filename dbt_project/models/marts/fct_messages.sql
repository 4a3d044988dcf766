{#
    One row per message (customer, bot, agent or system; public or an internal note) with the
    fields the article asks to log per message. No text and no raw customer id: text stays (redacted) in staging.
#}

with

events as (

    select * from {{ ref('int_events_sessionised') }}

),

session_facts as (

    select * from {{ ref('int_sessions_aggregated') }}

),

messages as (

    select
        events.*,
        -- the cast: row_number() is a 4-byte int on Spark, the contract says bigint
        cast(row_number() over (
            partition by events.session_id
            order by events.occurred_at, events.event_sequence_number
        ) as {{ dbt.type_bigint() }}) as message_sequence_number
    from events
    where events.event_type = 'message'

),

final as (

    select
        -- ids
        messages.event_id as message_id,
        messages.session_id,

        -- strings
        messages.actor_type,
        case when messages.is_internal_note then 'internal' else 'public' end as visibility,
        -- the message's own channel, else the session's
        coalesce(messages.channel, session_facts.channel) as channel,
        coalesce(messages.delivered_channel, session_facts.delivered_channel) as delivered_channel,
        messages.model_version,
        messages.prompt_id,

        -- numerics
        messages.message_sequence_number,
        -- length() is integer on PostgreSQL, bigint on DuckDB: the contract says bigint.
        cast(messages.text_length_chars as bigint) as text_length_chars,
        messages.confidence,
        messages.sentiment,

        -- booleans
        messages.has_next_step,
        messages.is_human_edited,
        messages.is_human_approved,

        -- timestamps
        messages.occurred_at as sent_at

    from messages
    left join session_facts
        on messages.session_id = session_facts.session_id

)

select * from final
