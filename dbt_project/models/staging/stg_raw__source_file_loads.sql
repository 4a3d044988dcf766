{# One row per source-table file per loader run: its reconciliation counts and its table. #}

with

source_file_loads as (

    select * from {{ source('raw', 'file_loads') }}

),

source_table_files as (

    select * from {{ source('raw', 'source_table_files') }}

),

final as (

    select
        -- ids
        source_file_loads.load_id,

        -- strings
        source_table_files.source,
        source_table_files.source_table,
        source_file_loads.source_file,

        -- numerics
        source_file_loads.received as received_records,
        source_file_loads.loaded as loaded_records,
        source_file_loads.rejected as rejected_records

    from source_file_loads
    inner join source_table_files
        on
            source_file_loads.load_id = source_table_files.load_id
            and source_file_loads.source_file = source_table_files.source_file

)

select * from final
