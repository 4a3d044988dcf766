{#
    type_double(): an 8-byte float. type_double() is a 4-byte `float` on DuckDB, which turns
    a rate of 2/3 into 0.6666667 and breaks equality with hand-worked values; every metric uses
    this instead.
#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'empathy_warehouse')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}

{% macro trino__type_double() -%}
    double
{%- endmacro %}
