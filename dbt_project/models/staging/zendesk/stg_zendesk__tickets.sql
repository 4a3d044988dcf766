{{ config(enabled=source_adapter_enabled('zendesk')) }}

{#
    One row per stored row of the zendesk source's ticket table: one ticket is one support
    session, started at created_at, its customer the requester, its channel label via_channel
    (seeds/channel_mapping.csv maps it to a family). A ticket id delivered again keeps its
    first delivery (load, file, row order): created_at, requester and channel do not change
    over a ticket's life, and what does (status, assignee) is read from ticket_field_history.
    Personal data (requester ids): a view in staging.
#}

{%- set columns = ['id', 'created_at', 'requester_id', 'via_channel'] -%}

with

delivered as (

    {{ source_table_texts('zendesk', 'ticket', columns, delivery_key=['id_text']) }}

),

typed as (

    select
        *,
        {{ iso_utc_timestamp('created_at_text') }} as created_at
    from delivered

),

final as (

    select
        -- ids
        id_text as ticket_id,
        requester_id_text as requester_id,
        load_id,

        -- strings
        source,
        source_table,
        lower(via_channel_text) as via_channel,
        source_file,
        case
            when coalesce(id_text, '') = '' then 'id is empty'
            when delivery_number > 1
                then 'id delivered before (an earlier row or load); the first delivery is kept'
            when created_at is null
                then 'created_at is not a time like 2026-10-05T09:00:00Z'
            when coalesce(requester_id_text, '') = ''
                then 'requester_id is empty, so the session has no customer'
        end as unmapped_reason,

        -- numerics
        source_line,

        -- timestamps
        created_at,
        loaded_at

    from typed

)

select * from final
