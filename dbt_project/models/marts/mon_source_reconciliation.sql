{#
    Nothing lost, per source table: every row received (raw.file_loads of the table's files) is
    mapped to a canonical event by its adapter, or rejected: unreadable (raw.rejected_events,
    by the loader) or unmapped (by the adapter, with its reason in
    staging.stg_<source>__row_outcomes). Every adapter of var event_sources is counted through
    stg_sources__row_outcomes, so adding a source changes no mart.
#}

with

source_file_loads as (

    select * from {{ ref('stg_raw__source_file_loads') }}

),

row_outcomes as (

    select * from {{ ref('stg_sources__row_outcomes') }}

),

received as (

    select
        source,
        source_table,
        sum(received_records) as received_rows,
        sum(rejected_records) as unreadable_rows
    from source_file_loads
    group by source, source_table

),

outcomes as (

    select
        source,
        source_table,
        count(*) - count(unmapped_reason) as mapped_rows,
        count(unmapped_reason) as unmapped_rows
    from row_outcomes
    group by source, source_table

),

final as (

    select
        -- strings
        received.source,
        received.source_table,

        -- numerics
        cast(received.received_rows as bigint) as received_rows,
        cast(coalesce(outcomes.mapped_rows, 0) as bigint) as mapped_rows,
        cast(
            received.unreadable_rows + coalesce(outcomes.unmapped_rows, 0) as bigint
        ) as rejected_rows,
        cast(received.unreadable_rows as bigint) as unreadable_rows,
        cast(coalesce(outcomes.unmapped_rows, 0) as bigint) as unmapped_rows,

        -- booleans
        received.received_rows
        = coalesce(outcomes.mapped_rows, 0) + received.unreadable_rows
        + coalesce(outcomes.unmapped_rows, 0) as is_reconciled

    from received
    left join outcomes
        on
            received.source = outcomes.source
            and received.source_table = outcomes.source_table

)

select * from final
