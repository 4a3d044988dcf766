-- The BASELINE: the session facts and the daily scorecard (fct_sessions' classifications
-- and agg_metrics_segment_daily) computed by one hand-written DuckDB script, straight from
-- raw.events into two tables. It is what an engineer who knows DuckDB writes with no
-- framework: one pass over the events with arg_min/arg_max aggregates instead of one window
-- sort per attribute, all JSON paths extracted in one parse, and the keyed hash computed once
-- per session instead of once per event. It is the engine-bound floor the dbt models are
-- measured against (`make bench`); bench/__main__.py checks that its scorecard equals
-- marts.agg_metrics_segment_daily, so the two compute the same thing.
--
-- Parameters (set by the bench before running this file):
--   getvariable('pseudonym_key')  the EMPATHY_PSEUDONYM_KEY the dbt run used
--   getvariable('mapping_csv')    path of seeds/event_type_mapping.csv
-- The dbt vars are at their defaults: reopen and durable-resolution windows 7 days, repeat
-- contact window 24 h, abandoned close reasons ('abandoned', 'timeout').

create schema if not exists baseline;

create or replace table baseline.session_facts as
with
mapping as (
    select source_event_type, canonical_event_type
    from read_csv(getvariable('mapping_csv'), header = true, all_varchar = true)
),
events as (
    select
        e.session_id,
        e.event_id,
        e.occurred_at,
        e.loaded_at,
        e.customer_id,
        m.canonical_event_type as event_type,
        lower(trim(e.channel)) as channel,
        lower(trim(e.actor_type)) as actor_type,
        json_extract_string(e.attributes, [
            '$.language', '$.model_version', '$.variant.model_version', '$.prompt_id',
            '$.variant.prompt_id', '$.intent', '$.severity', '$.reason', '$.resolved_by',
            '$.kind', '$.answer', '$.score'
        ]) as a
    from raw.events as e
    left join mapping as m on trim(e.event_type) = m.source_event_type
),
typed as (
    select
        session_id, event_id, occurred_at, loaded_at, customer_id, event_type, channel,
        lower(trim(a[1])) as language,
        coalesce(a[2], a[3]) as model_version,
        coalesce(a[4], a[5]) as prompt_id,
        lower(trim(a[6])) as intent,
        lower(trim(a[7])) as severity,
        lower(trim(a[8])) as reason,
        lower(trim(a[9])) as resolved_by,
        lower(trim(a[10])) as feedback_kind,
        lower(trim(a[11])) as feedback_answer,
        cast(try_cast(a[12] as double) as integer) as feedback_score,
        event_type = 'message' and actor_type = 'customer' as is_customer,
        event_type = 'message' and actor_type = 'bot' as is_bot,
        event_type = 'message' and actor_type = 'agent' as is_agent,
        -- precedence of session attributes: session_started first, then the earliest event
        (event_type is distinct from 'session_started', occurred_at, event_id) as precedence,
        (occurred_at, event_id) as chronology
    from events
),
aggregated as (
    select
        session_id,
        arg_min(customer_id, precedence) as customer_id,
        arg_min(channel, precedence) as channel,
        arg_min(language, precedence) as language,
        arg_min(model_version, precedence) as model_version,
        arg_min(prompt_id, precedence) as prompt_id,
        arg_max({'intent': intent, 'severity': severity}, chronology)
            filter (where event_type = 'intent_classified' and intent is not null)
            as classification,
        arg_min_null(resolved_by, chronology) filter (where event_type = 'resolved')
            as resolved_by,
        arg_max_null(reason, chronology) filter (where event_type = 'session_closed')
            as close_reason,
        arg_max_null(feedback_answer, chronology)
            filter (where event_type = 'feedback_submitted' and feedback_kind = 'micro')
            as micro_feedback_answer,
        arg_max_null(feedback_score, chronology)
            filter (where event_type = 'feedback_submitted' and feedback_kind = 'csat')
            as csat_score,
        count(*) filter (where event_type = 'escalated') as escalation_count,
        count(*) filter (where is_bot) as bot_message_count,
        count(*) filter (where is_agent) as agent_message_count,
        count(*) filter (where is_customer) as customer_message_count,
        min(occurred_at) filter (where event_type = 'session_started') as session_started_at,
        min(occurred_at) filter (where is_customer) as first_customer_message_at,
        min(occurred_at) filter (where is_bot) as first_bot_message_at,
        min(occurred_at) filter (where is_agent) as first_agent_message_at,
        min(occurred_at) filter (where event_type = 'escalated') as first_escalated_at,
        min(occurred_at) filter (where event_type = 'agent_joined') as first_agent_joined_at,
        min(occurred_at) filter (where event_type = 'resolved') as first_resolved_at,
        min(occurred_at) filter (where event_type = 'reopened') as first_reopened_at,
        max(occurred_at) filter (where event_type = 'session_closed') as closed_at,
        max(occurred_at) filter (where is_customer) as last_customer_message_at,
        min(occurred_at) as first_event_at,
        max(occurred_at) as last_event_at,
        max(loaded_at) as last_loaded_at,
        -- bot/agent message times, to find the first one at or after the start below
        list(occurred_at) filter (where is_bot or is_agent) as response_times
    from typed
    group by session_id
)
select
    session_id,
    case
        when customer_id is not null
            then sha256(getvariable('pseudonym_key') || '|' || customer_id)
    end as customer_key,
    channel,
    classification.intent as intent,
    classification.severity as severity,
    language,
    model_version,
    prompt_id,
    resolved_by,
    close_reason,
    micro_feedback_answer,
    escalation_count,
    bot_message_count,
    agent_message_count,
    customer_message_count,
    csat_score,
    session_started_at is not null as has_session_started_event,
    coalesce(
        first_agent_message_at is not null
        and (first_resolved_at is null or first_agent_message_at <= first_resolved_at),
        false
    ) as has_agent_message_before_resolution,
    coalesce(session_started_at, first_customer_message_at, first_event_at) as started_at,
    first_customer_message_at,
    list_min(list_filter(
        response_times,
        lambda t: t >= coalesce(session_started_at, first_customer_message_at, first_event_at)
    )) as first_response_at,
    first_bot_message_at,
    first_agent_message_at,
    first_escalated_at,
    first_agent_joined_at,
    first_resolved_at,
    first_reopened_at,
    closed_at,
    last_customer_message_at,
    last_event_at,
    last_loaded_at
from aggregated;

create or replace table baseline.scorecard_daily as
with
classified as (
    select
        cast(started_at as date) as session_date,
        coalesce(channel, 'unknown') as channel,
        coalesce(intent, 'unknown') as intent,
        coalesce(severity, 'unknown') as severity,
        coalesce(language, 'unknown') as language,
        coalesce(model_version, 'unknown') as model_version,
        coalesce(prompt_id, 'unknown') as prompt_id,
        date_diff('second', started_at, first_response_at) as first_response_seconds,
        date_diff('second', started_at, first_resolved_at) as time_to_resolution_seconds,
        csat_score,
        bot_message_count > 0 as has_bot_reply,
        escalation_count > 0 as has_escalation,
        first_resolved_at is not null as is_resolved,
        coalesce(
            first_reopened_at >= first_resolved_at
            and first_reopened_at <= first_resolved_at + interval 7 day,
            false
        ) as is_reopened,
        coalesce(next_started_at <= started_at + interval 24 hour, false) as is_repeat_contact,
        coalesce(next_started_at <= first_resolved_at + interval 7 day, false) as has_recontact,
        coalesce(close_reason in ('abandoned', 'timeout'), false) as is_abandoned,
        has_agent_message_before_resolution
    from (
        select
            *,
            case when customer_key is not null and intent is not null then
                lead(started_at) over (
                    partition by customer_key, intent order by started_at, session_id
                )
            end as next_started_at
        from baseline.session_facts
    )
),
kinds as (
    select
        *,
        case
            when is_resolved and not has_bot_reply then 'human_only'
            when is_resolved and (has_escalation or has_agent_message_before_resolution)
                then 'assisted'
            when is_resolved then 'autonomous'
            when is_abandoned then 'abandoned'
            else 'unresolved'
        end as resolution_kind
    from classified
),
daily as (
    select
        session_date, channel, intent, severity, language, model_version, prompt_id,
        count(*) as sessions,
        count(*) filter (where has_bot_reply) as bot_handled_sessions,
        count(*) filter (where is_resolved) as resolved_sessions,
        count(*) filter (where resolution_kind = 'autonomous') as autonomous_sessions,
        count(*) filter (where resolution_kind = 'assisted') as assisted_sessions,
        count(*) filter (where resolution_kind = 'human_only') as human_only_sessions,
        count(*) filter (where resolution_kind = 'unresolved') as unresolved_sessions,
        count(*) filter (where resolution_kind = 'abandoned') as abandoned_sessions,
        count(*) filter (where has_bot_reply and has_escalation) as escalated_bot_handled_sessions,
        count(*) filter (where is_resolved and is_reopened) as reopened_sessions,
        count(*) filter (where is_repeat_contact) as repeat_contact_sessions,
        count(*) filter (where is_resolved and not is_reopened and not has_recontact)
            as durably_resolved_sessions,
        count(csat_score) as csat_responses,
        count(*) filter (where csat_score >= 4) as csat_satisfied_responses,
        median(first_response_seconds) as first_response_seconds_median,
        avg(first_response_seconds) as first_response_seconds_mean,
        median(time_to_resolution_seconds) as time_to_resolution_seconds_median,
        avg(csat_score) as csat_mean
    from kinds
    group by all
)
select
    md5(
        cast(session_date as varchar) || '|' || channel || '|' || intent || '|' || severity
        || '|' || language || '|' || model_version || '|' || prompt_id
    ) as segment_day_id,
    channel, intent, severity, language, model_version, prompt_id,
    sessions, bot_handled_sessions, resolved_sessions, autonomous_sessions, assisted_sessions,
    human_only_sessions, unresolved_sessions, abandoned_sessions,
    escalated_bot_handled_sessions, reopened_sessions, repeat_contact_sessions,
    durably_resolved_sessions, csat_responses,
    bot_handled_sessions / sessions as coverage_rate,
    resolved_sessions / sessions as resolution_rate,
    autonomous_sessions / sessions as autonomous_rate,
    assisted_sessions / sessions as assisted_rate,
    human_only_sessions / sessions as human_only_rate,
    unresolved_sessions / sessions as unresolved_rate,
    abandoned_sessions / sessions as abandoned_rate,
    escalated_bot_handled_sessions / nullif(bot_handled_sessions, 0) as escalation_rate,
    reopened_sessions / nullif(resolved_sessions, 0) as reopen_rate,
    repeat_contact_sessions / sessions as repeat_contact_rate,
    durably_resolved_sessions / sessions as durable_resolution_rate,
    csat_satisfied_responses / nullif(csat_responses, 0) as csat_satisfied_rate,
    first_response_seconds_median,
    first_response_seconds_mean,
    time_to_resolution_seconds_median,
    csat_mean,
    session_date
from daily;
