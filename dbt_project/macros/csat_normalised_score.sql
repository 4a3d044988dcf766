{#
    csat_normalised_score(kind, scale, score): a CSAT answer on its scale as a fraction 0-1, so
    answers on different scales compare (docs.md, csat_normalised_score): 1-5 (the default
    scale) -> (score - 1) / 4; 0-10 -> score / 10; good_bad -> good 1, bad 0. Null for any
    other kind or scale, and for a score outside its scale (a 7 on 1-5 is a broken answer, not
    a great one). `score` is the attribute as JSON-extracted text.
#}
{% macro csat_normalised_score(kind, scale, score) -%}
    {%- set number = try_cast_as(score, type_double()) -%}
    case
        when {{ kind }} = 'csat' and coalesce({{ scale }}, '1-5') = '1-5'
            and {{ number }} between 1 and 5
            then ({{ number }} - 1) / 4
        when {{ kind }} = 'csat' and {{ scale }} = '0-10' and {{ number }} between 0 and 10
            then {{ number }} / 10
        when {{ kind }} = 'csat' and {{ scale }} = 'good_bad'
            then case lower(trim({{ score }})) when 'good' then 1.0 when 'bad' then 0.0 end
    end
{%- endmacro %}
