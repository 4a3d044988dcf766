{#
    events_to_rederive(events, built_started_at, built_loaded_at): the query of the rows of
    `events` a session-grain model is built from. A full build: all of them. An incremental
    run: ALL the events of the sessions it re-derives. One rule for every incremental model, so
    a run re-derives the same sessions everywhere:
      (a) sessions with an event that occurred on or after the refresh window start: var
          refresh_date (the Dagster partition day: env var EMPATHY_REFRESH_DATE) minus
          session_lookback_days days, or,
          without refresh_date, the newest `built_started_at` already in {{ this }} minus
          session_lookback_days days;
      (b) sessions with an event loaded after the newest `built_loaded_at` in {{ this }}
          (late data, whatever its occurred_at). Strictly after: the loader stamps one
          loaded_at per load, so "at or after" would re-derive all of the previous load again;
      and every session when {{ this }} is empty.
    A session outside them received no event since the last build, so its stored rows equal
    what a full rebuild would compute.
    `events` is a relation (a ref) with session_id, occurred_at and loaded_at, not a CTE: it is
    read twice, and DuckDB materializes a CTE read twice, which copied every event each run.
#}
{% macro events_to_rederive(events, built_started_at, built_loaded_at) -%}
    {%- if not is_incremental() -%}
    select * from {{ events }}
    {%- else -%}
    select *
    from {{ events }}
    where session_id in (
        {{ sessions_to_refresh(events, built_started_at, built_loaded_at) | indent(8) }}
    )
    {%- endif -%}
{%- endmacro %}

{% macro sessions_to_refresh(events, built_started_at, built_loaded_at) -%}
    {#- Dagster passes the partition day as env var EMPATHY_REFRESH_DATE, not as var
        refresh_date: any change of the command-line vars makes dbt re-parse the whole project,
        while an env_var read only here (never while parsing: is_incremental() is false then) is
        read afresh each run. `dbt build --vars refresh_date` by hand still takes precedence. -#}
    {%- set refresh_date = var('refresh_date', none) -%}
    {%- if refresh_date is none or (refresh_date | string | trim | lower) in ('', 'none', 'null') -%}
        {%- set refresh_date = env_var('EMPATHY_REFRESH_DATE', '') -%}
    {%- endif -%}
    {%- set has_refresh_date = refresh_date is not none
        and (refresh_date | string | trim | lower) not in ('', 'none', 'null') -%}
    {%- if has_refresh_date -%}
        {%- set window_anchor = "cast('" ~ (refresh_date | string | trim) ~ "' as "
            ~ dbt.type_timestamp() ~ ")" -%}
    {%- else -%}
        {%- set window_anchor = 'max(' ~ built_started_at ~ ')' -%}
    {%- endif -%}
    select distinct changed_events.session_id
    from {{ events }} as changed_events
    cross join (
        select
            {{ dbt.dateadd('day', -1 * var('session_lookback_days'), window_anchor) }}
                as refresh_from,
            max({{ built_loaded_at }}) as max_loaded_at
        from {{ this }}
    ) as refresh_window
    where
        -- (a) the lookback window
        changed_events.occurred_at >= refresh_window.refresh_from
        -- (b) late data: loaded since the last build
        or changed_events.loaded_at > refresh_window.max_loaded_at
        -- an empty table: build everything
        or refresh_window.max_loaded_at is null
{%- endmacro %}
