{#
    One row per session_date x channel x intent x severity x language x model_version x
    prompt_id (unknown segment values shown as 'unknown'). Cohort rule: a day owns the sessions
    that started in it, so every rate of a row shares that day's sessions as its population,
    even when the outcome (resolution, reopen, CSAT) happened on a later day. Rates are fractions
    0-1, null when their denominator is 0. The metric expressions live in
    macros/segment_day_metrics.sql, shared with the rollup levels of agg_scorecard_segment_daily.
#}

{%- set segment_columns = segment_columns() -%}
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
        {{- segment_values('sessions', prefix='segment_') }}
    from sessions

),

daily_counts as (

    select
        session_date,
        {%- for column in segment_columns %}
        segment_{{ column }} as {{ column }},
        {%- endfor %}
        {{ segment_day_aggregates() }}
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

        {{ segment_day_metric_columns() }},

        -- dates
        session_date

    from daily_counts

)

select * from final
