{#
    segment_columns(): the six dimensions a segment-day is cut by, in the order the marts list
    them. agg_metrics_segment_daily, agg_scorecard_segment_daily and int_qa_scores_paired read this one
    list, so a new dimension is added in one place.

    segment_values(relation, prefix=''): the select list of a session's segment values, one
    per dimension, a missing value shown as 'unknown' (docs.md): `coalesce(<relation>.channel,
    'unknown') as <prefix>channel, ...` (no trailing comma).
#}
{% macro segment_columns() -%}
    {{ return(['channel', 'intent', 'severity', 'language', 'model_version', 'prompt_id']) }}
{%- endmacro %}

{% macro segment_values(relation, prefix='') -%}
    {%- for column in segment_columns() %}
        coalesce({{ relation }}.{{ column }}, 'unknown') as {{ prefix }}{{ column }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
