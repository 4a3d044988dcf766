"""The drill-down app, served for real (`python -m orchestration dashboard` in a subprocess) on
the hand-made day and driven in headless Chromium.

Hand-worked values (tests/handmade_events.py): by channel, chat has S1 (resolved, bot replied)
and S3 (nobody answered), email S2 (resolved, bot replied, escalated), in_app S5 (bot replied,
escalated, unresolved), social S4 (resolved by an agent, no bot reply). Every segment has
fewer sessions than the scorecard's floor (30), so every judged bar is low_confidence.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import duckdb
import pytest

from orchestration.dashboard import (
    NOTHING_PUBLISHED_YET,
    condition_problem,
    open_published,
    sample_population,
    scorecard_metrics,
    segment_levels,
    sessions_behind_bar,
)
from orchestration.settings import PROJECT_ROOT, Settings
from tests.conftest import cli_environment, pseudonym, query, run_cli, sessions_by_channel
from tests.handmade_events import DAY

SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"
SERVER_START_SECONDS = 90


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def served_dashboard(warehouse_dir: Path, log_path: Path) -> Iterator[str]:
    """`python -m orchestration dashboard` on a warehouse, as a user starts it, until it
    answers; stopped on leaving, whatever happened."""
    port = free_port()
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "orchestration", "dashboard", "--port", str(port)],
            cwd=PROJECT_ROOT,
            env=cli_environment(warehouse_dir),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            assert server.poll() is None, f"the dashboard exited:\n{log_path.read_text()}"
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"no answer on {url}:\n{log_path.read_text()}"
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="module")
def dashboard_url(handmade_warehouse: Settings, tmp_path_factory) -> Iterator[str]:
    """The dashboard on the hand-made warehouse, shared by the browser tests of this module."""
    log_path = tmp_path_factory.mktemp("dashboard") / "server.log"
    with served_dashboard(handmade_warehouse.warehouse_dir, log_path) as url:
        yield url


class LocalPage:
    """A Chromium page whose every request is intercepted: to 127.0.0.1 it goes through,
    anywhere else it is aborted and recorded."""

    def __init__(self, browser):
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.requests: list[str] = []
        self.outside: list[str] = []
        self.page.route("**/*", self._route)

    def _route(self, route):
        url = route.request.url
        self.requests.append(url)
        if urlparse(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.page.wait_for_selector("#figures-table")
        self.settle()

    def settle(self) -> None:
        """Waits until no callback is in flight."""
        self.page.wait_for_function(
            "() => !document.querySelector('[data-dash-is-loading]')", timeout=30_000
        )

    def choose(self, dropdown_id: str, *values: str) -> None:
        """Picks options of a Dash dropdown the way a user does: open it, click each."""
        self.page.click(f"#{dropdown_id}")
        for value in values:
            self.page.locator(
                f'.dash-dropdown-content [role="option"]:has(input[value="{value}"])'
            ).click()
        self.page.keyboard.press("Escape")

    def show(self, metric: str, level: str, bar_count: int) -> None:
        """Chooses a metric and level and waits for the chart to show them."""
        self.choose("metric", metric)
        self.choose("level", level)
        self.wait_for_bars(metric, level, bar_count)

    def wait_for_bars(self, metric: str, level: str, bar_count: int) -> None:
        self.page.wait_for_function(
            """([metric, level, count]) => {
                const plot = document.querySelector('#bars .js-plotly-plot');
                const points = plot && plot.data ? plot.data.flatMap(t => t.customdata) : [];
                return points.length === count
                    && points.every(p => p[0] === metric && p[1] === level);
            }""",
            arg=[metric, level, bar_count],
            timeout=30_000,
        )
        self.settle()

    def plotted_bars(self) -> list[tuple]:
        """(segment value, day, plotted value) of every bar, as Plotly holds them in the page."""
        points = self.page.evaluate(
            """() => document.querySelector('#bars .js-plotly-plot').data.flatMap(
                t => t.customdata.map((point, i) => [point[2], point[3], t.y[i]]))"""
        )
        return sorted(tuple(point) for point in points)

    def table(self, table_id: str) -> list[dict[str, str]]:
        header = self.page.locator(f"#{table_id} thead th").all_inner_texts()
        return [
            dict(zip(header, row.locator("td").all_inner_texts(), strict=True))
            for row in self.page.locator(f"#{table_id} tbody tr").all()
        ]

    def click_bar(self, segment_value: str) -> None:
        """Clicks the bar of a segment value with the mouse (Plotly's own click handling)."""
        index = self.page.evaluate(
            """(value) => {
                const data = document.querySelector('#bars .js-plotly-plot').data;
                for (let t = 0; t < data.length; t++) {
                    const i = data[t].customdata.findIndex(p => p[2] === value);
                    if (i >= 0) return [t, i];
                }
                return null;
            }""",
            segment_value,
        )
        assert index, f"no bar for {segment_value}"
        trace, point = index
        bar = self.page.locator("#bars g.trace.bars").nth(trace).locator("g.point path").nth(point)
        box = bar.bounding_box()
        # A bar of value 0 has no height: aim just above the axis, inside its column.
        self.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2 - 3)

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        print(f"screenshot: {path}")
        return path


@pytest.fixture
def local_page(chromium) -> Iterator[LocalPage]:
    page = LocalPage(chromium)
    yield page
    page.page.close()


def scorecard_rows(published_db: Path, metric: str, level: str) -> list[tuple]:
    """(segment value, day, value, status, sample size) of the mart, at one level."""
    return query(
        published_db,
        f"""
        select {level}, cast(session_date as varchar), metric_value, status, sample_size
        from agg_scorecard_segment_daily
        where metric_name = '{metric}' and segment_level = '{level}'
        order by 1, 2
        """,
    )


def test_resolution_rate_by_channel_shows_the_marts_values_of_the_handmade_day(
    dashboard_url, local_page, handmade_warehouse
):
    local_page.open(dashboard_url)
    local_page.show("resolution_rate", "channel", bar_count=4)
    mart = scorecard_rows(handmade_warehouse.published_db, "resolution_rate", "channel")
    # worked by hand: chat S1 resolved of S1, S3; email S2; in_app S5 unresolved; social S4
    assert [row[:3] for row in mart] == [
        ("chat", DAY, 0.5),
        ("email", DAY, 1.0),
        ("in_app", DAY, 0.0),
        ("social", DAY, 1.0),
    ]
    assert local_page.plotted_bars() == [row[:3] for row in mart]
    # the session counts and rates of fct_sessions agree (the pipeline tests' hand-worked view)
    assert [
        (channel, rate)
        for channel, _, rate, _ in sessions_by_channel(handmade_warehouse.published_db)
    ] == [(row[0], row[2]) for row in mart]
    assert local_page.table("figures-table") == [
        {
            "segment": channel,
            "day": DAY,
            "value": value,
            "status": "low confidence: not judged",
            "sample size": str(sessions),
            "sessions": str(sessions),
        }
        for channel, value, sessions in (
            ("chat", "50.0%", 2),
            ("email", "100.0%", 1),
            ("in_app", "0.0%", 1),
            ("social", "100.0%", 1),
        )
    ]
    [(definition,)] = query(
        handmade_warehouse.published_db,
        "select definition from dim_metrics where metric_name = 'resolution_rate'",
    )
    assert local_page.page.inner_text("#definition-text") == definition
    local_page.screenshot("resolution_rate_by_channel")
    assert local_page.outside == []


def test_choosing_segment_values_and_another_level_changes_the_bars_as_the_marts_say(
    dashboard_url, local_page, handmade_warehouse
):
    local_page.open(dashboard_url)
    local_page.show("resolution_rate", "channel", bar_count=4)
    local_page.choose("segment-values", "chat", "social")
    local_page.wait_for_bars("resolution_rate", "channel", bar_count=2)
    mart = scorecard_rows(handmade_warehouse.published_db, "resolution_rate", "channel")
    assert (
        local_page.plotted_bars()
        == [row[:3] for row in mart if row[0] in ("chat", "social")]
        == [("chat", DAY, 0.5), ("social", DAY, 1.0)]
    )
    local_page.screenshot("resolution_rate_chat_and_social")

    # another level: the chosen channels no longer apply, the intents come from the mart
    local_page.choose("level", "intent")
    local_page.wait_for_bars("resolution_rate", "intent", bar_count=4)
    mart = scorecard_rows(handmade_warehouse.published_db, "resolution_rate", "intent")
    # by hand: billing_dispute S1 resolved, S5 not; refund_request S2; outage S3 abandoned;
    # account_lockout S4 resolved
    assert (
        local_page.plotted_bars()
        == [row[:3] for row in mart]
        == [
            ("account_lockout", DAY, 1.0),
            ("billing_dispute", DAY, 0.5),
            ("outage", DAY, 0.0),
            ("refund_request", DAY, 1.0),
        ]
    )
    local_page.screenshot("resolution_rate_by_intent")
    assert local_page.outside == []


def listed_session_ids(local_page: LocalPage) -> list[str]:
    return sorted(row["session_id"] for row in local_page.table("sessions-table"))


def test_clicking_a_bar_lists_exactly_the_sessions_its_denominator_counts(
    dashboard_url, local_page, handmade_warehouse
):
    local_page.open(dashboard_url)
    # escalation rate counts bot-handled sessions: of chat's S1 and S3, only S1 (the bot never
    # answered S3), so S3 is not behind the bar
    local_page.show("escalation_rate", "channel", bar_count=4)
    local_page.click_bar("chat")
    local_page.page.wait_for_selector("#sessions-table")
    local_page.settle()
    in_mart = query(
        handmade_warehouse.published_db,
        f"""
        select session_id from fct_sessions
        where channel = 'chat' and session_date = '{DAY}' and has_bot_reply
        order by 1
        """,
    )
    assert listed_session_ids(local_page) == [row[0] for row in in_mart] == [pseudonym("S1")]
    heading = local_page.page.inner_text("#sessions-heading")
    assert heading.startswith(f"1 session of channel = chat that started on {DAY}")
    assert "bot-handled sessions" in heading and "sample size is 1" in heading
    local_page.screenshot("escalation_rate_chat_sessions")

    # resolution rate counts every session of the segment-day: S1 and S3
    local_page.choose("metric", "resolution_rate")
    local_page.wait_for_bars("resolution_rate", "channel", bar_count=4)
    local_page.click_bar("chat")
    local_page.page.wait_for_function(
        "() => document.querySelectorAll('#sessions-table tbody tr').length === 2"
    )
    assert listed_session_ids(local_page) == sorted([pseudonym("S1"), pseudonym("S3")])
    assert "every session" in local_page.page.inner_text("#sessions-heading")
    local_page.screenshot("resolution_rate_chat_sessions")
    assert local_page.outside == []


def test_the_page_requests_nothing_but_127_0_0_1(dashboard_url, local_page):
    local_page.open(dashboard_url)
    local_page.show("escalation_rate", "channel", bar_count=4)
    local_page.click_bar("email")
    local_page.page.wait_for_selector("#sessions-table")
    local_page.settle()
    # the page did load its scripts (intercepted too), and every request stayed local
    assert any("plotly" in url for url in local_page.requests)
    assert local_page.outside == []


def test_every_scorecard_metric_lists_as_many_sessions_as_its_sample_size(handmade_warehouse):
    """The populations dim_metrics publishes (macros/session_populations.sql) are the
    denominators the marts count: on every segment-day of every level the sessions listed must
    number the mart's sample_size."""
    mismatches = []
    with open_published(handmade_warehouse.published_db) as connection:
        metrics = scorecard_metrics(connection)
        assert len(metrics) >= 29
        # every scorecard metric has a population that passes the condition check
        for metric in metrics:
            sample_population(connection, metric.metric_name)
        for level in segment_levels(connection):
            value = "'all'" if level == "overall" else level
            rows = connection.execute(
                f"""
                select metric_name, {value}, cast(session_date as varchar), sample_size
                from agg_scorecard_segment_daily where segment_level = '{level}'
                """
            ).fetchall()
            for metric, segment_value, day, sample_size in rows:
                listed = sessions_behind_bar(connection, metric, level, segment_value, day)
                if len(listed) != sample_size:
                    mismatches.append((metric, level, segment_value, len(listed), sample_size))
    assert mismatches == []


def copy_of_published_file(handmade_warehouse, tmp_path: Path) -> Path:
    published_db = tmp_path / "metrics.duckdb"
    shutil.copy(handmade_warehouse.published_db, published_db)
    return published_db


def test_the_sessions_behind_a_bar_are_the_population_dim_metrics_publishes(
    handmade_warehouse, tmp_path: Path
):
    """The app restates no denominator: it lists what dim_metrics says. Escalation rate is over
    bot-handled sessions (S1, S2, S5 of the 5); publish 'every session' instead and all 5 are
    listed, with the label of the file."""
    published_db = copy_of_published_file(handmade_warehouse, tmp_path)
    with open_published(published_db) as connection:
        bot_handled = sessions_behind_bar(connection, "escalation_rate", "overall", "all", DAY)
        assert sample_population(connection, "escalation_rate").label == (
            "bot-handled sessions (the bot replied)"
        )
    assert sorted(row["session_id"] for row in bot_handled) == sorted(
        pseudonym(session) for session in ("S1", "S2", "S5")
    )
    with duckdb.connect(str(published_db)) as connection:
        connection.execute(
            "update dim_metrics set sample_population = 'sessions', "
            "sample_population_condition = 'true', sample_population_label = 'every session' "
            "where metric_name = 'escalation_rate'"
        )
    with open_published(published_db) as connection:
        every_session = sessions_behind_bar(connection, "escalation_rate", "overall", "all", DAY)
        assert sample_population(connection, "escalation_rate").label == "every session"
    assert sorted(row["session_id"] for row in every_session) == sorted(
        pseudonym(session) for session in ("S1", "S2", "S3", "S4", "S5")
    )


def test_a_published_condition_that_reads_more_than_fct_sessions_columns_is_not_run(
    handmade_warehouse, tmp_path: Path
):
    published_db = copy_of_published_file(handmade_warehouse, tmp_path)
    with duckdb.connect(str(published_db)) as connection:
        connection.execute(
            "update dim_metrics set sample_population_condition = "
            "'has_bot_reply or exists (select 1 from read_csv(''/etc/hostname''))' "
            "where metric_name = 'escalation_rate'"
        )
    with open_published(published_db) as connection:
        with pytest.raises(ValueError) as raised:
            sessions_behind_bar(connection, "escalation_rate", "overall", "all", DAY)
    assert str(raised.value) == (
        "dim_metrics.sample_population_condition of escalation_rate is not run: 'exists' is "
        "not a column of fct_sessions; it must be a boolean over fct_sessions columns "
        "(macros/session_populations.sql)"
    )


@pytest.mark.parametrize(
    ("condition", "problem"),
    [
        ("has_bot_reply", None),
        ("resolution_kind = 'autonomous' and csat_score is not null", None),
        ("true", None),
        ("csat_score >= 4 or (has_bot_reply and not is_resolved)", None),
        ("read_csv('/etc/passwd') is not null", "'read_csv' is not a column of fct_sessions"),
        ("has_bot_reply; drop table x", "unexpected text at '; drop table x'"),
        ("has_bot_reply -- comment", "unexpected text at '-- comment'"),
        ('csat_score is not null or "x" = 1', "unexpected text at '\"x\" = 1'"),
    ],
)
def test_a_population_condition_may_name_only_fct_sessions_columns_operators_and_literals(
    condition: str, problem: str | None
):
    session_columns = {"has_bot_reply", "resolution_kind", "csat_score", "is_resolved"}
    assert condition_problem(condition, session_columns) == problem


def test_the_dashboard_without_a_published_file_says_to_run_make_run_first(tmp_path: Path):
    completed = run_cli(cli_environment(tmp_path / "warehouse"), "dashboard")
    assert completed.returncode == 2
    published_db = tmp_path / "warehouse" / "published" / "metrics.duckdb"
    assert completed.stderr.strip() == (
        f"error: no published file at {published_db}: the dashboard shows published marts "
        "only; run `make run` first (or point WAREHOUSE_DIR at a warehouse that has published)"
    )


def test_a_published_file_without_scorecard_rows_shows_that_nothing_is_published_yet(
    handmade_warehouse, local_page, tmp_path: Path
):
    published_db = tmp_path / "warehouse" / "published" / "metrics.duckdb"
    published_db.parent.mkdir(parents=True)
    shutil.copy(handmade_warehouse.published_db, published_db)
    with duckdb.connect(str(published_db)) as connection:
        connection.execute("delete from agg_scorecard_segment_daily")
    with served_dashboard(tmp_path / "warehouse", tmp_path / "server.log") as url:
        local_page.page.goto(url)
        local_page.page.wait_for_selector("#nothing-published")
        assert local_page.page.inner_text("#nothing-published") == NOTHING_PUBLISHED_YET
    assert local_page.outside == []
