{#
    Generic test: the combination of the listed columns is unique (a model's grain).
    Catches fan-out from joins and grouping on the wrong columns.
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

select
    {{ combination_of_columns | join(', ') }},
    count(*) as row_count
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1

{% endtest %}
