{{ config(enabled=source_adapter_enabled('social')) }}

{#
    One row per stored row of the social source's tables: mapped (unmapped_reason null) or not,
    and why. No personal data (no ids, no text), so the reasons can be read and counted freely;
    mon_source_reconciliation counts them per source table.
#}

with

tweets as (

    select * from {{ ref('stg_social__tweets') }}

),

final as (

    select
        -- ids
        load_id,

        -- strings
        source,
        source_table,
        source_file,
        unmapped_reason,

        -- numerics
        source_line

    from tweets

)

select * from final
