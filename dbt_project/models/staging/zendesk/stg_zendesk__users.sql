{{ config(enabled=source_adapter_enabled('zendesk')) }}

{#
    One row per stored row of the zendesk source's user table (raw.source_rows): who wrote a
    comment or changed a ticket, as an actor type. role end-user is the customer, agent and
    admin a human agent; the answer bot appears as a user of its own, told by its name (var
    zendesk_bot_names, compared in lower case). A user id delivered again keeps its first
    delivery (load, file, row order). Personal data (names): a view in staging.
#}

{%- set columns = ['id', 'name', 'role'] -%}
{%- set paths = [] -%}
{%- for column in columns -%}{%- do paths.append([column]) -%}{%- endfor -%}
{%- set bot_names = [] -%}
{%- for name in var('zendesk_bot_names') -%}
    {%- do bot_names.append("'" ~ (name | lower | replace("'", "''")) ~ "'") -%}
{%- endfor %}

with

source_rows as (

    select * from {{ source('raw', 'source_rows') }}
    where source = 'zendesk' and source_table = 'user'

),

extracted as (

    select
        *,
        {{ json_texts('record', paths) }} as record_values
    from source_rows

),

delivered as (

    select
        source,
        source_table,
        load_id,
        source_file,
        source_line,
        loaded_at,
        {%- for column in columns %}
        trim({{ array_item('record_values', loop.index) }}) as {{ column }}_text,
        {%- endfor %}
        row_number() over (
            partition by trim({{ array_item('record_values', 1) }})
            order by loaded_at, load_id, source_file, source_line
        ) as delivery_number
    from extracted

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
