{#
    The source adapters' outputs, one union each, over the var event_sources
    (dbt_project.yml), so adding a source adds its folder of staging models and its name there,
    and no model downstream changes.
#}

{#- The columns of raw.events, in order: what every adapter's stg_<source>__events emits. -#}
{% macro canonical_event_columns() -%}
    {{ return([
        'event_id', 'event_type', 'occurred_at', 'session_id', 'customer_id', 'channel',
        'actor_type', 'actor_id', 'text', 'attributes', 'source_file', 'source_line', 'load_id',
        'loaded_at'
    ]) }}
{%- endmacro %}

{#- raw.events and every adapter's canonical events, as one relation's select. -#}
{% macro delivered_events() -%}
    {%- set columns = canonical_event_columns() | join(', ') -%}
    select {{ columns }} from {{ source('raw', 'events') }}
    {%- for event_source in var('event_sources') %}
    union all
    select {{ columns }} from {{ ref('stg_' ~ event_source ~ '__events') }}
    {%- endfor %}
{%- endmacro %}

{#- Every adapter's row outcomes: one row per stored source row, unmapped_reason null when mapped. -#}
{% macro source_row_outcomes() -%}
    {%- set columns = 'source, source_table, load_id, source_file, source_line, unmapped_reason' -%}
    {%- for event_source in var('event_sources') %}
    {{ 'union all' if not loop.first }}
    select {{ columns }} from {{ ref('stg_' ~ event_source ~ '__row_outcomes') }}
    {%- else %}
    {#- no adapter: an empty relation of the same columns #}
    select
        cast(null as {{ dbt.type_string() }}) as source,
        cast(null as {{ dbt.type_string() }}) as source_table,
        cast(null as {{ dbt.type_string() }}) as load_id,
        cast(null as {{ dbt.type_string() }}) as source_file,
        cast(null as {{ dbt.type_bigint() }}) as source_line,
        cast(null as {{ dbt.type_string() }}) as unmapped_reason
    where 1 = 0
    {%- endfor %}
{%- endmacro %}

{#- An adapter's models exist only while its name is in var event_sources (config(enabled=...)). -#}
{% macro source_adapter_enabled(event_source) -%}
    {{ return(event_source in var('event_sources')) }}
{%- endmacro %}

{#-
    source_table_texts(event_source, source_table, columns, delivery_key=[], empty_as_null=false):
    the select an adapter's staging starts from, one row per stored row of one source table
    (raw.source_rows): its delivery columns (source, source_table, load_id, source_file,
    source_line, loaded_at) and each of `columns` as trimmed text, `<column>_text` (null when
    empty with empty_as_null). With delivery_key (SQL over those texts, e.g. ['id_text']),
    also delivery_number: 1 for the first delivery of the key in delivery order (load, file,
    row), which is the one an adapter keeps.
-#}
{% macro source_table_texts(
    event_source, source_table, columns, delivery_key=[], empty_as_null=false
) -%}
    {%- set paths = [] -%}
    {%- for column in columns %}{% do paths.append([column]) %}{% endfor -%}
    {%- set texts -%}
    select
        source,
        source_table,
        load_id,
        source_file,
        source_line,
        loaded_at,
        {%- for column in columns %}
        {%- set text = 'trim(' ~ array_item('record_values', loop.index) ~ ')' %}
        {{ "nullif(" ~ text ~ ", '')" if empty_as_null else text }} as {{ column }}_text
        {{- "," if not loop.last }}
        {%- endfor %}
    from (
        select
            *,
            {{ json_texts('record', paths) }} as record_values
        from {{ source('raw', 'source_rows') }}
        where source = '{{ event_source }}' and source_table = '{{ source_table }}'
    ) as extracted
    {%- endset -%}
    {%- if delivery_key %}
    select
        texts.*,
        row_number() over (
            partition by {{ delivery_key | join(', ') }}
            order by texts.{{ source_delivery_order() | join(', texts.') }}
        ) as delivery_number
    from (
        {{ texts }}
    ) as texts
    {%- else %}
    {{ texts }}
    {%- endif %}
{%- endmacro %}

{#- The order rows of a source table were delivered in: load, then file, then row. -#}
{% macro source_delivery_order() -%}
    {{ return(['loaded_at', 'load_id', 'source_file', 'source_line']) }}
{%- endmacro %}

{#-
    history_version_columns(): for a table holding a row per version of an id (Intercom's
    *_history tables; columns id_text, updated_at and row_problem, null when the row is
    readable), over the rows of an id with (or without) a row problem: version_rank, 1 for the
    latest version (by updated_at, then the later delivery), and first_<column> for each
    column of source_delivery_order(): the id's first delivery, which its events are staged with.
-#}
{% macro history_version_columns() -%}
    {%- set delivery_order = source_delivery_order() -%}
        row_number() over (
            partition by id_text, row_problem is null
            order by updated_at desc, {{ delivery_order | join(' desc, ') }} desc
        ) as version_rank,
        {%- for column in delivery_order %}
        first_value({{ column }}) over (
            partition by id_text, row_problem is null
            order by {{ delivery_order | join(', ') }}
        ) as first_{{ column }}{{ "," if not loop.last }}
        {%- endfor %}
{%- endmacro %}
