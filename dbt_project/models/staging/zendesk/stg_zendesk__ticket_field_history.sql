{{ config(enabled=source_adapter_enabled('zendesk')) }}

{#
    One row per stored row of the zendesk source's ticket_field_history table (one row per
    change of one field of one ticket: ticket_id, field_name, updated, value, user_id), and
    the canonical event it makes, if any:
      - status: a change into solved is a resolution (resolved, resolved_by agent or bot from
        who made it; a customer's or Zendesk's own change says nothing of who resolved it), a
        change from solved back to new, open, pending or hold is a reopen (reopened); any
        other status change (new to open, solved to closed) makes no event;
      - assignee_id: a change to a human agent is that agent joining (agent_joined); the first
        such change at or after the ticket's first answer-bot comment is also the bot's
        handoff (escalated, just before it);
      - any other field (priority, group_id, tags, custom fields) makes no event.
    A row without a problem is mapped, with or without an event. The key of a change is
    (ticket_id, field_name, updated): Fivetran re-syncs a change as a row with a later
    _fivetran_synced, so a key delivered again keeps its first delivery (load, file, row
    order), as everywhere in the warehouse (a later version would be a second event for an
    instant staging already holds). Personal data (user ids): a view in staging.
#}

{%- set columns = ['ticket_id', 'field_name', 'updated', 'value', 'user_id'] -%}
{%- set is_resolution -%}
    status_changes.status = 'solved'
    and coalesce(status_changes.previous_status, '') not in ('solved', 'closed')
{%- endset %}

with

tickets as (

    select * from {{ ref('stg_zendesk__tickets') }}
    where unmapped_reason is null

),

users as (

    select * from {{ ref('stg_zendesk__users') }}
    where unmapped_reason is null

),

bot_activity as (

    -- when the answer bot first spoke on a ticket
    select
        ticket_id,
        min(created_at) as first_bot_comment_at
    from {{ ref('stg_zendesk__ticket_comments') }}
    where unmapped_reason is null and actor_type = 'bot'
    group by ticket_id

),

delivered as (

    {{ source_table_texts(
        'zendesk', 'ticket_field_history', columns,
        delivery_key=['ticket_id_text', 'lower(field_name_text)', 'updated_text']
    ) }}

),

typed as (

    select
        delivered.*,
        lower(delivered.field_name_text) as field_name,
        {{ iso_utc_timestamp('delivered.updated_text') }} as updated_at,
        tickets.ticket_id,
        tickets.requester_id,
        tickets.via_channel,
        changers.actor_type as changed_by_actor_type,
        assignees.actor_type as assignee_actor_type
    from delivered
    left join tickets on delivered.ticket_id_text = tickets.ticket_id
    left join users as changers on delivered.user_id_text = changers.user_id
    left join users as assignees
        on
            lower(delivered.field_name_text) = 'assignee_id'
            and delivered.value_text = assignees.user_id

),

checked as (

    select
        *,
        case
            when coalesce(ticket_id_text, '') = '' then 'ticket_id is empty'
            when coalesce(field_name, '') = '' then 'field_name is empty'
            when updated_at is null
                then 'updated is not a time like 2026-10-05T09:00:00Z'
            when delivery_number > 1
                then 'change (ticket_id, field_name, updated) delivered before (an earlier row or '
                    || 'load, e.g. a re-sync); the first delivery is kept'
            when ticket_id is null then 'ticket_id names no mapped ticket'
            when
                field_name = 'status'
                and coalesce(lower(value_text), '') not in (
                    'new', 'open', 'pending', 'hold', 'solved', 'closed', 'deleted'
                )
                then 'status value is none of new, open, pending, hold, solved, closed, deleted'
            when
                field_name = 'assignee_id' and coalesce(value_text, '') <> ''
                and assignee_actor_type is null
                then 'assignee_id value names no mapped user'
        end as row_problem
    from typed

),

status_changes as (

    select
        source_file,
        source_line,
        load_id,
        lower(value_text) as status,
        lag(lower(value_text)) over (
            partition by ticket_id
            order by updated_at, {{ source_delivery_order() | join(", ") }}
        ) as previous_status
    from checked
    where row_problem is null and field_name = 'status'

),

human_assignments as (

    select
        checked.source_file,
        checked.source_line,
        checked.load_id,
        row_number() over (
            partition by checked.ticket_id
            order by
                checked.updated_at, checked.loaded_at, checked.load_id, checked.source_file,
                checked.source_line
        ) as assignment_after_bot_number
    from checked
    inner join bot_activity
        on
            checked.ticket_id = bot_activity.ticket_id
            and checked.updated_at >= bot_activity.first_bot_comment_at
    where
        checked.row_problem is null
        and checked.field_name = 'assignee_id'
        and checked.assignee_actor_type = 'agent'

),

final as (

    select
        -- ids
        checked.ticket_id,
        checked.requester_id,
        checked.user_id_text as user_id,
        case when checked.field_name = 'assignee_id' then checked.value_text end
            as assignee_id,
        checked.load_id,

        -- strings
        checked.source,
        checked.source_table,
        checked.field_name,
        -- the key of the change as text: the event's id
        checked.ticket_id_text || ':' || checked.field_name || ':' || checked.updated_text
            as change_key,
        checked.via_channel,
        case
            when checked.row_problem is not null then null
            when {{ is_resolution }} then 'resolved'
            when
                status_changes.status in ('new', 'open', 'pending', 'hold')
                and status_changes.previous_status = 'solved'
                then 'reopened'
            when checked.assignee_actor_type = 'agent' then 'agent_joined'
        end as event_type,
        case
            when
                checked.row_problem is null and {{ is_resolution }}
                and checked.changed_by_actor_type in ('agent', 'bot')
                then checked.changed_by_actor_type
        end as resolved_by,
        checked.changed_by_actor_type,
        checked.source_file,
        checked.row_problem as unmapped_reason,

        -- numerics
        checked.source_line,

        -- booleans
        coalesce(human_assignments.assignment_after_bot_number = 1, false) as is_bot_handoff,

        -- timestamps
        checked.updated_at,
        checked.loaded_at

    from checked
    left join status_changes
        on
            checked.load_id = status_changes.load_id
            and checked.source_file = status_changes.source_file
            and checked.source_line = status_changes.source_line
    left join human_assignments
        on
            checked.load_id = human_assignments.load_id
            and checked.source_file = human_assignments.source_file
            and checked.source_line = human_assignments.source_line

)

select * from final
