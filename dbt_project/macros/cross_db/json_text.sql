{#
    json_text(column, path): the scalar at `path` (a list of keys) inside a JSON *text* column,
    as text; null when the key is missing or JSON null. raw.events.attributes is JSON text on
    every engine, so the cast/parse differs per adapter and nothing else does.
    Example: json_text('attributes', ['variant', 'model_version']).
#}
{% macro json_text(column, path) -%}
    {{ return(adapter.dispatch('json_text', 'empathy_warehouse')(column, path)) }}
{%- endmacro %}

{% macro default__json_text(column, path) -%}
    {#- PostgreSQL: #>> takes a text[] path and returns text. -#}
    (cast({{ column }} as json) #>> '{{ "{" ~ (path | join(",")) ~ "}" }}')
{%- endmacro %}

{% macro duckdb__json_text(column, path) -%}
    json_extract_string({{ column }}, '$.{{ path | join(".") }}')
{%- endmacro %}

{% macro spark__json_text(column, path) -%}
    get_json_object({{ column }}, '$.{{ path | join(".") }}')
{%- endmacro %}

{% macro trino__json_text(column, path) -%}
    json_extract_scalar({{ column }}, '$.{{ path | join(".") }}')
{%- endmacro %}
