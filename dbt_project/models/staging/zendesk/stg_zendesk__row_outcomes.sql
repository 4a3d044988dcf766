{{ config(enabled=source_adapter_enabled('zendesk')) }}

{#
    One row per stored row of the zendesk source's tables: mapped (unmapped_reason null: it
    made its events, or it is read without a problem and makes none, as a user or a priority
    change) or not, and why. No ids, no text; mon_source_reconciliation counts them.
#}

with

{%- set tables = ['tickets', 'ticket_comments', 'users', 'ticket_field_history', 'satisfaction_ratings'] %}
{% for table in tables %}
{{ table }} as (

    select * from {{ ref('stg_zendesk__' ~ table) }}

),
{% endfor %}
final as (

    {%- for table in tables %}
    {{ 'union all' if not loop.first }}
    select
        -- ids
        load_id,

        -- strings
        source,
        source_table,
        source_file,
        unmapped_reason,

        -- numerics
        source_line
    from {{ table }}
    {%- endfor %}

)

select * from final
