{#
    iso_day_of_week(date): the ISO day of the week of a date as an integer, 1 = Monday ...
    7 = Sunday (the numbering of seed support_schedule). Spark's dayofweek counts from Sunday.
#}
{% macro iso_day_of_week(date) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'empathy_warehouse')(date)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(date) -%}
    cast(extract(isodow from {{ date }}) as {{ dbt.type_int() }})
{%- endmacro %}

{% macro spark__iso_day_of_week(date) -%}
    {#- weekday: 0 = Monday ... 6 = Sunday -#}
    (weekday({{ date }}) + 1)
{%- endmacro %}
