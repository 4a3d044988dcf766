{#
    The scorecard over trailing windows: one row per period end (every session_date) x period
    length (var scorecard_trailing_periods, days: 7 and 28) x metric, for the whole warehouse
    (the 'overall' level of agg_scorecard_segment_daily), with the same status, confidence floor
    and regression watch.

    A window's metric pools its sessions (session_date in [end - days + 1, end]) with the very
    expressions of agg_metrics_segment_daily (macros/segment_day_metrics.sql): a 7-day median is
    the median of the week's sessions, which no average of daily values gives. Days without
    sessions inside a window simply add nothing. Status: macros/scorecard_status.sql against the
    scorecard_thresholds seed, judged on the window's own sample size. Previous period: the
    window of the same length that ends right before this one starts (end - days), when it has
    sessions; is_regression as in agg_scorecard_segment_daily.
#}

{%- set scorecard_metrics = scorecard_setting('scorecard_metrics') -%}
{%- set trailing_periods = scorecard_setting('scorecard_trailing_periods') -%}

with

sessions as (

    select * from {{ ref('fct_sessions') }}

),

thresholds as (

    select * from {{ ref('scorecard_thresholds') }}

),

period_ends as (

    select distinct session_date as period_end_date from sessions

),

windows as (

    {%- for days in trailing_periods %}
    select
        period_end_date,
        {{ days }} as period_days,
        cast({{ dbt.dateadd('day', 1 - days, 'period_end_date') }} as date) as period_start_date
    from period_ends
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

windowed_sessions as (

    select
        windows.period_end_date,
        windows.period_days,
        windows.period_start_date,
        sessions.*
    from windows
    inner join sessions
        on sessions.session_date between windows.period_start_date and windows.period_end_date

),

period_counts as (

    select
        period_end_date,
        period_days,
        period_start_date,
        {{ segment_day_aggregates() }}
    from windowed_sessions
    group by period_end_date, period_days, period_start_date

),

period_metrics as (

    select
        period_end_date,
        period_days,
        period_start_date,
        {{ segment_day_metric_columns() }}
    from period_counts

),

metric_values as (

    {%- for metric_name, sample_size_column in scorecard_metrics %}
    select
        period_end_date,
        period_days,
        period_start_date,
        '{{ metric_name }}' as metric_name,
        cast({{ metric_name }} as {{ type_double() }}) as metric_value,
        sessions,
        {{ sample_size_column }} as sample_size
    from period_metrics
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

statuses as (

    select
        metric_values.*,
        {{ scorecard_judgement_columns('metric_values') }}
    from metric_values
    -- left join: a listed metric without a seed row keeps its rows (not_null on direction fails)
    left join thresholds
        on metric_values.metric_name = thresholds.metric_name

),

with_previous as (

    select
        statuses.*,
        previous.period_end_date as previous_period_end_date,
        previous.status as previous_status
    from statuses
    -- the window of the same length just before this one: it ends the day before this starts
    left join statuses as previous
        on
            statuses.metric_name = previous.metric_name
            and statuses.period_days = previous.period_days
            and previous.period_end_date
            = cast({{ dbt.dateadd('day', -1, 'statuses.period_start_date') }} as date)

),

final as (

    select
        -- ids
        {{ dbt.hash(dbt.concat([
            'cast(period_end_date as ' ~ dbt.type_string() ~ ')', "'|'",
            'cast(period_days as ' ~ dbt.type_string() ~ ')', "'|'", 'metric_name'
        ])) }} as scorecard_period_id,

        -- strings
        metric_name,
        direction,
        indicator_type,
        unit,
        status,
        previous_status,

        -- numerics
        cast(period_days as {{ dbt.type_int() }}) as period_days,
        metric_value,
        acceptable_threshold,
        critical_threshold,
        sessions,
        sample_size,

        -- booleans
        is_low_confidence,
        {{ scorecard_is_regression('status', 'previous_status') }} as is_regression,

        -- dates
        period_start_date,
        period_end_date,
        previous_period_end_date

    from with_previous

)

select * from final
