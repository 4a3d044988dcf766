{#
    qa_rubric_dimensions(): the five dimensions of the tone rubric (docs/metrics.md, "Tone
    rubric"), scored 1-5 by human QA (attributes.scores.<dimension> of a qa_review event)
    and by the automatic lexicon rubric (tone_lexicon.dimension). Every model that reads,
    scores or compares a dimension loops over this list, so the rubric changes in one place
    (plus the tone_lexicon seed and the column descriptions).
#}
{% macro qa_rubric_dimensions() -%}
    {{ return(['acknowledgement', 'clarity', 'reassurance', 'accountability', 'appropriateness']) }}
{%- endmacro %}
