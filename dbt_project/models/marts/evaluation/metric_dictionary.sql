{#
    The metric dictionary BI users read next to the numbers: one row per metric of the
    metric_definitions seed, with its scorecard thresholds (direction, acceptable, critical,
    owner, data source, leading or lagging, unit) where the scorecard_thresholds seed has them.
    A metric with thresholds but no definition still appears (definition null), so a missing
    definition is visible rather than silent.
#}

with

definitions as (

    select * from {{ ref('metric_definitions') }}

),

thresholds as (

    select * from {{ ref('scorecard_thresholds') }}

),

final as (

    select
        -- ids
        coalesce(definitions.metric_name, thresholds.metric_name) as metric_name,

        -- strings
        definitions.display_name,
        definitions.definition,
        definitions.grain,
        thresholds.unit,
        thresholds.indicator_type,
        thresholds.direction,
        thresholds.owner,
        thresholds.data_source,
        definitions.model_name,
        definitions.column_name,

        -- numerics
        thresholds.acceptable as acceptable_threshold,
        thresholds.critical as critical_threshold,

        -- booleans
        thresholds.metric_name is not null as is_on_scorecard

    from definitions
    full outer join thresholds
        on definitions.metric_name = thresholds.metric_name

)

select * from final
