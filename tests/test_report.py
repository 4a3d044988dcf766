"""The scorecard report (orchestration/report.py), rendered in headless Chromium.

The hand-made day's report is read from the DOM and compared with the published marts and with
values worked out by hand in tests/handmade_events.py. A report built from tiny in-test data
covers what the five-session day cannot show: judged statuses (every row of that day is below
the 30-session floor), a regression, a balance flag and an experiment's forest chart.

Screenshots go to test-artifacts/screenshots/ at the repository root (paths printed).
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from orchestration.report import ReportData, build_report_html, write_report
from orchestration.summary import ScorecardRow
from tests.conftest import query
from tests.handmade_events import DAY

SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"
LOCAL_SCHEMES = ("file://", "data:", "about:", "blob:")


def open_report(chromium, report: Path, screenshot_name: str):
    """The report in a new page, every request recorded and any non-local one refused; a
    full-page screenshot saved and its path printed. Returns (page, requested URLs)."""
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    requested: list[str] = []

    def local_only(route):
        requested.append(route.request.url)
        if route.request.url.startswith(LOCAL_SCHEMES):
            route.continue_()
        else:
            route.abort()

    page.route("**/*", local_only)
    page.on("request", lambda request: requested.append(request.url))
    page.goto(report.as_uri())
    page.wait_for_load_state("load")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    screenshot = SCREENSHOTS / screenshot_name
    page.screenshot(path=str(screenshot), full_page=True)
    print(f"screenshot: {screenshot}")
    return page, requested


def datasets(page, selector: str) -> list[dict[str, str]]:
    return page.eval_on_selector_all(selector, "rows => rows.map(row => ({...row.dataset}))")


def test_the_hand_made_days_report_shows_the_published_scorecard(handmade_warehouse, chromium):
    report = handmade_warehouse.report_path
    page, requested = open_report(chromium, report, "report-handmade-day.png")
    try:
        assert page.title() == f"Scorecard {DAY}"
        shown = datasets(page, "#day-scorecard tr[data-metric]")
        published = query(
            handmade_warehouse.published_db,
            f"""
            select metric_name, indicator_type, status, metric_value, sessions
            from agg_scorecard_segment_daily
            where segment_level = 'overall' and session_date = '{DAY}'
            """,
        )
        by_metric = {row["metric"]: row for row in shown}
        assert len(shown) == len(published) == len(by_metric)
        for metric, indicator_type, status, value, sessions in published:
            row = by_metric[metric]
            assert row["indicatorType"] == indicator_type
            assert row["status"] == status
            assert (float(row["value"]) if row["value"] else None) == value
            assert int(row["sessions"]) == sessions
        # Worked out by hand in tests/handmade_events.py.
        assert float(by_metric["resolution_rate"]["value"]) == pytest.approx(0.6)
        assert float(by_metric["escalation_rate"]["value"]) == pytest.approx(2 / 3)
        assert float(by_metric["reopen_rate"]["value"]) == pytest.approx(1 / 3)
        assert float(by_metric["repeat_contact_rate"]["value"]) == pytest.approx(0.2)
        assert float(by_metric["csat_mean"]["value"]) == pytest.approx(4.0)
        assert float(by_metric["first_response_seconds_median"]["value"]) == 317.5
        assert {row["sessions"] for row in shown} == {"5"}
        assert page.inner_text("#day-scorecard tr[data-metric='resolution_rate'] .value") == "60.0%"

        # The trailing windows are agg_scorecard_periods' rows ending on the day; the day is the
        # warehouse's only one, so each window pools the same five sessions.
        periods = query(
            handmade_warehouse.published_db,
            f"""
            select metric_name, period_days, status, metric_value
            from agg_scorecard_periods where period_end_date = '{DAY}'
            """,
        )
        shown_periods = {
            (cell["metric"], int(cell["periodDays"])): cell
            for cell in datasets(page, "#day-scorecard td[data-period-days]")
        }
        assert len(shown_periods) == len(periods) == 2 * len(published)
        for metric, days, status, value in periods:
            cell = shown_periods[(metric, days)]
            assert cell["status"] == status
            assert (float(cell["value"]) if cell["value"] else None) == value
        for days in (7, 28):
            assert float(shown_periods[("resolution_rate", days)]["value"]) == pytest.approx(0.6)
            assert float(shown_periods[("first_response_seconds_median", days)]["value"]) == 317.5

        # Leading before lagging, as the article orders them.
        types = [row["indicatorType"] for row in shown]
        assert types == sorted(types, key=lambda indicator: indicator == "lagging")
        assert "leading" in types and "lagging" in types

        # Five sessions are below the 30-session floor: shown as such, never judged.
        assert {row["status"] for row in shown} == {"low_confidence", "no_data"}
        assert page.locator("#day-scorecard .status.judged").count() == 0
        low_confidence = page.inner_text("#day-scorecard tr[data-metric='resolution_rate'] .status")
        assert low_confidence == "low confidence, not judged"
        assert page.inner_text("[data-tally='critical']") == "0"
        segment_cells = datasets(page, "#segments td[data-metric]")
        (segment_rows,) = query(
            handmade_warehouse.published_db,
            f"select count(*) from agg_scorecard_segment_daily where session_date = '{DAY}' "
            "and segment_level not in ('overall', 'full')",
        )[0]
        assert len(segment_cells) == segment_rows
        assert {cell["status"] for cell in segment_cells} <= {"low_confidence", "no_data"}
        email_resolution = page.locator(
            "#segments td[data-level='channel'][data-segment='email']"
            "[data-metric='resolution_rate']"
        )
        assert float(email_resolution.get_attribute("data-value")) == 1.0  # S2 resolved

        # Every metric links to its definition, which is dim_metrics' text.
        definitions = dict(
            query(
                handmade_warehouse.published_db, "select metric_name, definition from dim_metrics"
            )
        )
        for metric in by_metric:
            link = page.locator(f"#day-scorecard tr[data-metric='{metric}'] a")
            anchor = link.get_attribute("href")
            assert anchor == f"#definition-{metric}"
            assert definitions[metric] in page.inner_text(anchor)

        # A trend chart per metric, drawn by the inlined plotly.js.
        assert page.locator("#trends .js-plotly-plot").count() == len(shown)

        # Recurring issues of the week: S1 (repeat contact, billing) and S4 (reopened, lockout).
        recurring = {
            row["intent"]: row for row in datasets(page, "#recurring-issues tr[data-intent]")
        }
        assert recurring["billing_dispute"]["recurringContacts"] == "1"
        assert recurring["account_lockout"]["recurringContacts"] == "1"

        # The delivery's reconciliation: 30 + 3 received, one duplicate, one malformed line.
        facts = dict(
            zip(
                page.eval_on_selector_all(
                    "#reconciliation tr", "rows => rows.map(r => r.dataset.fact)"
                ),
                page.eval_on_selector_all(
                    "#reconciliation td", "cells => cells.map(c => c.innerText)"
                ),
                strict=True,
            )
        )
        assert (facts["received"], facts["loaded"], facts["duplicates"], facts["rejected"]) == (
            "33",
            "31",
            "1",
            "1",
        )
        (version,) = query(handmade_warehouse.published_db, "select version from publication")[0]
        assert page.get_attribute("body", "data-version") == version
    finally:
        page.close()
    assert requested, "the page made no request at all"
    assert all(url.startswith(LOCAL_SCHEMES) for url in requested), requested


def scorecard_row(metric, indicator_type, status, value, previous_status=None, regression=False):
    return ScorecardRow(
        metric_name=metric,
        indicator_type=indicator_type,
        unit="fraction",
        status=status,
        previous_status=previous_status,
        metric_value=value,
        critical_threshold=0.5,
        sessions=40,
        is_regression=regression,
        previous_session_date=datetime.date(2026, 10, 4) if previous_status else None,
    )


def tiny_report_data() -> ReportData:
    """A day with one critical leading metric that regressed, one acceptable lagging metric,
    one low-confidence metric, a balance flag on one channel and one experiment arm."""
    day = datetime.date(2026, 10, 5)
    flag_row = {
        "segment_level": "channel",
        "channel": "chat",
        **{column: "all" for column in ("intent", "severity", "language", "model_version")},
        "prompt_id": "all",
        "is_empathy_theater": True,
        "is_brusque_efficiency": False,
        "is_fast_failure": False,
        "sessions": 35,
    }
    week = {
        "metric_name": "acknowledgement_rate",
        "period_days": 7,
        "status": "needs_improvement",
        "previous_status": "acceptable",
        "previous_period_end_date": datetime.date(2026, 9, 28),
        "is_regression": True,
        "metric_value": 0.6,
        "sample_size": 280,
        "unit": "fraction",
    }
    return ReportData(
        day=day.isoformat(),
        version="v-test",
        published_at=datetime.datetime(2026, 10, 6, 6, 0),
        scorecard=[
            scorecard_row("acknowledgement_rate", "leading", "critical", 0.25, "acceptable", True),
            scorecard_row("resolution_rate", "lagging", "acceptable", 0.8, "acceptable"),
            scorecard_row("csat_satisfied_rate", "lagging", "low_confidence", 0.9),
        ],
        definitions=[
            {
                "metric_name": name,
                "display_name": name.replace("_", " ").capitalize(),
                "definition": f"Definition of {name}.",
                "unit": "fraction",
                "indicator_type": "leading" if name == "acknowledgement_rate" else "lagging",
                "direction": "higher_is_better",
                "acceptable_threshold": 0.7,
                "critical_threshold": 0.5,
                "model_name": "agg_metrics_segment_daily",
                "column_name": name,
            }
            for name in ("acknowledgement_rate", "resolution_rate", "csat_satisfied_rate")
        ],
        trends={"acknowledgement_rate": [(day, 0.25, "critical", 0.7, 0.5)]},
        trailing_periods=(7,),
        periods={"acknowledgement_rate": {7: week}},
        period_regressions=[week],
        balance_flags=[flag_row],
        regressions=[
            {
                "segment_level": "overall",
                "metric_name": "acknowledgement_rate",
                "status": "critical",
                "previous_status": "acceptable",
                "previous_session_date": datetime.date(2026, 10, 4),
                "metric_value": 0.25,
                "unit": "fraction",
            }
        ],
        experiments=[
            {
                "comparison_id": "c-1",
                "comparison_dimension": "model_version",
                "control_arm": "m-control",
                "treatment_arm": "m-new",
                "segment_dimension": "all",
                "segment_value": "all",
                "metric_name": "resolution_rate",
                "control_sample_size": 200,
                "treatment_sample_size": 180,
                "control_metric_value": 0.8,
                "treatment_metric_value": 0.7,
                "absolute_delta": -0.1,
                "delta_ci_lower": -0.19,
                "delta_ci_upper": -0.01,
                "is_low_confidence": False,
                "is_significant_regression": True,
                "is_significant_improvement": False,
                "first_session_date": day,
                "last_session_date": day,
            }
        ],
    )


def test_the_report_judges_only_judged_statuses_and_draws_the_forest_chart(tmp_path, chromium):
    report = tmp_path / "report.html"
    report.write_text(build_report_html(tiny_report_data()), encoding="utf-8")
    page, requested = open_report(chromium, report, "report-tiny-data.png")
    try:
        rows = datasets(page, "#day-scorecard tr[data-metric]")
        assert [(row["metric"], row["status"]) for row in rows] == [
            ("acknowledgement_rate", "critical"),
            ("resolution_rate", "acceptable"),
            ("csat_satisfied_rate", "low_confidence"),
        ]
        assert page.locator("#day-scorecard .status.judged.critical").count() == 1
        # The low-confidence row carries no judgement, only its value.
        low = page.locator("#day-scorecard tr[data-metric='csat_satisfied_rate']")
        assert low.locator(".status.judged").count() == 0
        assert low.locator(".status").first.inner_text() == "low confidence, not judged"
        assert low.locator(".value").inner_text() == "90.0%"
        assert page.inner_text("#scorecard-tally").startswith("40 sessions; 1 acceptable, 0 needs")
        regressed = page.inner_text("#day-scorecard tr[data-metric='acknowledgement_rate']")
        assert "regressed from acceptable" in regressed
        week = page.locator(
            "#day-scorecard td[data-metric='acknowledgement_rate'][data-period-days='7']"
        )
        assert week.get_attribute("data-status") == "needs_improvement"
        assert week.inner_text().startswith("60.0% needs improvement regressed from acceptable")

        flags = page.locator("#balance-flags tbody tr")
        assert flags.count() == 1
        assert flags.get_attribute("data-segment") == "channel=chat"
        assert flags.locator("[data-flag='is_empathy_theater']").inner_text() == "fires"
        regression = datasets(page, "#regressions tr[data-metric]")
        assert [(row["metric"], row["segment"], row["status"]) for row in regression] == [
            ("acknowledgement_rate", "all sessions", "critical"),
            ("acknowledgement_rate", "all sessions, last 7 days", "needs_improvement"),
        ]

        forest = page.evaluate(
            "() => { const trace = document.getElementById('forest-resolution_rate').data[0];"
            " return [trace.x, trace.error_x.array, trace.error_x.arrayminus]; }"
        )
        assert forest[0] == [-0.1]
        assert forest[1] == [pytest.approx(0.09)]
        assert forest[2] == [pytest.approx(0.09)]
        verdict = page.inner_text("#experiments tr[data-comparison='c-1']")
        assert "significant regression" in verdict
    finally:
        page.close()
    assert all(url.startswith(LOCAL_SCHEMES) for url in requested), requested


def test_a_report_is_renamed_over_the_old_one_and_leaves_no_temporary_file(
    handmade_warehouse, tmp_path
):
    report = tmp_path / "report.html"
    report.write_text("the previous report")
    assert write_report(handmade_warehouse.published_db, report, DAY) == report
    assert report.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [path.name for path in tmp_path.iterdir()] == ["report.html"]


def test_the_closing_summary_prints_the_reports_path(handmade_warehouse, capsys):
    from orchestration.cli import _print_outcome

    _print_outcome(handmade_warehouse, DAY)
    assert f"scorecard report:   {handmade_warehouse.report_path}" in capsys.readouterr().out
    assert handmade_warehouse.report_path.is_file()
