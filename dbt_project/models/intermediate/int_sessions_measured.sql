{#- A table, not a view: fct_sessions and two data tests read it, and as a view each of them
    re-ran its joins over every message. -#}
{{ config(materialized='table') }}

{#
    One row per session with the leading indicators that need messages, business hours or SLA
    targets; fct_sessions joins it on session_id. Definitions (docs/metrics.md, "Leading indicators"):
      - first useful response: first bot/agent message at or after the start whose
        has_valid_next_step is true (int_messages_scored).
      - first response acknowledges: the first bot/agent message at or after the start has
        is_acknowledging; null when nobody responded.
      - tone scores: per rubric dimension, 3 + (sum of the lexicon's +1/-1 hits over the
        session's bot replies), clamped to 1-5 (3 = no evidence either way); overall = mean of
        the five. Null when the bot never replied.
      - human first response: first agent message at or after the handoff (the first
        escalation; a session never escalated is handed to a human at its start), minus the
        handoff. After a reopen, separately: first agent message at or after the first reopen
        minus the reopen. Bot messages never count.
      - customer rephrase: any customer message with is_customer_rephrase.
      - SLA breaches (sla_targets per severity x channel, in the row's time basis): the clock
        runs from the start to the first response (first reply) / first resolution
        (resolution); while that has not happened it runs to the close, else to the last event
        seen, so an unanswered session that waited past its target is breached. Null when no
        target applies (severity or channel unknown).
    Every latency has a calendar (_seconds) and a business-hours (_business_seconds) value.
#}

{%- set dimensions = qa_rubric_dimensions() -%}

with

session_facts as (

    select * from {{ ref('int_sessions_aggregated') }}

),

messages as (

    select * from {{ ref('int_messages_scored') }}

),

business_hours as (

    select * from {{ ref('int_business_hours_expanded') }}

),

sla_targets as (

    select * from {{ ref('sla_targets') }}

),

session_anchors as (

    select
        session_id,
        started_at,
        first_response_at,
        first_resolved_at,
        first_reopened_at,
        channel,
        severity,
        bot_message_count,
        coalesce(first_escalated_at, started_at) as handoff_at,
        coalesce(closed_at, last_event_at) as clock_stopped_at
    from session_facts

),

message_aggregates as (

    select
        session_anchors.session_id,
        min(
            case
                when messages.is_response and messages.has_valid_next_step
                    and messages.sent_at >= session_anchors.started_at
                    then messages.sent_at
            end
        ) as first_useful_response_at,
        min(
            case
                when messages.actor_type = 'agent' and messages.sent_at >= session_anchors.handoff_at
                    then messages.sent_at
            end
        ) as human_first_response_at,
        min(
            case
                when messages.actor_type = 'agent' and messages.sent_at >= session_anchors.first_reopened_at
                    then messages.sent_at
            end
        ) as reopen_human_first_response_at,
        {%- for dimension in dimensions %}
        sum(case when messages.actor_type = 'bot' then messages.{{ dimension }}_net_hits else 0 end)
            as {{ dimension }}_net_hits,
        {%- endfor %}
        max(case when messages.is_customer_rephrase then 1 else 0 end) as has_customer_rephrase_flag
    from session_anchors
    inner join messages
        on session_anchors.session_id = messages.session_id
    group by session_anchors.session_id

),

first_responses as (

    -- the first response message itself (ties on the same second: the earlier sequence number)
    select
        session_anchors.session_id,
        messages.is_acknowledging,
        row_number() over (
            partition by session_anchors.session_id
            order by messages.message_sequence_number
        ) as response_rank
    from session_anchors
    inner join messages
        on session_anchors.session_id = messages.session_id
        and messages.is_response
        and messages.sent_at = session_anchors.first_response_at

),

indicators as (

    select
        session_anchors.*,
        message_aggregates.first_useful_response_at,
        message_aggregates.human_first_response_at,
        message_aggregates.reopen_human_first_response_at,
        {%- for dimension in dimensions %}
        message_aggregates.{{ dimension }}_net_hits,
        {%- endfor %}
        coalesce(message_aggregates.has_customer_rephrase_flag, 0) = 1 as has_customer_rephrase,
        first_responses.is_acknowledging as is_first_response_acknowledging,
        sla_targets.time_basis as sla_time_basis,
        sla_targets.first_reply_seconds as first_reply_sla_target_seconds,
        sla_targets.resolution_seconds as resolution_sla_target_seconds,
        coalesce(session_anchors.first_response_at, session_anchors.clock_stopped_at)
            as first_reply_clock_stopped_at,
        coalesce(session_anchors.first_resolved_at, session_anchors.clock_stopped_at)
            as resolution_clock_stopped_at
    from session_anchors
    left join message_aggregates
        on session_anchors.session_id = message_aggregates.session_id
    left join first_responses
        on session_anchors.session_id = first_responses.session_id
        and first_responses.response_rank = 1
    left join sla_targets
        on session_anchors.severity = sla_targets.severity
        and session_anchors.channel = sla_targets.channel

),

latencies as (

    select
        indicators.*,
        {{ business_seconds_between('indicators.started_at', 'indicators.first_response_at') }}
            as first_response_business_seconds,
        {{ business_seconds_between('indicators.started_at', 'indicators.first_resolved_at') }}
            as time_to_resolution_business_seconds,
        {{ dbt.datediff('indicators.started_at', 'indicators.first_useful_response_at', 'second') }}
            as time_to_useful_response_seconds,
        {{ business_seconds_between('indicators.started_at', 'indicators.first_useful_response_at') }}
            as time_to_useful_response_business_seconds,
        {{ dbt.datediff('indicators.handoff_at', 'indicators.human_first_response_at', 'second') }}
            as human_first_response_seconds,
        {{ business_seconds_between('indicators.handoff_at', 'indicators.human_first_response_at') }}
            as human_first_response_business_seconds,
        {{ dbt.datediff('indicators.first_reopened_at', 'indicators.reopen_human_first_response_at', 'second') }}
            as reopen_human_first_response_seconds,
        {{ business_seconds_between('indicators.first_reopened_at', 'indicators.reopen_human_first_response_at') }}
            as reopen_human_first_response_business_seconds,
        case
            when indicators.sla_time_basis = 'business'
                then {{ business_seconds_between('indicators.started_at', 'indicators.first_reply_clock_stopped_at') }}
            else {{ dbt.datediff('indicators.started_at', 'indicators.first_reply_clock_stopped_at', 'second') }}
        end as first_reply_sla_clock_seconds,
        case
            when indicators.sla_time_basis = 'business'
                then {{ business_seconds_between('indicators.started_at', 'indicators.resolution_clock_stopped_at') }}
            else {{ dbt.datediff('indicators.started_at', 'indicators.resolution_clock_stopped_at', 'second') }}
        end as resolution_sla_clock_seconds
    from indicators

),

final as (

    select
        -- ids
        session_id,

        -- strings
        sla_time_basis,

        -- numerics
        first_response_business_seconds,
        time_to_resolution_business_seconds,
        time_to_useful_response_seconds,
        time_to_useful_response_business_seconds,
        human_first_response_seconds,
        human_first_response_business_seconds,
        reopen_human_first_response_seconds,
        reopen_human_first_response_business_seconds,
        {%- for dimension in dimensions %}
        case
            when bot_message_count > 0
                then greatest(1, least(5, 3 + coalesce({{ dimension }}_net_hits, 0)))
        end as tone_{{ dimension }}_score,
        {%- endfor %}
        case
            when bot_message_count > 0
                then cast(
                    {%- for dimension in dimensions %}
                    greatest(1, least(5, 3 + coalesce({{ dimension }}_net_hits, 0))){{ ' +' if not loop.last }}
                    {%- endfor %}
                    as {{ type_double() }}
                ) / {{ dimensions | length }}
        end as tone_alignment_score,
        first_reply_sla_target_seconds,
        resolution_sla_target_seconds,

        -- booleans
        is_first_response_acknowledging,
        has_customer_rephrase,
        case
            when first_reply_sla_target_seconds is not null
                then coalesce(first_reply_sla_clock_seconds > first_reply_sla_target_seconds, false)
        end as is_first_reply_sla_breached,
        case
            when resolution_sla_target_seconds is not null
                then coalesce(resolution_sla_clock_seconds > resolution_sla_target_seconds, false)
        end as is_resolution_sla_breached,

        -- timestamps
        first_useful_response_at,
        human_first_response_at,
        reopen_human_first_response_at

    from latencies

)

select * from final
