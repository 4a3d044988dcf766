{#
    One row per escalation (bot-to-human handoff): mapped handoff reason, handoff context
    completeness, handoff latency and the silent-handoff flag. The raw reason is not carried
    (it may be free text); unknown or missing reasons map to 'other'.
#}

{%- set summary_parts = ['issue_summary', 'customer_emotion', 'attempted_solutions', 'metadata'] -%}

with

events as (

    select * from {{ ref('int_events_sessionised') }}

),

session_facts as (

    select * from {{ ref('int_session_facts') }}

),

handoff_reason_mapping as (

    select * from {{ ref('handoff_reason_mapping') }}

),

escalations as (

    select
        events.*,
        row_number() over (
            partition by events.session_id
            order by events.occurred_at, events.event_id
        ) as escalation_sequence_number
    from events
    where events.event_type = 'escalated'

),

agent_follow_ups as (

    -- The first agent message and the first agent_joined at or after each escalation.
    select
        escalations.event_id as escalation_id,
        min(case when events.is_agent_message then events.occurred_at end)
            as first_agent_message_at,
        min(case when events.event_type = 'agent_joined' then events.occurred_at end)
            as first_agent_joined_at
    from escalations
    inner join events
        on escalations.session_id = events.session_id
        and events.occurred_at >= escalations.occurred_at
    where events.is_agent_message or events.event_type = 'agent_joined'
    group by escalations.event_id

),

escalations_joined as (

    select
        escalations.*,
        coalesce(handoff_reason_mapping.handoff_reason, 'other') as handoff_reason,
        session_facts.channel as session_channel,
        agent_follow_ups.first_agent_message_at,
        agent_follow_ups.first_agent_joined_at,
        {{ dbt.dateadd('minute', var('silent_handoff_minutes'), 'escalations.occurred_at') }}
            as silent_deadline_at
    from escalations
    left join handoff_reason_mapping
        on escalations.reason = handoff_reason_mapping.source_reason
    left join session_facts
        on escalations.session_id = session_facts.session_id
    left join agent_follow_ups
        on escalations.event_id = agent_follow_ups.escalation_id

),

final as (

    select
        -- ids
        event_id as escalation_id,
        session_id,

        -- strings
        coalesce(channel, session_channel) as channel,
        handoff_reason,

        -- numerics
        escalation_sequence_number,
        cast(
            {%- for part in summary_parts %}
            case when has_{{ part }} then 1 else 0 end{{ ' +' if not loop.last }}
            {%- endfor %}
            as {{ type_double() }}
        ) / {{ summary_parts | length }} as context_completeness,
        {{ dbt.datediff('occurred_at', 'first_agent_message_at', 'second') }}
            as handoff_latency_seconds,

        -- booleans
        {%- for part in summary_parts %}
        has_{{ part }},
        {%- endfor %}
        not (
            coalesce(first_agent_message_at <= silent_deadline_at, false)
            or coalesce(first_agent_joined_at <= silent_deadline_at, false)
        ) as is_silent_handoff,

        -- timestamps
        occurred_at as escalated_at,
        first_agent_joined_at,
        first_agent_message_at

    from escalations_joined

)

select * from final
