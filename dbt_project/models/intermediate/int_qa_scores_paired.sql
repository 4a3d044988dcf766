{#
    One row per session x rubric dimension that both human QA and the automatic rubric scored:
    the human score (mean of the session's QA reviews for that dimension, usually one review),
    the automatic score, and the session's segments. Feeds agg_qa_calibration and
    fct_qa_calibration_disagreements.

    Built from intermediate models only (layers flow staging -> intermediate -> marts): the
    automatic scores are the tone_<dimension>_score columns of int_sessions_measured
    (null where the rubric did not score; fct_sessions publishes the same columns), the
    segments and the start come from int_sessions_aggregated. automatic_scores is the one input to
    change if the rubric moves.
#}

{%- set dimensions = qa_rubric_dimensions() %}

with

qa_reviews as (

    select * from {{ ref('int_qa_reviews_extracted') }}

),

session_facts as (

    select * from {{ ref('int_sessions_aggregated') }}

),

session_leading_indicators as (

    select * from {{ ref('int_sessions_measured') }}

),

automatic_scores as (

    select
        session_id,
        {%- for dimension in dimensions %}
        tone_{{ dimension }}_score{{ ',' if not loop.last }}
        {%- endfor %}
    from session_leading_indicators

),

human_scores as (

    select
        session_id,
        count(*) as reviews,
        {%- for dimension in dimensions %}
        avg(cast(qa_{{ dimension }}_score as {{ type_double() }})) as human_{{ dimension }}_score
        {{- ',' if not loop.last }}
        {%- endfor %}
    from qa_reviews
    group by session_id

),

pairs as (

    {%- for dimension in dimensions %}
    select
        human_scores.session_id,
        '{{ dimension }}' as rubric_dimension,
        human_scores.reviews,
        human_scores.human_{{ dimension }}_score as human_score,
        cast(automatic_scores.tone_{{ dimension }}_score as {{ type_double() }}) as automatic_score
    from human_scores
    inner join automatic_scores
        on human_scores.session_id = automatic_scores.session_id
    where
        human_scores.human_{{ dimension }}_score is not null
        and automatic_scores.tone_{{ dimension }}_score is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

final as (

    select
        -- ids
        pairs.session_id,

        -- strings
        pairs.rubric_dimension,
        {{- segment_values('session_facts') }},

        -- numerics
        pairs.reviews,
        pairs.human_score,
        pairs.automatic_score,
        pairs.automatic_score - pairs.human_score as score_difference,
        abs(pairs.automatic_score - pairs.human_score) as absolute_difference,

        -- dates
        {{ session_date('session_facts.started_at') }} as session_date

    from pairs
    left join session_facts
        on pairs.session_id = session_facts.session_id

)

select * from final
