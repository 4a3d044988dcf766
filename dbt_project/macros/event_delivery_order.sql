{#
    event_delivery_order(relation=none): the order events happened in, as a list of order-by
    expressions over staged events (stg_support__events; `relation` prefixes each column):
    occurred_at, and for events stamped with the same instant the order they were delivered in:
    the load (loaded_at, one per loader run), the file (source_file: a load reads its files in
    sorted order of that path) and the line or record number in the file (source_line). A
    delivered event never ties on all four. Not the event id: it is a keyed hash (and as text
    'msg-10' sorts before 'msg-9'), so it would put a tie in an arbitrary order.
    Models below staging order by occurred_at, event_sequence_number (int_events_sessionised),
    which is this order.
#}
{% macro event_delivery_order(relation=none) -%}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    {{ return([
        prefix ~ 'occurred_at', prefix ~ 'loaded_at', prefix ~ 'source_file', prefix ~ 'source_line'
    ]) }}
{%- endmacro %}
