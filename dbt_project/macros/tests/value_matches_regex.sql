{#
    Generic test: every non-null value of the column matches the regular expression `regex`
    (anywhere in the value: anchor it with ^...$ to match the whole value). Catches an
    identifier that is not the pseudonym it should be.
#}
{% test value_matches_regex(model, column_name, regex) %}

select {{ column_name }} as unmatched_value
from {{ model }}
where
    {{ column_name }} is not null
    and not {{ adapter.dispatch('regexp_matches_all', 'empathy_warehouse')(column_name, regex) }}

{% endtest %}
