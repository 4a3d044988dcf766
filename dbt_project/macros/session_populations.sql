{#
    session_populations(): the sessions each sample-size column of agg_metrics_segment_daily
    counts, name -> {'condition': a boolean over fct_sessions columns, 'label': its words}. The
    one home of these conditions: segment_day_aggregates() counts them (population_count), and
    dim_metrics publishes each scorecard metric's population, so a reader of the published file
    (the drill-down app) lists a bar's sessions without restating dbt.
    population_count(name): the population's count over fct_sessions rows, as a bigint.
#}
{% macro session_populations() -%}
    {{ return({
        'sessions': {'condition': 'true', 'label': 'every session'},
        'bot_handled_sessions': {
            'condition': 'has_bot_reply', 'label': 'bot-handled sessions (the bot replied)'},
        'resolved_sessions': {'condition': 'is_resolved', 'label': 'resolved sessions'},
        'csat_responses': {
            'condition': 'csat_score is not null', 'label': 'sessions with a CSAT answer'},
        'responded_sessions': {
            'condition': 'first_response_at is not null',
            'label': 'sessions with a first response (bot or agent)'},
        'survey_offered_sessions': {
            'condition': 'is_survey_offered',
            'label': 'sessions offered the CSAT survey (or that answered it)'},
        'csat_normalised_responses': {
            'condition': 'csat_normalised_score is not null',
            'label': 'sessions with a CSAT answer on a known scale'},
        'micro_feedback_responses': {
            'condition': 'micro_feedback_answer is not null',
            'label': 'sessions with a micro-feedback answer'},
        'csat_responses_bot_resolved': {
            'condition': "resolution_kind = 'autonomous' and csat_score is not null",
            'label': 'autonomously resolved sessions with a CSAT answer'},
        'csat_responses_human_only': {
            'condition': "resolution_kind = 'human_only' and csat_score is not null",
            'label': 'human-only resolved sessions with a CSAT answer'},
        'escalated_sessions': {'condition': 'has_escalation', 'label': 'escalated sessions'},
        'human_responded_sessions': {
            'condition': 'human_first_response_seconds is not null',
            'label': 'sessions a human responded in'},
        'sla_covered_sessions': {
            'condition': 'is_first_reply_sla_breached is not null',
            'label': 'sessions with an SLA target (known severity and channel)'},
    }) }}
{%- endmacro %}

{% macro population_count(name) -%}
    {%- set condition = session_populations()[name]['condition'] -%}
    {#- every session: count(*) says so plainly (and is what the marts always compiled to) -#}
    {%- if condition == 'true' -%}
        count(*)
    {%- else -%}
        {{ count_where(condition) }}
    {%- endif -%}
{%- endmacro %}
