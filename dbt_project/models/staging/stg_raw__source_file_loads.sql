{# One row per source-table file per loader run: its reconciliation counts and its table. #}

with

file_loads as (

    select * from {{ ref('stg_raw__file_loads') }}

),

source_table_files as (

    select * from {{ source('raw', 'source_table_files') }}

),

final as (

    select
        -- ids
        file_loads.load_id,

        -- strings
        source_table_files.source,
        source_table_files.source_table,
        file_loads.source_file,

        -- numerics
        file_loads.received_records,
        file_loads.loaded_records,
        file_loads.rejected_records

    from file_loads
    inner join source_table_files
        on
            file_loads.load_id = source_table_files.load_id
            and file_loads.source_file = source_table_files.source_file

)

select * from final
