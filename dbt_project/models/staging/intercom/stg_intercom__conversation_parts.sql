{{ config(enabled=source_adapter_enabled('intercom')) }}

{#
    One row per stored row of Intercom's conversation_part_history table as Fivetran lands it
    (raw.source_rows): typed, placed in its conversation, with the canonical event it becomes
    (part_event_type) or the reason it becomes none. Personal data (author ids, bodies): a view
    in staging, read only by the intercom adapter's models.

    As for conversations, the latest version of a part id is mapped and its events carry the
    id's first delivery (first_* columns). A part is placed in the order of its conversation's
    mappable parts (created_at, then delivery order) to tell:
      - the handoff: the first part after the conversation's first bot comment that is an
        assignment to an admin or team, or an admin's comment; an assignment that is no handoff
        (routing, reassignments) becomes no event;
      - a reopen: an open part after a close (an open with no close before it reopens nothing).
#}

{%- set columns = [
    'id', 'conversation_id', 'created_at', 'updated_at', 'part_type', 'author_type', 'author_id',
    'body', 'assigned_to_type'
] -%}
{%- set delivery_order = source_delivery_order() -%}
{%- set part_types = ['comment', 'note', 'assignment', 'close', 'open'] -%}

with

conversations as (

    select * from {{ ref('stg_intercom__conversations') }}

),

latest_conversations as (

    select * from conversations
    where is_latest_version

),

delivered_conversation_ids as (

    select distinct conversation_id from conversations
    where conversation_id is not null

),

delivered as (

    {{ source_table_texts('intercom', 'conversation_part_history', columns, empty_as_null=true) }}

),

parsed as (

    select
        *,
        {{ iso_utc_timestamp('created_at_text') }} as created_at,
        {{ iso_utc_timestamp('updated_at_text') }} as updated_at,
        lower(part_type_text) as part_type,
        case lower(author_type_text)
            when 'user' then 'customer'
            when 'lead' then 'customer'
            when 'contact' then 'customer'
            when 'bot' then 'bot'
            when 'admin' then 'agent'
        end as actor_type,
        -- the id namespace of the author: contacts (users and leads are both contacts), bots, admins
        case lower(author_type_text)
            when 'bot' then 'bot'
            when 'admin' then 'admin'
            else 'contact'
        end as author_namespace,
        lower(assigned_to_type_text) as assigned_to_type
    from delivered

),

checked as (

    select
        *,
        case
            when id_text is null then 'id is empty'
            when created_at is null then 'created_at is not a time like 2026-10-05T10:00:00Z'
            when updated_at is null then 'updated_at is not a time like 2026-10-05T10:00:00Z'
        end as row_problem
    from parsed

),

versions as (

    select
        *,
        {{ history_version_columns() }}
    from checked

),

placed as (

    select
        versions.*,
        case
            when versions.row_problem is not null then versions.row_problem
            when versions.version_rank > 1
                then 'an older version of the part (a later updated_at was delivered); the latest version is mapped'
            when delivered_conversation_ids.conversation_id is null
                then 'conversation_id names no conversation delivered in conversation_history'
            when latest_conversations.conversation_id is null or latest_conversations.unmapped_reason is not null
                then 'its conversation is not mapped (its conversation_history row says why)'
            when versions.actor_type is null then 'author_type is none of user, lead, contact, admin, bot'
            when versions.part_type is null
                or versions.part_type not in ({{ "'" ~ part_types | join("', '") ~ "'" }})
                then 'part_type is none of {{ part_types | join(", ") }}'
        end as part_problem
    from versions
    left join delivered_conversation_ids
        on versions.conversation_id_text = delivered_conversation_ids.conversation_id
    left join latest_conversations
        on versions.conversation_id_text = latest_conversations.conversation_id

),

sequenced as (

    select
        *,
        row_number() over (
            partition by conversation_id_text
            order by created_at, {{ delivery_order | join(', ') }}
        ) as part_sequence_number
    from placed
    where part_problem is null

),

conversation_moments as (

    select
        conversation_id_text,
        min(case when part_type = 'comment' and actor_type = 'bot' then part_sequence_number end)
            as first_bot_comment_number,
        min(case when part_type = 'close' then part_sequence_number end) as first_close_number
    from sequenced
    group by conversation_id_text

),

handoffs as (

    select
        sequenced.conversation_id_text,
        min(sequenced.part_sequence_number) as handoff_number
    from sequenced
    inner join conversation_moments
        on sequenced.conversation_id_text = conversation_moments.conversation_id_text
    where
        sequenced.part_sequence_number > conversation_moments.first_bot_comment_number
        and (
            (sequenced.part_type = 'assignment' and sequenced.assigned_to_type in ('admin', 'team'))
            or (sequenced.part_type = 'comment' and sequenced.actor_type = 'agent')
        )
    group by sequenced.conversation_id_text

),

events as (

    select
        sequenced.id_text,
        sequenced.source_file,
        sequenced.source_line,
        sequenced.load_id,
        coalesce(sequenced.part_sequence_number = handoffs.handoff_number, false) as is_handoff,
        case
            when sequenced.part_type in ('comment', 'note') then 'message'
            when sequenced.part_type = 'close' then 'resolved'
            when
                sequenced.part_type = 'assignment'
                and sequenced.part_sequence_number = handoffs.handoff_number
                then 'escalated'
            when
                sequenced.part_type = 'open'
                and sequenced.part_sequence_number > conversation_moments.first_close_number
                then 'reopened'
        end as part_event_type
    from sequenced
    inner join conversation_moments
        on sequenced.conversation_id_text = conversation_moments.conversation_id_text
    left join handoffs
        on sequenced.conversation_id_text = handoffs.conversation_id_text

),

final as (

    select
        -- ids
        placed.id_text as part_id,
        placed.conversation_id_text as conversation_id,
        placed.author_id_text as author_id,
        placed.load_id,
        placed.first_load_id,

        -- strings
        placed.source,
        placed.source_table,
        placed.part_type,
        placed.actor_type,
        placed.author_namespace,
        placed.assigned_to_type,
        placed.body_text as body,
        events.part_event_type,
        placed.source_file,
        placed.first_source_file,
        case
            when placed.part_problem is not null then placed.part_problem
            when events.part_event_type is null and placed.part_type = 'assignment'
                then 'an assignment that is no handoff: no bot comment before it, a handoff came '
                    || 'earlier, or it assigns no admin or team'
            when events.part_event_type is null and placed.part_type = 'open'
                then 'an open part with no close before it: nothing to reopen'
        end as unmapped_reason,

        -- numerics
        placed.source_line,
        placed.first_source_line,

        -- booleans
        coalesce(events.is_handoff, false) as is_handoff,

        -- timestamps
        placed.created_at,
        placed.updated_at,
        placed.loaded_at,
        placed.first_loaded_at

    from placed
    left join events
        on
            placed.part_problem is null
            and placed.load_id = events.load_id
            and placed.source_file = events.source_file
            and placed.source_line = events.source_line

)

select * from final
