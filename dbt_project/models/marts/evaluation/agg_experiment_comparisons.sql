{#
    Treatment vs control, one row per comparison dimension (model_version, prompt_id) x
    treatment arm x segment (segment_dimension 'all' with segment_value 'all', then one row per
    value of each var experiment_segment_dimensions) x metric.

    Control arm per dimension: var experiment_controls; every other (non-null) value of the
    dimension is a treatment arm compared with it. Sessions: those of fct_sessions whose
    session_date lies in [experiment_start_date, experiment_end_date] (vars, none = open).

    Each metric is a per-session observation over a population (var experiment_metrics):
      proportion: the share of the population where the condition holds; variance p (1 - p)
      mean:       the mean of a numeric column (nulls skipped); variance var_samp (= stddev_samp squared)
    absolute_delta = treatment - control; standard error sqrt(var_t / n_t + var_c / n_c)
    (unpooled two-proportion normal approximation for rates, Welch's for means); 95% interval
    delta +- z * se with z = var confidence_z (1.96; the normal quantile stands in for Welch's t,
    within 1% of it from about 200 observations per arm, and the interval is only trusted from
    var scorecard_min_sessions per arm). Direction comes from the scorecard_thresholds seed:
    a significant regression is an interval entirely on the worse side of 0. Values, deltas,
    standard errors and bounds are published rounded to metric_decimal_places (6), and the
    flags read the rounded bounds: identical data publish identical comparisons.

    Adding a metric: one line in the experiment_metrics list of macros/scorecard_settings.sql
    plus its direction row in seeds/scorecard_thresholds.csv.
#}

{%- set compared_metrics = scorecard_setting('experiment_metrics') -%}
{%- set controls = scorecard_setting('experiment_controls') -%}
{%- set segment_dimensions = scorecard_setting('experiment_segment_dimensions') -%}
{%- set start_date = scorecard_setting('experiment_start_date') -%}
{%- set end_date = scorecard_setting('experiment_end_date') -%}
{%- set z = scorecard_setting('confidence_z') -%}
{%- set min_sessions = scorecard_setting('scorecard_min_sessions') %}

with

sessions as (

    select * from {{ ref('fct_sessions') }}

),

thresholds as (

    select * from {{ ref('scorecard_thresholds') }}

),

window_sessions as (

    select *
    from sessions
    where
        true
        {%- if start_date not in (none, 'none', '') %}
        and session_date >= cast('{{ start_date }}' as date)
        {%- endif %}
        {%- if end_date not in (none, 'none', '') %}
        and session_date <= cast('{{ end_date }}' as date)
        {%- endif %}

),

session_arms as (

    -- One row per session and comparison dimension, with the arm the session belongs to.
    {%- for dimension in controls %}
    select
        '{{ dimension }}' as comparison_dimension,
        {{ dimension }} as arm,
        window_sessions.*
    from window_sessions
    where {{ dimension }} is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

arm_segment_stats as (

    -- Per arm and segment, the observations, mean and sample variance of every metric.
    {%- for segment_dimension in ['all'] + segment_dimensions %}
    select
        comparison_dimension,
        arm,
        '{{ segment_dimension }}' as segment_dimension,
        {%- if segment_dimension == 'all' %}
        'all' as segment_value,
        {%- else %}
        coalesce({{ segment_dimension }}, 'unknown') as segment_value,
        {%- endif %}
        {%- for metric in compared_metrics %}
        {%- if metric.kind == 'proportion' %}
        {{ count_where(metric.population) }} as {{ metric.name }}__n,
        {{ safe_divide(count_where(metric.population ~ ' and ' ~ metric.observation),
                       count_where(metric.population)) }} as {{ metric.name }}__mean,
        {%- else %}
        {{ count_where(metric.population ~ ' and ' ~ metric.observation ~ ' is not null') }}
            as {{ metric.name }}__n,
        avg(case when {{ metric.population }} then cast({{ metric.observation }} as {{ type_double() }}) end)
            as {{ metric.name }}__mean,
        -- var_samp = stddev_samp squared, without the rounding of a square root and back
        var_samp(case when {{ metric.population }} then cast({{ metric.observation }} as {{ type_double() }}) end)
            as {{ metric.name }}__variance,
        {%- endif %}
        {%- endfor %}
        min(session_date) as first_session_date,
        max(session_date) as last_session_date
    from session_arms
    group by
        comparison_dimension,
        arm
        {%- if segment_dimension != 'all' %},
        coalesce({{ segment_dimension }}, 'unknown')
        {%- endif %}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

arm_metrics as (

    -- Long format: one row per arm x segment x metric.
    {%- for metric in compared_metrics %}
    select
        comparison_dimension,
        arm,
        segment_dimension,
        segment_value,
        '{{ metric.name }}' as metric_name,
        '{{ metric.kind }}' as metric_kind,
        {{ metric.name }}__n as sample_size,
        {{ metric.name }}__mean as metric_value,
        {%- if metric.kind == 'proportion' %}
        {{ metric.name }}__mean * (1 - {{ metric.name }}__mean) as observation_variance,
        {%- else %}
        {{ metric.name }}__variance as observation_variance,
        {%- endif %}
        first_session_date,
        last_session_date
    from arm_segment_stats
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

control_arms as (

    select * from arm_metrics
    where
        {%- for dimension, control in controls.items() %}
        (comparison_dimension = '{{ dimension }}' and arm = '{{ control }}')
        {{- ' or' if not loop.last }}
        {%- endfor %}

),

treatment_arms as (

    select * from arm_metrics
    where not (
        {%- for dimension, control in controls.items() %}
        (comparison_dimension = '{{ dimension }}' and arm = '{{ control }}')
        {{- ' or' if not loop.last }}
        {%- endfor %}
    )

),

compared as (

    select
        treatment_arms.comparison_dimension,
        control_arms.arm as control_arm,
        treatment_arms.arm as treatment_arm,
        treatment_arms.segment_dimension,
        treatment_arms.segment_value,
        treatment_arms.metric_name,
        treatment_arms.metric_kind,
        thresholds.direction,
        control_arms.sample_size as control_sample_size,
        treatment_arms.sample_size as treatment_sample_size,
        control_arms.metric_value as control_metric_value,
        treatment_arms.metric_value as treatment_metric_value,
        treatment_arms.metric_value - control_arms.metric_value as absolute_delta,
        case
            when control_arms.sample_size > 0 and treatment_arms.sample_size > 0
                then sqrt(
                    treatment_arms.observation_variance / treatment_arms.sample_size
                    + control_arms.observation_variance / control_arms.sample_size
                )
        end as delta_standard_error,
        case
            when control_arms.first_session_date < treatment_arms.first_session_date
                then control_arms.first_session_date
            else treatment_arms.first_session_date
        end as first_session_date,
        case
            when control_arms.last_session_date > treatment_arms.last_session_date
                then control_arms.last_session_date
            else treatment_arms.last_session_date
        end as last_session_date
    from treatment_arms
    inner join control_arms
        on treatment_arms.comparison_dimension = control_arms.comparison_dimension
        and treatment_arms.segment_dimension = control_arms.segment_dimension
        and treatment_arms.segment_value = control_arms.segment_value
        and treatment_arms.metric_name = control_arms.metric_name
    left join thresholds
        on treatment_arms.metric_name = thresholds.metric_name

),

intervals as (

    select
        compared.*,
        -- rounded before the flags read them: float sums differ in their last bits from run
        -- to run, and a bound that is 0 up to those bits must not flip a flag
        {{ metric_rounded('absolute_delta - ' ~ z ~ ' * delta_standard_error') }}
            as delta_ci_lower,
        {{ metric_rounded('absolute_delta + ' ~ z ~ ' * delta_standard_error') }}
            as delta_ci_upper
    from compared

),

final as (

    select
        -- ids
        {{ dbt.hash(dbt.concat([
            'comparison_dimension', "'|'", 'treatment_arm', "'|'", 'segment_dimension', "'|'",
            'segment_value', "'|'", 'metric_name'])) }} as comparison_id,

        -- strings
        comparison_dimension,
        control_arm,
        treatment_arm,
        segment_dimension,
        segment_value,
        metric_name,
        metric_kind,
        direction,

        -- numerics
        control_sample_size,
        treatment_sample_size,
        {{ metric_rounded('control_metric_value') }} as control_metric_value,
        {{ metric_rounded('treatment_metric_value') }} as treatment_metric_value,
        {{ metric_rounded('absolute_delta') }} as absolute_delta,
        {{ metric_rounded('delta_standard_error') }} as delta_standard_error,
        delta_ci_lower,
        delta_ci_upper,

        -- booleans
        (
            control_sample_size < {{ min_sessions }}
            or treatment_sample_size < {{ min_sessions }}
        ) as is_low_confidence,
        coalesce(
            (direction = 'higher_is_better' and delta_ci_upper < 0)
            or (direction = 'lower_is_better' and delta_ci_lower > 0),
            false
        ) as is_significant_regression,
        coalesce(
            (direction = 'higher_is_better' and delta_ci_lower > 0)
            or (direction = 'lower_is_better' and delta_ci_upper < 0),
            false
        ) as is_significant_improvement,

        -- dates
        first_session_date,
        last_session_date

    from intervals

)

select * from final
