{{
    config(
        materialized=session_grain_materialization(),
        incremental_strategy='delete+insert',
        unique_key='session_id',
        on_schema_change='fail'
    )
}}

{#
    Incremental, not a view: it is read by int_sessions_aggregated, fct_messages, fct_escalations
    (twice) and their tests, and its window sort over every event is the costliest step of a
    build. A run re-derives the sessions of macros/sessions_to_refresh.sql (the same rule as
    int_sessions_aggregated) from all their events, so event_sequence_number stays exact.
#}

{#
    Mapped support events placed in their session: canonical event_type, actor flags and the
    event's position in its session. An internal note (a message with visibility 'internal')
    is no customer, bot or agent message: the customer never sees it, so it answers nothing
    and waits for nothing; like a system message it is only published in fct_messages. Unmapped events are kept (event_type null) so session
    bookkeeping (last_event_at, last_loaded_at) still sees them; every derivation downstream
    filters on a canonical event_type, so they never count as messages or outcomes.
#}

with

events as (

    {{ events_to_rederive(ref('stg_support__events'), built_started_at='occurred_at', built_loaded_at='loaded_at') }}

),

final as (

    select
        -- ids
        event_id,
        session_id,
        customer_key,

        -- strings
        canonical_event_type as event_type,
        source_event_type,
        channel,
        delivered_channel,
        actor_type,
        language,
        model_version,
        prompt_id,
        intent,
        severity,
        reason,
        resolved_by,
        feedback_kind,
        feedback_answer,
        feedback_scale,

        -- numerics
        row_number() over (
            partition by session_id
            order by {{ event_delivery_order() | join(', ') }}
        ) as event_sequence_number,
        text_length_chars,
        confidence,
        sentiment,
        feedback_score,
        feedback_normalised_score,

        -- booleans
        is_mapped_event_type,
        is_internal_note,
        {%- for actor in ['customer', 'bot', 'agent'] %}
        coalesce(
            canonical_event_type = 'message' and actor_type = '{{ actor }}' and not is_internal_note,
            false
        ) as is_{{ actor }}_message,
        {%- endfor %}
        has_next_step,
        is_human_edited,
        is_human_approved,
        is_confirmed_by_customer,
        {%- for part in handoff_summary_parts() %}
        has_{{ part }},
        {%- endfor %}

        -- timestamps
        occurred_at,
        loaded_at

    from events

)

select * from final
