{{ config(enabled=source_adapter_enabled('intercom')) }}

{#
    One row per stored row of the intercom source's tables: mapped (unmapped_reason null) or not,
    and why. No personal data (no ids, no text); mon_source_reconciliation counts them per
    source table.
#}

with

conversations as (

    select * from {{ ref('stg_intercom__conversations') }}

),

parts as (

    select * from {{ ref('stg_intercom__conversation_parts') }}

),

final as (

    {%- for relation in ['conversations', 'parts'] %}
    {{ 'union all' if not loop.first }}
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

    from {{ relation }}
    {%- endfor %}

)

select * from final
