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

{#
    json_texts(column, paths): the scalars at several paths of a JSON text column as one array
    of text, in the order of `paths`; read an element with array_item(array, position), 1-based.
    On DuckDB the document is parsed once for all paths: staging reads ~30 attributes per event
    and parsing once per attribute was most of its cost (bench/README.md).
    Example: json_texts('attributes', [['language'], ['variant', 'model_version']]).
#}
{% macro json_texts(column, paths) -%}
    {{ return(adapter.dispatch('json_texts', 'empathy_warehouse')(column, paths)) }}
{%- endmacro %}

{% macro default__json_texts(column, paths) -%}
    array[
        {%- for path in paths %}
        {{ json_text(column, path) }}{{ "," if not loop.last }}
        {%- endfor %}
    ]
{%- endmacro %}

{% macro duckdb__json_texts(column, paths) -%}
    json_extract_string({{ column }}, [
        {%- for path in paths -%}
        '$.{{ path | join(".") }}'{{ ", " if not loop.last }}
        {%- endfor -%}
    ])
{%- endmacro %}

{% macro spark__json_texts(column, paths) -%}
    array(
        {%- for path in paths %}
        {{ json_text(column, path) }}{{ "," if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}

{% macro array_item(array, position) -%}
    {{ return(adapter.dispatch('array_item', 'empathy_warehouse')(array, position)) }}
{%- endmacro %}

{% macro default__array_item(array, position) -%}
    {{ array }}[{{ position }}]
{%- endmacro %}

{% macro spark__array_item(array, position) -%}
    element_at({{ array }}, {{ position }})
{%- endmacro %}
