{#
    The scorecard's judgement, written once for the daily scorecard (a period and its previous
    period, agg_scorecard_segment_daily) and the trailing windows (agg_scorecard_periods).

    scorecard_status(value, sample_size, thresholds='thresholds'): the status of a metric value
        against its scorecard_thresholds row (`thresholds`: a relation or CTE with direction,
        acceptable, critical); "at" a threshold reaches it:
          no value (no population) -> no_data;
          sample_size < scorecard_setting('scorecard_min_sessions') -> low_confidence (not judged);
          higher_is_better: value >= acceptable -> acceptable; value <= critical -> critical;
          lower_is_better:  value <= acceptable -> acceptable; value >= critical -> critical;
          in between -> needs_improvement.
    scorecard_judgement_columns(values, thresholds='thresholds'): the columns both scorecards
        publish beside a metric value: its thresholds row, whether the sample is too small to
        judge, and its status (`values`: the relation with metric_value and sample_size).
    scorecard_status_rank(status): how bad a judged status is (acceptable 0 < needs_improvement 1
        < critical 2); null for low_confidence and no_data, which are not judgements.
    scorecard_is_regression(status, previous_status): true when a status is worse than the
        previous period's; false when either is not a judgement (nothing to compare).
#}

{% macro scorecard_status(value, sample_size, thresholds='thresholds') -%}
    {%- set min_sessions = scorecard_setting('scorecard_min_sessions') -%}
    case
        when {{ value }} is null then 'no_data'
        when {{ sample_size }} < {{ min_sessions }} then 'low_confidence'
        when {{ thresholds }}.direction = 'higher_is_better' then
            case
                when {{ value }} >= {{ thresholds }}.acceptable then 'acceptable'
                when {{ value }} <= {{ thresholds }}.critical then 'critical'
                else 'needs_improvement'
            end
        when {{ thresholds }}.direction = 'lower_is_better' then
            case
                when {{ value }} <= {{ thresholds }}.acceptable then 'acceptable'
                when {{ value }} >= {{ thresholds }}.critical then 'critical'
                else 'needs_improvement'
            end
    end
{%- endmacro %}

{% macro scorecard_judgement_columns(values, thresholds='thresholds') -%}
    {{ thresholds }}.direction,
        {{ thresholds }}.indicator_type,
        {{ thresholds }}.unit,
        {{ thresholds }}.acceptable as acceptable_threshold,
        {{ thresholds }}.critical as critical_threshold,
        {{ values }}.sample_size < {{ scorecard_setting('scorecard_min_sessions') }} as is_low_confidence,
        {{ scorecard_status(values ~ '.metric_value', values ~ '.sample_size', thresholds) }} as status
{%- endmacro %}

{% macro scorecard_status_rank(status) -%}
    case {{ status }}
        when 'acceptable' then 0
        when 'needs_improvement' then 1
        when 'critical' then 2
    end
{%- endmacro %}

{% macro scorecard_is_regression(status, previous_status) -%}
    coalesce(
            {{ scorecard_status_rank(status) }} > {{ scorecard_status_rank(previous_status) }},
            false
        )
{%- endmacro %}
