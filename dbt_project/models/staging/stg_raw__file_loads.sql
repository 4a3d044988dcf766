{# One row per file per loader run: the reconciliation counts, for monitoring. #}

with

source_file_loads as (

    select * from {{ source('raw', 'file_loads') }}

),

final as (

    select
        -- ids
        load_id,

        -- strings
        source_file,
        file_sha256,
        file_format,

        -- numerics
        received as received_records,
        loaded as loaded_records,
        duplicates as duplicate_records,
        rejected as rejected_records,

        -- booleans
        received = loaded + duplicates + rejected as is_reconciled,

        -- timestamps
        loaded_at

    from source_file_loads

)

select * from final
