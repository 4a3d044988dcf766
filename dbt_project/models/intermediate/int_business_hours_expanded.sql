{{ config(materialized='table') }}

{#
    One row per open support day: the business-hours interval of that local date in UTC.
    The calendar covers exactly the days the sessions need, whatever their dates: for each
    session the local dates from its start minus a day to its last event plus a day (so local
    dates on either side of UTC midnight are included), merged. One session dated 1969 adds
    its own three days and changes nothing for the others (a spine anchored at the earliest
    session with a fixed length used to end decades before the rest of the data). Each date
    takes the support_schedule row of its ISO weekday, the local wall-clock hours are converted
    to UTC with local_to_utc (the offset of that date: daylight-saving changes are exact, a
    00:00-24:00 day on 2026-10-25 in Europe/Berlin lasts 25 h), and support_holidays are
    removed. A table, not a view: every business-seconds twin in the marts reads it.
#}

with

session_facts as (

    select * from {{ ref('int_sessions_aggregated') }}

),

support_schedule as (

    select * from {{ ref('support_schedule') }}

),

support_holidays as (

    select * from {{ ref('support_holidays') }}

),

session_days as (

    -- each session needs its own days only: its first day - 1 .. its last day + 1
    select distinct
        cast({{ dbt.dateadd('day', -1, 'started_at') }} as date) as first_date,
        cast({{ dbt.dateadd('day', 1, 'last_event_at') }} as date) as last_date
    from session_facts

),

local_dates as (

    select distinct local_date
    from (
        select {{ day_series('first_date', 'last_date') }} as local_date
        from session_days
    ) as session_dates

),

schedule_minutes as (

    select
        iso_day_of_week,
        time_zone,
        cast({{ dbt.split_part('opens_at_local', "':'", 1) }} as {{ dbt.type_int() }}) * 60
            + cast({{ dbt.split_part('opens_at_local', "':'", 2) }} as {{ dbt.type_int() }})
            as opens_minute,
        cast({{ dbt.split_part('closes_at_local', "':'", 1) }} as {{ dbt.type_int() }}) * 60
            + cast({{ dbt.split_part('closes_at_local', "':'", 2) }} as {{ dbt.type_int() }})
            as closes_minute
    from support_schedule

),

open_days as (

    select
        local_dates.local_date,
        schedule_minutes.iso_day_of_week,
        schedule_minutes.time_zone,
        {%- set local_midnight = 'cast(local_dates.local_date as ' ~ dbt.type_timestamp() ~ ')' %}
        {{ dbt.dateadd('minute', 'schedule_minutes.opens_minute', local_midnight) }}
            as opens_at_local,
        {{ dbt.dateadd('minute', 'schedule_minutes.closes_minute', local_midnight) }}
            as closes_at_local
    from local_dates
    inner join schedule_minutes
        -- extract(isodow ...): 1 = Monday ... 7 = Sunday on DuckDB and PostgreSQL alike
        on {{ iso_day_of_week('local_dates.local_date') }}
            = schedule_minutes.iso_day_of_week
    left join support_holidays
        on local_dates.local_date = support_holidays.holiday_date
    where support_holidays.holiday_date is null

),

final as (

    select
        -- strings
        time_zone,

        -- numerics
        iso_day_of_week,
        {%- set opens_at = local_to_utc('opens_at_local', 'time_zone') %}
        {%- set closes_at = local_to_utc('closes_at_local', 'time_zone') %}
        {{ dbt.datediff(opens_at, closes_at, 'second') }} as open_seconds,  -- noqa: LT05

        -- dates
        local_date,

        -- timestamps
        {{ local_to_utc('opens_at_local', 'time_zone') }} as opens_at,
        {{ local_to_utc('closes_at_local', 'time_zone') }} as closes_at

    from open_days

)

select * from final
