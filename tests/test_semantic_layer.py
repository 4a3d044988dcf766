"""The semantic layer (dbt_project/models/marts/_semantic_layer.yml), run for real with MetricFlow.

MetricFlow is set up once for the module (what `mf` does on every command: `dbt debug`, the
profile, the adapter, target/semantic_manifest.json) on the hand-made warehouse; the validation
and the queries then go through the same engine `mf validate-configs` and `mf query` call.
Expected values are worked out by hand from tests/handmade_events.py (its docstring has the
day); each is also read back from the published marts, so the semantic layer and the marts are
checked against each other and against the hand.
"""

from __future__ import annotations

import ast
import csv
import re
import shutil
from pathlib import Path

import pytest

from orchestration.settings import DBT_PROJECT_DIR, DBT_TARGET_DIR
from tests.conftest import parsed_manifest
from tests.handmade_events import DAY

# The marts round every rate, mean and median to 6 places (var metric_decimal_places).
MART_DECIMALS = 6


def metricflow_project_root(folder: Path) -> Path:
    """A dbt project root for `mf`: links to this project's files, and the semantic manifest of
    this test session's dbt run in target/ (the one place `mf` looks), so the source tree's
    target/ is never written."""
    root = folder / "dbt_project"
    (root / "target").mkdir(parents=True)
    for entry in DBT_PROJECT_DIR.iterdir():
        if entry.name not in ("target", "logs"):
            (root / entry.name).symlink_to(entry)
    (folder / "seeds").symlink_to(DBT_PROJECT_DIR.parent / "seeds")
    shutil.copy(DBT_TARGET_DIR / "semantic_manifest.json", root / "target")
    return root


@pytest.fixture(scope="module")
def metricflow(handmade_warehouse, tmp_path_factory):
    """MetricFlow's CLI configuration on a copy of the hand-made working database (MetricFlow
    opens it read-write; the other tests open the original read-only in this process)."""
    from dbt_metricflow.cli.cli_configuration import CLIConfiguration

    folder = tmp_path_factory.mktemp("metricflow")
    database = folder / "warehouse.duckdb"
    shutil.copy(handmade_warehouse.working_db, database)
    root = metricflow_project_root(folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EMPATHY_WORKING_DB", str(database))
        patch.chdir(root)
        configuration = CLIConfiguration()
        configuration.setup(
            dbt_profiles_path=root, dbt_project_path=root, configure_file_logging=False
        )
        yield configuration
        configuration.dbt_artifacts.adapter.cleanup_connections()


def mf_query(metricflow, metrics: list[str], group_by: list[str]) -> list[dict]:
    """The rows `mf query --metrics ... --group-by ...` prints, as dicts."""
    from metricflow.engine.metricflow_engine import MetricFlowQueryRequest

    result = metricflow.mf.query(
        MetricFlowQueryRequest.create(metric_names=metrics, group_by_names=group_by)
    )
    table = result.result_df
    return [dict(zip(table.column_names, row, strict=True)) for row in table.rows]


def rounded(value):
    return None if value is None else round(float(value), MART_DECIMALS)


def test_semantic_manifest_validates_against_the_warehouse(metricflow):
    """What `mf validate-configs` runs: the semantic checks, then every semantic model,
    dimension, entity, measure and metric queried on the warehouse."""
    from metricflow.validation.data_warehouse_model_validator import (
        DataWarehouseModelValidator,
    )
    from metricflow_semantic_interfaces.validations.semantic_manifest_validator import (
        SemanticManifestValidator,
    )

    manifest = metricflow.semantic_manifest
    semantic = SemanticManifestValidator().validate_semantic_manifest(manifest)
    assert semantic.all_issues == (), [issue.as_readable_str() for issue in semantic.all_issues]
    warehouse = DataWarehouseModelValidator(sql_client=metricflow.sql_client)
    for validate in (
        warehouse.validate_semantic_models,
        warehouse.validate_dimensions,
        warehouse.validate_entities,
        warehouse.validate_simple_metrics,
        warehouse.validate_metrics,
    ):
        issues = validate(manifest, None).all_issues
        assert issues == (), [issue.as_readable_str() for issue in issues]
    assert {metric.name for metric in manifest.metrics} == set(metrics_by_name())


# One rate, a median, a mean and a count of the day, overall (docstring of handmade_events):
# 5 sessions; resolved S1, S2, S4 of 5; bot-handled S1, S2, S5, of which S2 and S5 escalated;
# first responses 35, 600, 600, 20 (S3 none): median (35 + 600) / 2, mean 1255 / 4;
# CSAT 5 and 3.
OVERALL = {
    "sessions": 5,
    "resolution_rate": 3 / 5,
    "escalation_rate": 2 / 3,
    "first_response_seconds_median": 317.5,
    "first_response_seconds_mean": 313.75,
    "csat_mean": 4.0,
}
# By channel: chat = S1 (bot 35 s, resolved, CSAT 5) + S3 (nobody answered, abandoned);
# email = S2 (600 s, escalated, resolved, CSAT 3); social = S4 (human only, 600 s, resolved);
# in_app = S5 (bot 20 s, escalated, unresolved). Social had no bot: no escalation rate.
BY_CHANNEL = {
    "chat": {
        "sessions": 2,
        "resolution_rate": 0.5,
        "escalation_rate": 0.0,
        "first_response_seconds_median": 35,
        "csat_mean": 5.0,
    },
    "email": {
        "sessions": 1,
        "resolution_rate": 1.0,
        "escalation_rate": 1.0,
        "first_response_seconds_median": 600,
        "csat_mean": 3.0,
    },
    "social": {
        "sessions": 1,
        "resolution_rate": 1.0,
        "escalation_rate": None,
        "first_response_seconds_median": 600,
        "csat_mean": None,
    },
    "in_app": {
        "sessions": 1,
        "resolution_rate": 0.0,
        "escalation_rate": 1.0,
        "first_response_seconds_median": 20,
        "csat_mean": None,
    },
}


def scorecard_values(published, segment_level: str) -> dict[str, dict[str, float]]:
    """{channel: {metric: value}} of the day's scorecard rows of one level ('all' on the
    overall level), with the row's session count as `sessions`."""
    rows = published(
        "select channel, metric_name, metric_value, sessions "
        f"from agg_scorecard_segment_daily where segment_level = '{segment_level}' "
        f"and session_date = '{DAY}'"
    )
    values: dict[str, dict[str, float]] = {}
    for segment, metric, value, sessions in rows:
        values.setdefault(segment, {"sessions": sessions})[metric] = value
    return values


def test_mf_query_of_the_day_overall_equals_the_hand_and_the_scorecard(metricflow, published):
    (row,) = mf_query(metricflow, list(OVERALL), ["metric_time__day"])
    assert str(row["metric_time__day"])[:10] == DAY
    queried = {metric: rounded(row[metric]) for metric in OVERALL}
    assert queried == {metric: rounded(value) for metric, value in OVERALL.items()}

    overall = scorecard_values(published, "overall")["all"]
    assert {metric: overall[metric] for metric in OVERALL} == queried


def test_mf_query_by_channel_equals_the_hand_and_the_scorecard(metricflow, published):
    metrics = list(BY_CHANNEL["chat"])
    rows = mf_query(metricflow, metrics, ["metric_time__day", "session__channel"])
    queried = {
        row["session__channel"]: {metric: rounded(row[metric]) for metric in metrics}
        for row in rows
    }
    assert queried == {
        channel: {metric: rounded(value) for metric, value in values.items()}
        for channel, values in BY_CHANNEL.items()
    }

    scorecard = scorecard_values(published, "channel")
    assert {
        channel: {metric: values[metric] for metric in metrics}
        for channel, values in scorecard.items()
    } == queried


def test_mf_query_at_the_full_segment_grain_equals_agg_metrics_segment_daily(metricflow, published):
    metrics = ["sessions", "reopen_rate", "first_response_seconds_median", "csat_mean"]
    segments = segment_columns()
    rows = mf_query(metricflow, metrics, ["metric_time__day", *(f"session__{s}" for s in segments)])
    queried = sorted(
        (
            str(row["metric_time__day"])[:10],
            *(row[f"session__{segment}"] for segment in segments),
            *(rounded(row[metric]) for metric in metrics),
        )
        for row in rows
    )
    mart = published(
        f"select cast(session_date as varchar), {', '.join(segments + metrics)} "
        "from agg_metrics_segment_daily"
    )
    assert len(queried) == 5  # each hand-made session is a segment of its own
    assert queried == sorted(mart)


def test_mf_query_of_an_escalation_metric_reaches_the_session_segments(metricflow, published):
    # S2 (email): agent message 10:00 after the 09:20 escalation, 2400 s; S5 (in_app): no agent.
    rows = mf_query(metricflow, ["handoff_latency_seconds"], ["session__channel"])
    queried = {row["session__channel"]: rounded(row["handoff_latency_seconds"]) for row in rows}
    assert queried == {"email": 2400.0, "in_app": None}
    mart = published(
        "select channel, avg(handoff_latency_seconds) from fct_escalations group by channel"
    )
    assert dict(mart) == queried


def test_dim_metrics_has_one_row_per_metric_with_its_definition(metricflow, published):
    definitions = {
        metric.name: " ".join(metric.description.split())
        for metric in metricflow.semantic_manifest.metrics
    }
    rows = published("select metric_name, definition, display_name from dim_metrics")
    assert {name: definition for name, definition, _ in rows} == definitions
    labels = {metric.name: metric.label for metric in metricflow.semantic_manifest.metrics}
    assert {name: label for name, _, label in rows} == labels


# The single definition, checked against every other place that names a metric (from the
# manifest alone: no warehouse needed).


def macro_sql(name: str) -> str:
    return parsed_manifest()["macros"][f"macro.empathy_warehouse.{name}"]["macro_sql"]


def segment_columns() -> list[str]:
    """The six segment dimensions, as the macro segment_columns() lists them."""
    (listed,) = re.findall(r"return\((\[[^\]]*\])\)", macro_sql("segment_columns"))
    return ast.literal_eval(listed)


def metrics_by_name() -> dict[str, dict]:
    return {metric["name"]: metric for metric in parsed_manifest()["metrics"].values()}


def model_columns(name: str) -> dict[str, dict]:
    """The documented columns of the model `name` ({} when there is no such model)."""
    for node in parsed_manifest()["nodes"].values():
        if node["resource_type"] == "model" and node["name"] == name:
            return node["columns"]
    return {}


def test_every_metric_names_a_column_of_the_mart_that_publishes_it():
    missing = []
    for name, metric in metrics_by_name().items():
        model, column = metric["meta"].get("model_name"), metric["meta"].get("column_name")
        if column not in model_columns(model):
            missing.append((name, model, column))
    assert missing == []


def test_a_column_that_publishes_a_metric_shows_the_metric_s_definition():
    """A column named after the metric it publishes reads the metric's docs block: a column
    with a wording of its own would be a second definition."""
    drifted = []
    for name, metric in metrics_by_name().items():
        column = model_columns(metric["meta"]["model_name"]).get(name)
        if column is not None and column["description"] != metric["description"]:
            drifted.append((metric["meta"]["model_name"], name))
    assert drifted == []


def test_every_scorecard_metric_has_a_definition_with_the_same_unit_kind_and_mart():
    with (DBT_PROJECT_DIR.parent / "seeds" / "scorecard_thresholds.csv").open() as seed:
        thresholds = list(csv.DictReader(seed))
    metrics = metrics_by_name()
    assert [row["metric_name"] for row in thresholds if row["metric_name"] not in metrics] == []
    assert [
        row["metric_name"]
        for row in thresholds
        if (row["unit"], row["indicator_type"], row["data_source"])
        != tuple(metrics[row["metric_name"]]["meta"][key] for key in META_IN_THE_SEED)
    ] == []


META_IN_THE_SEED = ("unit", "indicator_type", "model_name")


def test_sessions_are_cut_by_the_six_segment_dimensions_of_the_marts():
    (sessions,) = (
        model
        for model in parsed_manifest()["semantic_models"].values()
        if model["name"] == "sessions"
    )
    dimensions = {
        dimension["name"]: dimension["expr"]
        for dimension in sessions["dimensions"]
        if dimension["type"] == "categorical"
    }
    # the marts show a missing segment value as 'unknown' (macro segment_values): so must mf
    assert dimensions == {column: f"coalesce({column}, 'unknown')" for column in segment_columns()}
