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

{#- type_text(): text of any length (Spark's varchar needs a length; its text type is string). -#}
{% macro type_text() -%}
    {{ return(adapter.dispatch('type_text', 'empathy_warehouse')()) }}
{%- endmacro %}

{% macro default__type_text() -%}
    varchar
{%- endmacro %}

{% macro spark__type_text() -%}
    string
{%- endmacro %}

{#
    string_literal(value): `value` (text) as a quoted SQL string literal. ANSI doubles a quote;
    Spark escapes with backslashes (it reads 'it''s' as two adjacent literals, "its").
#}
{% macro string_literal(value) -%}
    {{ return(adapter.dispatch('string_literal', 'empathy_warehouse')(value)) }}
{%- endmacro %}

{% macro default__string_literal(value) -%}
    '{{ value | replace("'", "''") }}'
{%- endmacro %}

{% macro spark__string_literal(value) -%}
    '{{ value | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}
