{#
    The metric dictionary BI users read next to the numbers: one row per metric of the semantic
    layer (models/marts/_semantic_layer.yml, each definition a docs block of
    models/marts/_metric_definitions.md), read from dbt's graph when the model compiles, with
    its scorecard thresholds (direction, acceptable, critical, owner, data source) where the
    scorecard_thresholds seed has them. Unit and leading/lagging are the metric's own (meta);
    tests/test_semantic_layer.py checks the seed's copies agree. A metric with thresholds but no semantic definition
    still appears (definition null), so a missing definition is visible rather than silent.
    Each scorecard metric (scorecard_setting('scorecard_metrics')) also names its sample
    population: the sample-size column it is judged on, that column's condition over
    fct_sessions and its words (macros/session_populations.sql), so a reader can list the
    sessions behind a value without restating dbt.
#}

{%- set definitions = [] %}
{%- if execute %}
    {#- a docs block's line breaks are spaces in Markdown: one line per definition #}
    {%- for metric in graph.metrics.values() | sort(attribute='name') %}
        {%- set meta = metric.config.meta %}
        {%- do definitions.append({
            'metric_name': metric.name,
            'display_name': metric.label,
            'definition': metric.description.split() | join(' '),
            'grain': meta.grain,
            'unit': meta.unit,
            'indicator_type': meta.indicator_type,
            'model_name': meta.model_name,
            'column_name': meta.column_name,
        }) %}
    {%- endfor %}
{%- endif %}
{%- set definition_columns = [
    'metric_name', 'display_name', 'definition', 'grain', 'unit', 'indicator_type', 'model_name',
    'column_name',
] %}

{%- set populations = session_populations() %}

with

definitions as (

    {%- if definitions %}
    select * from (
        values
        {%- for row in definitions %}
            (
            {%- for column in definition_columns %}
                {%- set value = row[column] %}
                {%- if value is none %}null{% else %}{{ string_literal(value) }}{% endif %}
                {{- ', ' if not loop.last }}
            {%- endfor -%}
            ){{ ',' if not loop.last }}
        {%- endfor %}
    -- the alias is what names the values' columns
    ) as semantic_metrics ({{ definition_columns | join(', ') }})  -- noqa: AL05
    {%- else %}
    {#- at parse time the graph is not there yet: an empty relation of the same shape #}
    select
        {%- for column in definition_columns %}
        cast(null as {{ type_text() }}) as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    where false
    {%- endif %}

),

thresholds as (

    select * from {{ ref('scorecard_thresholds') }}

),

sample_populations as (

    select * from (
        values
        {%- for metric_name, population in scorecard_setting('scorecard_metrics') %}
            (
                '{{ metric_name }}',
                '{{ population }}',
                {{ string_literal(populations[population]['condition']) }},
                {{ string_literal(populations[population]['label']) }}
            ){{ ',' if not loop.last }}
        {%- endfor %}
    -- the alias is what names the values' columns
    ) as scorecard_populations (  -- noqa: AL05
        metric_name, sample_population, sample_population_condition, sample_population_label
    )

),

final as (

    select
        -- ids
        cast(coalesce(definitions.metric_name, thresholds.metric_name) as {{ type_text() }}) as metric_name,

        -- strings
        cast(definitions.display_name as {{ type_text() }}) as display_name,
        cast(definitions.definition as {{ type_text() }}) as definition,
        cast(definitions.grain as {{ type_text() }}) as grain,
        cast(definitions.unit as {{ type_text() }}) as unit,
        cast(definitions.indicator_type as {{ type_text() }}) as indicator_type,
        thresholds.direction,
        thresholds.owner,
        thresholds.data_source,
        cast(definitions.model_name as {{ type_text() }}) as model_name,
        cast(definitions.column_name as {{ type_text() }}) as column_name,
        cast(sample_populations.sample_population as {{ type_text() }}) as sample_population,
        cast(sample_populations.sample_population_condition as {{ type_text() }})
            as sample_population_condition,
        cast(sample_populations.sample_population_label as {{ type_text() }}) as sample_population_label,

        -- numerics
        thresholds.acceptable as acceptable_threshold,
        thresholds.critical as critical_threshold,

        -- booleans
        thresholds.metric_name is not null as is_on_scorecard

    from definitions
    full outer join thresholds
        on definitions.metric_name = thresholds.metric_name
    left join sample_populations
        on coalesce(definitions.metric_name, thresholds.metric_name)
        = sample_populations.metric_name

)

select * from final
