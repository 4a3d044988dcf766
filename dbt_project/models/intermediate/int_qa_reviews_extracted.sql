{#
    One row per human QA review (canonical event type qa_review): who reviewed which session
    (and, on 0.6 of reviews, which message), and the 1-5 score of each rubric dimension.
    QA reviews are system events from the QA tool, not conversation turns.
#}

with

events as (

    select * from {{ ref('stg_support__events') }}

),

final as (

    select
        -- ids
        event_id as review_id,
        session_id,
        actor_id as reviewer_id,
        qa_target_message_id as target_message_id,

        -- numerics
        {%- for dimension in qa_rubric_dimensions() %}
        qa_{{ dimension }}_score,
        {%- endfor %}

        -- timestamps
        occurred_at as reviewed_at,
        loaded_at

    from events
    where canonical_event_type = 'qa_review'

)

select * from final
