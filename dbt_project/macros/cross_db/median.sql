{#
    median(expression): the exact median (continuous percentile 0.5) as an aggregate.
    ANSI ordered-set form on DuckDB and PostgreSQL; Spark and Trino spell it differently
    (Trino only offers an approximate percentile).
#}
{% macro median(expression) -%}
    {{ return(adapter.dispatch('median', 'empathy_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}

{% macro spark__median(expression) -%}
    percentile({{ expression }}, 0.5)
{%- endmacro %}

{% macro trino__median(expression) -%}
    approx_percentile({{ expression }}, 0.5)
{%- endmacro %}
