{#
    local_to_utc(local_timestamp, time_zone): a naive local wall-clock timestamp in the IANA
    time zone `time_zone` (an expression: a column or a quoted literal) as a naive UTC timestamp.
    The engine's time-zone database applies the offset valid on that date, so daylight-saving
    changes are handled per date (Europe/Berlin 08:00 is 06:00 UTC in summer, 07:00 in winter).
    A local time that does not exist (the skipped hour in spring) or exists twice (autumn) is
    resolved by the engine's rule; support hours should not start or end inside that hour.
#}
{% macro local_to_utc(local_timestamp, time_zone) -%}
    {{ return(adapter.dispatch('local_to_utc', 'empathy_warehouse')(local_timestamp, time_zone)) }}
{%- endmacro %}

{% macro default__local_to_utc(local_timestamp, time_zone) -%}
    {#- PostgreSQL: timestamp AT TIME ZONE zone -> timestamptz; timestamptz AT TIME ZONE 'UTC' -> timestamp. -#}
    ((({{ local_timestamp }}) at time zone {{ time_zone }}) at time zone 'UTC')
{%- endmacro %}

{% macro duckdb__local_to_utc(local_timestamp, time_zone) -%}
    {#- DuckDB (ICU): timezone(zone, timestamp) -> timestamptz; timezone('UTC', timestamptz) -> timestamp. -#}
    cast(timezone('UTC', timezone({{ time_zone }}, {{ local_timestamp }})) as timestamp)
{%- endmacro %}

{% macro spark__local_to_utc(local_timestamp, time_zone) -%}
    {#- to_utc_timestamp reads the timestamp as wall-clock time in the zone (session zone UTC). -#}
    to_utc_timestamp({{ local_timestamp }}, {{ time_zone }})
{%- endmacro %}
