{#
    One row per bot or agent message that answers a customer message. A responder message
    answers the EARLIEST customer message sent after the previous bot/agent message of the
    session (i.e. the oldest message still waiting); a bot/agent message with no customer
    message waiting (a second bot message in a row, an agent opener right after a handoff) is
    not a reply. Order is the message sequence (sent_at, then delivery order: file and line),
    so a reply delivered after the customer message in the same second still follows it.
    reply_number 1 is the session's first reply (judged against the first-reply SLA target),
    later ones are next replies (next-reply target). The wait is measured in calendar seconds
    and in business seconds; is_sla_breached uses the time basis of the sla_targets row.
#}

with

messages as (

    select * from {{ ref('int_messages_scored') }}

),

session_facts as (

    select * from {{ ref('int_sessions_aggregated') }}

),

business_hours as (

    select * from {{ ref('int_business_hours_expanded') }}

),

sla_targets as (

    select * from {{ ref('sla_targets') }}

),

responder_messages as (

    select
        messages.*,
        coalesce(
            lag(messages.message_sequence_number) over (
                partition by messages.session_id
                order by messages.message_sequence_number
            ),
            0
        ) as previous_response_sequence_number
    from messages
    where messages.is_response

),

answered_sequences as (

    select
        responder_messages.message_id,
        min(customer_messages.message_sequence_number) as answered_sequence_number
    from responder_messages
    inner join messages as customer_messages
        on responder_messages.session_id = customer_messages.session_id
        and customer_messages.actor_type = 'customer'
        and customer_messages.message_sequence_number > responder_messages.previous_response_sequence_number
        and customer_messages.message_sequence_number < responder_messages.message_sequence_number
    group by responder_messages.message_id

),

replies as (

    select
        responder_messages.message_id as reply_id,
        responder_messages.session_id,
        customer_messages.message_id as answered_message_id,
        responder_messages.actor_type as responder_type,
        coalesce(responder_messages.channel, session_facts.channel) as channel,
        session_facts.severity,
        -- the cast: row_number() is a 4-byte int on Spark, the contract says bigint
        cast(row_number() over (
            partition by responder_messages.session_id
            order by responder_messages.message_sequence_number
        ) as {{ dbt.type_bigint() }}) as reply_number,
        customer_messages.sent_at as answered_at,
        responder_messages.sent_at as replied_at
    from responder_messages
    inner join answered_sequences
        on responder_messages.message_id = answered_sequences.message_id
    inner join messages as customer_messages
        on responder_messages.session_id = customer_messages.session_id
        and answered_sequences.answered_sequence_number = customer_messages.message_sequence_number
    left join session_facts
        on responder_messages.session_id = session_facts.session_id

),

replies_timed as (

    select
        replies.*,
        -- datediff is a double on PostgreSQL, bigint on DuckDB: the contract says bigint.
        cast({{ dbt.datediff('replies.answered_at', 'replies.replied_at', 'second') }} as bigint)  -- noqa: LT05
            as wait_seconds,
        {{ business_seconds_between('replies.answered_at', 'replies.replied_at') }}
            as wait_business_seconds,
        sla_targets.time_basis as sla_time_basis,
        case
            when replies.reply_number = 1 then sla_targets.first_reply_seconds
            else sla_targets.next_reply_seconds
        end as sla_target_seconds
    from replies
    left join sla_targets
        on replies.severity = sla_targets.severity
        and replies.channel = sla_targets.channel

),

final as (

    select
        -- ids
        reply_id,
        session_id,
        answered_message_id,

        -- strings
        responder_type,
        channel,
        severity,
        sla_time_basis,

        -- numerics
        reply_number,
        wait_seconds,
        wait_business_seconds,
        sla_target_seconds,

        -- booleans
        reply_number = 1 as is_first_reply,
        case
            when sla_target_seconds is not null
                then (
                    case when sla_time_basis = 'business' then wait_business_seconds else wait_seconds end
                ) > sla_target_seconds
        end as is_sla_breached,

        -- timestamps
        answered_at,
        replied_at

    from replies_timed

)

select * from final
