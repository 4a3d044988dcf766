"""The experiment, scorecard, QA and closing-the-loop marts on generated data with planted
truth (docs/synthetic-data.md): the real Dagster job runs once for the module on ~60k events
and the marts must recover the planted model-version difference with the right sign."""

from __future__ import annotations

from datetime import date, timedelta
from math import sqrt

import pytest

from orchestration.synthetic.generator import (
    CONTROL_MODEL,
    CONTROL_PROMPT,
    TREATMENT_MODEL,
    TREATMENT_PROMPT,
    write_landing,
)
from tests.conftest import parsed_manifest, pipeline_environment, query

EVENTS = 60_000
SEED = 5
START = date(2026, 10, 10)
DAYS = 14
# Sessions are ~10 events, the bot handles ~88% of them, the arms split 50/50: about 2,600
# bot-handled sessions per model version.


@pytest.fixture(scope="module")
def generated_warehouse(tmp_path_factory: pytest.TempPathFactory):
    from orchestration.cli import run_refresh

    warehouse_dir = tmp_path_factory.mktemp("generated_warehouse")
    write_landing(
        warehouse_dir / "landing", target_events=EVENTS, seed=SEED, start_date=START, days=DAYS
    )
    with pipeline_environment(warehouse_dir) as settings:
        outcome = run_refresh(settings, (START + timedelta(days=DAYS - 1)).isoformat())
    return settings, outcome


@pytest.fixture(scope="module")
def working(generated_warehouse):
    settings, _ = generated_warehouse
    return lambda sql: query(settings.working_db, sql)


def comparison(working, dimension: str, metric: str) -> dict:
    columns = (
        "control_arm, treatment_arm, control_sample_size, treatment_sample_size, "
        "control_metric_value, treatment_metric_value, absolute_delta, delta_ci_lower, "
        "delta_ci_upper, is_significant_regression, is_significant_improvement"
    )
    rows = working(
        f"select {columns} from marts.agg_experiment_comparisons "
        f"where comparison_dimension = '{dimension}' and segment_dimension = 'all' "
        f"and metric_name = '{metric}'"
    )
    assert len(rows) == 1, rows
    return dict(zip([name.strip() for name in columns.split(",")], rows[0], strict=True))


def test_the_generated_run_publishes(generated_warehouse):
    _, outcome = generated_warehouse
    assert outcome.published, outcome.problems


def test_treatment_model_escalates_more_and_the_interval_excludes_zero(working):
    found = comparison(working, "model_version", "escalation_rate")
    assert (found["control_arm"], found["treatment_arm"]) == (
        CONTROL_MODEL.model_version,
        TREATMENT_MODEL.model_version,
    )
    planted_delta = TREATMENT_MODEL.escalation_rate - CONTROL_MODEL.escalation_rate  # +0.10
    # Standard error of the difference at the planted rates and the measured sample sizes
    # (~0.012 at 2,600 per arm): the estimate must lie within 4 of them of the planted +0.10.
    planted_se = sqrt(
        CONTROL_MODEL.escalation_rate
        * (1 - CONTROL_MODEL.escalation_rate)
        / found["control_sample_size"]
        + TREATMENT_MODEL.escalation_rate
        * (1 - TREATMENT_MODEL.escalation_rate)
        / found["treatment_sample_size"]
    )
    assert found["control_sample_size"] > 2_000 and found["treatment_sample_size"] > 2_000
    assert abs(found["absolute_delta"] - planted_delta) < 4 * planted_se
    assert 0 < found["delta_ci_lower"] < found["absolute_delta"] < found["delta_ci_upper"]
    assert found["is_significant_regression"] and not found["is_significant_improvement"]


def test_treatment_model_resolves_less_on_its_own(working):
    # autonomous = bot replied (coverage ~0.88) and the bot resolved: planted 0.55 vs 0.45 of
    # bot-handled sessions, so about 0.88 x -0.10 = -0.088 of all sessions.
    found = comparison(working, "model_version", "autonomous_rate")
    expected = 0.88 * (TREATMENT_MODEL.bot_resolution_rate - CONTROL_MODEL.bot_resolution_rate)
    assert abs(found["absolute_delta"] - expected) < 0.04
    assert found["delta_ci_upper"] < 0
    assert found["is_significant_regression"]


def test_prompts_do_not_change_escalation(working):
    # Prompts change only tone (docs/synthetic-data.md): no planted escalation difference.
    found = comparison(working, "prompt_id", "escalation_rate")
    assert (found["control_arm"], found["treatment_arm"]) == (
        CONTROL_PROMPT.prompt_id,
        TREATMENT_PROMPT.prompt_id,
    )
    assert abs(found["absolute_delta"]) < 0.04
    assert found["delta_ci_lower"] < 0 < found["delta_ci_upper"]
    assert not found["is_significant_regression"]


def test_every_segment_of_the_model_comparison_has_both_arms(working):
    rows = working(
        "select segment_dimension, count(distinct segment_value) "
        "from marts.agg_experiment_comparisons "
        "where comparison_dimension = 'model_version' and metric_name = 'escalation_rate' "
        "group by segment_dimension order by segment_dimension"
    )
    assert rows == [("all", 1), ("channel", 4), ("intent", 6), ("severity", 4)]


def test_fct_qa_review_queue_is_stable_and_keeps_its_quotas(working):
    over_quota = working(
        "select count(*) from marts.fct_qa_review_queue where rank_in_stratum > stratum_quota"
    )
    assert over_quota == [(0,)]
    failures_share = working(
        "select avg(case when review_outcome in ('unresolved', 'abandoned', 'reopened') "
        "then 1.0 else 0.0 end) from marts.fct_qa_review_queue"
    )[0][0]
    population_share = working(
        "select avg(case when (is_resolved and is_reopened_within_window) "
        "or resolution_kind in ('unresolved', 'abandoned') then 1.0 else 0.0 end) "
        "from marts.fct_sessions"
    )[0][0]
    assert failures_share > population_share  # failures are over-sampled


def test_great_expectations_suite_passes_on_generated_data(generated_warehouse, published_mart):
    from orchestration.quality.suites import suite_of_mart
    from orchestration.quality.validation import validate_table

    settings, _ = generated_warehouse
    suite = suite_of_mart(parsed_manifest(), published_mart)
    outcome = validate_table(settings.working_db, "marts", published_mart, suite)
    assert outcome.success, outcome.describe()
