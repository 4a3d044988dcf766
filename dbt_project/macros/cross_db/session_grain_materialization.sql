{#
    session_grain_materialization(): how the session-grain models (int_events_sessionised,
    int_sessions_aggregated, int_messages_scored) are materialised. Incremental with
    delete+insert on a session_id key (macros/sessions_to_refresh.sql says which sessions a run
    re-derives) where the engine has it; a full rebuild on Spark, whose Parquet tables have no
    delete+insert (its merge strategy needs Delta Lake or Iceberg).
#}
{% macro session_grain_materialization() -%}
    {{ return(adapter.dispatch('session_grain_materialization', 'empathy_warehouse')()) }}
{%- endmacro %}

{% macro default__session_grain_materialization() -%}
    {{ return('incremental') }}
{%- endmacro %}

{% macro spark__session_grain_materialization() -%}
    {{ return('table') }}
{%- endmacro %}
