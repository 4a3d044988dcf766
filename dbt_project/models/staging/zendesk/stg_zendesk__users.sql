{{ config(enabled=source_adapter_enabled('zendesk')) }}

{#
    One row per stored row of the zendesk source's user table (raw.source_rows): who wrote a
    comment or changed a ticket, as an actor type. role end-user is the customer, agent and
    admin a human agent; the answer bot appears as a user of its own, told by its name (var
    zendesk_bot_names, compared in lower case). A user id delivered again keeps its first
    delivery (load, file, row order). Personal data (names): a view in staging.
#}

{%- set columns = ['id', 'name', 'role'] -%}
{%- set bot_names = [] -%}
{%- for name in var('zendesk_bot_names') -%}
    {%- do bot_names.append("'" ~ (name | lower | replace("'", "''")) ~ "'") -%}
{%- endfor %}

with

delivered as (

    {{ source_table_texts('zendesk', 'user', columns, delivery_key=['id_text']) }}

),

typed as (

    select
        *,
        case
            {%- if bot_names %}
            when lower(name_text) in ({{ bot_names | join(', ') }}) then 'bot'
            {%- endif %}
            when lower(role_text) = 'end-user' then 'customer'
            when lower(role_text) in ('agent', 'admin') then 'agent'
        end as actor_type
    from delivered

),

final as (

    select
        -- ids
        id_text as user_id,
        load_id,

        -- strings
        source,
        source_table,
        actor_type,
        source_file,
        case
            when coalesce(id_text, '') = '' then 'id is empty'
            when delivery_number > 1
                then 'id delivered before (an earlier row or load); the first delivery is kept'
            when actor_type is null
                then 'role is none of end-user, agent, admin (and the name is no bot of var zendesk_bot_names)'
        end as unmapped_reason,

        -- numerics
        source_line,

        -- timestamps
        loaded_at

    from typed

)

select * from final
