{#
    scorecard_setting(name): the value of var `name`, else the default below. The vars of the
    scorecard, experiment, QA-sampling and closing-the-loop marts live here with the reason for
    each default, so every model reads one definition; a team overrides any of them in
    dbt_project.yml `vars:` or with --vars, exactly like the project's other vars.
#}
{% macro scorecard_setting(name) -%}
    {%- set defaults = {
        'scorecard_min_sessions': 30,
        'scorecard_trailing_periods': [7, 28],
        'metric_decimal_places': 6,
        'scorecard_metrics': [
            ['coverage_rate', 'sessions'],
            ['resolution_rate', 'sessions'],
            ['autonomous_rate', 'sessions'],
            ['durable_resolution_rate', 'sessions'],
            ['unresolved_rate', 'sessions'],
            ['abandoned_rate', 'sessions'],
            ['escalation_rate', 'bot_handled_sessions'],
            ['reopen_rate', 'resolved_sessions'],
            ['repeat_contact_rate', 'sessions'],
            ['csat_mean', 'csat_responses'],
            ['csat_satisfied_rate', 'csat_responses'],
            ['first_response_seconds_median', 'sessions'],
            ['first_response_seconds_mean', 'sessions'],
            ['time_to_resolution_seconds_median', 'resolved_sessions'],
            ['tone_alignment_score_mean', 'responded_sessions'],
            ['acknowledgement_rate', 'responded_sessions'],
            ['rephrase_rate', 'sessions'],
            ['time_to_useful_response_seconds_median', 'responded_sessions'],
            ['first_contact_resolution_rate', 'sessions'],
            ['micro_feedback_yes_rate', 'micro_feedback_responses'],
            ['csat_mean_bot_resolved', 'csat_responses_bot_resolved'],
            ['csat_mean_human_only', 'csat_responses_human_only'],
            ['silent_handoff_rate', 'escalated_sessions'],
            ['abandoned_after_handoff_rate', 'escalated_sessions'],
            ['handoff_context_completeness_mean', 'escalated_sessions'],
            ['customer_messages_to_resolution_mean', 'resolved_sessions'],
            ['human_first_response_seconds_median', 'human_responded_sessions'],
            ['first_reply_sla_breach_rate', 'sla_covered_sessions'],
            ['resolution_sla_breach_rate', 'sla_covered_sessions'],
        ],
        'experiment_metrics': [
            {'name': 'resolution_rate', 'kind': 'proportion', 'population': 'true', 'observation': 'is_resolved'},
            {'name': 'autonomous_rate', 'kind': 'proportion', 'population': 'true', 'observation': "resolution_kind = 'autonomous'"},
            {'name': 'escalation_rate', 'kind': 'proportion', 'population': 'has_bot_reply', 'observation': 'has_escalation'},
            {'name': 'reopen_rate', 'kind': 'proportion', 'population': 'is_resolved', 'observation': 'is_reopened_within_window'},
            {'name': 'repeat_contact_rate', 'kind': 'proportion', 'population': 'true', 'observation': 'is_repeat_contact'},
            {'name': 'csat_satisfied_rate', 'kind': 'proportion', 'population': 'csat_score is not null', 'observation': 'is_csat_satisfied'},
            {'name': 'csat_mean', 'kind': 'mean', 'population': 'true', 'observation': 'csat_score'},
            {'name': 'first_response_seconds_mean', 'kind': 'mean', 'population': 'true', 'observation': 'first_response_seconds'},
            {'name': 'time_to_resolution_seconds_mean', 'kind': 'mean', 'population': 'true', 'observation': 'time_to_resolution_seconds'},
        ],
        'experiment_controls': {
            'model_version': 'support-llm-2026.06',
            'prompt_id': 'prompt-concise-v3',
        },
        'experiment_segment_dimensions': ['channel', 'intent', 'severity'],
        'experiment_start_date': none,
        'experiment_end_date': none,
        'confidence_z': 1.96,
        'balance_flag_metrics': {
            'tone': 'tone_alignment_score_mean',
            'resolution': 'resolution_rate',
            'speed': 'first_response_seconds_median',
            'useful_response': 'time_to_useful_response_seconds_median',
        },
        'qa_sample_salt': 'qa-sample-v1',
        'qa_calibration_max_disagreements': 100,
    } -%}
    {#-
        Why these defaults:
        scorecard_min_sessions 30: a segment with fewer sessions is marked low-confidence
            (docs/metrics.md, "Scorecard"); at n = 30 a rate's 95% interval is still about
            +-0.18 wide.
        scorecard_trailing_periods [7, 28]: the windows (days, ending on each session_date) that
            agg_scorecard_periods pools the warehouse's sessions over: a week smooths the
            weekday cycle, four weeks show the month the support lead reports on.
        metric_decimal_places 6: every published rate, mean and median of agg_metrics_segment_daily
            and the scorecard is rounded to this many places (macros/segment_day_metrics.sql)
            before any threshold sees it: a millionth of a rate or of a second is far finer than
            any threshold and far coarser than the last-bit noise of parallel float sums, so two
            runs on the same data publish the same values and judge them the same way.
        scorecard_metrics: the metrics the scorecard judges, as [agg_metrics_segment_daily column,
            column holding its sample size (the metric's denominator)]. Adding a metric = one
            line here plus its row in seeds/scorecard_thresholds.csv.
        experiment_metrics: what agg_experiment_comparisons compares, each a per-session
            observation over a population (fct_sessions expressions): kind proportion = share of
            the population where `observation` holds; kind mean = mean of `observation`.
            Adding one = a line here plus its direction row in scorecard_thresholds.
        experiment_controls: the control arms of the running experiments (docs/synthetic-data.md:
            support-llm-2026.06 vs .09, prompt-concise-v3 vs prompt-empathy-v4); every other value
            of the dimension is a treatment compared with its control.
        experiment_segment_dimensions: the segments an experiment is cut by besides 'all'.
        experiment_start_date / experiment_end_date ('YYYY-MM-DD' or none): the sessions an
            experiment reads (cohort rule: by session_date, both ends included); none = all.
        confidence_z 1.96: the two-sided 95% normal quantile used for every interval.
        balance_flag_metrics: which scorecard metric plays each role in the balance flags
            (each must be in scorecard_metrics). Tone = the automatic tone rubric mean, useful
            response = time to useful response (docs/metrics.md). Where a deployment has no tone
            rubric, 'tone': 'csat_mean' is the documented proxy (how the customer felt, not how
            the bot sounded), and 'useful_response': 'time_to_resolution_seconds_median'.
        qa_sample_salt: mixed into the hash that orders sessions in a QA stratum. Change it to
            draw a fresh, still deterministic, sample; keep it to keep the queue stable.
        qa_calibration_max_disagreements 100: rows in fct_qa_calibration_disagreements, about a
            week of a QA lead's tuning work.
    -#}
    {{ return(var(name, defaults[name])) }}
{%- endmacro %}
