{#
    The scorecard, long format: one row per session_date x segment (channel, intent, severity,
    language, model_version, prompt_id: the grain of metrics_segment_daily) x metric, with the
    metric's status against the scorecard_thresholds seed and the status of the previous period.

    Status (thresholds seed; "at" a threshold counts as reaching it):
      higher_is_better: value >= acceptable -> acceptable; value <= critical -> critical
      lower_is_better:  value <= acceptable -> acceptable; value >= critical -> critical
      in between -> needs_improvement. sample_size < var scorecard_min_sessions ->
      low_confidence (not judged); value null (no population) -> no_data.
    Previous period: the latest earlier session_date on which the same segment has a row for
    the metric (a segment without sessions on a day has no row that day). is_regression: both
    statuses judged and the current one worse (acceptable < needs_improvement < critical).

    Rollup levels (segment_level): 'full' rows are the segment-days of metrics_segment_daily;
    'overall' rows (every segment value 'all') and one row per value of a single dimension
    ('channel', 'intent', 'severity', 'language', 'model_version', 'prompt_id'; the other five
    'all') are aggregated here from fct_sessions with the same expressions
    (macros/segment_day_metrics.sql) - medians cannot be re-aggregated from the full rows. At
    the full grain most rows are low_confidence; the coarser levels reach the floor and are
    judged. Status, floor and regression watch apply to every level alike; a segment is
    followed over time within its level.

    Adding a metric: a row in seeds/scorecard_thresholds.csv plus one line in the
    scorecard_metrics list of macros/scorecard_settings.sql (the metrics_segment_daily column
    and the column that holds its sample size, i.e. the metric's denominator).
#}

{%- set scorecard_metrics = scorecard_setting('scorecard_metrics') -%}
{%- set segment_columns = segment_columns() -%}
{%- set rollup_levels = ['overall'] + segment_columns -%}
{#- full rows keep the keys of metrics_segment_daily; rollup keys start with the level -#}
{%- set segment_key_parts = [] -%}
{%- for column in segment_columns -%}
    {%- do segment_key_parts.append(column) -%}
    {%- if not loop.last %}{% do segment_key_parts.append("'|'") %}{% endif -%}
{%- endfor -%}
{%- set rollup_day_key_parts = ['segment_level', "'|'", 'cast(session_date as ' ~ dbt.type_string() ~ ')'] -%}
{%- for column in segment_columns -%}
    {%- do rollup_day_key_parts.extend(["'|'", column]) -%}
{%- endfor -%}
{%- set metric_columns = [] -%}
{%- for metric_name, sample_size_column in scorecard_metrics -%}
    {%- for column in [metric_name, sample_size_column] -%}
        {%- if column not in metric_columns and column != 'sessions' %}{% do metric_columns.append(column) %}{% endif -%}
    {%- endfor -%}
{%- endfor -%}
{%- set min_sessions = scorecard_setting('scorecard_min_sessions') %}

with

full_segment_days as (

    select * from {{ ref('metrics_segment_daily') }}

),

sessions as (

    select * from {{ ref('fct_sessions') }}

),

thresholds as (

    select * from {{ ref('scorecard_thresholds') }}

),

segmented_sessions as (

    select
        sessions.*,
        {%- for column in segment_columns %}
        coalesce(sessions.{{ column }}, 'unknown') as segment_{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from sessions

),

rollup_sessions as (

    -- each session once per rollup level: its own value in the level's dimension, 'all' elsewhere
    {%- for level in rollup_levels %}
    select
        segmented_sessions.*,
        '{{ level }}' as segment_level,
        {%- for column in segment_columns %}
        {{ 'segment_' ~ column if column == level else "'all'" }} as rollup_{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from segmented_sessions
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

rollup_counts as (

    select
        segment_level,
        session_date,
        {%- for column in segment_columns %}
        rollup_{{ column }} as {{ column }},
        {%- endfor %}
        {{ segment_day_aggregates() }}
    from rollup_sessions
    group by
        segment_level,
        session_date,
        {%- for column in segment_columns %}
        rollup_{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}

),

rollup_segment_days as (

    select
        {{ dbt.hash(dbt.concat(rollup_day_key_parts)) }} as segment_day_id,
        segment_level,
        {%- for column in segment_columns %}
        {{ column }},
        {%- endfor %}
        {{ segment_day_metric_columns() }},
        session_date
    from rollup_counts

),

segment_days as (

    select
        segment_day_id,
        'full' as segment_level,
        {%- for column in segment_columns %}
        {{ column }},
        {%- endfor %}
        sessions,
        {%- for column in metric_columns %}
        {{ column }},
        {%- endfor %}
        session_date
    from full_segment_days

    union all

    select
        segment_day_id,
        segment_level,
        {%- for column in segment_columns %}
        {{ column }},
        {%- endfor %}
        sessions,
        {%- for column in metric_columns %}
        {{ column }},
        {%- endfor %}
        session_date
    from rollup_segment_days

),


metric_values as (

    {%- for metric_name, sample_size_column in scorecard_metrics %}
    select
        segment_day_id,
        segment_level,
        {%- for column in segment_columns %}
        {{ column }},
        {%- endfor %}
        '{{ metric_name }}' as metric_name,
        cast({{ metric_name }} as {{ type_double() }}) as metric_value,
        sessions,
        {{ sample_size_column }} as sample_size,
        session_date
    from segment_days
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

statuses as (

    select
        metric_values.*,
        thresholds.direction,
        thresholds.indicator_type,
        thresholds.unit,
        thresholds.acceptable as acceptable_threshold,
        thresholds.critical as critical_threshold,
        metric_values.sample_size < {{ min_sessions }} as is_low_confidence,
        case
            when metric_values.metric_value is null then 'no_data'
            when metric_values.sample_size < {{ min_sessions }} then 'low_confidence'
            when thresholds.direction = 'higher_is_better' then
                case
                    when metric_values.metric_value >= thresholds.acceptable then 'acceptable'
                    when metric_values.metric_value <= thresholds.critical then 'critical'
                    else 'needs_improvement'
                end
            when thresholds.direction = 'lower_is_better' then
                case
                    when metric_values.metric_value <= thresholds.acceptable then 'acceptable'
                    when metric_values.metric_value >= thresholds.critical then 'critical'
                    else 'needs_improvement'
                end
        end as status
    from metric_values
    -- left join: a metric listed above without a seed row keeps its rows with a null direction,
    -- which the not_null test on direction reports (rather than the metric vanishing).
    left join thresholds
        on metric_values.metric_name = thresholds.metric_name

),

with_previous as (

    select
        statuses.*,
        case status
            when 'acceptable' then 0
            when 'needs_improvement' then 1
            when 'critical' then 2
        end as status_rank,
        lag(status) over (
            partition by segment_level, {{ segment_columns | join(', ') }}, metric_name
            order by session_date
        ) as previous_status,
        lag(session_date) over (
            partition by segment_level, {{ segment_columns | join(', ') }}, metric_name
            order by session_date
        ) as previous_session_date
    from statuses

),

final as (

    select
        -- ids
        {{ dbt.hash(dbt.concat(['segment_day_id', "'|'", 'metric_name'])) }} as scorecard_row_id,
        segment_day_id,
        case
            when segment_level = 'full' then {{ dbt.hash(dbt.concat(segment_key_parts)) }}
            else {{ dbt.hash(dbt.concat(['segment_level', "'|'"] + segment_key_parts)) }}
        end as segment_id,

        -- strings
        segment_level,
        {%- for column in segment_columns %}
        {{ column }},
        {%- endfor %}
        metric_name,
        direction,
        indicator_type,
        unit,
        status,
        previous_status,

        -- numerics
        metric_value,
        acceptable_threshold,
        critical_threshold,
        sessions,
        sample_size,

        -- booleans
        is_low_confidence,
        coalesce(
            status_rank > case previous_status
                when 'acceptable' then 0
                when 'needs_improvement' then 1
                when 'critical' then 2
            end,
            false
        ) as is_regression,

        -- dates
        session_date,
        previous_session_date

    from with_previous

)

select * from final
