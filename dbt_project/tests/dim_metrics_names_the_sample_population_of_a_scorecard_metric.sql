{#
    dim_metrics publishes each scorecard metric's sample population (macros/session_populations.sql)
    and nothing for a metric the scorecard does not judge. Values worked out by hand from the
    metrics' definitions: escalation_rate is over bot-handled sessions, csat_mean_bot_resolved over
    autonomously resolved sessions with a CSAT answer, coverage_rate over every session,
    assisted_rate is not on the scorecard. A row returned is a metric whose published population
    differs (or that is missing).
#}
with

expected as (

    select * from (
        values
        ('escalation_rate', 'bot_handled_sessions', 'has_bot_reply',
            'bot-handled sessions (the bot replied)'),
        ('csat_mean_bot_resolved', 'csat_responses_bot_resolved',
            {{ string_literal("resolution_kind = 'autonomous' and csat_score is not null") }},
            'autonomously resolved sessions with a CSAT answer'),
        ('coverage_rate', 'sessions', 'true', 'every session'),
        ('assisted_rate', null, null, null)
    -- the alias is what names the values' columns
    ) as hand_worked (  -- noqa: AL05
        metric_name, sample_population, sample_population_condition, sample_population_label
    )

)

select expected.metric_name
from expected
left join {{ ref('dim_metrics') }} as published
    on expected.metric_name = published.metric_name
where published.metric_name is null
    or published.sample_population is distinct from expected.sample_population
    or published.sample_population_condition is distinct from expected.sample_population_condition
    or published.sample_population_label is distinct from expected.sample_population_label
