{#
    unmapped_labels(label, is_mapped, count_sessions): the monitoring select of a vocabulary a
    seed maps (event types, channels): one row per delivered `label` whose staging flag
    `is_mapped` is false, with a count, an example event and when it was seen, so the seed can
    grow. Both label and example come from staging already safe to publish (a label or
    'unrecognised'; the keyed hash of the upstream event id).
#}
{% macro unmapped_labels(label, is_mapped, count_sessions=false) -%}
with

events as (

    select * from {{ ref('stg_support__events') }}

),

final as (

    select
        -- ids / strings
        {{ label }},
        min(event_id) as example_event_id,

        -- numerics
        count(*) as event_count,
        {%- if count_sessions %}
        count(distinct session_id) as session_count,
        {%- endif %}

        -- timestamps
        min(occurred_at) as first_seen_at,
        max(occurred_at) as last_seen_at,
        max(loaded_at) as last_loaded_at

    from events
    where not {{ is_mapped }}
    group by {{ label }}

)

select * from final
{%- endmacro %}
