{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail'
    )
}}

{#
    One row per raw support event: canonical event type, typed attributes, pseudonymised
    identifiers, redacted text. The only model that reads raw.events and the source adapters'
    canonical events (var event_sources: stg_<source>__events), and where upstream
    free-form input stops: every identifier (event, session, customer, actor, QA target message)
    becomes its keyed hash (pseudonymise: HMAC-SHA256, the same on every engine, so ids still
    join), text is redacted (redact_text), and every string attribute that reaches the marts is a
    label or 'unrecognised' (safe_label), so no raw value leaves staging.

    The joins to the event_type_mapping and channel_mapping seeds are the only joins in
    staging, on purpose: mapping source names to canonical names is renaming/categorising, and
    doing it here means every downstream model sees one vocabulary. They are left joins so an
    unknown type is kept (canonical_event_type null, is_mapped_event_type false) and surfaced
    by mon_unmapped_event_types, and an unknown channel label is kept (channel null,
    delivered_channel the label, is_mapped_channel false) and surfaced by
    mon_unmapped_channels, never dropped.

    Incremental (append), not a view: parsing the JSON attributes, hashing and redacting are
    the costliest per-event work of the build, and four models and several tests read this
    one. raw.events is append-only (the loader never updates or deletes; re-deliveries are
    rejected as duplicates), so each run adds the loads this table has not seen (load_id) and
    every event is parsed once in its life. Rebuild with --full-refresh after changing the
    event_type_mapping or channel_mapping seed or the pseudonym key, as for int_sessions_aggregated.
#}

{%- set summary_parts = handoff_summary_parts() -%}
{%- set qa_dimensions = qa_rubric_dimensions() -%}
{#- every attribute read, by column name: parsed in one pass (json_texts), read by position -#}
{%- set attribute_paths = {
    'language': ['language'],
    'model_version': ['model_version'],
    'variant_model_version': ['variant', 'model_version'],
    'prompt_id': ['prompt_id'],
    'variant_prompt_id': ['variant', 'prompt_id'],
    'intent': ['intent'],
    'severity': ['severity'],
    'reason': ['reason'],
    'resolved_by': ['resolved_by'],
    'kind': ['kind'],
    'scale': ['scale'],
    'answer': ['answer'],
    'visibility': ['visibility'],
    'target_message_id': ['target_message_id'],
    'tone_tags': ['tone_tags'],
    'confidence': ['confidence'],
    'sentiment': ['sentiment'],
    'score': ['score'],
    'has_next_step': ['has_next_step'],
    'human_edited': ['human_edited'],
    'human_approved': ['human_approved'],
    'is_rephrase': ['is_rephrase'],
    'confirmed_by_customer': ['confirmed_by_customer'],
} -%}
{%- set qa_older_spellings = qa_rubric_older_spellings() -%}
{%- for dimension in qa_dimensions -%}
    {%- do attribute_paths.update({'score_' ~ dimension: ['scores', dimension]}) -%}
    {%- if dimension in qa_older_spellings -%}
        {%- do attribute_paths.update(
            {'older_score_' ~ dimension: ['scores', qa_older_spellings[dimension]]}
        ) -%}
    {%- endif -%}
{%- endfor -%}
{%- for part in summary_parts -%}
    {%- do attribute_paths.update({'summary_' ~ part: ['summary', part]}) -%}
{%- endfor %}

with

source_events as (

    -- raw.events and the canonical events of every source adapter (macros/event_sources.sql)
    select * from ({{ delivered_events() }}) as delivered_events
    {% if is_incremental() -%}
    where load_id not in (select distinct load_id from {{ this }})
    {%- endif %}

),

event_type_mapping as (

    select * from {{ ref('event_type_mapping') }}

),

channel_mapping as (

    select * from {{ ref('channel_mapping') }}

),

mapped as (

    select
        source_events.*,
        event_type_mapping.canonical_event_type,
        channel_mapping.channel_family,
        {{ json_texts('attributes', attribute_paths.values() | list) }} as attribute_values
    from source_events
    left join event_type_mapping
        on trim(source_events.event_type) = event_type_mapping.source_event_type
    left join channel_mapping
        on lower(trim(source_events.channel)) = channel_mapping.source_channel

),

attributes as (

    select
        mapped.*,
        {%- for name in attribute_paths %}
        {{ array_item('attribute_values', loop.index) }} as attribute_{{ name }}{{ "," if not loop.last }}
        {%- endfor %}
    from mapped

),

final as (

    select
        -- ids
        {{ pseudonymise('event_id') }} as event_id,
        {{ pseudonymise('session_id') }} as session_id,
        {{ pseudonymise('customer_id') }} as customer_key,
        {{ pseudonymise('actor_id') }} as actor_id,
        load_id,

        -- strings
        {{ safe_label('trim(event_type)') }} as source_event_type,
        canonical_event_type,
        -- the channel family segments the marts; the label as delivered stays beside it
        channel_family as channel,
        {{ safe_label('lower(trim(channel))') }} as delivered_channel,
        lower(trim(actor_type)) as actor_type,
        -- session_started carries language and the A/B variant; messages carry their own
        -- model_version / prompt_id at the top level.
        {{ safe_label('lower(trim(attribute_language))') }} as language,
        {{ safe_label('coalesce(attribute_model_version, attribute_variant_model_version)') }}
            as model_version,
        {{ safe_label('coalesce(attribute_prompt_id, attribute_variant_prompt_id)') }} as prompt_id,
        {{ safe_label('lower(trim(attribute_intent))') }} as intent,
        {{ safe_label('lower(trim(attribute_severity))') }} as severity,
        -- escalated: handoff reason; reopened: reopen reason; session_closed: close reason
        {{ safe_label('lower(trim(attribute_reason))') }} as reason,
        {{ safe_label('lower(trim(attribute_resolved_by))') }} as resolved_by,
        {{ safe_label('lower(trim(attribute_kind))') }} as feedback_kind,
        {{ safe_label('lower(trim(attribute_answer))') }} as feedback_answer,
        -- a CSAT answer's scale: 1-5 unless the survey says 0-10 or good_bad
        case
            when lower(trim(attribute_kind)) = 'csat'
                then coalesce({{ safe_label('lower(trim(attribute_scale))') }}, '1-5')
        end as feedback_scale,
        -- the message a QA review is about: the same keyed hash as that message's event_id
        {{ pseudonymise('attribute_target_message_id') }} as qa_target_message_id,
        -- upstream tone tags of a bot message as JSON array text, e.g. ["apologetic","cheerful"]
        {{ safe_label('attribute_tone_tags', is_list=true) }} as tone_tags,
        {{ redact_text('text') }} as text_redacted,
        source_file,

        -- numerics
        source_line,
        length(text) as text_length_chars,
        {{ try_cast_as('attribute_confidence', type_double()) }} as confidence,
        {{ try_cast_as('attribute_sentiment', type_double()) }} as sentiment,
        cast(
            {{ try_cast_as('attribute_score', type_double()) }}
            as {{ dbt.type_int() }}
        ) as feedback_score,
        {{ csat_normalised_score('lower(trim(attribute_kind))', 'lower(trim(attribute_scale))', 'attribute_score') }}
            as feedback_normalised_score,
        {%- for dimension in qa_dimensions %}
        {%- set score = 'attribute_score_' ~ dimension %}
        {%- if dimension in qa_older_spellings %}
        {#- a review scored under the older key still counts; the documented key wins #}
        {%- set score = 'coalesce(' ~ score ~ ', attribute_older_score_' ~ dimension ~ ')' %}
        {%- endif %}
        cast(
            {{ try_cast_as(score, type_double()) }}
            as {{ dbt.type_int() }}
        ) as qa_{{ dimension }}_score,
        {%- endfor %}

        -- booleans
        canonical_event_type is not null as is_mapped_event_type,
        channel is null or channel_family is not null as is_mapped_channel,
        -- a message with visibility 'internal': a note agents see and the customer never does
        coalesce(
            canonical_event_type = 'message' and lower(trim(attribute_visibility)) = 'internal',
            false
        ) as is_internal_note,
        {{ try_cast_as('attribute_has_next_step', 'boolean') }} as has_next_step,
        {{ try_cast_as('attribute_human_edited', 'boolean') }} as is_human_edited,
        {{ try_cast_as('attribute_human_approved', 'boolean') }} as is_human_approved,
        -- optional upstream tag: the customer message repeats an earlier question (null when absent)
        {{ try_cast_as('attribute_is_rephrase', 'boolean') }} as is_rephrase,
        {{ try_cast_as('attribute_confirmed_by_customer', 'boolean') }}
            as is_confirmed_by_customer,
        {%- for part in summary_parts %}
        coalesce(
            trim(attribute_summary_{{ part }}) <> '', false
        ) as has_{{ part }},
        {%- endfor %}

        -- timestamps
        occurred_at,
        loaded_at

    from attributes

)

select * from final
