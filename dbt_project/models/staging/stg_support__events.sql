{#
    One row per raw support event: canonical event type, typed attributes, pseudonymised
    customer, redacted text. The only model that reads raw.events; raw customer_id and raw text
    stop here.

    The join to the event_type_mapping seed is the one join in staging, on purpose: mapping
    source names to canonical names is renaming/categorising, and doing it here means every
    downstream model sees one vocabulary. It is a left join so an unknown type is kept
    (canonical_event_type null, is_mapped_event_type false) and surfaced by
    mon_unmapped_event_types, never dropped.
#}

{%- set summary_parts = ['issue_summary', 'customer_emotion', 'attempted_solutions', 'metadata'] -%}
{%- set qa_dimensions = ['acknowledgment', 'clarity', 'reassurance', 'accountability', 'appropriateness'] -%}

with

source_events as (

    select * from {{ source('raw', 'events') }}

),

event_type_mapping as (

    select * from {{ ref('event_type_mapping') }}

),

mapped as (

    select
        source_events.*,
        event_type_mapping.canonical_event_type
    from source_events
    left join event_type_mapping
        on trim(source_events.event_type) = event_type_mapping.source_event_type

),

final as (

    select
        -- ids
        event_id,
        session_id,
        {{ pseudonymise('customer_id') }} as customer_key,
        actor_id,
        load_id,

        -- strings
        trim(event_type) as source_event_type,
        canonical_event_type,
        lower(trim(channel)) as channel,
        lower(trim(actor_type)) as actor_type,
        -- session_started carries language and the A/B variant; messages carry their own
        -- model_version / prompt_id at the top level.
        lower(trim({{ json_text('attributes', ['language']) }})) as language,
        coalesce(
            {{ json_text('attributes', ['model_version']) }},
            {{ json_text('attributes', ['variant', 'model_version']) }}
        ) as model_version,
        coalesce(
            {{ json_text('attributes', ['prompt_id']) }},
            {{ json_text('attributes', ['variant', 'prompt_id']) }}
        ) as prompt_id,
        lower(trim({{ json_text('attributes', ['intent']) }})) as intent,
        lower(trim({{ json_text('attributes', ['severity']) }})) as severity,
        -- escalated: handoff reason; reopened: reopen reason; session_closed: close reason
        lower(trim({{ json_text('attributes', ['reason']) }})) as reason,
        lower(trim({{ json_text('attributes', ['resolved_by']) }})) as resolved_by,
        lower(trim({{ json_text('attributes', ['kind']) }})) as feedback_kind,
        lower(trim({{ json_text('attributes', ['answer']) }})) as feedback_answer,
        {{ json_text('attributes', ['target_message_id']) }} as qa_target_message_id,
        -- upstream tone tags of a bot message as JSON array text, e.g. ["apologetic","cheerful"]
        {{ json_text('attributes', ['tone_tags']) }} as tone_tags,
        {{ redact_text('text') }} as text_redacted,
        source_file,

        -- numerics
        source_line,
        length(text) as text_length_chars,
        {{ try_cast_as(json_text('attributes', ['confidence']), type_double()) }} as confidence,
        {{ try_cast_as(json_text('attributes', ['sentiment']), type_double()) }} as sentiment,
        cast(
            {{ try_cast_as(json_text('attributes', ['score']), type_double()) }}
            as {{ dbt.type_int() }}
        ) as feedback_score,
        {%- for dimension in qa_dimensions %}
        cast(
            {{ try_cast_as(json_text('attributes', ['scores', dimension]), type_double()) }}
            as {{ dbt.type_int() }}
        ) as qa_{{ dimension }}_score,
        {%- endfor %}

        -- booleans
        canonical_event_type is not null as is_mapped_event_type,
        {{ try_cast_as(json_text('attributes', ['has_next_step']), 'boolean') }} as has_next_step,
        {{ try_cast_as(json_text('attributes', ['human_edited']), 'boolean') }} as is_human_edited,
        {{ try_cast_as(json_text('attributes', ['human_approved']), 'boolean') }} as is_human_approved,
        -- optional upstream tag: the customer message repeats an earlier question (null when absent)
        {{ try_cast_as(json_text('attributes', ['is_rephrase']), 'boolean') }} as is_rephrase,
        {{ try_cast_as(json_text('attributes', ['confirmed_by_customer']), 'boolean') }}
            as is_confirmed_by_customer,
        {%- for part in summary_parts %}
        coalesce(
            trim({{ json_text('attributes', ['summary', part]) }}) <> '', false
        ) as has_{{ part }},
        {%- endfor %}

        -- timestamps
        occurred_at,
        loaded_at

    from mapped

)

select * from final
