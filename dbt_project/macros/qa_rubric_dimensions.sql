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

{#
    qa_rubric_older_spellings(): dimension -> the scores key older QA tools still send for it
    (docs/event-contract.md). Staging reads either key; the documented one wins when both come.
#}
{% macro qa_rubric_older_spellings() -%}
    {#- acknowledgment: the accepted older spelling of acknowledgement -#}
    {{ return({'acknowledgement': 'acknowledgment'}) }} {#- older spelling -#}
{%- endmacro %}
