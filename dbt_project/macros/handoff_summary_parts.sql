{#
    handoff_summary_parts(): the four parts of the handoff summary a bot passes to the human
    agent on escalation (attributes.summary.<part> of an escalated event; event-contract.md).
    Staging flags each part present (has_<part>), fct_escalations scores context completeness
    as the share present; both loop over this list.
#}
{% macro handoff_summary_parts() -%}
    {{ return(['issue_summary', 'customer_emotion', 'attempted_solutions', 'metadata']) }}
{%- endmacro %}
