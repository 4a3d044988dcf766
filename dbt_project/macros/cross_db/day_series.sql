{#
    day_series(first_date, last_date): a set-returning expression for a SELECT list that yields
    one row per calendar date from first_date to last_date (both included, dates), however far
    apart they are. Used for the business-hours calendar, which must cover exactly the days the
    sessions need whatever their dates (a fixed-length spine silently ends too early).
#}
{% macro day_series(first_date, last_date) -%}
    {{ return(adapter.dispatch('day_series', 'empathy_warehouse')(first_date, last_date)) }}
{%- endmacro %}

{% macro default__day_series(first_date, last_date) -%}
    {#- PostgreSQL: a set-returning function is allowed in the SELECT list. -#}
    cast(generate_series(
        cast({{ first_date }} as timestamp), cast({{ last_date }} as timestamp), interval '1 day'
    ) as date)
{%- endmacro %}

{% macro duckdb__day_series(first_date, last_date) -%}
    cast(unnest(generate_series(
        cast({{ first_date }} as date), cast({{ last_date }} as date), interval 1 day
    )) as date)
{%- endmacro %}

{% macro spark__day_series(first_date, last_date) -%}
    explode(sequence(
        cast({{ first_date }} as date), cast({{ last_date }} as date), interval 1 day
    ))
{%- endmacro %}
