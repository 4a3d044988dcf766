{#
    safe_divide(numerator, denominator): numerator / denominator as a double, null when the
    denominator is 0 or null (a rate with no population is unknown, not 0).
#}
{% macro safe_divide(numerator, denominator) -%}
    case
        when coalesce({{ denominator }}, 0) = 0 then null
        else cast({{ numerator }} as {{ type_double() }}) / {{ denominator }}
    end
{%- endmacro %}
