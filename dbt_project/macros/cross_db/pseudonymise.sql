{#
    pseudonymise(column): a keyed hash of a personal identifier, as 64 lowercase hex characters
    (sha256 of key || '|' || value), null when the value is null. The key comes from the
    EMPATHY_PSEUDONYM_KEY environment variable (var pseudonym_key); without it the model refuses
    to build rather than publish an unkeyed, reversible-by-dictionary hash. Every adapter computes
    the same digest, so keys stay joinable across engines.
    Caveat: compiled SQL in target/ contains the key (target/ is git-ignored).
#}
{% macro pseudonymise(column) -%}
    {%- set key = var('pseudonym_key', '') | string -%}
    {%- if execute and (key | trim) in ('', 'none', 'None') -%}
        {{ exceptions.raise_compiler_error(
            "No pseudonymisation key: set the EMPATHY_PSEUDONYM_KEY environment variable "
            ~ "(the demo data uses a demo key) and run dbt again.") }}
    {%- endif -%}
    {%- set key_literal = "'" ~ (key | replace("'", "''")) ~ "|'" -%}
    case
        when {{ column }} is null then null
        else {{ keyed_hash(key_literal, column) }}
    end
{%- endmacro %}

{% macro keyed_hash(key_literal, column) -%}
    {{ return(adapter.dispatch('keyed_hash', 'empathy_warehouse')(key_literal, column)) }}
{%- endmacro %}

{% macro default__keyed_hash(key_literal, column) -%}
    {#- PostgreSQL 11+: sha256(bytea). -#}
    encode(sha256(convert_to({{ key_literal }} || cast({{ column }} as text), 'UTF8')), 'hex')
{%- endmacro %}

{% macro duckdb__keyed_hash(key_literal, column) -%}
    sha256({{ key_literal }} || cast({{ column }} as varchar))
{%- endmacro %}

{% macro spark__keyed_hash(key_literal, column) -%}
    sha2(concat({{ key_literal }}, cast({{ column }} as string)), 256)
{%- endmacro %}

{% macro trino__keyed_hash(key_literal, column) -%}
    lower(to_hex(sha256(to_utf8({{ key_literal }} || cast({{ column }} as varchar)))))
{%- endmacro %}
