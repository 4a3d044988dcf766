{#
    safe_divide(numerator, denominator): numerator / denominator as a float, null when the
    denominator is 0 or null (a rate with no population is unknown, not 0).
#}
{% macro safe_divide(numerator, denominator) -%}
    case
        when coalesce({{ denominator }}, 0) = 0 then null
        else cast({{ numerator }} as {{ dbt.type_float() }}) / {{ denominator }}
    end
{%- endmacro %}
