{#
    try_cast_as(expression, data_type): a cast that yields null instead of failing on a value
    that does not fit (an upstream attribute with the wrong type must not stop the build).
    dbt.safe_cast is a plain cast on DuckDB and Postgres, hence this macro. PostgreSQL has no
    tolerant cast: there a number or a boolean is cast only when its text has that shape (a
    good/bad CSAT answer in the score attribute is text), anything else is a plain cast.
#}
{% macro try_cast_as(expression, data_type) -%}
    {{ return(adapter.dispatch('try_cast_as', 'empathy_warehouse')(expression, data_type)) }}
{%- endmacro %}

{% macro default__try_cast_as(expression, data_type) -%}
    cast({{ expression }} as {{ data_type }})
{%- endmacro %}

{% macro postgres__try_cast_as(expression, data_type) -%}
    {%- set type_name = data_type | lower -%}
    {%- if type_name in ('double precision', 'float', 'real', 'numeric') -%}
        {%- set shape = '^\\s*[-+]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][-+]?[0-9]+)?\\s*$' -%}
    {%- elif type_name in ('integer', 'int', 'bigint', 'smallint') -%}
        {%- set shape = '^\\s*[-+]?[0-9]+\\s*$' -%}
    {%- elif type_name == 'boolean' -%}
        {%- set shape = '^\\s*(true|false|t|f|yes|no|y|n|on|off|1|0)\\s*$' -%}
    {%- endif -%}
    {%- if shape is defined -%}
    case when ({{ expression }})::text ~* '{{ shape }}' then cast({{ expression }} as {{ data_type }}) end
    {%- else -%}
    cast({{ expression }} as {{ data_type }})
    {%- endif -%}
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
