{#
    Monitoring: event types that event_type_mapping does not know, so the mapping can grow.
    Empty when every delivered type is mapped. Such events are kept in staging, never dropped.
    A type that is not a label (one holding an e-mail address, say) is grouped as
    'unrecognised' (macros/unmapped_labels.sql).
#}

{{ unmapped_labels('source_event_type', 'is_mapped_event_type') }}
