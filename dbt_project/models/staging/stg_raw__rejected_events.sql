{#
    One row per rejected raw record, for monitoring. raw_record (the line as delivered) is left
    out: it may hold personal data; engineers replaying a record read it from raw.
#}

with

source_rejected_events as (

    select * from {{ source('raw', 'rejected_events') }}

),

final as (

    select
        -- ids
        load_id,

        -- strings
        source_file,
        field as rejected_field,
        reason as rejection_reason,

        -- numerics
        source_line,

        -- timestamps
        rejected_at

    from source_rejected_events

)

select * from final
