{#
    split_to_rows(expression, delimiter): a set-returning expression for a SELECT list that
    yields one row per piece of `expression` split on the literal `delimiter` (a single
    character). Empty pieces (two delimiters in a row) are returned too: filter them out.
    Used to turn message text into word tokens for the rephrase similarity (Jaccard).
#}
{% macro split_to_rows(expression, delimiter=' ') -%}
    {{ return(adapter.dispatch('split_to_rows', 'empathy_warehouse')(expression, delimiter)) }}
{%- endmacro %}

{% macro default__split_to_rows(expression, delimiter) -%}
    {#- PostgreSQL: a set-returning function is allowed in the SELECT list. -#}
    regexp_split_to_table({{ expression }}, '{{ delimiter }}')
{%- endmacro %}

{% macro duckdb__split_to_rows(expression, delimiter) -%}
    unnest(string_split({{ expression }}, '{{ delimiter }}'))
{%- endmacro %}

{% macro spark__split_to_rows(expression, delimiter) -%}
    explode(split({{ expression }}, '{{ delimiter }}'))
{%- endmacro %}
