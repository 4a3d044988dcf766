{#
    Monitoring: channel labels that channel_mapping does not know, so the mapping can grow.
    Empty when every delivered label is mapped. Such events are kept (channel null,
    delivered_channel the label), never dropped; their sessions count in the segment
    'unknown' until the label is mapped. A label that is not one is grouped as
    'unrecognised' (macros/unmapped_labels.sql).
#}

{{ unmapped_labels('delivered_channel', 'is_mapped_channel', count_sessions=true) }}
