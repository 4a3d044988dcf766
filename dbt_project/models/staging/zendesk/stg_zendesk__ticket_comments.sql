{{ config(enabled=source_adapter_enabled('zendesk')) }}

{#
    One row per stored row of the zendesk source's ticket_comment table: every comment is a
    message of its ticket's session, from the customer (author role end-user), a human agent
    (agent, admin) or the answer bot (stg_zendesk__users). public false is an internal note
    (visibility internal: no reply, no customer message). The ticket's first comment is its
    description, so the customer's question is a message like any other. A comment id
    delivered again keeps its first delivery. Personal data (author ids, text): a view.
#}

{%- set columns = ['id', 'ticket_id', 'user_id', 'created', 'body', 'public'] -%}

with

tickets as (

    select * from {{ ref('stg_zendesk__tickets') }}
    where unmapped_reason is null

),

users as (

    select * from {{ ref('stg_zendesk__users') }}
    where unmapped_reason is null

),

delivered as (

    {{ source_table_texts('zendesk', 'ticket_comment', columns, delivery_key=['id_text']) }}

),

typed as (

    select
        delivered.*,
        {{ iso_utc_timestamp('delivered.created_text') }} as created_at,
        case lower(delivered.public_text)
            when 'true' then 'public'
            when 'false' then 'internal'
        end as visibility,
        tickets.ticket_id,
        tickets.requester_id,
        tickets.via_channel,
        users.actor_type
    from delivered
    left join tickets on delivered.ticket_id_text = tickets.ticket_id
    left join users on delivered.user_id_text = users.user_id

),

final as (

    select
        -- ids
        id_text as comment_id,
        ticket_id,
        requester_id,
        user_id_text as user_id,
        load_id,

        -- strings
        source,
        source_table,
        actor_type,
        visibility,
        via_channel,
        body_text as body,
        source_file,
        case
            when coalesce(id_text, '') = '' then 'id is empty'
            when delivery_number > 1
                then 'id delivered before (an earlier row or load); the first delivery is kept'
            when created_at is null
                then 'created is not a time like 2026-10-05T09:00:00Z'
            when visibility is null then 'public is neither true nor false'
            when ticket_id is null then 'ticket_id names no mapped ticket'
            when actor_type is null
                then 'user_id names no mapped user, so its author cannot be told customer, agent or bot'
        end as unmapped_reason,

        -- numerics
        source_line,

        -- timestamps
        created_at,
        loaded_at

    from typed

)

select * from final
