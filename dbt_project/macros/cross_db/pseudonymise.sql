{#
    pseudonymise(column): HMAC-SHA256 of a personal identifier (its text, UTF-8) under the
    secret pseudonym key, as 64 lowercase hex characters; null when the value is null. Every
    engine yields exactly Python's hmac.new(key, value, sha256).hexdigest(), so keys stay
    joinable across engines and the tests compute them with the standard library.

    The key never reaches dbt: the orchestration writes its HMAC pads (K xor ipad, K xor opad,
    RFC 2104) as hex into the one row of source ops.pseudonymisation_key before dbt runs
    (orchestration/pseudonymisation.py), and this macro reads them with a subquery. Compiled SQL,
    manifest.json, run_results.json and dbt's logs therefore name a table, never the secret.
    HMAC = sha256(outer_pad || sha256(inner_pad || value)); each engine decodes the hex pads,
    concatenates bytes and hashes bytes.
#}
{% macro pseudonymise(column) -%}
    case
        when {{ column }} is null then null
        else {{ adapter.dispatch('hmac_sha256_hex', 'empathy_warehouse')(
            column, source('ops', 'pseudonymisation_key')) }}
    end
{%- endmacro %}

{#- Each engine decodes the pads inside the subquery: once per query, not once per row. -#}
{% macro default__hmac_sha256_hex(column, key_table) -%}
    {#- PostgreSQL 11+: bytea, sha256(bytea) returns bytea. -#}
    encode(sha256(
        (select decode(outer_pad_hex, 'hex') from {{ key_table }})
        || sha256(
            (select decode(inner_pad_hex, 'hex') from {{ key_table }})
            || convert_to(cast({{ column }} as text), 'UTF8'))
    ), 'hex')
{%- endmacro %}

{% macro duckdb__hmac_sha256_hex(column, key_table) -%}
    {#- sha256(BLOB) returns hex text: unhex it before the outer hash. -#}
    sha256(
        (select unhex(outer_pad_hex) from {{ key_table }})
        || unhex(sha256(
            (select unhex(inner_pad_hex) from {{ key_table }})
            || encode(cast({{ column }} as varchar))))
    )
{%- endmacro %}

{% macro spark__hmac_sha256_hex(column, key_table) -%}
    {#- sha2(binary, 256) returns hex text. -#}
    sha2(concat(
        (select unhex(outer_pad_hex) from {{ key_table }}),
        unhex(sha2(concat(
            (select unhex(inner_pad_hex) from {{ key_table }}),
            encode(cast({{ column }} as string), 'UTF-8')), 256))
    ), 256)
{%- endmacro %}

{% macro trino__hmac_sha256_hex(column, key_table) -%}
    {#- varbinary throughout; sha256 returns varbinary. -#}
    lower(to_hex(sha256(
        (select from_hex(outer_pad_hex) from {{ key_table }})
        || sha256(
            (select from_hex(inner_pad_hex) from {{ key_table }})
            || to_utf8(cast({{ column }} as varchar)))
    )))
{%- endmacro %}
