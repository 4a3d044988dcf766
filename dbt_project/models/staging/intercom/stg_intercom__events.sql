{{ config(enabled=source_adapter_enabled('intercom')) }}

{#
    The Intercom source as canonical events, exactly the columns of raw.events
    (canonical_event_columns()). A conversation is a session (started at its created_at, its
    customer the contact who wrote its first message, its channel label the source_type); its
    first message is the customer's first message; its rating a 1-5 CSAT answer. Parts: a comment
    is a message of its author (user or lead: customer, bot: bot, admin: agent), a note an
    internal message, a close a resolution by its author (resolved_by bot or agent), an open
    after a close a reopen, the handoff (stg_intercom__conversation_parts) an escalation. Ids are
    namespaced (intercom:conversation:, intercom:part:, intercom:contact:, intercom:admin:,
    intercom:bot:); stg_support__events pseudonymises them. Each event carries its row's first
    delivery (load, time, file, row), so it is staged once.
#}

with

conversations as (

    select * from {{ ref('stg_intercom__conversations') }}
    where unmapped_reason is null

),

parts as (

    select * from {{ ref('stg_intercom__conversation_parts') }}
    where unmapped_reason is null

),

conversation_events as (

    {%- for kind, event_type, actor_type in [
        ('started', 'session_started', 'system'),
        ('message', 'message', 'customer'),
        ('rating', 'feedback_submitted', 'customer'),
    ] %}
    {%- set provenance = 'rating_first_' if kind == 'rating' else 'first_' %}
    {{ 'union all' if not loop.first }}
    select
        'intercom:conversation:' || conversation_id || ':{{ kind }}' as event_id,
        '{{ event_type }}' as event_type,
        {{ 'rating_created_at' if kind == 'rating' else 'created_at' }} as occurred_at,
        'intercom:conversation:' || conversation_id as session_id,
        'intercom:contact:' || source_author_id as customer_id,
        source_type as channel,
        '{{ actor_type }}' as actor_type,
        {% if kind == 'started' -%}
            cast(null as {{ dbt.type_string() }})
        {%- else -%}
            'intercom:contact:' || source_author_id
        {%- endif %} as actor_id,
        {{ 'source_body' if kind == 'message' else 'cast(null as ' ~ dbt.type_string() ~ ')' }}
            as text,  -- noqa: RF04
        {%- if kind == 'rating' %}
        '{"kind": "csat", "scale": "1-5", "score": ' || rating_value || '}' as attributes,
        {%- else %}
        '{}' as attributes,
        {%- endif %}
        {{ provenance }}source_file as source_file,
        {{ provenance }}source_line as source_line,
        {{ provenance }}load_id as load_id,
        {{ provenance }}loaded_at as loaded_at
    from conversations
    {%- if kind == 'rating' %}
    where rating_value is not null
    {%- endif %}
    {%- endfor %}

),

part_events as (

    select
        'intercom:part:' || parts.part_id as event_id,
        parts.part_event_type as event_type,
        parts.created_at as occurred_at,
        'intercom:conversation:' || parts.conversation_id as session_id,
        'intercom:contact:' || conversations.source_author_id as customer_id,
        conversations.source_type as channel,
        parts.actor_type,
        'intercom:' || parts.author_namespace || ':' || parts.author_id as actor_id,
        -- text: raw.events' column name, a keyword only to the dialect
        case when parts.part_event_type = 'message' then parts.body end as text,  -- noqa: RF04
        case
            when parts.part_type = 'note' then '{"visibility": "internal"}'
            when parts.part_event_type = 'resolved' and parts.actor_type in ('bot', 'agent')
                then '{"resolved_by": "' || parts.actor_type || '"}'
            else '{}'
        end as attributes,
        parts.first_source_file as source_file,
        parts.first_source_line as source_line,
        parts.first_load_id as load_id,
        parts.first_loaded_at as loaded_at
    from parts
    inner join conversations
        on parts.conversation_id = conversations.conversation_id

),

-- an admin's comment that is the handoff (no assignment came first) is also the escalation
comment_handoffs as (

    select
        event_id || ':escalated' as event_id,
        'escalated' as event_type,
        occurred_at,
        session_id,
        customer_id,
        channel,
        actor_type,
        actor_id,
        cast(null as {{ dbt.type_string() }}) as text,  -- noqa: RF04
        '{}' as attributes,
        source_file,
        source_line,
        load_id,
        loaded_at
    from part_events
    where event_id in (
        select 'intercom:part:' || parts.part_id from parts
        where parts.is_handoff and parts.part_type = 'comment'
    )

),

final as (

    select * from conversation_events
    union all
    select * from part_events
    union all
    select * from comment_handoffs

)

select {{ canonical_event_columns() | join(', ') }} from final
