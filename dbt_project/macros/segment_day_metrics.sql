{#
    The segment-day metrics, written once and used twice: agg_metrics_segment_daily (full six-
    dimension grain) and the rollup levels of agg_scorecard_segment_daily (overall and one dimension
    at a time). Both aggregate fct_sessions rows, because medians cannot be re-aggregated from
    finer rows; one definition keeps the two grains equal by construction.

    segment_day_aggregates(): the aggregate select list over fct_sessions rows (no trailing comma).
        The sample-size columns a scorecard metric is judged on count the populations of
        session_populations() (macros/session_populations.sql), which dim_metrics publishes.
    segment_day_metric_columns(): the published column list over those aggregates - counts, rates
        (fractions 0-1, null when the denominator is 0), durations and scores - in the column
        order of agg_metrics_segment_daily (no trailing comma).
    metric_rounded(expression): a published rate, mean or median, rounded half away from zero to
        scorecard_setting('metric_decimal_places') (6) decimal places. Float sums run in parallel
        are not deterministic in their last bits (3.5000000000000004 one run, 3.4999999999999996
        the next); rounded, identical data publish identical values, and every threshold
        comparison (scorecard status, balance flags) sees the published value.
    segment_day_handoff_reasons(): the handoff reason taxonomy (docs/metrics.md, "Handoff
        reasons"; the values of the handoff_reason_mapping seed); one handoff_reason_<reason>_rate
        column each.
#}

{% macro metric_rounded(expression) -%}
    {#- via decimal: PostgreSQL has no round(double precision, places) -#}
    cast(round(cast({{ expression }} as decimal(38, 12)), {{ scorecard_setting('metric_decimal_places') }}) as {{ type_double() }})
{%- endmacro %}

{% macro segment_day_handoff_reasons() -%}
    {{ return([
        'customer_request', 'missing_knowledge', 'unsupported_request', 'policy_restriction',
        'tool_failure', 'pending_clarification', 'low_confidence', 'other',
    ]) }}
{%- endmacro %}

{% macro segment_day_resolution_kinds() -%}
    {{ return(['autonomous', 'assisted', 'human_only', 'unresolved', 'abandoned']) }}
{%- endmacro %}

{% macro segment_day_aggregates() -%}
        {{ population_count('sessions') }} as sessions,
        {{ population_count('bot_handled_sessions') }} as bot_handled_sessions,
        {{ population_count('resolved_sessions') }} as resolved_sessions,
        {%- for kind in segment_day_resolution_kinds() %}
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
        {{ population_count('csat_responses') }} as csat_responses,
        {{ count_where("is_csat_satisfied") }} as csat_satisfied_responses,
        {{ population_count('survey_offered_sessions') }} as survey_offered_sessions,
        {{ count_where("is_survey_offered and csat_scale is not null") }} as survey_answered_sessions,
        {{ population_count('csat_normalised_responses') }} as csat_normalised_responses,
        avg(csat_normalised_score) as csat_normalised_mean,
        {{ median('first_response_seconds') }} as first_response_seconds_median,
        avg(cast(first_response_seconds as {{ type_double() }})) as first_response_seconds_mean,
        {{ median('time_to_resolution_seconds') }} as time_to_resolution_seconds_median,
        avg(cast(csat_score as {{ type_double() }})) as csat_mean,
        {{ population_count('responded_sessions') }} as responded_sessions,
        {{ count_where("is_first_response_acknowledging") }} as acknowledging_sessions,
        {{ count_where("has_customer_rephrase") }} as rephrase_sessions,
        {{ population_count('sla_covered_sessions') }} as sla_covered_sessions,
        {{ count_where("is_first_reply_sla_breached") }} as first_reply_sla_breached_sessions,
        {{ count_where("is_resolution_sla_breached") }} as resolution_sla_breached_sessions,
        {{ median('first_response_business_seconds') }} as first_response_business_seconds_median,
        {{ median('time_to_resolution_business_seconds') }} as time_to_resolution_business_seconds_median,
        {{ median('time_to_useful_response_seconds') }} as time_to_useful_response_seconds_median,
        {{ median('time_to_useful_response_business_seconds') }} as time_to_useful_response_business_seconds_median,
        {{ median('human_first_response_seconds') }} as human_first_response_seconds_median,
        {{ median('human_first_response_business_seconds') }} as human_first_response_business_seconds_median,
        {%- for dimension in qa_rubric_dimensions() %}
        avg(cast(tone_{{ dimension }}_score as {{ type_double() }})) as tone_{{ dimension }}_score_mean,
        {%- endfor %}
        avg(tone_alignment_score) as tone_alignment_score_mean,
        -- handoff, first-contact, micro-feedback and CSAT-split metrics (docs/metrics.md)
        {{ population_count('escalated_sessions') }} as escalated_sessions,
        {{ count_where("is_first_contact_resolved") }} as first_contact_resolved_sessions,
        {{ population_count('micro_feedback_responses') }} as micro_feedback_responses,
        {{ count_where("micro_feedback_answer = 'yes'") }} as micro_feedback_yes_responses,
        {{ population_count('csat_responses_bot_resolved') }}
            as csat_responses_bot_resolved,
        {{ population_count('csat_responses_human_only') }}
            as csat_responses_human_only,
        {{ count_where("has_silent_handoff") }} as silent_handoff_sessions,
        {{ count_where("is_abandoned_after_handoff") }} as abandoned_after_handoff_sessions,
        {{ population_count('human_responded_sessions') }} as human_responded_sessions,
        {%- for reason in segment_day_handoff_reasons() %}
        {{ count_where("first_handoff_reason = '" ~ reason ~ "'") }}
            as handoff_reason_{{ reason }}_sessions,
        {%- endfor %}
        avg(case when resolution_kind = 'autonomous' then cast(csat_score as {{ type_double() }}) end)
            as csat_mean_bot_resolved,
        avg(case when resolution_kind = 'human_only' then cast(csat_score as {{ type_double() }}) end)
            as csat_mean_human_only,
        avg(handoff_context_completeness) as handoff_context_completeness_mean,
        avg(case when is_resolved then cast(customer_message_count as {{ type_double() }}) end)
            as customer_messages_to_resolution_mean
{%- endmacro %}

{% macro segment_day_metric_columns() -%}
        -- numerics: counts
        sessions,
        bot_handled_sessions,
        resolved_sessions,
        {%- for kind in segment_day_resolution_kinds() %}
        {{ kind }}_sessions,
        {%- endfor %}
        escalated_bot_handled_sessions,
        reopened_sessions,
        repeat_contact_sessions,
        durably_resolved_sessions,
        csat_responses,
        survey_offered_sessions,
        survey_answered_sessions,
        csat_normalised_responses,
        responded_sessions,
        acknowledging_sessions,
        rephrase_sessions,
        sla_covered_sessions,
        first_reply_sla_breached_sessions,
        resolution_sla_breached_sessions,
        escalated_sessions,
        first_contact_resolved_sessions,
        micro_feedback_responses,
        micro_feedback_yes_responses,
        csat_responses_bot_resolved,
        csat_responses_human_only,
        silent_handoff_sessions,
        abandoned_after_handoff_sessions,
        human_responded_sessions,

        -- numerics: rates (fractions 0-1)
        {{ metric_rounded(safe_divide('bot_handled_sessions', 'sessions')) }} as coverage_rate,
        {{ metric_rounded(safe_divide('resolved_sessions', 'sessions')) }} as resolution_rate,
        {%- for kind in segment_day_resolution_kinds() %}
        {{ metric_rounded(safe_divide(kind ~ '_sessions', 'sessions')) }} as {{ kind }}_rate,
        {%- endfor %}
        {{ metric_rounded(safe_divide('escalated_bot_handled_sessions', 'bot_handled_sessions')) }}
            as escalation_rate,
        {{ metric_rounded(safe_divide('reopened_sessions', 'resolved_sessions')) }} as reopen_rate,
        {{ metric_rounded(safe_divide('repeat_contact_sessions', 'sessions')) }} as repeat_contact_rate,
        {{ metric_rounded(safe_divide('durably_resolved_sessions', 'sessions')) }} as durable_resolution_rate,
        {{ metric_rounded(safe_divide('csat_satisfied_responses', 'csat_responses')) }} as csat_satisfied_rate,
        {{ metric_rounded(safe_divide('survey_answered_sessions', 'survey_offered_sessions')) }}
            as survey_response_rate,
        {{ metric_rounded(safe_divide('acknowledging_sessions', 'responded_sessions')) }} as acknowledgement_rate,
        {{ metric_rounded(safe_divide('rephrase_sessions', 'sessions')) }} as rephrase_rate,
        {{ metric_rounded(safe_divide('first_reply_sla_breached_sessions', 'sla_covered_sessions')) }}
            as first_reply_sla_breach_rate,
        {{ metric_rounded(safe_divide('resolution_sla_breached_sessions', 'sla_covered_sessions')) }}
            as resolution_sla_breach_rate,
        {{ metric_rounded(safe_divide('first_contact_resolved_sessions', 'sessions')) }}
            as first_contact_resolution_rate,
        {{ metric_rounded(safe_divide('micro_feedback_yes_responses', 'micro_feedback_responses')) }}
            as micro_feedback_yes_rate,
        {{ metric_rounded(safe_divide('silent_handoff_sessions', 'escalated_sessions')) }} as silent_handoff_rate,
        {{ metric_rounded(safe_divide('abandoned_after_handoff_sessions', 'escalated_sessions')) }}
            as abandoned_after_handoff_rate,
        {%- for reason in segment_day_handoff_reasons() %}
        {{ metric_rounded(safe_divide('handoff_reason_' ~ reason ~ '_sessions', 'escalated_sessions')) }}
            as handoff_reason_{{ reason }}_rate,
        {%- endfor %}

        -- numerics: durations (seconds) and scores
        {{ metric_rounded('first_response_seconds_median') }} as first_response_seconds_median,
        {{ metric_rounded('first_response_seconds_mean') }} as first_response_seconds_mean,
        {{ metric_rounded('time_to_resolution_seconds_median') }} as time_to_resolution_seconds_median,
        {{ metric_rounded('csat_mean') }} as csat_mean,
        {{ metric_rounded('csat_normalised_mean') }} as csat_normalised_mean,
        {{ metric_rounded('first_response_business_seconds_median') }} as first_response_business_seconds_median,
        {{ metric_rounded('time_to_resolution_business_seconds_median') }} as time_to_resolution_business_seconds_median,
        {{ metric_rounded('time_to_useful_response_seconds_median') }} as time_to_useful_response_seconds_median,
        {{ metric_rounded('time_to_useful_response_business_seconds_median') }} as time_to_useful_response_business_seconds_median,
        {{ metric_rounded('human_first_response_seconds_median') }} as human_first_response_seconds_median,
        {{ metric_rounded('human_first_response_business_seconds_median') }} as human_first_response_business_seconds_median,
        {%- for dimension in qa_rubric_dimensions() %}
        {{ metric_rounded('tone_' ~ dimension ~ '_score_mean') }} as tone_{{ dimension }}_score_mean,
        {%- endfor %}
        {{ metric_rounded('tone_alignment_score_mean') }} as tone_alignment_score_mean,
        {{ metric_rounded('csat_mean_bot_resolved') }} as csat_mean_bot_resolved,
        {{ metric_rounded('csat_mean_human_only') }} as csat_mean_human_only,
        {{ metric_rounded('handoff_context_completeness_mean') }} as handoff_context_completeness_mean,
        {{ metric_rounded('customer_messages_to_resolution_mean') }} as customer_messages_to_resolution_mean
{%- endmacro %}
