{#
    One row per session x rubric dimension that both human QA and the automatic rubric scored:
    the human score (mean of the session's QA reviews for that dimension, usually one review),
    the automatic score, and the session's segments. Feeds qa_calibration and
    qa_calibration_disagreements.

    automatic_scores is the one input to change if the rubric moves: the automatic tone rubric
    columns tone_<dimension>_score of fct_sessions (null where the rubric did not score).
#}

{%- set dimensions = ['acknowledgment', 'clarity', 'reassurance', 'accountability', 'appropriateness'] %}

with

qa_reviews as (

    select * from {{ ref('int_qa_reviews') }}

),

sessions as (

    select * from {{ ref('fct_sessions') }}

),

automatic_scores as (

    select
        session_id,
        {%- for dimension in dimensions %}
        tone_{{ dimension }}_score{{ ',' if not loop.last }}
        {%- endfor %}
    from sessions

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
        coalesce(sessions.channel, 'unknown') as channel,
        coalesce(sessions.intent, 'unknown') as intent,
        coalesce(sessions.severity, 'unknown') as severity,
        coalesce(sessions.language, 'unknown') as language,
        coalesce(sessions.model_version, 'unknown') as model_version,
        coalesce(sessions.prompt_id, 'unknown') as prompt_id,

        -- numerics
        pairs.reviews,
        pairs.human_score,
        pairs.automatic_score,
        pairs.automatic_score - pairs.human_score as score_difference,
        abs(pairs.automatic_score - pairs.human_score) as absolute_difference,

        -- dates
        sessions.session_date

    from pairs
    left join sessions
        on pairs.session_id = sessions.session_id

)

select * from final
