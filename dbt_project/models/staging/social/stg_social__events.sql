{{ config(enabled=source_adapter_enabled('social')) }}

{#
    The social source as canonical events, exactly the columns of raw.events
    (canonical_event_columns()): one message per mappable tweet, in the session of its thread.
    stg_support__events stages them beside raw.events (pseudonymised, redacted), so the
    warehouse downstream sees one event stream. Ids are namespaced (social:tweet:<tweet_id>,
    social:thread:<root tweet_id>, social:author:<author_id>) so they never meet an id of
    another source. A thread has no session_started: a session starts at its first message.
#}

with

tweets as (

    select * from {{ ref('stg_social__tweets') }}
    where unmapped_reason is null

),

final as (

    select
        'social:tweet:' || tweet_id as event_id,
        'message' as event_type,
        created_at as occurred_at,
        'social:thread:' || thread_root_tweet_id as session_id,
        'social:author:' || thread_customer_author_id as customer_id,
        'social' as channel,
        actor_type,
        'social:author:' || author_id as actor_id,
        -- text: raw.events' column name, a keyword only to the dialect
        tweet_text as text,  -- noqa: RF04
        '{}' as attributes,
        source_file,
        source_line,
        load_id,
        loaded_at
    from tweets

)

select * from final
