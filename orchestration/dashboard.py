"""`python -m orchestration dashboard`: the drill-down app on the published file (Dash + Plotly).

Pick a metric, a segment level (channel, intent, ...), optionally some of its values, and a day
range: one bar per segment value and day, coloured by the scorecard's status (low-confidence
bars hatched grey: not judged). Click a bar to list the sessions behind it: the fct_sessions
rows of that segment value and day that the metric's denominator counts (its sample population,
as dim_metrics publishes it from dbt's macros/session_populations.sql).

Every figure comes from the published DuckDB file, opened read-only per request (a publish
renames a new file over it, so the next request reads the new version): bar values and statuses
from agg_scorecard_segment_daily, definitions and sample populations from dim_metrics, sessions
from fct_sessions.
No metric is computed here. Dash serves its own JavaScript (serve_locally), so the page needs
nothing from the network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from orchestration.summary import format_value

# The level of the warehouse-wide rows. The scorecard's 'full' rows (all six dimensions at once)
# have no single segment value to draw a bar for, so the app offers the other levels.
OVERALL_LEVEL = "overall"
DEFAULT_LEVEL = "channel"
# What the scorecard writes into a dimension a rollup row is not cut by.
ALL_SEGMENTS = "all"
# What a segment value reads when the session has none (dbt macro segment_values).
UNKNOWN_SEGMENT = "unknown"
# Rows of a drill-down table; the heading always says how many sessions there are.
MAX_LISTED_SESSIONS = 500

NOTHING_PUBLISHED_YET = (
    "The published file has no scorecard rows yet (no session was published): run `make run` "
    "for a day with sessions, then reload."
)

STATUS_STYLES = {
    "acceptable": ("#2e7d32", "acceptable"),
    "needs_improvement": ("#f9a825", "needs improvement"),
    "critical": ("#c62828", "critical"),
    "low_confidence": ("#9e9e9e", "low confidence: not judged"),
    "no_data": ("#e0e0e0", "no data"),
}


# What the drill-down table shows of a session: published columns of fct_sessions only.
SESSION_COLUMNS = (
    "session_id",
    "session_date",
    "started_at",
    "channel",
    "intent",
    "severity",
    "language",
    "model_version",
    "prompt_id",
    "resolution_kind",
    "first_response_seconds",
    "time_to_resolution_seconds",
    "csat_score",
)


class NoPublishedFileError(Exception):
    """The warehouse has not published yet: there is nothing to show."""


def check_published_file(published_db: Path) -> None:
    if not published_db.is_file():
        raise NoPublishedFileError(
            f"no published file at {published_db}: the dashboard shows published marts only; "
            "run `make run` first (or point WAREHOUSE_DIR at a warehouse that has published)"
        )


def _rows(
    connection: duckdb.DuckDBPyConnection, sql: str, parameters: list[Any] | None = None
) -> list[tuple]:
    return connection.execute(sql, parameters or []).fetchall()


def open_published(published_db: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection for one request (a `with` block closes it): a publish renames a
    new version over the file, so every request opens the file anew rather than keeping one."""
    return duckdb.connect(str(published_db), read_only=True)


@dataclass(frozen=True)
class Metric:
    metric_name: str
    display_name: str
    definition: str | None
    unit: str
    direction: str | None
    indicator_type: str | None
    acceptable_threshold: float | None
    critical_threshold: float | None


def scorecard_metrics(connection: duckdb.DuckDBPyConnection) -> list[Metric]:
    """The metrics the scorecard judges, with their dictionary entry (dim_metrics)."""
    rows = _rows(
        connection,
        """
        select metric_name, coalesce(display_name, metric_name), definition, unit, direction,
            indicator_type, acceptable_threshold, critical_threshold
        from dim_metrics
        where metric_name in (select distinct metric_name from agg_scorecard_segment_daily)
        order by coalesce(display_name, metric_name)
        """,
    )
    return [Metric(*row) for row in rows]


def _metric(connection: duckdb.DuckDBPyConnection, metric_name: str) -> Metric:
    return next(m for m in scorecard_metrics(connection) if m.metric_name == metric_name)


def segment_levels(connection: duckdb.DuckDBPyConnection) -> list[str]:
    """The scorecard's segment levels with one value per bar, in the marts' column order
    (the segment dimensions), overall last."""
    levels = {
        level
        for (level,) in _rows(
            connection, "select distinct segment_level from agg_scorecard_segment_daily"
        )
    }
    columns = [
        column
        for (column,) in _rows(
            connection,
            "select column_name from duckdb_columns() "
            "where table_name = 'agg_scorecard_segment_daily' order by column_index",
        )
    ]
    return [column for column in columns if column in levels] + (
        [OVERALL_LEVEL] if OVERALL_LEVEL in levels else []
    )


def session_days(connection: duckdb.DuckDBPyConnection) -> list[str]:
    rows = _rows(
        connection,
        "select distinct cast(session_date as varchar) from agg_scorecard_segment_daily order by 1",
    )
    return [day for (day,) in rows]


def _segment_value_sql(level: str) -> str:
    """The scorecard column that holds a level's segment value ('all' on the overall rows)."""
    if level == OVERALL_LEVEL:
        return f"'{ALL_SEGMENTS}'"
    return level


def segment_values(
    connection: duckdb.DuckDBPyConnection, level: str, day_from: str, day_to: str
) -> list[str]:
    _check_level(connection, level)
    rows = _rows(
        connection,
        f"""
        select distinct {_segment_value_sql(level)}
        from agg_scorecard_segment_daily
        where segment_level = ? and session_date between ? and ?
        order by 1
        """,
        [level, day_from, day_to],
    )
    return [value for (value,) in rows]


@dataclass(frozen=True)
class Bar:
    segment_value: str
    session_date: str
    metric_value: float | None
    status: str
    sample_size: int
    sessions: int


def bars(
    connection: duckdb.DuckDBPyConnection,
    metric_name: str,
    level: str,
    day_from: str,
    day_to: str,
    values: list[str] | None = None,
) -> list[Bar]:
    """The scorecard rows of one metric at one level and day range, as the mart has them."""
    _check_level(connection, level)
    value_sql = _segment_value_sql(level)
    rows = _rows(
        connection,
        f"""
        select {value_sql}, cast(session_date as varchar), metric_value, status, sample_size,
            sessions
        from agg_scorecard_segment_daily
        where metric_name = ? and segment_level = ? and session_date between ? and ?
            and (? or list_contains(?::varchar[], {value_sql}))
        order by 1, 2
        """,
        [metric_name, level, day_from, day_to, not values, list(values or [])],
    )
    return [Bar(*row) for row in rows]


def _check_level(connection: duckdb.DuckDBPyConnection, level: str) -> None:
    """A level is spliced into SQL as a column name: only the scorecard's own levels pass."""
    if level not in segment_levels(connection):
        raise ValueError(f"unknown segment level {level!r}")


@dataclass(frozen=True)
class Population:
    """The sessions a metric's denominator counts (dim_metrics.sample_population*)."""

    name: str
    condition: str
    label: str


# What a population condition may consist of besides fct_sessions column names: SQL words,
# comparison operators, parentheses, numbers and plain quoted strings.
CONDITION_WORDS = frozenset({"and", "or", "not", "is", "null", "true", "false", "in"})
CONDITION_TOKEN = re.compile(
    r"\s*(?:([A-Za-z_][A-Za-z0-9_]*)|('[^']*')|(\d+(?:\.\d+)?)|(<>|!=|<=|>=|[=<>(),]))"
)


def condition_problem(condition: str, session_columns: set[str]) -> str | None:
    """What in a condition is neither a fct_sessions column nor a CONDITION_TOKEN, else None."""
    position = 0
    while position < len(condition.rstrip()):
        token = CONDITION_TOKEN.match(condition, position)
        if token is None:
            return f"unexpected text at {condition[position:].strip()[:20]!r}"
        name = token.group(1)
        if name is not None and name.lower() not in CONDITION_WORDS | session_columns:
            return f"{name!r} is not a column of fct_sessions"
        position = token.end()
    return None


def sample_population(connection: duckdb.DuckDBPyConnection, metric_name: str) -> Population:
    """A scorecard metric's sample population as dim_metrics publishes it (dbt's
    macros/session_populations.sql, the conditions the mart counts).

    The condition is SQL text read from a file and spliced into a query. The connection is
    read-only, but a read-only DuckDB can still read other files (read_csv, attach) or run
    costly functions; so only a condition of fct_sessions columns, comparisons and literals runs.
    That it selects exactly the mart's sample size is proven by tests/test_dashboard.py and
    checked on screen."""
    row = _rows(
        connection,
        """
        select sample_population, sample_population_condition, sample_population_label
        from dim_metrics where metric_name = ?
        """,
        [metric_name],
    )
    if not row or None in row[0]:
        raise ValueError(
            f"dim_metrics of the published file has no sample population for {metric_name}: "
            "publish again with `make run` (dbt's dim_metrics names one for every scorecard metric)"
        )
    found = Population(*row[0])
    columns = {
        column
        for (column,) in _rows(
            connection,
            "select column_name from duckdb_columns() where table_name = 'fct_sessions'",
        )
    }
    problem = condition_problem(found.condition, columns)
    if problem is not None:
        raise ValueError(
            f"dim_metrics.sample_population_condition of {metric_name} is not run: {problem}; "
            "it must be a boolean over fct_sessions columns (macros/session_populations.sql)"
        )
    return found


def sessions_behind_bar(
    connection: duckdb.DuckDBPyConnection,
    metric_name: str,
    level: str,
    segment_value: str,
    day: str,
) -> list[dict[str, Any]]:
    """The fct_sessions rows a bar's value is computed over: the segment value's sessions that
    started on `day` (the cohort rule) and that the metric's denominator counts."""
    _check_level(connection, level)
    segment_filter = (
        "true" if level == OVERALL_LEVEL else f"coalesce({level}, '{UNKNOWN_SEGMENT}') = ?"
    )
    parameters = [day] if level == OVERALL_LEVEL else [day, segment_value]
    condition = sample_population(connection, metric_name).condition
    columns = ", ".join(SESSION_COLUMNS)
    rows = _rows(
        connection,
        f"""
        select {columns}
        from fct_sessions
        where session_date = ? and {segment_filter} and ({condition})
        order by started_at, session_id
        """,
        parameters,
    )
    return [dict(zip(SESSION_COLUMNS, row, strict=True)) for row in rows]


def bar_figure(metric: Metric, level: str, shown: list[Bar]) -> dict[str, Any]:
    """A Plotly bar chart: x = segment value and day, one trace per status (the legend),
    low-confidence bars hatched. customdata carries what a click needs."""
    traces = []
    for status, (colour, label) in STATUS_STYLES.items():
        of_status = [bar for bar in shown if bar.status == status]
        if not of_status:
            continue
        traces.append(
            {
                "type": "bar",
                "name": label,
                "x": [
                    [bar.segment_value for bar in of_status],
                    [bar.session_date for bar in of_status],
                ],
                # no_data bars have no value: drawn as an empty stub so they can still be clicked
                "y": [bar.metric_value if bar.metric_value is not None else 0 for bar in of_status],
                "text": [_bar_text(bar, metric.unit) for bar in of_status],
                "textposition": "outside",
                "marker": {
                    "color": colour,
                    "pattern": {"shape": "/" if status == "low_confidence" else ""},
                },
                "customdata": [
                    [metric.metric_name, level, bar.segment_value, bar.session_date]
                    for bar in of_status
                ],
                "hovertemplate": "%{x}<br>%{text}<extra>" + label + "</extra>",
            }
        )
    return {
        "data": traces,
        "layout": {
            "title": {"text": f"{metric.display_name} by {level.replace('_', ' ')}"},
            "barmode": "relative",
            # a click anywhere in a bar's column picks it: bars of 0 or no data have no height
            "hovermode": "x",
            "xaxis": {"categoryorder": "category ascending"},
            "yaxis": {"title": {"text": metric.unit}, "rangemode": "tozero"},
            "legend": {"title": {"text": "status"}},
            "margin": {"t": 60},
        },
    }


def _bar_text(bar: Bar, unit: str) -> str:
    value = format_value(bar.metric_value, unit)
    if bar.status == "low_confidence":
        return f"{value} (not judged, n={bar.sample_size})"
    return f"{value} (n={bar.sample_size})"


def create_app(published_db: Path):
    """The Dash app on one published file. The layout is rebuilt on every page load, so a new
    publish shows up on reload."""
    from dash import Dash, Input, Output, State, dcc, html

    check_published_file(published_db)
    # serve_locally: Dash's and Plotly's JavaScript come from the installed packages.
    app = Dash(__name__, serve_locally=True, title="Empathy warehouse: drill-down")

    def layout():
        with open_published(published_db) as connection:
            metrics = scorecard_metrics(connection)
            levels = segment_levels(connection)
            days = session_days(connection)
        latest = days[-1] if days else None
        day_options = [{"label": day, "value": day} for day in days]
        return html.Div(
            style={"fontFamily": "sans-serif", "margin": "1em 2em"},
            children=[
                html.H1("Empathy metrics: drill-down"),
                html.P(f"Published file: {published_db}"),
                html.Div(
                    style={"display": "flex", "gap": "1em", "flexWrap": "wrap"},
                    children=[
                        _labelled(
                            "Metric",
                            dcc.Dropdown(
                                id="metric",
                                options=[
                                    {"label": m.display_name, "value": m.metric_name}
                                    for m in metrics
                                ],
                                value=metrics[0].metric_name if metrics else None,
                                clearable=False,
                            ),
                            width="22em",
                        ),
                        _labelled(
                            "Segment level",
                            dcc.Dropdown(
                                id="level",
                                options=[
                                    {"label": level.replace("_", " "), "value": level}
                                    for level in levels
                                ],
                                value=DEFAULT_LEVEL
                                if DEFAULT_LEVEL in levels
                                else next(iter(levels), None),
                                clearable=False,
                            ),
                        ),
                        _labelled(
                            "Segment values (none chosen: all)",
                            dcc.Dropdown(id="segment-values", multi=True),
                            width="22em",
                        ),
                        _labelled(
                            "From day",
                            dcc.Dropdown(
                                id="day-from", options=day_options, value=latest, clearable=False
                            ),
                        ),
                        _labelled(
                            "To day",
                            dcc.Dropdown(
                                id="day-to", options=day_options, value=latest, clearable=False
                            ),
                        ),
                    ],
                ),
                html.Div(id="definition", style={"margin": "1em 0"}),
                dcc.Graph(id="bars", config={"displaylogo": False}),
                html.H2("Figures shown"),
                html.Div(id="figures"),
                html.H2("Sessions behind a bar"),
                html.Div(
                    id="sessions",
                    children=html.P("Click a bar to list the sessions its value counts."),
                ),
            ],
        )

    app.layout = layout

    @app.callback(
        Output("segment-values", "options"),
        Output("segment-values", "value"),
        Input("level", "value"),
        Input("day-from", "value"),
        Input("day-to", "value"),
        State("segment-values", "value"),
    )
    def update_segment_values(level, day_from, day_to, chosen):
        if None in (level, day_from, day_to):
            return [], []
        with open_published(published_db) as connection:
            values = segment_values(connection, level, day_from, day_to)
        kept = [value for value in chosen or [] if value in values]
        return [{"label": value, "value": value} for value in values], kept

    @app.callback(
        Output("bars", "figure"),
        Output("figures", "children"),
        Output("definition", "children"),
        Input("metric", "value"),
        Input("level", "value"),
        Input("segment-values", "value"),
        Input("day-from", "value"),
        Input("day-to", "value"),
    )
    def update_bars(metric_name, level, values, day_from, day_to):
        if None in (metric_name, level, day_from, day_to):
            return {}, html.P(NOTHING_PUBLISHED_YET, id="nothing-published"), ""
        first, last = sorted([day_from, day_to])
        with open_published(published_db) as connection:
            metric = _metric(connection, metric_name)
            shown = bars(connection, metric_name, level, first, last, values)
        return bar_figure(metric, level, shown), _figures_table(metric, shown), _definition(metric)

    @app.callback(Output("sessions", "children"), Input("bars", "clickData"))
    def update_sessions(click_data):
        if not click_data:
            return html.P("Click a bar to list the sessions its value counts.")
        metric_name, level, segment_value, day = click_data["points"][0]["customdata"]
        with open_published(published_db) as connection:
            metric = _metric(connection, metric_name)
            (bar,) = bars(connection, metric_name, level, day, day, [segment_value])
            listed = sessions_behind_bar(connection, metric_name, level, segment_value, day)
            population = sample_population(connection, metric_name)
        where = "all sessions" if level == OVERALL_LEVEL else f"{level} = {segment_value}"
        sessions = "session" if len(listed) == 1 else "sessions"
        heading = (
            f"{len(listed)} {sessions} of {where} that started on {day}, the population "
            f"{metric.display_name} is computed over: {population.label} "
            f"(its denominator; the mart's sample size is {bar.sample_size})."
        )
        children = [html.P(heading, id="sessions-heading")]
        if len(listed) != bar.sample_size:
            children.append(
                html.P(
                    f"These {len(listed)} sessions differ from the mart's sample size "
                    f"({bar.sample_size}): dbt counts {population.name} otherwise than its "
                    "condition in dim_metrics; make segment_day_metrics.sql count it with "
                    "population_count (macros/session_populations.sql).",
                    style={"color": STATUS_STYLES["critical"][0]},
                )
            )
        if len(listed) > MAX_LISTED_SESSIONS:
            children.append(html.P(f"The first {MAX_LISTED_SESSIONS} by start time:"))
        children.append(_table("sessions-table", SESSION_COLUMNS, listed[:MAX_LISTED_SESSIONS]))
        return children

    return app


def _labelled(label: str, control, width: str = "14em"):
    from dash import html

    return html.Label(
        [label, control], style={"display": "flex", "flexDirection": "column", "width": width}
    )


def _definition(metric: Metric):
    from dash import html

    thresholds = ""
    if metric.acceptable_threshold is not None:
        thresholds = (
            f" Acceptable at {format_value(metric.acceptable_threshold, metric.unit)}, "
            f"critical at {format_value(metric.critical_threshold, metric.unit)} "
            f"({(metric.direction or '').replace('_', ' ')}; {metric.indicator_type})."
        )
    return [
        html.Strong(metric.display_name),
        html.Span(": "),
        html.Span(metric.definition or "(no definition in dim_metrics)", id="definition-text"),
        html.Span(thresholds),
        html.P(
            f"Bars: agg_scorecard_segment_daily.metric_value ({metric.unit}); a bar's sample "
            "size n is its denominator. Sample sizes under the scorecard's floor are not judged "
            "(hatched grey).",
        ),
    ]


def _figures_table(metric: Metric, shown: list[Bar]):
    rows = [
        {
            "segment": bar.segment_value,
            "day": bar.session_date,
            "value": format_value(bar.metric_value, metric.unit),
            "status": STATUS_STYLES[bar.status][1],
            "sample size": bar.sample_size,
            "sessions": bar.sessions,
        }
        for bar in shown
    ]
    columns = ("segment", "day", "value", "status", "sample size", "sessions")
    return _table("figures-table", columns, rows)


def _table(table_id: str, columns, rows: list[dict[str, Any]]):
    from dash import html

    return html.Table(
        id=table_id,
        style={"borderCollapse": "collapse"},
        children=[
            html.Thead(html.Tr([html.Th(column, style=_CELL) for column in columns])),
            html.Tbody(
                [
                    html.Tr([html.Td(_cell(row[column]), style=_CELL) for column in columns])
                    for row in rows
                ]
            ),
        ],
    )


_CELL = {"border": "1px solid #ccc", "padding": "2px 6px", "textAlign": "left"}


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def serve(published_db: Path, port: int) -> None:
    """Serves the app on 127.0.0.1 only: the marts stay on this machine."""
    create_app(published_db).run(host="127.0.0.1", port=port, debug=False)
