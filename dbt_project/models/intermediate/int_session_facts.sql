{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='session_id',
        on_schema_change='fail'
    )
}}

{#
    One row per support session with FACTS only (timestamps, counts, first/last values).
    Classifications teams may redefine (resolution kind, repeat contact, reopen window...) are
    derived in the marts from these facts, so a changed definition needs no backfill here.

    Attribute precedence (customer_key, channel, language, model_version, prompt_id): the first
    non-null value, taking the session_started event before any other event, then the earliest.
    intent / severity: the latest intent_classified event that carries an intent (a later
    classification refines an earlier one). close_reason: the last session_closed. csat_score /
    micro_feedback_answer: the last feedback of that kind. resolved_by: the first resolved event.

    Incremental rule (delete+insert on session_id): a run re-derives, from ALL their events,
      (a) the sessions with an event that occurred on or after the refresh window start:
          var refresh_date (the Dagster partition day) minus session_lookback_days days, or,
          without refresh_date, the newest started_at already in this table minus
          session_lookback_days days. Every session that started in the window has its start
          event in the window, so this covers "sessions started in the window" (plus sessions
          that started earlier and are still active, which is harmless: they are recomputed from
          all their events);
      (b) every session with an event loaded at or after the newest last_loaded_at in this table
          (late data, whatever its occurred_at).
    A session outside (a) and (b) received no event since the last build, so its stored row
    equals what a full rebuild would compute. Rebuild with --full-refresh after changing the
    event_type_mapping seed or this model's logic.
#}

{%- set precedence_attributes = ['customer_key', 'channel', 'language', 'model_version', 'prompt_id'] -%}
{#- session_started first, then the earliest; event_id breaks ties everywhere -#}
{%- set precedence_order = [
    "case when event_type = 'session_started' then 0 else 1 end", 'occurred_at', 'event_id'] -%}
{%- set chronological_order = ['occurred_at', 'event_id'] -%}
{%- set classified_with_intent = "event_type = 'intent_classified' and intent is not null" -%}
{%- set refresh_date = var('refresh_date', none) -%}
{%- set has_refresh_date = refresh_date is not none
    and (refresh_date | string | trim | lower) not in ('', 'none', 'null') -%}

with

events as (

    select * from {{ ref('int_events_sessionised') }}

),

{% if is_incremental() %}

built_sessions as (

    select
        max(started_at) as max_started_at,
        max(last_loaded_at) as max_loaded_at
    from {{ this }}

),

refresh_window as (

    select
        {% if has_refresh_date -%}
        {{ dbt.dateadd(
            'day',
            -1 * var('session_lookback_days'),
            "cast('" ~ (refresh_date | string | trim) ~ "' as " ~ dbt.type_timestamp() ~ ")"
        ) }} as refresh_from,
        {%- else -%}
        {{ dbt.dateadd('day', -1 * var('session_lookback_days'), 'max_started_at') }}
            as refresh_from,
        {%- endif %}
        max_loaded_at
    from built_sessions

),

sessions_to_refresh as (

    select distinct events.session_id
    from events
    cross join refresh_window
    where
        -- (a) the lookback window
        events.occurred_at >= refresh_window.refresh_from
        -- (b) late data: loaded since the last build
        or events.loaded_at >= refresh_window.max_loaded_at
        -- an empty table: build everything
        or refresh_window.max_loaded_at is null

),

events_in_scope as (

    select events.*
    from events
    inner join sessions_to_refresh
        on events.session_id = sessions_to_refresh.session_id

),

{% else %}

events_in_scope as (

    select * from events

),

{% endif %}

session_aggregates as (

    -- First/last values as aggregates (macros/cross_db/value_at_extreme.sql): one hash
    -- aggregate over the events instead of one window sort per attribute.
    select
        session_id,
        {%- for attribute in precedence_attributes %}
        {{ first_value_by(attribute, precedence_order, ignore_nulls=true) }} as {{ attribute }},
        {%- endfor %}
        {{ last_value_by('intent', chronological_order, where=classified_with_intent) }} as intent,
        {{ last_value_by('severity', chronological_order, where=classified_with_intent) }}
            as severity,
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
    from events_in_scope
    group by session_id

),

session_starts as (

    select
        session_aggregates.*,
        -- start = session_started, else the first customer message, else (neither delivered
        -- yet) the first event, so every session has a day.
        coalesce(session_started_at, first_customer_message_at, first_event_at) as started_at
    from session_aggregates

),

first_responses as (

    -- A bot or agent message before the start (a proactive greeting) is not a response.
    select
        session_starts.session_id,
        min(events_in_scope.occurred_at) as first_response_at
    from session_starts
    inner join events_in_scope
        on session_starts.session_id = events_in_scope.session_id
    where
        (events_in_scope.is_bot_message or events_in_scope.is_agent_message)
        and events_in_scope.occurred_at >= session_starts.started_at
    group by session_starts.session_id

),

final as (

    select
        -- ids
        session_starts.session_id,
        session_starts.customer_key,

        -- strings
        session_starts.channel,
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
        session_starts.last_customer_message_at,
        session_starts.last_event_at,
        session_starts.last_loaded_at

    from session_starts
    left join first_responses
        on session_starts.session_id = first_responses.session_id

)

select * from final
