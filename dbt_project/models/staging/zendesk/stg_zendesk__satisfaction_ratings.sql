{{ config(enabled=source_adapter_enabled('zendesk')) }}

{#
    One row per stored row of the zendesk source's satisfaction_rating table. Zendesk creates a
    rating when it sends the survey (score offered) and updates it when the customer answers
    (good or bad): offered is survey_offered at created_at; good and bad are the answer,
    feedback_submitted (kind csat, scale good_bad) at updated_at (else created_at); the answer
    itself counts as offered (docs/event-contract.md). unoffered (no survey sent) makes no
    event. Fivetran keeps one row per rating with its current score, so a rating delivered
    again with another score (offered, then good) is a new fact: the key is (id, score), and a
    key delivered again keeps its first delivery. No personal data is read (comments are not).
#}

{%- set columns = ['id', 'ticket_id', 'score', 'created_at', 'updated_at'] -%}

with

tickets as (

    select * from {{ ref('stg_zendesk__tickets') }}
    where unmapped_reason is null

),

delivered as (

    {{ source_table_texts(
        'zendesk', 'satisfaction_rating', columns,
        delivery_key=['id_text', 'lower(score_text)']
    ) }}

),

typed as (

    select
        delivered.*,
        lower(delivered.score_text) as score,
        {{ iso_utc_timestamp('delivered.created_at_text') }} as created_at,
        {{ iso_utc_timestamp('delivered.updated_at_text') }} as updated_at,
        tickets.ticket_id,
        tickets.requester_id,
        tickets.via_channel
    from delivered
    left join tickets on delivered.ticket_id_text = tickets.ticket_id

),

final as (

    select
        -- ids
        id_text as rating_id,
        ticket_id,
        requester_id,
        load_id,

        -- strings
        source,
        source_table,
        score,
        case
            when score = 'offered' then 'survey_offered'
            when score in ('good', 'bad') then 'feedback_submitted'
        end as event_type,
        via_channel,
        source_file,
        case
            when coalesce(id_text, '') = '' then 'id is empty'
            when delivery_number > 1
                then 'rating (id, score) delivered before (an earlier row or load); the first delivery is kept'
            when coalesce(score, '') not in ('offered', 'unoffered', 'good', 'bad')
                then 'score is none of offered, unoffered, good, bad'
            when created_at is null
                then 'created_at is not a time like 2026-10-05T09:00:00Z'
            when ticket_id is null then 'ticket_id names no mapped ticket'
        end as unmapped_reason,

        -- numerics
        source_line,

        -- timestamps
        case when score = 'offered' then created_at else coalesce(updated_at, created_at) end
            as occurred_at,
        loaded_at

    from typed

)

select * from final
