{#
    first_value_by(value, order_by, where=none, ignore_nulls=false) / last_value_by(...):
    as an AGGREGATE, the value of `value` on the first (last) row of the group in the order of
    the `order_by` expressions (a list, ties broken by the caller: end it with a unique
    column), among the rows matching `where`. ignore_nulls=true skips rows whose value is
    null ("the first non-null value"); otherwise the first row's value is returned even when
    it is null.

    Why: one hash aggregate instead of one window sort per attribute (row_number() over ...
    then max(case when rank = 1 ...)): on DuckDB at 10M events that was the dominant cost of
    int_sessions_aggregated (bench/README.md). Engines spell it differently:
      DuckDB    arg_min / arg_min_null over a row value (lexicographic order)
      Postgres  (array_agg(value order by ...) filter (where ...))[1]
      Spark     min_by / max_by over a struct (tests/test_spark_portability.py)
      Trino     min_by / max_by over a row (untested: no Trino in the tests)
#}
{% macro first_value_by(value, order_by, where=none, ignore_nulls=false) -%}
    {{ return(adapter.dispatch('value_at_extreme', 'empathy_warehouse')(
        value, order_by, where, ignore_nulls, 'first')) }}
{%- endmacro %}

{% macro last_value_by(value, order_by, where=none, ignore_nulls=false) -%}
    {{ return(adapter.dispatch('value_at_extreme', 'empathy_warehouse')(
        value, order_by, where, ignore_nulls, 'last')) }}
{%- endmacro %}

{% macro value_at_extreme_filter(value, where, ignore_nulls) -%}
    {%- set conditions = [] -%}
    {%- if where is not none -%}{%- do conditions.append('(' ~ where ~ ')') -%}{%- endif -%}
    {%- if ignore_nulls -%}{%- do conditions.append(value ~ ' is not null') -%}{%- endif -%}
    {{ return(conditions | join(' and ')) }}
{%- endmacro %}

{% macro default__value_at_extreme(value, order_by, where, ignore_nulls, which) -%}
    {#- PostgreSQL (and ANSI engines with ordered array_agg): -#}
    {%- set direction = ' desc' if which == 'last' else '' -%}
    {%- set filter = value_at_extreme_filter(value, where, ignore_nulls) -%}
    (array_agg({{ value }} order by {% for column in order_by -%}
        {{ column }}{{ direction }}{{ ', ' if not loop.last }}
    {%- endfor %}){% if filter %} filter (where {{ filter }}){% endif %})[1]
{%- endmacro %}

{% macro duckdb__value_at_extreme(value, order_by, where, ignore_nulls, which) -%}
    {#- arg_min skips null values, arg_min_null keeps them; a row value orders lexicographically -#}
    {%- set function = ('arg_min' if which == 'first' else 'arg_max') ~ ('' if ignore_nulls else '_null') -%}
    {%- set filter = value_at_extreme_filter(value, where, false) -%}
    {%- set key = order_by[0] if order_by | length == 1 else '(' ~ (order_by | join(', ')) ~ ')' -%}
    {{ function }}({{ value }}, {{ key }}){% if filter %} filter (where {{ filter }}){% endif %}
{%- endmacro %}

{% macro spark__value_at_extreme(value, order_by, where, ignore_nulls, which) -%}
    {%- set filter = value_at_extreme_filter(value, where, ignore_nulls) -%}
    {{ 'min_by' if which == 'first' else 'max_by' }}({{ value }}, struct({{ order_by | join(', ') }})){% if filter %} filter (where {{ filter }}){% endif %}
{%- endmacro %}

{% macro trino__value_at_extreme(value, order_by, where, ignore_nulls, which) -%}
    {%- set filter = value_at_extreme_filter(value, where, ignore_nulls) -%}
    {{ 'min_by' if which == 'first' else 'max_by' }}({{ value }}, row({{ order_by | join(', ') }})){% if filter %} filter (where {{ filter }}){% endif %}
{%- endmacro %}
