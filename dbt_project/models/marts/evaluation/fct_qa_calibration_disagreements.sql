{#
    The sessions where human QA and the automatic rubric disagree most, for tuning prompts and
    the lexicon: one row per session scored by both, ranked by the sum over the five
    dimensions of |automatic - human| (ties: the larger single-dimension gap, then session_id),
    the top var qa_calibration_max_disagreements sessions.
#}

{%- set dimensions = qa_rubric_dimensions() %}
{%- set max_rows = scorecard_setting('qa_calibration_max_disagreements') %}

with

score_pairs as (

    select * from {{ ref('int_qa_scores_paired') }}

),

per_session as (

    select
        session_id,
        {%- for column in segment_columns() %}
        {{ column }},
        {%- endfor %}
        session_date,
        count(*) as dimensions_compared,
        sum(absolute_difference) as total_absolute_difference,
        max(absolute_difference) as max_absolute_difference,
        {%- for dimension in dimensions %}
        max(case when rubric_dimension = '{{ dimension }}' then human_score end)
            as human_{{ dimension }}_score,
        max(case when rubric_dimension = '{{ dimension }}' then automatic_score end)
            as automatic_{{ dimension }}_score
        {{- ',' if not loop.last }}
        {%- endfor %}
    from score_pairs
    group by
        session_id,
        {%- for column in segment_columns() %}
        {{ column }},
        {%- endfor %}
        session_date

),

ranked as (

    select
        per_session.*,
        -- the cast: row_number() is a 4-byte int on Spark, the contract says bigint
        cast(row_number() over (
            order by
                per_session.total_absolute_difference desc,
                per_session.max_absolute_difference desc,
                per_session.session_id asc
        ) as {{ dbt.type_bigint() }}) as disagreement_rank
    from per_session

),

final as (

    select
        -- ids
        session_id,

        -- strings
        {%- for column in segment_columns() %}
        {{ column }},
        {%- endfor %}

        -- numerics
        disagreement_rank,
        dimensions_compared,
        total_absolute_difference,
        max_absolute_difference,
        {%- for dimension in dimensions %}
        human_{{ dimension }}_score,
        automatic_{{ dimension }}_score,
        {%- endfor %}

        -- dates
        session_date

    from ranked
    where disagreement_rank <= {{ max_rows }}

)

select * from final
