{#
    Monitoring: event types that event_type_mapping does not know, so the mapping can grow.
    Empty when every delivered type is mapped. Such events are kept in staging, never dropped.
    Both columns come from staging already safe to publish: a type that is not a label (one
    holding an e-mail address, say) is grouped as 'unrecognised', and example_event_id is the
    keyed hash of the upstream event id.
#}

with

events as (

    select * from {{ ref('stg_support__events') }}

),

final as (

    select
        -- ids / strings
        source_event_type,
        min(event_id) as example_event_id,

        -- numerics
        count(*) as event_count,

        -- timestamps
        min(occurred_at) as first_seen_at,
        max(occurred_at) as last_seen_at,
        max(loaded_at) as last_loaded_at

    from events
    where not is_mapped_event_type
    group by source_event_type

)

select * from final
