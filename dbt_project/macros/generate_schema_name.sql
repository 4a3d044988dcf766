{#
    Use a model's custom schema name verbatim (staging, intermediate, marts) instead of dbt's
    default <target_schema>_<custom_schema>: the orchestration and BI refer to these names.
    Nodes without a custom schema fall back to the target schema.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
