{#
    The balance flags (docs/metrics.md, "Scorecard"), one row per segment-day of agg_scorecard_segment_daily (every
    segment_level: full, overall and the single-dimension rollups), from its statuses:

      empathy theater:    tone acceptable while resolution is needs_improvement or critical
      brusque efficiency: first response acceptable and resolution acceptable, tone critical
      fast failure:       first response acceptable while useful response is
                          needs_improvement or critical

    Which metric plays each role is var balance_flag_metrics (macros/scorecard_settings.sql):
    tone = tone_alignment_score_mean, resolution = resolution_rate, first response =
    first_response_seconds_median, useful response = time_to_useful_response_seconds_median.
    Without a tone rubric, csat_mean is the documented proxy for tone (one line to switch).
    A flag is only raised when every status it reads is judged (acceptable / needs_improvement /
    critical); is_judged says whether all four were.
#}

{%- set roles = scorecard_setting('balance_flag_metrics') -%}
{%- set poor = "('needs_improvement', 'critical')" %}

with

scorecard as (

    select * from {{ ref('agg_scorecard_segment_daily') }}

),

role_statuses as (

    select
        segment_day_id,
        segment_id,
        segment_level,
        {%- for column in segment_columns() %}
        {{ column }},
        {%- endfor %}
        session_date,
        max(sessions) as sessions,
        {%- for role in ['tone', 'resolution', 'speed', 'useful_response'] %}
        max(case when metric_name = '{{ roles[role] }}' then status end) as {{ role }}_status
        {{- ',' if not loop.last }}
        {%- endfor %}
    from scorecard
    group by
        segment_day_id,
        segment_id,
        segment_level,
        {%- for column in segment_columns() %}
        {{ column }},
        {%- endfor %}
        session_date

),

final as (

    select
        -- ids
        segment_day_id,
        segment_id,

        -- strings
        segment_level,
        {%- for column in segment_columns() %}
        {{ column }},
        {%- endfor %}
        '{{ roles.tone }}' as tone_metric_name,
        tone_status,
        resolution_status,
        speed_status as first_response_status,
        '{{ roles.useful_response }}' as useful_response_metric_name,
        useful_response_status,

        -- numerics
        sessions,

        -- booleans
        coalesce(
            tone_status = 'acceptable' and resolution_status in {{ poor }}, false
        ) as is_empathy_theater,
        coalesce(
            speed_status = 'acceptable'
            and resolution_status = 'acceptable'
            and tone_status = 'critical',
            false
        ) as is_brusque_efficiency,
        coalesce(
            speed_status = 'acceptable' and useful_response_status in {{ poor }}, false
        ) as is_fast_failure,
        coalesce(
            {%- for role in ['tone', 'resolution', 'speed', 'useful_response'] %}
            {{ role }}_status in ('acceptable', 'needs_improvement', 'critical')
            {{- ' and' if not loop.last }}
            {%- endfor %},
            false
        ) as is_judged,

        -- dates
        session_date

    from role_statuses

)

select * from final
