"""What a terminal user is told: help for `run` and `make`, progress while the job runs, the
day's scorecard at the end, and refusals that keep a warehouse from publishing the wrong thing
(a changed pseudonym key, real data into a warehouse built on demo data)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import build_parser, main, run_refresh
from orchestration.pseudonymisation import (
    PseudonymKeyError,
    check_key_unchanged,
    write_pseudonymisation_key,
)
from orchestration.settings import (
    DEMO_PSEUDONYM_KEY,
    ENVIRONMENT_VARIABLES,
    PROJECT_ROOT,
    Settings,
)
from orchestration.summary import day_scorecard, format_day_scorecard
from tests.conftest import TEST_PSEUDONYM_KEY, parsed_manifest, pipeline_environment, pseudonym
from tests.handmade_events import DAY

OTHER_KEY = "another-pseudonym-key-9c2d41"


def test_run_help_lists_every_environment_variable_with_its_default(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    for variable in ENVIRONMENT_VARIABLES:
        assert variable.name in help_text
        assert " ".join(f"(default: {variable.default})".split()) in help_text
    assert "--full-refresh" in help_text


def test_every_variable_the_settings_read_is_registered_once_and_in_the_readme():
    source = (PROJECT_ROOT / "orchestration" / "settings.py").read_text()
    read = set(re.findall(r"""env(?:iron)?(?:\.get\(|\[)\s*["']([A-Z_]+)["']""", source))
    read |= set(re.findall(r"""["']([A-Z_]+)["'] (?:not )?in env""", source))
    registered = [variable.name for variable in ENVIRONMENT_VARIABLES]
    assert len(registered) == len(set(registered))
    assert read == set(registered)
    readme = (PROJECT_ROOT / "README.md").read_text()
    assert [name for name in registered if f"| `{name}` |" not in readme] == []


def test_make_help_lists_every_make_target():
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    phony = re.search(r"^\.PHONY: (.+)$", makefile, re.MULTILINE).group(1).split()
    listed = subprocess.run(
        ["make", "--no-print-directory", "help"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert [line.split()[1] for line in listed.splitlines()] == phony


def built_with_key(tmp_path: Path, key: str) -> Path:
    """A working database whose last dbt build used `key` (what the dbt step leaves behind)."""
    working_db = tmp_path / "warehouse" / "work" / "warehouse.duckdb"
    working_db.parent.mkdir(parents=True)
    with duckdb.connect(str(working_db)) as connection:
        write_pseudonymisation_key(connection, key)
    return working_db


def test_a_changed_pseudonym_key_is_refused_until_a_full_refresh(tmp_path: Path):
    working_db = built_with_key(tmp_path, TEST_PSEUDONYM_KEY)
    check_key_unchanged(working_db, TEST_PSEUDONYM_KEY, full_refresh=False)
    with pytest.raises(PseudonymKeyError, match="Run once with --full-refresh"):
        check_key_unchanged(working_db, OTHER_KEY, full_refresh=False)
    check_key_unchanged(working_db, OTHER_KEY, full_refresh=True)


def test_a_warehouse_never_built_takes_any_key(tmp_path: Path):
    check_key_unchanged(tmp_path / "work" / "warehouse.duckdb", OTHER_KEY, full_refresh=False)


def test_a_demo_warehouse_refuses_a_key_of_its_own_even_with_a_full_refresh(tmp_path: Path):
    working_db = built_with_key(tmp_path, DEMO_PSEUDONYM_KEY)
    for full_refresh in (False, True):
        with pytest.raises(PseudonymKeyError, match="holds generated demo data") as refused:
            check_key_unchanged(working_db, OTHER_KEY, full_refresh=full_refresh)
        assert "Set WAREHOUSE_DIR to a new folder" in str(refused.value)


def test_run_with_a_changed_key_exits_2_before_loading_anything(tmp_path, monkeypatch, capsys):
    working_db = built_with_key(tmp_path, TEST_PSEUDONYM_KEY)
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "delivery.jsonl").write_text("{}\n")
    monkeypatch.setenv("WAREHOUSE_DIR", str(working_db.parent.parent))
    monkeypatch.setenv("LANDING_DIR", str(landing))
    monkeypatch.setenv("EMPATHY_PSEUDONYM_KEY", OTHER_KEY)
    assert main(["run", "--partition", DAY]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: EMPATHY_PSEUDONYM_KEY differs from the key")
    assert OTHER_KEY not in error and TEST_PSEUDONYM_KEY not in error
    with duckdb.connect(str(working_db), read_only=True) as connection:
        schemas = connection.execute("select schema_name from duckdb_schemas()").fetchall()
    assert ("raw",) not in schemas  # nothing was loaded


def test_the_full_refresh_run_config_is_what_the_dbt_step_accepts():
    from dagster import DagsterInvalidConfigError, validate_run_config

    parsed_manifest()  # the code location is built from it
    from orchestration.defs.code_location import build_definitions
    from orchestration.defs.dbt import warehouse_dbt_models
    from orchestration.defs.schedules import REFRESH_JOB_NAME

    settings = Settings(
        warehouse_dir=PROJECT_ROOT / "warehouse",
        landing_dir=PROJECT_ROOT / "warehouse" / "landing",
        pseudonym_key=TEST_PSEUDONYM_KEY,
        reject_share_limit=0.05,
        dagster_home=PROJECT_ROOT / "warehouse" / "dagster_home",
    )
    job = build_definitions(settings).resolve_job_def(REFRESH_JOB_NAME)
    config = {"ops": {warehouse_dbt_models.op.name: {"config": {"full_refresh": True}}}}
    validated = validate_run_config(job, config)["ops"][warehouse_dbt_models.op.name]
    assert validated["config"] == {"full_refresh": True}
    misspelt = {"ops": {warehouse_dbt_models.op.name: {"config": {"full_refrsh": True}}}}
    with pytest.raises(DagsterInvalidConfigError):
        validate_run_config(job, misspelt)


def test_full_refresh_under_a_new_key_republishes_every_pseudonym_and_shows_progress(
    handmade_warehouse: Settings, tmp_path: Path, capsys
):
    copy = tmp_path / "warehouse"
    shutil.copytree(handmade_warehouse.warehouse_dir, copy, symlinks=True)
    with pipeline_environment(copy, EMPATHY_PSEUDONYM_KEY=OTHER_KEY) as settings:
        capsys.readouterr()
        outcome = run_refresh(settings, DAY, full_refresh=True)
    assert outcome.published, outcome.problems
    with duckdb.connect(str(settings.published_db), read_only=True) as connection:
        sessions = {
            row[0] for row in connection.execute("select session_id from fct_sessions").fetchall()
        }
    assert sessions == {pseudonym(f"S{number}", OTHER_KEY) for number in range(1, 6)}
    progress = capsys.readouterr().out
    assert progress.splitlines()[0].startswith(f"refreshing {DAY}; full log: ")
    for stage in ("load", "dbt_build", "validation", "publish"):
        assert re.search(rf"\] {stage} started\n", progress)
        assert re.search(rf"\] {stage} done in \d+\.\d s\n", progress)


def test_the_run_log_file_holds_dbt_output_without_colour_codes_or_a_telemetry_banner(
    handmade_warehouse: Settings,
):
    log = (handmade_warehouse.warehouse_dir / "logs" / f"refresh-{DAY}.log").read_text()
    assert "Completed successfully" in log  # dbt's own lines are in it
    assert "\x1b" not in log
    assert "telemetry" not in log.lower()


def scorecard_file(tmp_path: Path, rows: list[tuple]) -> Path:
    """A published file holding just the scorecard columns the summary reads."""
    published = tmp_path / "metrics.duckdb"
    with duckdb.connect(str(published)) as connection:
        connection.execute(
            "create table agg_scorecard_segment_daily (segment_level varchar, session_date date, "
            "metric_name varchar, indicator_type varchar, unit varchar, status varchar, "
            "previous_status varchar, metric_value double, critical_threshold double, "
            "sessions bigint, is_regression boolean, previous_session_date date)"
        )
        if rows:
            placeholders = ", ".join("?" * len(rows[0]))
            connection.executemany(
                f"insert into agg_scorecard_segment_daily values ({placeholders})", rows
            )
    return published


def test_the_day_scorecard_names_what_is_critical_leading_first_and_what_regressed(tmp_path):
    day, before = "2026-11-30", "2026-11-29"
    published = scorecard_file(
        tmp_path,
        [
            (
                "overall",
                day,
                "resolution_rate",
                "lagging",
                "fraction",
                "critical",
                "critical",
                0.41,
                0.5,
                200,
                False,
                before,
            ),
            (
                "overall",
                day,
                "first_response_seconds_median",
                "leading",
                "seconds",
                "critical",
                "acceptable",
                912.4,
                900.0,
                200,
                True,
                before,
            ),
            (
                "overall",
                day,
                "csat_mean",
                "lagging",
                "score_1_5",
                "needs_improvement",
                "acceptable",
                3.7,
                3.5,
                200,
                True,
                before,
            ),
            (
                "overall",
                day,
                "rephrase_rate",
                "leading",
                "fraction",
                "acceptable",
                "acceptable",
                0.05,
                0.25,
                200,
                False,
                before,
            ),
            (
                "overall",
                day,
                "reopen_rate",
                "lagging",
                "fraction",
                "low_confidence",
                None,
                0.2,
                0.3,
                200,
                False,
                before,
            ),
            # another segment level and another day are not the day's overall scorecard
            (
                "channel",
                day,
                "resolution_rate",
                "lagging",
                "fraction",
                "critical",
                None,
                0.1,
                0.5,
                20,
                False,
                None,
            ),
            (
                "overall",
                before,
                "csat_mean",
                "lagging",
                "score_1_5",
                "critical",
                None,
                1.0,
                3.5,
                90,
                False,
                None,
            ),
        ],
    )
    assert format_day_scorecard(day, day_scorecard(published, day)) == [
        f"scorecard {day} (200 sessions, compared with {before}): 1 acceptable, "
        "1 needs improvement, 2 critical, 1 not judged (too few sessions or no data)",
        "  critical   first_response_seconds_median (leading) 912 s, critical at 900 s",
        "  critical   resolution_rate (lagging) 41.0%, critical at 50.0%",
        "  regressed  first_response_seconds_median (leading) acceptable -> critical",
        "  regressed  csat_mean (lagging) acceptable -> needs_improvement",
    ]


def test_a_day_without_sessions_says_there_is_nothing_to_judge(tmp_path):
    published = scorecard_file(tmp_path, [])
    assert format_day_scorecard("2026-11-30", day_scorecard(published, "2026-11-30")) == [
        "scorecard 2026-11-30: no session started that day, so there is nothing to judge"
    ]


def test_the_handmade_day_is_too_small_to_judge_any_metric(handmade_warehouse: Settings):
    rows = day_scorecard(handmade_warehouse.published_db, DAY)
    lines = format_day_scorecard(DAY, rows)
    # 5 sessions, under the confidence floor of 30: every metric is low confidence or no data.
    assert lines == [
        f"scorecard {DAY} (5 sessions): 0 acceptable, 0 needs improvement, 0 critical, "
        f"{len(rows)} not judged (too few sessions or no data)"
    ]
