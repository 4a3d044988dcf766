{#
    Agreement between human QA and the automatic tone rubric, one row per rubric dimension x
    segment (segment_dimension 'all' with segment_value 'all', then channel, language,
    severity, model_version, prompt_id), over every session both scored (int_qa_scores_paired;
    no time window: calibration needs the volume). Scores are 1-5; a human score is the mean of
    the session's reviews.
#}

{%- set segment_dimensions = ['channel', 'language', 'severity', 'model_version', 'prompt_id'] %}
{%- set min_sessions = scorecard_setting('scorecard_min_sessions') %}

with

score_pairs as (

    select * from {{ ref('int_qa_scores_paired') }}

),

agreement as (

    {%- for segment_dimension in ['all'] + segment_dimensions %}
    select
        rubric_dimension,
        '{{ segment_dimension }}' as segment_dimension,
        {{ "'all'" if segment_dimension == 'all' else segment_dimension }} as segment_value,
        count(*) as sessions_compared,
        avg(human_score) as human_score_mean,
        avg(automatic_score) as automatic_score_mean,
        avg(score_difference) as mean_signed_difference,
        avg(absolute_difference) as mean_absolute_difference,
        {{ safe_divide(count_where('absolute_difference <= 1'), 'count(*)') }} as within_one_point_rate
    from score_pairs
    group by
        rubric_dimension
        {%- if segment_dimension != 'all' %},
        {{ segment_dimension }}
        {%- endif %}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

final as (

    select
        -- ids
        {{ dbt.hash(dbt.concat(['rubric_dimension', "'|'", 'segment_dimension', "'|'", 'segment_value'])) }}
            as calibration_id,

        -- strings
        rubric_dimension,
        segment_dimension,
        segment_value,

        -- numerics
        sessions_compared,
        human_score_mean,
        automatic_score_mean,
        mean_signed_difference,
        mean_absolute_difference,
        within_one_point_rate,

        -- booleans
        sessions_compared < {{ min_sessions }} as is_low_confidence

    from agreement

)

select * from final
