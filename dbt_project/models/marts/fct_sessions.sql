{#
    One row per support session: the session facts plus the classifications BI reads
    (resolution kind, reopen, repeat contact, durable resolution, CSAT satisfied), and the
    leading indicators of int_sessions_measured (business-hours twins, useful
    response, acknowledgement, tone, human first response, rephrase, SLA breaches). The
    classifications are derived here from facts, so a changed definition (or var) needs a
    rebuild of this table only, never a backfill of int_sessions_aggregated.
#}

{%- set abandoned_close_reasons = var('abandoned_close_reasons') -%}

with

session_facts as (

    select * from {{ ref('int_sessions_aggregated') }}

),

session_leading_indicators as (

    select * from {{ ref('int_sessions_measured') }}

),

escalations as (

    select * from {{ ref('fct_escalations') }}

),

events as (

    select * from {{ ref('int_events_sessionised') }}

),

session_channels as (

    -- The channels the session's events name. A session id reused on several channels would
    -- otherwise be counted on its first channel and replied on another without notice.
    select
        session_id,
        count(distinct channel) as channel_count
    from events
    where channel is not null
    group by session_id

),

session_handoffs as (

    -- The session's handoffs (fct_escalations) summarised: the reason of the first one, the
    -- mean context completeness over all of them, and whether any of them went silent.
    select
        session_id,
        max(case when escalation_sequence_number = 1 then handoff_reason end)
            as first_handoff_reason,
        avg(context_completeness) as handoff_context_completeness,
        max(case when is_silent_handoff then 1 else 0 end) = 1 as has_silent_handoff
    from escalations
    group by session_id

),

next_same_intent_sessions as (

    -- The next session of the same customer with the same intent (both known), by start time.
    select
        session_id,
        lead(started_at) over (
            partition by customer_key, intent
            order by started_at, session_id
        ) as next_same_intent_started_at
    from session_facts
    where
        customer_key is not null
        and intent is not null

),

session_outcomes as (

    select
        session_facts.*,
        {{ session_date('session_facts.started_at') }} as session_date,
        -- datediff is a double on PostgreSQL, bigint on DuckDB: the contract (_marts.yml) says
        -- bigint, as for every whole-second duration and count below.
        cast({{ dbt.datediff(
            'session_facts.started_at', 'session_facts.first_response_at', 'second') }} as bigint)
            as first_response_seconds,
        -- A resolution stamped before the start (clock skew between systems) counts as 0 s.
        cast(case
            when session_facts.first_resolved_at < session_facts.started_at then 0
            else {{ dbt.datediff(
                'session_facts.started_at', 'session_facts.first_resolved_at', 'second') }}
        end as bigint) as time_to_resolution_seconds,
        session_facts.bot_message_count > 0 as has_bot_reply,
        -- at or before the first resolution (the same rule as has_agent_message_before_resolution):
        -- a bot message after it (a "glad that helped") did not resolve anything
        coalesce(session_facts.first_bot_message_at <= session_facts.first_resolved_at, false)
            as has_bot_message_before_resolution,
        -- resolved_by of the first resolved event: the contract's human resolver is `agent`
        coalesce(session_facts.resolved_by = 'agent', false) as is_resolved_by_agent,
        session_facts.escalation_count > 0 as has_escalation,
        session_facts.first_resolved_at is not null as is_resolved,
        coalesce(
            session_facts.first_reopened_at >= session_facts.first_resolved_at
            and session_facts.first_reopened_at <= {{ dbt.dateadd(
                'day', var('reopen_window_days'), 'session_facts.first_resolved_at') }},
            false
        ) as is_reopened_within_window,
        coalesce(
            next_same_intent_sessions.next_same_intent_started_at <= {{ dbt.dateadd(
                'hour', var('repeat_contact_window_hours'), 'session_facts.started_at') }},
            false
        ) as is_repeat_contact,
        coalesce(
            next_same_intent_sessions.next_same_intent_started_at <= {{ dbt.dateadd(
                'day', var('durable_resolution_window_days'), 'session_facts.first_resolved_at') }},
            false
        ) as has_same_intent_contact_after_resolution,
        coalesce(
            session_facts.close_reason in (
                {%- for reason in abandoned_close_reasons -%}
                '{{ reason }}'{{ ', ' if not loop.last }}
                {%- endfor -%}
            ),
            false
        ) as is_closed_as_abandoned,
        session_leading_indicators.sla_time_basis,
        session_leading_indicators.first_response_business_seconds,
        session_leading_indicators.time_to_resolution_business_seconds,
        -- (datediff in int_sessions_measured: a double on PostgreSQL, cast as above)
        cast(session_leading_indicators.time_to_useful_response_seconds as bigint)
            as time_to_useful_response_seconds,
        session_leading_indicators.time_to_useful_response_business_seconds,
        cast(session_leading_indicators.human_first_response_seconds as bigint)
            as human_first_response_seconds,
        session_leading_indicators.human_first_response_business_seconds,
        cast(session_leading_indicators.reopen_human_first_response_seconds as bigint)
            as reopen_human_first_response_seconds,
        session_leading_indicators.reopen_human_first_response_business_seconds,
        -- Sums are HUGEINT on DuckDB, bigint on PostgreSQL.
        {%- for dimension in qa_rubric_dimensions() %}
        cast(session_leading_indicators.tone_{{ dimension }}_score as bigint)
            as tone_{{ dimension }}_score,
        {%- endfor %}
        session_leading_indicators.tone_alignment_score,
        session_leading_indicators.first_reply_sla_target_seconds,
        session_leading_indicators.resolution_sla_target_seconds,
        session_leading_indicators.is_first_response_acknowledging,
        coalesce(session_leading_indicators.has_customer_rephrase, false) as has_customer_rephrase,
        session_leading_indicators.is_first_reply_sla_breached,
        session_leading_indicators.is_resolution_sla_breached,
        session_leading_indicators.first_useful_response_at,
        session_leading_indicators.human_first_response_at,
        session_leading_indicators.reopen_human_first_response_at,
        session_handoffs.first_handoff_reason,
        session_handoffs.handoff_context_completeness,
        session_handoffs.has_silent_handoff,
        coalesce(session_channels.channel_count, 0) as channel_count
    from session_facts
    left join next_same_intent_sessions
        on session_facts.session_id = next_same_intent_sessions.session_id
    left join session_leading_indicators
        on session_facts.session_id = session_leading_indicators.session_id
    left join session_handoffs
        on session_facts.session_id = session_handoffs.session_id
    left join session_channels
        on session_facts.session_id = session_channels.session_id

),

final as (

    select
        -- ids
        session_id,
        customer_key,

        -- strings
        channel,
        delivered_channel,
        intent,
        severity,
        language,
        model_version,
        prompt_id,
        -- docs.md, resolution_kind: autonomous = the bot replied before the first resolution,
        -- no handoff, no human reply before the resolution and not resolved by an agent
        case
            when is_resolved and not has_bot_message_before_resolution then 'human_only'
            when
                is_resolved
                and (has_escalation or has_agent_message_before_resolution or is_resolved_by_agent)
                then 'assisted'
            when is_resolved then 'autonomous'
            when is_closed_as_abandoned then 'abandoned'
            else 'unresolved'
        end as resolution_kind,
        resolved_by,
        close_reason,
        micro_feedback_answer,
        sla_time_basis,
        first_handoff_reason,
        csat_scale,

        -- numerics
        first_response_seconds,
        time_to_resolution_seconds,
        escalation_count,
        bot_message_count,
        agent_message_count,
        customer_message_count,
        channel_count,
        -- the 1-5 metrics (csat_mean, csat_satisfied_rate) read valid 1-5 answers only
        case when csat_scale = '1-5' and csat_normalised_score is not null then csat_score end
            as csat_score,
        csat_normalised_score,
        first_response_business_seconds,
        time_to_resolution_business_seconds,
        time_to_useful_response_seconds,
        time_to_useful_response_business_seconds,
        human_first_response_seconds,
        human_first_response_business_seconds,
        reopen_human_first_response_seconds,
        reopen_human_first_response_business_seconds,
        {%- for dimension in qa_rubric_dimensions() %}
        tone_{{ dimension }}_score,
        {%- endfor %}
        tone_alignment_score,
        first_reply_sla_target_seconds,
        resolution_sla_target_seconds,
        handoff_context_completeness,

        -- booleans
        has_session_started_event,
        channel_count > 1 as has_conflicting_channels,
        has_bot_reply,
        has_escalation,
        has_agent_message_before_resolution,
        is_resolved,
        is_reopened_within_window,
        is_repeat_contact,
        (
            is_resolved
            and not is_reopened_within_window
            and not has_same_intent_contact_after_resolution
        ) as is_durably_resolved,
        (
            is_resolved
            and first_reopened_at is null
            and not is_repeat_contact
        ) as is_first_contact_resolved,
        case when csat_scale = '1-5' and csat_normalised_score is not null then csat_score >= 4 end
            as is_csat_satisfied,
        -- answering a survey means it was offered, whether or not its offer was delivered
        survey_offered_at is not null or csat_scale is not null as is_survey_offered,
        is_first_response_acknowledging,
        has_customer_rephrase,
        is_first_reply_sla_breached,
        is_resolution_sla_breached,
        -- null for sessions never escalated (no handoff to judge)
        case when has_escalation then coalesce(has_silent_handoff, false) end as has_silent_handoff,
        -- abandonment after handoff: escalated, never resolved, and the customer wrote nothing
        -- after the first escalation (they left rather than wait for the human)
        case
            when has_escalation then
                not is_resolved
                and coalesce(last_customer_message_at <= first_escalated_at, true)
        end as is_abandoned_after_handoff,

        -- dates
        session_date,

        -- timestamps
        started_at,
        first_customer_message_at,
        first_response_at,
        first_bot_message_at,
        first_agent_message_at,
        first_escalated_at,
        first_agent_joined_at,
        first_resolved_at,
        first_reopened_at,
        closed_at,
        last_customer_message_at,
        last_event_at,
        last_loaded_at,
        first_useful_response_at,
        human_first_response_at,
        reopen_human_first_response_at

    from session_outcomes

)

select * from final
