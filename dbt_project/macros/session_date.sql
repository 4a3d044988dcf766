{#
    session_date(started_at): the day a session belongs to (docs.md session_date): the UTC
    calendar date of its start. Cohort rule: a day owns the sessions that started in it. One
    definition for fct_sessions and the intermediate models that date a session themselves
    (they read int_sessions_aggregated, not the mart).
#}
{% macro session_date(started_at) -%}
    cast({{ started_at }} as date)
{%- endmacro %}
