{#
    One row per escalation (bot-to-human handoff): mapped handoff reason, handoff context
    completeness, handoff latency (calendar and business seconds), the silent-handoff flag and
    transfer quality: context completeness plus "the customer did not have to repeat
    themselves" (no customer message among the first var transfer_repeat_customer_messages
    after the agent joined repeats an earlier customer message, int_messages_scored). The raw
    reason is not carried (it may be free text); unknown or missing reasons map to 'other'.
#}

{%- set summary_parts = handoff_summary_parts() -%}

with

events as (

    select * from {{ ref('int_events_sessionised') }}

),

session_facts as (

    select * from {{ ref('int_sessions_aggregated') }}

),

handoff_reason_mapping as (

    select * from {{ ref('handoff_reason_mapping') }}

),

messages as (

    select * from {{ ref('int_messages_scored') }}

),

business_hours as (

    select * from {{ ref('int_business_hours_expanded') }}

),

escalations as (

    select
        events.*,
        -- the cast: row_number() is a 4-byte int on Spark, the contract says bigint
        cast(row_number() over (
            partition by events.session_id
            order by events.occurred_at, events.event_sequence_number
        ) as {{ dbt.type_bigint() }}) as escalation_sequence_number
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
            as silent_deadline_at,
        -- the agent has joined at the first agent_joined, else at their first message
        coalesce(agent_follow_ups.first_agent_joined_at, agent_follow_ups.first_agent_message_at)
            as agent_joined_at
    from escalations
    left join handoff_reason_mapping
        on escalations.reason = handoff_reason_mapping.source_reason
    left join session_facts
        on escalations.session_id = session_facts.session_id
    left join agent_follow_ups
        on escalations.event_id = agent_follow_ups.escalation_id

),

customer_messages_after_join as (

    -- the first N customer messages after the agent joined (N = var transfer_repeat_customer_messages)
    select
        escalations_joined.event_id as escalation_id,
        messages.is_customer_repeat,
        row_number() over (
            partition by escalations_joined.event_id
            order by messages.message_sequence_number
        ) as customer_message_rank
    from escalations_joined
    inner join messages
        on escalations_joined.session_id = messages.session_id
        and messages.actor_type = 'customer'
        and messages.sent_at > escalations_joined.agent_joined_at

),

transfer_repeats as (

    select
        escalation_id,
        max(case when is_customer_repeat then 1 else 0 end) = 1 as has_customer_repeat_after_join
    from customer_messages_after_join
    where customer_message_rank <= {{ var('transfer_repeat_customer_messages') }}
    group by escalation_id

),

escalations_assessed as (

    select
        escalations_joined.*,
        cast(
            {%- for part in summary_parts %}
            case when escalations_joined.has_{{ part }} then 1 else 0 end{{ ' +' if not loop.last }}
            {%- endfor %}
            as {{ type_double() }}
        ) / {{ summary_parts | length }} as context_completeness,
        -- no transfer happened (nobody joined): nothing to judge
        case
            when escalations_joined.agent_joined_at is not null
                then coalesce(transfer_repeats.has_customer_repeat_after_join, false)
        end as has_customer_repeat_after_join,
        {{ business_seconds_between('escalations_joined.occurred_at', 'escalations_joined.first_agent_message_at') }}
            as handoff_latency_business_seconds
    from escalations_joined
    left join transfer_repeats
        on escalations_joined.event_id = transfer_repeats.escalation_id

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
        context_completeness,
        -- datediff is a double on PostgreSQL, bigint on DuckDB: the contract says bigint.
        cast({{ dbt.datediff('occurred_at', 'first_agent_message_at', 'second') }} as bigint)  -- noqa: LT05
            as handoff_latency_seconds,
        handoff_latency_business_seconds,
        -- transfer quality: mean of context completeness and "did not have to repeat" (1 / 0)
        case
            when has_customer_repeat_after_join is not null
                then (context_completeness + case when has_customer_repeat_after_join then 0 else 1 end) / 2
        end as transfer_quality_score,

        -- booleans
        {%- for part in summary_parts %}
        has_{{ part }},
        {%- endfor %}
        -- silent: no agent message and no agent joined by the deadline
        coalesce(first_agent_message_at > silent_deadline_at, true)
        and coalesce(first_agent_joined_at > silent_deadline_at, true) as is_silent_handoff,
        has_customer_repeat_after_join,
        case
            when has_customer_repeat_after_join is not null
                then not has_customer_repeat_after_join
                    and context_completeness >= {{ var('clean_transfer_min_context_completeness') }}
        end as has_clean_transfer,

        -- timestamps
        occurred_at as escalated_at,
        first_agent_joined_at,
        first_agent_message_at

    from escalations_assessed

)

select * from final
