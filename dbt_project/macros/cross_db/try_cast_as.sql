{#
    try_cast_as(expression, data_type): a cast that yields null instead of failing on a value
    that does not fit (an upstream attribute with the wrong type must not stop the build).
    dbt.safe_cast is a plain cast on DuckDB and Postgres, hence this macro. PostgreSQL has no
    tolerant cast: it falls back to a plain cast (the loader validates types upstream).
#}
{% macro try_cast_as(expression, data_type) -%}
    {{ return(adapter.dispatch('try_cast_as', 'empathy_warehouse')(expression, data_type)) }}
{%- endmacro %}

{% macro default__try_cast_as(expression, data_type) -%}
    cast({{ expression }} as {{ data_type }})
{%- endmacro %}

{% macro duckdb__try_cast_as(expression, data_type) -%}
    try_cast({{ expression }} as {{ data_type }})
{%- endmacro %}

{% macro spark__try_cast_as(expression, data_type) -%}
    try_cast({{ expression }} as {{ data_type }})
{%- endmacro %}

{% macro trino__try_cast_as(expression, data_type) -%}
    try_cast({{ expression }} as {{ data_type }})
{%- endmacro %}
