{#
    count_where(condition): the number of rows where condition is true, as a bigint.
    sum(case ...) rather than count(*) filter (where ...) because Spark and older engines lack
    FILTER; the cast keeps DuckDB from returning a 128-bit integer BI tools handle badly.
#}
{% macro count_where(condition) -%}
    cast(sum(case when {{ condition }} then 1 else 0 end) as {{ dbt.type_bigint() }})
{%- endmacro %}
