{#
    segment_columns(): the six dimensions a segment-day is cut by, in the order the marts list
    them. metrics_segment_daily and scorecard_segment_daily both read this one list, so a new
    dimension is added in one place.
#}
{% macro segment_columns() -%}
    {{ return(['channel', 'intent', 'severity', 'language', 'model_version', 'prompt_id']) }}
{%- endmacro %}
