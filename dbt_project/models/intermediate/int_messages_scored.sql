{{
    config(
        materialized=session_grain_materialization(),
        incremental_strategy='delete+insert',
        unique_key='session_id',
        on_schema_change='fail'
    )
}}

{#
    One row per customer, bot or agent message with the text-derived signals the leading
    indicators need; the redacted text itself stays here (intermediate, never published).
      - has_valid_next_step (bot/agent): the upstream has_next_step flag when present, else a
        hit in the next_step_phrases lexicon.
      - <dimension>_net_hits (bot/agent): tone_lexicon hits, +1/-1 each, for the five rubric
        dimensions; rows for another severity than the session's are ignored.
      - is_acknowledging (bot/agent): an upstream tone tag in var acknowledging_tone_tags, or a
        positive acknowledgement phrase of the tone lexicon.
      - previous_customer_similarity / first_customer_similarity (customer): Jaccard
        similarity (shared distinct words / all distinct words of the two) with the previous
        customer message / with the session's first customer message (the issue as first
        stated). Words: lower-cased letters and digits; everything else splits.
      - is_customer_rephrase: previous similarity >= var rephrase_similarity_threshold, or the
        upstream is_rephrase tag (consecutive customer messages; docs/metrics.md, rephrase_rate).
        is_customer_repeat: the same against the first customer message, or the upstream tag
        (transfer quality: after a handoff the customer restates the question they asked the
        bot, often with "talk to a human" in between, so "consecutive" would miss it; and a
        short follow-up such as "I tried that already." said twice is not a restated issue).
    Lexicon matching: lower-cased text contains the phrase (substring). Incremental, not a
    view: three models read it and the lexicon matching and word split cost most of a build. A
    run re-derives the sessions of macros/sessions_to_refresh.sql (the rule of
    int_sessions_aggregated) from all their messages, so sequence numbers and similarities stay exact.
#}

{%- set dimensions = qa_rubric_dimensions() -%}
{%- set threshold = var('rephrase_similarity_threshold') -%}

with

events as (

    {{ events_to_rederive(ref('stg_support__events'), built_started_at='sent_at', built_loaded_at='loaded_at') }}

),

session_facts as (

    select * from {{ ref('int_sessions_aggregated') }}

),

next_step_phrases as (

    select * from {{ ref('next_step_phrases') }}

),

tone_lexicon as (

    select * from {{ ref('tone_lexicon') }}

),

messages as (

    select
        events.event_id,
        events.session_id,
        events.actor_type,
        coalesce(events.channel, session_facts.channel) as channel,
        session_facts.severity,
        lower(coalesce(events.text_redacted, '')) as text_lower,
        events.tone_tags,
        events.has_next_step,
        events.is_rephrase,
        events.occurred_at,
        events.loaded_at,
        row_number() over (
            partition by events.session_id
            order by {{ event_delivery_order('events') | join(', ') }}
        ) as message_sequence_number
    from events
    left join session_facts
        on events.session_id = session_facts.session_id
    where
        events.canonical_event_type = 'message'
        and events.actor_type in ('customer', 'bot', 'agent')
        -- an internal note answers nothing and waits for nothing (int_events_sessionised)
        and not events.is_internal_note

),

next_step_hits as (

    select distinct messages.event_id
    from messages
    inner join next_step_phrases
        on messages.text_lower like {{ dbt.concat(["'%'", 'next_step_phrases.phrase', "'%'"]) }}
    where messages.actor_type in ('bot', 'agent')

),

tone_hits as (

    select
        messages.event_id,
        {%- for dimension in dimensions %}
        sum(case when tone_lexicon.dimension = '{{ dimension }}' then tone_lexicon.effect else 0 end)
            as {{ dimension }}_net_hits,
        {%- endfor %}
        max(
            case when tone_lexicon.dimension = 'acknowledgement' and tone_lexicon.effect > 0 then 1 else 0 end
        ) as has_acknowledgement_phrase
    from messages
    inner join tone_lexicon
        on messages.text_lower like {{ dbt.concat(["'%'", 'tone_lexicon.phrase', "'%'"]) }}
        and (
            tone_lexicon.applies_to_severity = 'all'
            or tone_lexicon.applies_to_severity = messages.severity
        )
    where messages.actor_type in ('bot', 'agent')
    group by messages.event_id

),

customer_messages as (

    select
        event_id,
        session_id,
        row_number() over (
            partition by session_id
            order by message_sequence_number
        ) as customer_sequence_number,
        {{ adapter.dispatch('regexp_replace_all', 'empathy_warehouse')('text_lower', '[^a-z0-9]+', ' ') }}
            as text_words
    from messages
    where actor_type = 'customer'

),

word_rows as (

    select
        event_id,
        {{ split_to_rows('text_words', ' ') }} as word
    from customer_messages

),

words as (

    select distinct
        event_id,
        word
    from word_rows
    where word <> ''

),

word_counts as (

    select
        event_id,
        count(*) as distinct_words
    from words
    group by event_id

),

message_pairs as (

    -- every customer message with each earlier customer message of its session
    select
        later_messages.event_id,
        earlier_messages.event_id as earlier_event_id,
        later_messages.customer_sequence_number - earlier_messages.customer_sequence_number
            as messages_apart,
        earlier_messages.customer_sequence_number as earlier_customer_sequence_number
    from customer_messages as later_messages
    inner join customer_messages as earlier_messages
        on later_messages.session_id = earlier_messages.session_id
        and earlier_messages.customer_sequence_number < later_messages.customer_sequence_number

),

shared_words as (

    select
        message_pairs.event_id,
        message_pairs.earlier_event_id,
        count(*) as shared_distinct_words
    from message_pairs
    inner join words as later_words
        on message_pairs.event_id = later_words.event_id
    inner join words as earlier_words
        on message_pairs.earlier_event_id = earlier_words.event_id
        and later_words.word = earlier_words.word
    group by message_pairs.event_id, message_pairs.earlier_event_id

),

pair_similarities as (

    select
        message_pairs.event_id,
        message_pairs.messages_apart,
        message_pairs.earlier_customer_sequence_number,
        {{ safe_divide(
            'coalesce(shared_words.shared_distinct_words, 0)',
            '(coalesce(later_counts.distinct_words, 0) + coalesce(earlier_counts.distinct_words, 0)'
            ~ ' - coalesce(shared_words.shared_distinct_words, 0))'
        ) }} as similarity
    from message_pairs
    left join shared_words
        on message_pairs.event_id = shared_words.event_id
        and message_pairs.earlier_event_id = shared_words.earlier_event_id
    left join word_counts as later_counts
        on message_pairs.event_id = later_counts.event_id
    left join word_counts as earlier_counts
        on message_pairs.earlier_event_id = earlier_counts.event_id

),

customer_similarities as (

    select
        event_id,
        max(case when messages_apart = 1 then similarity end) as previous_customer_similarity,
        max(case when earlier_customer_sequence_number = 1 then similarity end)
            as first_customer_similarity
    from pair_similarities
    group by event_id

),

final as (

    select
        -- ids
        messages.event_id as message_id,
        messages.session_id,

        -- strings
        messages.actor_type,
        messages.channel,
        messages.severity,

        -- numerics
        messages.message_sequence_number,
        {%- for dimension in dimensions %}
        coalesce(tone_hits.{{ dimension }}_net_hits, 0) as {{ dimension }}_net_hits,
        {%- endfor %}
        customer_similarities.previous_customer_similarity,
        customer_similarities.first_customer_similarity,

        -- booleans
        messages.actor_type in ('bot', 'agent') as is_response,
        case
            when messages.actor_type in ('bot', 'agent')
                then coalesce(messages.has_next_step, next_step_hits.event_id is not null)
        end as has_valid_next_step,
        case
            when messages.actor_type in ('bot', 'agent')
                then (
                    coalesce(tone_hits.has_acknowledgement_phrase, 0) = 1
                    {%- for tag in var('acknowledging_tone_tags') %}
                    or coalesce(messages.tone_tags like '%"{{ tag }}"%', false)
                    {%- endfor %}
                )
        end as is_acknowledging,
        case
            when messages.actor_type = 'customer'
                then coalesce(messages.is_rephrase, false)
                    or coalesce(customer_similarities.previous_customer_similarity >= {{ threshold }}, false)
        end as is_customer_rephrase,
        case
            when messages.actor_type = 'customer'
                then coalesce(messages.is_rephrase, false)
                    or coalesce(customer_similarities.first_customer_similarity >= {{ threshold }}, false)
        end as is_customer_repeat,

        -- timestamps
        messages.occurred_at as sent_at,
        messages.loaded_at

    from messages
    left join next_step_hits
        on messages.event_id = next_step_hits.event_id
    left join tone_hits
        on messages.event_id = tone_hits.event_id
    left join customer_similarities
        on messages.event_id = customer_similarities.event_id

)

select * from final
