{{ config(enabled=source_adapter_enabled('zendesk')) }}

{#
    The zendesk source as canonical events, exactly the columns of raw.events
    (canonical_event_columns()), one session per ticket (session_id zendesk:ticket:<id>,
    customer zendesk:user:<requester_id>, channel the ticket's via_channel on every event):
      - session_started at the ticket's created_at;
      - one message per comment (customer, agent or bot; visibility internal when not public);
      - resolved / reopened / agent_joined / escalated from ticket_field_history;
      - survey_offered / feedback_submitted (csat, good_bad) from satisfaction_rating.
    Ids are namespaced (zendesk:ticket:, zendesk:comment:, zendesk:ticket_field_history:,
    zendesk:satisfaction_rating:, zendesk:user:) so they never meet an id of another source;
    stg_support__events pseudonymises them and redacts the text. Each event keeps the load,
    file and row of the source row it comes from.
#}

{%- set string_type = dbt.type_string() %}

with

tickets as (

    select * from {{ ref('stg_zendesk__tickets') }}
    where unmapped_reason is null

),

comments as (

    select * from {{ ref('stg_zendesk__ticket_comments') }}
    where unmapped_reason is null

),

field_changes as (

    select * from {{ ref('stg_zendesk__ticket_field_history') }}
    where unmapped_reason is null and event_type is not null

),

ratings as (

    select * from {{ ref('stg_zendesk__satisfaction_ratings') }}
    where unmapped_reason is null and event_type is not null

),

ticket_events as (

    select
        'zendesk:ticket:' || ticket_id || ':created' as event_id,
        'session_started' as event_type,
        created_at as occurred_at,
        ticket_id,
        requester_id,
        via_channel,
        'system' as actor_type,
        cast(null as {{ string_type }}) as actor_id,
        cast(null as {{ string_type }}) as event_text,
        '{}' as attributes,
        source_file,
        source_line,
        load_id,
        loaded_at
    from tickets

),

comment_events as (

    select
        'zendesk:comment:' || comment_id as event_id,
        'message' as event_type,
        created_at as occurred_at,
        ticket_id,
        requester_id,
        via_channel,
        actor_type,
        'zendesk:user:' || user_id as actor_id,
        body as event_text,
        '{"visibility": "' || visibility || '"}' as attributes,
        source_file,
        source_line,
        load_id,
        loaded_at
    from comments

),

handoff_events as (

    -- the answer bot handing the ticket to the agent it is assigned to
    select
        'zendesk:ticket_field_history:' || change_key || ':escalated' as event_id,
        'escalated' as event_type,
        updated_at as occurred_at,
        ticket_id,
        requester_id,
        via_channel,
        'bot' as actor_type,
        cast(null as {{ string_type }}) as actor_id,
        cast(null as {{ string_type }}) as event_text,
        '{}' as attributes,
        source_file,
        source_line,
        load_id,
        loaded_at
    from field_changes
    where is_bot_handoff

),

field_change_events as (

    select
        'zendesk:ticket_field_history:' || change_key as event_id,
        event_type,
        updated_at as occurred_at,
        ticket_id,
        requester_id,
        via_channel,
        case
            when event_type = 'agent_joined' then 'agent'
            else coalesce(changed_by_actor_type, 'system')
        end as actor_type,
        case
            when event_type = 'agent_joined' then 'zendesk:user:' || assignee_id
            when changed_by_actor_type is not null then 'zendesk:user:' || user_id
        end as actor_id,
        cast(null as {{ string_type }}) as event_text,
        case
            when event_type = 'resolved' and resolved_by is not null
                then '{"resolved_by": "' || resolved_by || '"}'
            else '{}'
        end as attributes,
        source_file,
        source_line,
        load_id,
        loaded_at
    from field_changes

),

rating_events as (

    select
        'zendesk:satisfaction_rating:' || rating_id || ':' || score as event_id,
        event_type,
        occurred_at,
        ticket_id,
        requester_id,
        via_channel,
        -- the survey is sent by Zendesk, answered by the customer
        case when event_type = 'feedback_submitted' then 'customer' else 'system' end
            as actor_type,
        cast(null as {{ string_type }}) as actor_id,
        cast(null as {{ string_type }}) as event_text,
        case
            when event_type = 'feedback_submitted'
                then '{"kind": "csat", "scale": "good_bad", "score": "' || score || '"}'
            else '{"kind": "csat"}'
        end as attributes,
        source_file,
        source_line,
        load_id,
        loaded_at
    from ratings

),

zendesk_events as (

    select * from ticket_events
    union all
    select * from comment_events
    union all
    select * from handoff_events
    union all
    select * from field_change_events
    union all
    select * from rating_events

),

final as (

    select
        event_id,
        event_type,
        occurred_at,
        'zendesk:ticket:' || ticket_id as session_id,
        'zendesk:user:' || requester_id as customer_id,
        via_channel as channel,
        actor_type,
        actor_id,
        -- text: raw.events' column name, a keyword only to the dialect
        event_text as text,  -- noqa: RF04
        attributes,
        source_file,
        source_line,
        load_id,
        loaded_at
    from zendesk_events

)

select * from final
