{#
    Recurring issues for product, onboarding and content teams: one row per ISO week (Monday
    start, by session_date: a week owns the sessions that started in it) x intent, ranked by
    recurring contacts = repeat contacts + reopens, with the change from the previous ISO week
    (null when the intent had no sessions in the week before).
#}

with

sessions as (

    select * from {{ ref('fct_sessions') }}

),

weekly as (

    select
        cast({{ dbt.date_trunc('week', 'session_date') }} as date) as week_start_date,
        coalesce(intent, 'unknown') as intent,
        count(*) as sessions,
        {{ count_where('is_resolved') }} as resolved_sessions,
        {{ count_where('is_repeat_contact') }} as repeat_contact_sessions,
        {{ count_where('is_resolved and is_reopened_within_window') }} as reopened_sessions
    from sessions
    group by
        cast({{ dbt.date_trunc('week', 'session_date') }} as date),
        coalesce(intent, 'unknown')

),

with_rates as (

    select
        weekly.*,
        weekly.repeat_contact_sessions + weekly.reopened_sessions as recurring_contacts,
        {{ safe_divide('weekly.repeat_contact_sessions', 'weekly.sessions') }} as repeat_contact_rate,
        {{ safe_divide('weekly.reopened_sessions', 'weekly.resolved_sessions') }} as reopen_rate
    from weekly

),

with_previous as (

    select
        current_week.*,
        previous_week.recurring_contacts as previous_week_recurring_contacts,
        previous_week.repeat_contact_rate as previous_week_repeat_contact_rate,
        previous_week.reopen_rate as previous_week_reopen_rate,
        -- the cast: rank() is a 4-byte int on Spark, the contract says bigint
        cast(rank() over (
            partition by current_week.week_start_date
            order by current_week.recurring_contacts desc
        ) as {{ dbt.type_bigint() }}) as recurring_rank
    from with_rates as current_week
    left join with_rates as previous_week
        on current_week.intent = previous_week.intent
        and previous_week.week_start_date
            = cast({{ dbt.dateadd('day', -7, 'current_week.week_start_date') }} as date)

),

final as (

    select
        -- ids
        {{ dbt.hash(dbt.concat(['cast(week_start_date as ' ~ dbt.type_string() ~ ')', "'|'", 'intent'])) }}
            as intent_week_id,

        -- strings
        intent,

        -- numerics
        recurring_rank,
        sessions,
        resolved_sessions,
        repeat_contact_sessions,
        reopened_sessions,
        recurring_contacts,
        repeat_contact_rate,
        reopen_rate,
        previous_week_recurring_contacts,
        recurring_contacts - previous_week_recurring_contacts as recurring_contacts_change,
        repeat_contact_rate - previous_week_repeat_contact_rate as repeat_contact_rate_change,
        reopen_rate - previous_week_reopen_rate as reopen_rate_change,

        -- dates
        week_start_date

    from with_previous

)

select * from final
