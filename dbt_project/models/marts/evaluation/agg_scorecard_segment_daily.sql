{#
    The scorecard, long format: one row per session_date x segment (channel, intent, severity,
    language, model_version, prompt_id: the grain of agg_metrics_segment_daily) x metric, with the
    metric's status against the scorecard_thresholds seed and the status of the previous period.

    Status (macros/scorecard_status.sql; "at" a threshold counts as reaching it):
      higher_is_better: value >= acceptable -> acceptable; value <= critical -> critical
      lower_is_better:  value <= acceptable -> acceptable; value >= critical -> critical
      in between -> needs_improvement. sample_size < var scorecard_min_sessions ->
      low_confidence (not judged); value null (no population) -> no_data.
    Previous period: the latest earlier session_date on which the same segment has a row (every
    segment-day has a row for every metric; a segment without sessions on a day has no row that
    day). Its status is judged from its value and sample size like the current one.
    is_regression: both statuses judged and the current one worse (acceptable <
    needs_improvement < critical).

    Rollup levels (segment_level): 'full' rows are the segment-days of agg_metrics_segment_daily;
    'overall' rows (every segment value 'all') and one level per dimension of segment_columns()
    (one row per value of that dimension, the other five 'all') are aggregated here from
    fct_sessions in one grouping-sets pass with the same expressions
    (macros/segment_day_metrics.sql) - medians cannot be re-aggregated from the full rows. At
    the full grain most rows are low_confidence; the coarser levels reach the floor and are
    judged. Status, floor and regression watch apply to every level alike; a segment is
    followed over time within its level.

    Adding a metric: a row in seeds/scorecard_thresholds.csv plus one line in the
    scorecard_metrics list of macros/scorecard_settings.sql (the agg_metrics_segment_daily column
    and the column that holds its sample size, i.e. the metric's denominator).
#}

{%- set scorecard_metrics = scorecard_setting('scorecard_metrics') -%}
{%- set segment_columns = segment_columns() -%}
{#- full rows keep the keys of agg_metrics_segment_daily; rollup keys start with the level -#}
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
        {%- if column not in metric_columns and column != 'sessions' -%}
            {%- do metric_columns.append(column) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endfor -%}
{#- what a segment-day row carries into the scorecard, full and rollup rows alike -#}
{%- set segment_day_columns = ['segment_day_id'] + segment_columns + ['sessions'] + metric_columns
    + ['session_date'] -%}
{#- a segment followed over time within its level -#}
{%- set previous_period = 'partition by segment_level, ' ~ segment_columns | join(', ')
    ~ ' order by session_date' %}

with

full_segment_days as (

    select * from {{ ref('agg_metrics_segment_daily') }}

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
        {{- segment_values('sessions', prefix='segment_') }}
    from sessions

),

rollup_counts as (

    -- Every rollup level in one pass over the sessions: one grouping set per level, the day
    -- alone (overall) or the day and one dimension. A dimension outside the row's grouping set
    -- reads 'all' (grouping() = 1); the level is the one dimension grouped, else 'overall'.
    select
        case
            {%- for column in segment_columns %}
            when grouping(segment_{{ column }}) = 0 then '{{ column }}'
            {%- endfor %}
            else 'overall'
        end as segment_level,
        session_date,
        {%- for column in segment_columns %}
        case when grouping(segment_{{ column }}) = 0 then segment_{{ column }} else 'all' end
            as {{ column }},
        {%- endfor %}
        {{ segment_day_aggregates() }}
    from segmented_sessions
    -- SQLFluff's DuckDB dialect does not parse grouping sets yet; DuckDB and PostgreSQL do
    group by grouping sets (  -- noqa: PRS
        (session_date),
        {%- for column in segment_columns %}
        (session_date, segment_{{ column }}){{ ',' if not loop.last }}
        {%- endfor %}
    )

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
        'full' as segment_level,
        {{ segment_day_columns | join(',\n        ') }}
    from full_segment_days

    union all

    select
        segment_level,
        {{ segment_day_columns | join(',\n        ') }}
    from rollup_segment_days

),

previous_segment_days as (

    -- The previous period of a segment-day: the segment's latest earlier day (segment_days has
    -- one row per segment and day, every metric included, so it is also the previous row of
    -- each metric). Lagged once per segment-day, before metric_values multiplies the rows by
    -- the metrics: DuckDB estimates a grouped result at about its input's rows, so a window
    -- over the long rows was planned for 12-27 times the rows it got (20.5M for 0.75M at 1M
    -- events) and spilled; here it sorts one row per segment-day.
    select
        segment_days.*,
        lag(segment_days.session_date) over ({{ previous_period }}) as previous_session_date,
        {%- for column in ['sessions'] + metric_columns %}
        lag(segment_days.{{ column }}) over ({{ previous_period }})
            as previous_{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from segment_days

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
        cast(previous_{{ metric_name }} as {{ type_double() }}) as previous_metric_value,
        previous_{{ sample_size_column }} as previous_sample_size,
        session_date,
        previous_session_date
    from previous_segment_days
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

statuses as (

    select
        metric_values.*,
        {{ scorecard_judgement_columns('metric_values') }},
        case
            when metric_values.previous_session_date is not null then {{ scorecard_status(
                'metric_values.previous_metric_value', 'metric_values.previous_sample_size') }}
        end as previous_status
    from metric_values
    -- left join: a metric listed above without a seed row keeps its rows with a null direction,
    -- which the not_null test on direction reports (rather than the metric vanishing).
    left join thresholds
        on metric_values.metric_name = thresholds.metric_name

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
        {{ scorecard_is_regression('status', 'previous_status') }} as is_regression,

        -- dates
        session_date,
        previous_session_date

    from statuses

)

select * from final
