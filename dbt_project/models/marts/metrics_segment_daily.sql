{#
    One row per session_date x channel x intent x severity x language x model_version x
    prompt_id (unknown segment values shown as 'unknown'). Cohort rule: a day owns the sessions
    that started in it, so every rate of a row shares that day's sessions as its population,
    even when the outcome (resolution, reopen, CSAT) happened on a later day. Rates are fractions
    0-1, null when their denominator is 0.
#}

{%- set segment_columns = ['channel', 'intent', 'severity', 'language', 'model_version', 'prompt_id'] -%}
{%- set resolution_kinds = ['autonomous', 'assisted', 'human_only', 'unresolved', 'abandoned'] -%}
{#- segment_day_id = hash of 'date|channel|intent|severity|language|model_version|prompt_id' -#}
{%- set segment_key_parts = ['cast(session_date as ' ~ dbt.type_string() ~ ')'] -%}
{%- for column in segment_columns -%}
    {%- do segment_key_parts.extend(["'|'", column]) -%}
{%- endfor %}

with

sessions as (

    select * from {{ ref('fct_sessions') }}

),

segmented_sessions as (

    select
        sessions.*,
        {%- for column in segment_columns %}
        coalesce(sessions.{{ column }}, 'unknown') as segment_{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from sessions

),

daily_counts as (

    select
        session_date,
        {%- for column in segment_columns %}
        segment_{{ column }} as {{ column }},
        {%- endfor %}
        count(*) as sessions,
        {{ count_where("has_bot_reply") }} as bot_handled_sessions,
        {{ count_where("is_resolved") }} as resolved_sessions,
        {%- for kind in resolution_kinds %}
        {{ count_where("resolution_kind = '" ~ kind ~ "'") }}
            as {{ kind }}_sessions,
        {%- endfor %}
        -- only bot-handled sessions can be escalated *by the bot*: keeps the rate within 0-1
        {{ count_where("has_bot_reply and has_escalation") }}
            as escalated_bot_handled_sessions,
        {{ count_where("is_resolved and is_reopened_within_window") }}
            as reopened_sessions,
        {{ count_where("is_repeat_contact") }} as repeat_contact_sessions,
        {{ count_where("is_durably_resolved") }} as durably_resolved_sessions,
        {{ count_where("csat_score is not null") }} as csat_responses,
        {{ count_where("is_csat_satisfied") }} as csat_satisfied_responses,
        {{ median('first_response_seconds') }} as first_response_seconds_median,
        avg(cast(first_response_seconds as {{ type_double() }})) as first_response_seconds_mean,
        {{ median('time_to_resolution_seconds') }} as time_to_resolution_seconds_median,
        avg(cast(csat_score as {{ type_double() }})) as csat_mean,
        {{ count_where("first_response_at is not null") }} as responded_sessions,
        {{ count_where("is_first_response_acknowledging") }} as acknowledging_sessions,
        {{ count_where("has_customer_rephrase") }} as rephrase_sessions,
        {{ count_where("is_first_reply_sla_breached is not null") }} as sla_covered_sessions,
        {{ count_where("is_first_reply_sla_breached") }} as first_reply_sla_breached_sessions,
        {{ count_where("is_resolution_sla_breached") }} as resolution_sla_breached_sessions,
        {{ median('first_response_business_seconds') }} as first_response_business_seconds_median,
        {{ median('time_to_resolution_business_seconds') }} as time_to_resolution_business_seconds_median,
        {{ median('time_to_useful_response_seconds') }} as time_to_useful_response_seconds_median,
        {{ median('time_to_useful_response_business_seconds') }} as time_to_useful_response_business_seconds_median,
        {{ median('human_first_response_seconds') }} as human_first_response_seconds_median,
        {{ median('human_first_response_business_seconds') }} as human_first_response_business_seconds_median,
        avg(cast(tone_acknowledgment_score as {{ type_double() }})) as tone_acknowledgment_score_mean,
        avg(cast(tone_clarity_score as {{ type_double() }})) as tone_clarity_score_mean,
        avg(cast(tone_reassurance_score as {{ type_double() }})) as tone_reassurance_score_mean,
        avg(cast(tone_accountability_score as {{ type_double() }})) as tone_accountability_score_mean,
        avg(cast(tone_appropriateness_score as {{ type_double() }})) as tone_appropriateness_score_mean,
        avg(tone_alignment_score) as tone_alignment_score_mean
    from segmented_sessions
    group by
        session_date,
        {%- for column in segment_columns %}
        segment_{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}

),

final as (

    select
        -- ids
        {{ dbt.hash(dbt.concat(segment_key_parts)) }} as segment_day_id,

        -- strings
        {%- for column in segment_columns %}
        {{ column }},
        {%- endfor %}

        -- numerics: counts
        sessions,
        bot_handled_sessions,
        resolved_sessions,
        {%- for kind in resolution_kinds %}
        {{ kind }}_sessions,
        {%- endfor %}
        escalated_bot_handled_sessions,
        reopened_sessions,
        repeat_contact_sessions,
        durably_resolved_sessions,
        csat_responses,
        responded_sessions,
        acknowledging_sessions,
        rephrase_sessions,
        sla_covered_sessions,
        first_reply_sla_breached_sessions,
        resolution_sla_breached_sessions,

        -- numerics: rates (fractions 0-1)
        {{ safe_divide('bot_handled_sessions', 'sessions') }} as coverage_rate,
        {{ safe_divide('resolved_sessions', 'sessions') }} as resolution_rate,
        {%- for kind in resolution_kinds %}
        {{ safe_divide(kind ~ '_sessions', 'sessions') }} as {{ kind }}_rate,
        {%- endfor %}
        {{ safe_divide('escalated_bot_handled_sessions', 'bot_handled_sessions') }}
            as escalation_rate,
        {{ safe_divide('reopened_sessions', 'resolved_sessions') }} as reopen_rate,
        {{ safe_divide('repeat_contact_sessions', 'sessions') }} as repeat_contact_rate,
        {{ safe_divide('durably_resolved_sessions', 'sessions') }} as durable_resolution_rate,
        {{ safe_divide('csat_satisfied_responses', 'csat_responses') }} as csat_satisfied_rate,
        {{ safe_divide('acknowledging_sessions', 'responded_sessions') }} as acknowledgement_rate,
        {{ safe_divide('rephrase_sessions', 'sessions') }} as rephrase_rate,
        {{ safe_divide('first_reply_sla_breached_sessions', 'sla_covered_sessions') }}
            as first_reply_sla_breach_rate,
        {{ safe_divide('resolution_sla_breached_sessions', 'sla_covered_sessions') }}
            as resolution_sla_breach_rate,

        -- numerics: durations (seconds) and scores
        first_response_seconds_median,
        first_response_seconds_mean,
        time_to_resolution_seconds_median,
        csat_mean,
        first_response_business_seconds_median,
        time_to_resolution_business_seconds_median,
        time_to_useful_response_seconds_median,
        time_to_useful_response_business_seconds_median,
        human_first_response_seconds_median,
        human_first_response_business_seconds_median,
        tone_acknowledgment_score_mean,
        tone_clarity_score_mean,
        tone_reassurance_score_mean,
        tone_accountability_score_mean,
        tone_appropriateness_score_mean,
        tone_alignment_score_mean,

        -- dates
        session_date

    from daily_counts

)

select * from final
