{#
    The calendar MetricFlow joins metrics to (the semantic layer needs one time spine of day
    grain): one row per date from the earliest session start to the latest session event, so it
    covers every day a metric can have, however old or new the data. A view: only a semantic
    layer query reads it.
#}

with

session_facts as (

    select * from {{ ref('int_sessions_aggregated') }}

),

bounds as (

    select
        cast(min(started_at) as date) as first_date,
        cast(max(last_event_at) as date) as last_date
    from session_facts

),

final as (

    select {{ day_series('first_date', 'last_date') }} as date_day
    from bounds
    where first_date is not null

)

select * from final
