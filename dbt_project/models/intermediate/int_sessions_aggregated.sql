{{
    config(
        materialized=session_grain_materialization(),
        incremental_strategy='delete+insert',
        unique_key='session_id',
        on_schema_change='fail'
    )
}}

{#
    One row per support session with FACTS only (timestamps, counts, first/last values).
    Classifications teams may redefine (resolution kind, repeat contact, reopen window...) are
    derived in the marts from these facts, so a changed definition needs no backfill here.

    Attribute precedence (customer_key, channel, delivered_channel, language, model_version,
    prompt_id; channel and delivered_channel each on its own, so an unmapped label never hides a
    later mapped channel from the segment): the first
    non-null value, taking the session_started event before any other event, then the earliest.
    intent: the latest intent_classified event that carries an intent; severity, on its own, the
    latest intent_classified event that carries a severity (a later classification refines an
    earlier one, and a classification may carry only one of the two). close_reason: the last
    session_closed. csat_score, csat_scale, csat_normalised_score / micro_feedback_answer: the
    last feedback of that kind. survey_offered_at: the first survey_offered event.
    resolved_by: the first resolved event. "Latest" and "first" follow event_sequence_number:
    occurred_at, then delivery order (macros/event_delivery_order.sql) for events stamped with
    the same instant.

    Incremental (delete+insert on session_id): a run re-derives, from all their events, the
    sessions of macros/sessions_to_refresh.sql: those with an event in the lookback window of
    the refresh date, or loaded since the last build (late data of any age). Any other session
    received no event since the last build, so its stored row equals what a full rebuild would
    compute. Rebuild with --full-refresh after changing the event_type_mapping seed or this
    model's logic.
#}

{%- set precedence_attributes = [
    'customer_key', 'channel', 'delivered_channel', 'language', 'model_version', 'prompt_id'] -%}
{#- session_started first, then the earliest; delivery order (event_sequence_number) breaks ties -#}
{%- set precedence_order = [
    "case when event_type = 'session_started' then 0 else 1 end",
    'occurred_at', 'event_sequence_number'] -%}
{%- set chronological_order = ['occurred_at', 'event_sequence_number'] -%}

with

events as (

    {{ events_to_rederive(
        ref('int_events_sessionised'), built_started_at='started_at', built_loaded_at='last_loaded_at'
    ) }}

),

session_aggregates as (

    -- First/last values as aggregates (macros/cross_db/value_at_extreme.sql): one hash
    -- aggregate over the events instead of one window sort per attribute.
    select
        session_id,
        {%- for attribute in precedence_attributes %}
        {{ first_value_by(attribute, precedence_order, ignore_nulls=true) }} as {{ attribute }},
        {%- endfor %}
        {{ last_value_by(
            'intent', chronological_order, where="event_type = 'intent_classified'",
            ignore_nulls=true
        ) }} as intent,
        {{ last_value_by(
            'severity', chronological_order, where="event_type = 'intent_classified'",
            ignore_nulls=true
        ) }} as severity,
        {{ first_value_by('resolved_by', chronological_order, where="event_type = 'resolved'") }}
            as resolved_by,
        {{ last_value_by('reason', chronological_order, where="event_type = 'session_closed'") }}
            as close_reason,
        {{ last_value_by(
            'feedback_answer',
            chronological_order,
            where="event_type = 'feedback_submitted' and feedback_kind = 'micro'"
        ) }} as micro_feedback_answer,
        {{ last_value_by(
            'feedback_score',
            chronological_order,
            where="event_type = 'feedback_submitted' and feedback_kind = 'csat'"
        ) }} as csat_score,
        {{ last_value_by(
            'feedback_scale',
            chronological_order,
            where="event_type = 'feedback_submitted' and feedback_kind = 'csat'"
        ) }} as csat_scale,
        {{ last_value_by(
            'feedback_normalised_score',
            chronological_order,
            where="event_type = 'feedback_submitted' and feedback_kind = 'csat'"
        ) }} as csat_normalised_score,
        min(case when event_type = 'survey_offered' then occurred_at end) as survey_offered_at,
        {{ count_where("event_type = 'escalated'") }} as escalation_count,
        {{ count_where("is_bot_message") }} as bot_message_count,
        {{ count_where("is_agent_message") }} as agent_message_count,
        {{ count_where("is_customer_message") }} as customer_message_count,
        min(case when event_type = 'session_started' then occurred_at end) as session_started_at,
        min(case when is_customer_message then occurred_at end) as first_customer_message_at,
        min(case when is_bot_message then occurred_at end) as first_bot_message_at,
        min(case when is_agent_message then occurred_at end) as first_agent_message_at,
        min(case when event_type = 'escalated' then occurred_at end) as first_escalated_at,
        min(case when event_type = 'agent_joined' then occurred_at end) as first_agent_joined_at,
        min(case when event_type = 'resolved' then occurred_at end) as first_resolved_at,
        min(case when event_type = 'reopened' then occurred_at end) as first_reopened_at,
        max(case when event_type = 'session_closed' then occurred_at end) as closed_at,
        max(case when is_customer_message then occurred_at end) as last_customer_message_at,
        min(occurred_at) as first_event_at,
        max(occurred_at) as last_event_at,
        max(loaded_at) as last_loaded_at
    from events
    group by session_id

),

session_starts as (

    select
        session_aggregates.*,
        -- start = session_started, else the first customer message, else (neither delivered
        -- yet) the first event, so every session has a day.
        coalesce(
            session_aggregates.session_started_at,
            session_aggregates.first_customer_message_at,
            session_aggregates.first_event_at
        ) as started_at
    from session_aggregates

),

first_responses as (

    -- A bot or agent message before the start (a proactive greeting) is not a response.
    select
        session_starts.session_id,
        min(events.occurred_at) as first_response_at
    from session_starts
    inner join events
        on session_starts.session_id = events.session_id
    where
        (events.is_bot_message or events.is_agent_message)
        and events.occurred_at >= session_starts.started_at
    group by session_starts.session_id

),

final as (

    select
        -- ids
        session_starts.session_id,
        session_starts.customer_key,

        -- strings
        session_starts.channel,
        session_starts.delivered_channel,
        session_starts.intent,
        session_starts.severity,
        session_starts.language,
        session_starts.model_version,
        session_starts.prompt_id,
        session_starts.resolved_by,
        session_starts.close_reason,
        session_starts.micro_feedback_answer,

        -- numerics
        session_starts.escalation_count,
        session_starts.bot_message_count,
        session_starts.agent_message_count,
        session_starts.customer_message_count,
        session_starts.csat_score,
        session_starts.csat_scale,
        session_starts.csat_normalised_score,

        -- booleans
        session_starts.session_started_at is not null as has_session_started_event,
        coalesce(
            session_starts.first_agent_message_at is not null
            and (
                session_starts.first_resolved_at is null
                or session_starts.first_agent_message_at <= session_starts.first_resolved_at
            ),
            false
        ) as has_agent_message_before_resolution,

        -- timestamps
        session_starts.started_at,
        session_starts.first_customer_message_at,
        first_responses.first_response_at,
        session_starts.first_bot_message_at,
        session_starts.first_agent_message_at,
        session_starts.first_escalated_at,
        session_starts.first_agent_joined_at,
        session_starts.first_resolved_at,
        session_starts.first_reopened_at,
        session_starts.closed_at,
        session_starts.survey_offered_at,
        session_starts.last_customer_message_at,
        session_starts.last_event_at,
        session_starts.last_loaded_at

    from session_starts
    left join first_responses
        on session_starts.session_id = first_responses.session_id

)

select * from final
