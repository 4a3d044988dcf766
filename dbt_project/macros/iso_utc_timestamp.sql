{#
    iso_utc_timestamp(text): an ISO 8601 time as connectors write it into files (Fivetran's
    `2026-10-05T10:00:00.000Z`, `2026-10-05 10:00:00 UTC`, DuckDB's Parquet-to-JSON
    `2026-10-05 10:00:00+00`, an offset `+02:00` / `+0200` / `+02`, or none: UTC) as a naive UTC
    timestamp, to the second (a fraction is dropped); null when the text has another shape.
    The offset is applied by hand, so every engine reads the same instant (PostgreSQL's cast to
    timestamp would drop it). PostgreSQL has no tolerant cast: a text of the shape that is no
    date (2026-02-30) fails the build there.
#}
{% macro iso_utc_timestamp(text) -%}
    {%- set matches = adapter.dispatch('regexp_matches_all', 'empathy_warehouse') -%}
    {%- set replace_all = adapter.dispatch('regexp_replace_all', 'empathy_warehouse') -%}
    {%- set shape = '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)? ?(Z|UTC|[+-][0-9]{2}(:?[0-9]{2})?)?$' -%}
    {#- what follows the seconds and their fraction: '', Z, UTC or the offset -#}
    {%- set zone = 'trim(' ~ replace_all('substr(' ~ text ~ ', 20)', '^[.][0-9]+', '') ~ ')' -%}
    {%- set offset_minutes -%}
        case
            when {{ zone }} in ('', 'Z', 'UTC') then 0
            else
                (case when substr({{ zone }}, 1, 1) = '-' then -1 else 1 end)
                * (
                    60 * {{ try_cast_as('substr(' ~ zone ~ ', 2, 2)', dbt.type_int()) }}
                    + coalesce({{ try_cast_as(
                        "nullif(substr(replace(" ~ zone ~ ", ':', ''), 4, 2), '')", dbt.type_int()
                    ) }}, 0)
                )
        end
    {%- endset -%}
    case
        when {{ matches(text, shape) }}
            then {{ dbt.dateadd(
                'minute',
                '-(' ~ offset_minutes ~ ')',
                try_cast_as("replace(substr(" ~ text ~ ", 1, 19), 'T', ' ')", dbt.type_timestamp())
            ) }}
    end
{%- endmacro %}
