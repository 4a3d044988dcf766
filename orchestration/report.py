"""The scorecard report: one self-contained HTML file a support lead opens every morning.

Written by the publish step right after the marts are swapped in (`published/report.html`),
from the published file only, so it never disagrees with what BI tools read. It needs no
network to view: plotly.js is inlined once in the page head and every chart is drawn from data
embedded in the page.

What it shows, for the refreshed day (`day`):
- the overall scorecard (agg_scorecard_segment_daily, overall rows; the summary module's
  query), leading indicators before lagging ones, each metric linked to its definition
  (dim_metrics, the Definitions section); low_confidence and no_data rows are shown as not
  judged, never with a judgement colour;
- per metric, its value and status over the trailing 7 and 28 days (agg_scorecard_periods: dbt
  pools each window's sessions, as metric SQL lives in dbt only; the windows are the mart's),
  and a trend chart of the daily values against the thresholds;
- the day's scorecard per segment level (one dimension at a time, as the mart rolls it up);
- balance flags (agg_scorecard_balance_flags) with the segments they fire on, that day and
  how often in the trailing windows; regressions since each segment's previous day with
  sessions and since each trailing window's previous window;
- experiment comparisons (agg_experiment_comparisons) as a forest chart of the deltas with their
  95% intervals; QA calibration (agg_qa_calibration); recurring issues
  (agg_recurring_issues_weekly, the week of `day`);
- the delivery's reconciliation and freshness, from the publishing run's row of
  mon_refresh_runs and fct_sessions.last_loaded_at.

Every figure a test reads carries data attributes (data-metric, data-value, data-status, ...)
with the mart's exact value, so tests/test_report.py compares the page with the marts.
"""

from __future__ import annotations

import html
import os
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from orchestration.publish import TEMPORARY_MARKER
from orchestration.summary import (
    JUDGED_STATUSES,
    NOT_JUDGED_STATUSES,
    ScorecardRow,
    day_scorecard,
    format_value,
)

SEGMENT_COLUMNS = ("channel", "intent", "severity", "language", "model_version", "prompt_id")
STATUS_LABELS = {
    "acceptable": "acceptable",
    "needs_improvement": "needs improvement",
    "critical": "critical",
    "low_confidence": "low confidence, not judged",
    "no_data": "no data, not judged",
}
STATUS_COLOURS = {
    "acceptable": "#2e7d32",
    "needs_improvement": "#ef6c00",
    "critical": "#c62828",
    "low_confidence": "#9e9e9e",
    "no_data": "#bdbdbd",
}
BALANCE_FLAGS = {
    "is_empathy_theater": "empathy theater",
    "is_brusque_efficiency": "brusque efficiency",
    "is_fast_failure": "fast failure",
}


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows, as read from the published file."""

    day: str
    version: str | None
    published_at: Any
    scorecard: list[ScorecardRow]
    definitions: list[dict[str, Any]]
    # metric -> [(session_date, value, status, acceptable, critical)], oldest first
    trends: dict[str, list[tuple]] = field(default_factory=dict)
    # The trailing windows agg_scorecard_periods is built for (days, shortest first).
    trailing_periods: tuple[int, ...] = ()
    # metric -> window days -> its agg_scorecard_periods row ending on `day`
    periods: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)
    segment_scorecard: list[dict[str, Any]] = field(default_factory=list)
    balance_flags: list[dict[str, Any]] = field(default_factory=list)
    balance_flag_windows: list[dict[str, Any]] = field(default_factory=list)
    regressions: list[dict[str, Any]] = field(default_factory=list)
    period_regressions: list[dict[str, Any]] = field(default_factory=list)
    experiments: list[dict[str, Any]] = field(default_factory=list)
    qa_calibration: list[dict[str, Any]] = field(default_factory=list)
    recurring_issues: list[dict[str, Any]] = field(default_factory=list)
    run: dict[str, Any] | None = None
    last_loaded_at: Any = None


def trailing_window_start(day: str, days: int) -> str:
    """The first day of the `days`-day window ending on `day` (both included)."""
    return (date.fromisoformat(day) - timedelta(days=days - 1)).isoformat()


def _records(connection: duckdb.DuckDBPyConnection, sql: str, parameters=()) -> list[dict]:
    cursor = connection.execute(sql, list(parameters))
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def read_report_data(published_db: Path, day: str) -> ReportData:
    """The report's content for `day` (YYYY-MM-DD), read from the published file only."""
    scorecard = day_scorecard(published_db, day)
    with duckdb.connect(str(published_db), read_only=True) as connection:
        publication = connection.execute("select version, published_at from publication").fetchone()
        trailing_periods = tuple(
            days
            for (days,) in connection.execute(
                "select distinct period_days from agg_scorecard_periods order by period_days"
            ).fetchall()
        )
        first_day = trailing_window_start(day, max(trailing_periods, default=1))
        period_rows = _records(
            connection,
            "select * from agg_scorecard_periods where period_end_date = ? order by period_days",
            [day],
        )
        definitions = _records(
            connection,
            "select * from dim_metrics order by indicator_type = 'lagging', metric_name",
        )
        trend_rows = connection.execute(
            """
            select metric_name, session_date, metric_value, status,
                   acceptable_threshold, critical_threshold
            from agg_scorecard_segment_daily
            where segment_level = 'overall' and session_date between ? and ?
            order by metric_name, session_date
            """,
            [first_day, day],
        ).fetchall()
        segment_scorecard = _records(
            connection,
            """
            select * from agg_scorecard_segment_daily
            where session_date = ? and segment_level not in ('overall', 'full')
            order by segment_level, metric_name
            """,
            [day],
        )
        balance_flags = _records(
            connection,
            """
            select * from agg_scorecard_balance_flags
            where session_date = ?
              and (is_empathy_theater or is_brusque_efficiency or is_fast_failure)
            order by segment_level = 'full', segment_level
            """,
            [day],
        )
        balance_flag_windows = _records(
            connection,
            f"""
            select segment_level, {", ".join(SEGMENT_COLUMNS)},
                {
                ", ".join(
                    f"count(*) filter (where {flag} and session_date > ?::date - {days})"
                    f" as {flag}_{days}"
                    for days in trailing_periods
                    for flag in BALANCE_FLAGS
                )
                or "0 as no_window"
            }
            from agg_scorecard_balance_flags
            where session_date between ? and ?
              and (is_empathy_theater or is_brusque_efficiency or is_fast_failure)
            group by segment_level, {", ".join(SEGMENT_COLUMNS)}
            order by segment_level = 'full', segment_level, {", ".join(SEGMENT_COLUMNS)}
            """,
            [day] * len(trailing_periods) * len(BALANCE_FLAGS) + [first_day, day],
        )
        regressions = _records(
            connection,
            """
            select * from agg_scorecard_segment_daily
            where session_date = ? and is_regression
            order by segment_level = 'full', segment_level, indicator_type = 'lagging', metric_name
            """,
            [day],
        )
        experiments = _records(
            connection,
            """
            select * from agg_experiment_comparisons
            order by comparison_dimension, segment_dimension <> 'all', segment_dimension,
                     segment_value, metric_name, treatment_arm
            """,
        )
        qa_calibration = _records(
            connection,
            """
            select * from agg_qa_calibration
            order by segment_dimension <> 'all', segment_dimension, segment_value,
                     rubric_dimension
            """,
        )
        recurring_issues = _records(
            connection,
            """
            select * from agg_recurring_issues_weekly
            where week_start_date = (
                select max(week_start_date) from agg_recurring_issues_weekly
                where week_start_date <= ?
            )
            order by recurring_rank
            """,
            [day],
        )
        runs = _records(
            connection,
            "select * from mon_refresh_runs where published_version = ?",
            [publication[0]],
        )
        last_loaded_at = connection.execute(
            "select max(last_loaded_at) from fct_sessions"
        ).fetchone()[0]

    trends: dict[str, list[tuple]] = {}
    for metric, session_date, value, status, acceptable, critical in trend_rows:
        trends.setdefault(metric, []).append((session_date, value, status, acceptable, critical))
    periods: dict[str, dict[int, dict[str, Any]]] = {}
    for row in period_rows:
        periods.setdefault(row["metric_name"], {})[row["period_days"]] = row
    return ReportData(
        day=day,
        version=publication[0],
        published_at=publication[1],
        scorecard=scorecard,
        definitions=definitions,
        trends=trends,
        trailing_periods=trailing_periods,
        periods=periods,
        segment_scorecard=segment_scorecard,
        balance_flags=balance_flags,
        balance_flag_windows=balance_flag_windows,
        regressions=regressions,
        period_regressions=[row for row in period_rows if row["is_regression"]],
        experiments=experiments,
        qa_calibration=qa_calibration,
        recurring_issues=recurring_issues,
        run=runs[0] if runs else None,
        last_loaded_at=last_loaded_at,
    )


# --- HTML ------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _attributes(**values: Any) -> str:
    """data-* attributes: the exact mart value (repr of a float round-trips), '' for null."""
    return "".join(
        f' data-{name.replace("_", "-")}="{_text(_exact(value))}"' for name, value in values.items()
    )


def _exact(value: Any) -> str:
    if value is None:
        return ""
    return repr(value) if isinstance(value, float) else str(value)


def definition_anchor(metric_name: str) -> str:
    return f"definition-{metric_name}"


def _metric_link(metric_name: str, display_names: dict[str, str]) -> str:
    label = display_names.get(metric_name, metric_name)
    return f'<a href="#{definition_anchor(metric_name)}">{_text(label)}</a>'


def _status_badge(status: str | None) -> str:
    if status is None:
        return '<span class="status none">-</span>'
    judged = "judged" if status in JUDGED_STATUSES else "not-judged"
    return (
        f'<span class="status {judged} {status}" data-status="{_text(status)}">'
        f"{_text(STATUS_LABELS.get(status, status))}</span>"
    )


def _segment_label(row: dict[str, Any]) -> str:
    level = row["segment_level"]
    if level == "overall":
        return "all sessions"
    if level == "full":
        return ", ".join(f"{column}={row[column]}" for column in SEGMENT_COLUMNS)
    return f"{level}={row[level]}"


def _table(headers: list[str], rows: list[str], **attributes: str) -> str:
    extra = "".join(f' {name}="{_text(value)}"' for name, value in attributes.items())
    head = "".join(f"<th>{_text(header)}</th>" for header in headers)
    return f"<table{extra}><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _number(value: Any, unit: str | None = None) -> str:
    if value is None:
        return "n/a"
    if unit:
        return format_value(value, unit)
    if isinstance(value, float):
        return f"{value:.3g}"
    return _text(value)


def _scorecard_section(data: ReportData, names: dict[str, str]) -> str:
    if not data.scorecard:
        return (
            "<p id='no-sessions'>No session started on this day, so there is nothing to judge.</p>"
        )
    counts = Counter(row.status for row in data.scorecard)
    tally = ", ".join(
        f'<span data-tally="{status}">{counts[status]}</span> {STATUS_LABELS[status]}'
        for status in (*JUDGED_STATUSES, *NOT_JUDGED_STATUSES)
    )
    rows = []
    for row in data.scorecard:
        window_cells = "".join(
            _period_cell(data.periods.get(row.metric_name, {}).get(days))
            for days in data.trailing_periods
        )
        regression = _regression_note(row.is_regression, row.previous_status)
        rows.append(
            f'<tr class="scorecard-row {row.status}"'
            + _attributes(
                metric=row.metric_name,
                indicator_type=row.indicator_type,
                status=row.status,
                value=row.metric_value,
                sessions=row.sessions,
                regression=str(row.is_regression).lower(),
            )
            + f"><td>{_metric_link(row.metric_name, names)}</td>"
            f"<td>{_text(row.indicator_type)}</td>"
            f'<td class="value">{_number(row.metric_value, row.unit)}</td>'
            f"<td>{_status_badge(row.status)}</td>"
            f"<td>{_number(row.critical_threshold, row.unit)}</td>"
            f"<td>{_status_badge(row.previous_status)} {regression}</td>"
            f"{window_cells}</tr>"
        )
    previous = next(
        (row.previous_session_date for row in data.scorecard if row.previous_session_date), None
    )
    return (
        f"<p id='scorecard-tally'>{data.scorecard[0].sessions} sessions; {tally}. "
        f"Previous period: {_text(previous or 'none')}. Leading indicators (is the "
        "conversation likely to go well) come before lagging ones (did it help).</p>"
        + _table(
            [
                "metric",
                "indicator",
                "value",
                "status",
                "critical at",
                "previous period",
                *(f"last {days} days" for days in data.trailing_periods),
            ],
            rows,
            id="day-scorecard",
        )
    )


def _regression_note(is_regression: bool, previous_status: str | None) -> str:
    if not is_regression:
        return ""
    return f'<span class="regression">regressed from {_text(previous_status)}</span>'


def _period_cell(row: dict[str, Any] | None) -> str:
    """A metric over a trailing window (agg_scorecard_periods): its value and status."""
    if row is None:
        return "<td></td>"
    return (
        '<td class="period"'
        + _attributes(
            metric=row["metric_name"],
            period_days=row["period_days"],
            status=row["status"],
            value=row["metric_value"],
            sample_size=row["sample_size"],
        )
        + f">{_number(row['metric_value'], row['unit'])} {_status_badge(row['status'])} "
        f"{_regression_note(row['is_regression'], row['previous_status'])}</td>"
    )


def _segments_section(data: ReportData, names: dict[str, str]) -> str:
    if not data.segment_scorecard:
        return "<p>No segment rows on this day.</p>"
    order = {row.metric_name: index for index, row in enumerate(data.scorecard)}
    parts = []
    levels = sorted(
        {row["segment_level"] for row in data.segment_scorecard}, key=SEGMENT_COLUMNS.index
    )
    for level in levels:
        level_rows = [row for row in data.segment_scorecard if row["segment_level"] == level]
        segments = sorted({row[level] for row in level_rows})
        metrics = sorted({row["metric_name"] for row in level_rows}, key=lambda m: order.get(m, 99))
        cells = {(row["metric_name"], row[level]): row for row in level_rows}
        body = []
        for metric in metrics:
            tds = []
            for segment in segments:
                row = cells.get((metric, segment))
                if row is None:
                    tds.append("<td></td>")
                    continue
                tds.append(
                    f'<td class="segment-cell {row["status"]}"'
                    + _attributes(
                        level=level,
                        segment=segment,
                        metric=metric,
                        status=row["status"],
                        value=row["metric_value"],
                        sample_size=row["sample_size"],
                    )
                    + f' title="{_text(STATUS_LABELS[row["status"]])}, n={row["sample_size"]}">'
                    f"{_number(row['metric_value'], row['unit'])}"
                    f"<br><small>{_text(STATUS_LABELS[row['status']])}</small></td>"
                )
            body.append(f"<tr><td>{_metric_link(metric, names)}</td>{''.join(tds)}</tr>")
        parts.append(
            f"<h3>by {_text(level)}</h3>"
            + _table(["metric", *segments], body, **{"data-level": level})
        )
    return "".join(parts)


def _balance_section(data: ReportData) -> str:
    if data.balance_flags:
        rows = [
            f"<tr{_attributes(segment_level=row['segment_level'], segment=_segment_label(row))}>"
            f"<td>{_text(_segment_label(row))}</td>"
            + "".join(
                f'<td data-flag="{flag}">{"fires" if row[flag] else ""}</td>'
                for flag in BALANCE_FLAGS
            )
            + f"<td>{row['sessions']}</td></tr>"
            for row in data.balance_flags
        ]
        day_part = _table(
            ["segment", *BALANCE_FLAGS.values(), "sessions"], rows, id="balance-flags"
        )
    else:
        day_part = "<p id='balance-flags-none'>No balance flag fires on this day.</p>"
    if data.balance_flag_windows:
        rows = [
            f"<tr><td>{_text(_segment_label(row))}</td>"
            + "".join(
                f"<td>{row[f'{flag}_{days}']}</td>"
                for days in data.trailing_periods
                for flag in BALANCE_FLAGS
            )
            + "</tr>"
            for row in data.balance_flag_windows
        ]
        headers = [
            f"{label}, last {days} days"
            for days in data.trailing_periods
            for label in BALANCE_FLAGS.values()
        ]
        window_part = "<h3>days each flag fired</h3>" + _table(["segment", *headers], rows)
    else:
        window_part = f"<p>No balance flag fired in the last {_longest_period(data)} days.</p>"
    return (
        "<p>Empathy theater: tone acceptable while resolution is not. Brusque efficiency: fast and "
        "resolved while tone is critical. Fast failure: first response acceptable while the "
        "useful response is not. A flag is raised only on judged statuses.</p>"
        + day_part
        + window_part
    )


def _longest_period(data: ReportData) -> int:
    return max(data.trailing_periods, default=1)


def _regressions_section(data: ReportData, names: dict[str, str]) -> str:
    # (segment and period, row, end of the previous period): the day's segments, then the
    # warehouse's trailing windows
    regressions = [
        (_segment_label(row), row, row["previous_session_date"]) for row in data.regressions
    ] + [
        (f"all sessions, last {row['period_days']} days", row, row["previous_period_end_date"])
        for row in data.period_regressions
    ]
    if not regressions:
        return "<p id='regressions-none'>No judged metric got worse since its previous period.</p>"
    rows = [
        "<tr"
        + _attributes(
            metric=row["metric_name"],
            segment=segment,
            status=row["status"],
            value=row["metric_value"],
        )
        + f"><td>{_text(segment)}</td><td>{_metric_link(row['metric_name'], names)}</td>"
        f"<td>{_status_badge(row['previous_status'])} (ending {_text(previous_end)})</td>"
        f"<td>{_status_badge(row['status'])}</td>"
        f"<td>{_number(row['metric_value'], row['unit'])}</td></tr>"
        for segment, row, previous_end in regressions
    ]
    return _table(
        ["segment and period", "metric", "previous period", "now", "value"], rows, id="regressions"
    )


def _experiments_section(data: ReportData, names: dict[str, str], figures: list[str]) -> str:
    if not data.experiments:
        return "<p>No experiment comparison is published.</p>"
    overall = [row for row in data.experiments if row["segment_dimension"] == "all"]
    metrics = sorted({row["metric_name"] for row in overall})
    charts = []
    for metric in metrics:
        rows = [row for row in overall if row["metric_name"] == metric]
        charts.append(
            f'<div class="chart">{_forest_chart(metric, names.get(metric, metric), rows, figures)}'
            "</div>"
        )
    notable = [
        row
        for row in data.experiments
        if row["segment_dimension"] == "all"
        or row["is_significant_regression"]
        or row["is_significant_improvement"]
    ]
    table_rows = []
    for row in notable:
        if row["is_low_confidence"]:
            verdict = (
                '<span class="status not-judged low_confidence">low confidence, not judged</span>'
            )
        elif row["is_significant_regression"]:
            verdict = '<span class="status judged critical">significant regression</span>'
        elif row["is_significant_improvement"]:
            verdict = '<span class="status judged acceptable">significant improvement</span>'
        else:
            verdict = "no significant difference"
        table_rows.append(
            "<tr"
            + _attributes(
                comparison=row["comparison_id"],
                metric=row["metric_name"],
                delta=row["absolute_delta"],
                ci_lower=row["delta_ci_lower"],
                ci_upper=row["delta_ci_upper"],
            )
            + f">"
            f"<td>{_text(row['comparison_dimension'])}: {_text(row['treatment_arm'])} vs "
            f"{_text(row['control_arm'])}</td>"
            f"<td>{_text(row['segment_dimension'])}={_text(row['segment_value'])}</td>"
            f"<td>{_metric_link(row['metric_name'], names)}</td>"
            f"<td>{row['control_sample_size']} / {row['treatment_sample_size']}</td>"
            f"<td>{_number(row['control_metric_value'])} / "
            f"{_number(row['treatment_metric_value'])}</td>"
            f"<td>{_number(row['absolute_delta'])} [{_number(row['delta_ci_lower'])}, "
            f"{_number(row['delta_ci_upper'])}]</td><td>{verdict}</td></tr>"
        )
    window = (
        f"{overall[0]['first_session_date']} to {overall[0]['last_session_date']}"
        if overall
        else ""
    )
    return (
        f"<p>Treatment minus control, with the 95% interval; sessions {_text(window)}. "
        "All segments, plus any segment with a significant difference.</p>"
        f"<div class='charts'>{''.join(charts)}</div>"
        + _table(
            [
                "comparison",
                "segment",
                "metric",
                "n control / treatment",
                "control / treatment",
                "delta [95% interval]",
                "verdict",
            ],
            table_rows,
            id="experiments",
        )
    )


def _forest_chart(metric: str, title: str, rows: list[dict], figures: list[str]) -> str:
    import plotly.graph_objects as go

    plotted = [row for row in rows if row["absolute_delta"] is not None]
    if not plotted:
        return f"<p>{_text(title)}: no comparable sessions.</p>"
    labels = [f"{row['comparison_dimension']}: {row['treatment_arm']}" for row in plotted]
    deltas = [row["absolute_delta"] for row in plotted]
    figure = go.Figure(
        go.Scatter(
            x=deltas,
            y=labels,
            mode="markers",
            marker={
                "size": 9,
                "color": [
                    "#9e9e9e"
                    if row["is_low_confidence"]
                    else "#c62828"
                    if row["is_significant_regression"]
                    else "#2e7d32"
                    if row["is_significant_improvement"]
                    else "#1565c0"
                    for row in plotted
                ],
            },
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [
                    (row["delta_ci_upper"] - row["absolute_delta"])
                    if row["delta_ci_upper"] is not None
                    else 0
                    for row in plotted
                ],
                "arrayminus": [
                    (row["absolute_delta"] - row["delta_ci_lower"])
                    if row["delta_ci_lower"] is not None
                    else 0
                    for row in plotted
                ],
            },
        )
    )
    figure.add_vline(x=0, line_dash="dot")
    figure.update_layout(
        title=title, height=140 + 30 * len(plotted), margin={"l": 10, "r": 10, "t": 40, "b": 30}
    )
    return _figure_html(figure, figures, f"forest-{metric}")


def _trend_chart(
    metric: str, title: str, points: list[tuple], window: tuple[str, str], figures: list[str]
) -> str:
    import plotly.graph_objects as go

    dates = [point[0].isoformat() for point in points]
    figure = go.Figure(
        go.Scatter(
            x=dates,
            y=[point[1] for point in points],
            mode="lines+markers",
            marker={"color": [STATUS_COLOURS.get(point[2], "#000") for point in points], "size": 8},
            text=[STATUS_LABELS.get(point[2], point[2]) for point in points],
            name=title,
        )
    )
    acceptable, critical = points[-1][3], points[-1][4]
    for threshold, colour in (
        (acceptable, STATUS_COLOURS["acceptable"]),
        (critical, STATUS_COLOURS["critical"]),
    ):
        if threshold is not None:
            figure.add_hline(y=threshold, line_dash="dash", line_color=colour)
    figure.update_layout(
        title=title, height=220, margin={"l": 10, "r": 10, "t": 40, "b": 30}, showlegend=False
    )
    # The whole trailing window, however few days have sessions.
    figure.update_xaxes(type="date", range=list(window), tickformat="%b %d")
    return _figure_html(figure, figures, f"trend-{metric}")


def _figure_html(figure, figures: list[str], div_id: str) -> str:
    # plotly.js is inlined once in the page head (no network), so no figure carries it.
    figures.append(div_id)
    return figure.to_html(
        full_html=False, include_plotlyjs=False, div_id=div_id, config={"displaylogo": False}
    )


def _trends_section(data: ReportData, names: dict[str, str], figures: list[str]) -> str:
    order = [row.metric_name for row in data.scorecard] or sorted(data.trends)
    # Half a day of margin either side: a point on the window's first or last day stays whole.
    half_day = timedelta(hours=12)
    first, last = (
        datetime.fromisoformat(day)
        for day in (trailing_window_start(data.day, _longest_period(data)), data.day)
    )
    window = ((first - half_day).isoformat(), (last + half_day).isoformat())
    charts = [
        '<div class="chart">'
        + _trend_chart(metric, names.get(metric, metric), data.trends[metric], window, figures)
        + f'<a href="#{definition_anchor(metric)}">definition</a></div>'
        for metric in order
        if data.trends.get(metric)
    ]
    if not charts:
        return "<p>No daily values in the trailing window.</p>"
    return (
        f"<p>Daily overall values of the last {_longest_period(data)} days; points coloured by "
        "status (grey: not judged), dashed lines at the acceptable (green) and critical (red) "
        "thresholds.</p>"
        f"<div class='charts'>{''.join(charts)}</div>"
    )


def _qa_section(data: ReportData) -> str:
    if not data.qa_calibration:
        return "<p>No session has both a human QA review and an automatic rubric score.</p>"
    rows = [
        "<tr"
        + _attributes(
            rubric_dimension=row["rubric_dimension"],
            segment=f"{row['segment_dimension']}={row['segment_value']}",
            mean_absolute_difference=row["mean_absolute_difference"],
        )
        + f">"
        f"<td>{_text(row['rubric_dimension'])}</td>"
        f"<td>{_text(row['segment_dimension'])}={_text(row['segment_value'])}</td>"
        f"<td>{row['sessions_compared']}</td>"
        f"<td>{_number(row['human_score_mean'])}</td><td>{_number(row['automatic_score_mean'])}</td>"
        f"<td>{_number(row['mean_signed_difference'])}</td>"
        f"<td>{_number(row['mean_absolute_difference'])}</td>"
        f"<td>{_number(row['within_one_point_rate'], 'fraction')}</td>"
        f"<td>{'low confidence, not judged' if row['is_low_confidence'] else ''}</td></tr>"
        for row in data.qa_calibration
    ]
    return _table(
        [
            "rubric dimension",
            "segment",
            "sessions",
            "human mean",
            "automatic mean",
            "mean signed difference",
            "mean absolute difference",
            "within one point",
            "confidence",
        ],
        rows,
        id="qa-calibration",
    )


def _recurring_section(data: ReportData) -> str:
    if not data.recurring_issues:
        return "<p>No recurring issue in the week of this day.</p>"
    rows = [
        f"<tr{_attributes(intent=row['intent'], recurring_contacts=row['recurring_contacts'])}>"
        f"<td>{row['recurring_rank']}</td><td>{_text(row['intent'])}</td><td>{row['sessions']}</td>"
        f"<td>{row['recurring_contacts']}</td><td>{_number(row['recurring_contacts_change'])}</td>"
        f"<td>{_number(row['repeat_contact_rate'], 'fraction')}</td>"
        f"<td>{_number(row['reopen_rate'], 'fraction')}</td></tr>"
        for row in data.recurring_issues
    ]
    week = data.recurring_issues[0]["week_start_date"]
    return f"<p>ISO week starting {_text(week)}.</p>" + _table(
        [
            "rank",
            "intent",
            "sessions",
            "recurring contacts",
            "change vs previous week",
            "repeat contact rate",
            "reopen rate",
        ],
        rows,
        id="recurring-issues",
    )


def _delivery_section(data: ReportData) -> str:
    run = data.run
    freshness = (
        f"<p id='freshness'>Published {_text(data.published_at)} UTC (version "
        f"{_text(data.version)}); newest load in the marts: "
        f"{_text(data.last_loaded_at or 'none')} UTC.</p>"
    )
    if run is None:
        return freshness + "<p>The publishing run is not in mon_refresh_runs.</p>"
    facts = [
        ("run", run["run_id"]),
        ("new files", run["new_files"]),
        ("received", run["received"]),
        ("loaded", run["loaded"]),
        ("duplicates", run["duplicates"]),
        ("rejected", run["rejected"]),
        ("reject share", None if run["reject_share"] is None else f"{run['reject_share']:.1%}"),
        ("files rejected whole", run["rejected_files"] or "none"),
        ("warnings (freshness and others)", run["warnings"] or "none"),
        ("accepted loads", run["accepted_loads"] or "none"),
    ]
    rows = [
        f'<tr data-fact="{_text(name)}"><th>{_text(name)}</th><td>{_text(value)}</td></tr>'
        for name, value in facts
    ]
    return (
        freshness + "<p>Every record received is loaded, a duplicate or rejected "
        "(raw.file_loads reconciles each file).</p>"
        + f"<table id='reconciliation'><tbody>{''.join(rows)}</tbody></table>"
    )


def _definitions_section(data: ReportData) -> str:
    rows = [
        f'<tr id="{definition_anchor(row["metric_name"])}"{_attributes(metric=row["metric_name"])}>'
        f"<td><b>{_text(row['display_name'])}</b><br><code>{_text(row['metric_name'])}</code></td>"
        f"<td>{_text(row['definition'])}</td><td>{_text(row['unit'])}</td>"
        f"<td>{_text(row['indicator_type'])}</td><td>{_text(row['direction'])}</td>"
        f"<td>{_number(row['acceptable_threshold'], row['unit'])} / "
        f"{_number(row['critical_threshold'], row['unit'])}</td>"
        f"<td><code>{_text(row['model_name'])}.{_text(row['column_name'])}</code></td></tr>"
        for row in data.definitions
    ]
    return _table(
        [
            "metric",
            "definition",
            "unit",
            "indicator",
            "direction",
            "acceptable / critical",
            "where",
        ],
        rows,
        id="definitions",
    )


STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #212121; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
th, td { border: 1px solid #e0e0e0; padding: 0.25rem 0.5rem; text-align: left; }
th { background: #f5f5f5; }
.status { padding: 0.1rem 0.4rem; border-radius: 0.3rem; white-space: nowrap; }
.status.acceptable { background: #e8f5e9; color: #2e7d32; }
.status.needs_improvement { background: #fff3e0; color: #ef6c00; }
.status.critical { background: #ffebee; color: #c62828; font-weight: bold; }
.status.not-judged { background: #f5f5f5; color: #757575; font-style: italic; }
.segment-cell.acceptable { background: #f1f8e9; }
.segment-cell.needs_improvement { background: #fff8e1; }
.segment-cell.critical { background: #ffebee; }
.segment-cell.low_confidence, .segment-cell.no_data { color: #9e9e9e; font-style: italic; }
.regression { color: #c62828; font-weight: bold; }
.charts { display: flex; flex-wrap: wrap; gap: 0.5rem; }
.chart { width: 420px; }
nav a { margin-right: 0.8rem; }
"""

SECTIONS = (
    ("scorecard", "Scorecard"),
    ("trends", "Trends"),
    ("segments", "Segments"),
    ("balance", "Balance flags"),
    ("regressions", "Regressions"),
    ("experiments", "Experiments"),
    ("qa", "QA calibration"),
    ("recurring", "Recurring issues"),
    ("delivery", "Reconciliation and freshness"),
    ("definitions", "Definitions"),
)


def build_report_html(data: ReportData) -> str:
    """The whole page: plotly.js inlined once, then every section."""
    from plotly.offline import get_plotlyjs

    names = {row["metric_name"]: row["display_name"] for row in data.definitions}
    figures: list[str] = []
    bodies = {
        "scorecard": _scorecard_section(data, names),
        "trends": _trends_section(data, names, figures),
        "segments": _segments_section(data, names),
        "balance": _balance_section(data),
        "regressions": _regressions_section(data, names),
        "experiments": _experiments_section(data, names, figures),
        "qa": _qa_section(data),
        "recurring": _recurring_section(data),
        "delivery": _delivery_section(data),
        "definitions": _definitions_section(data),
    }
    navigation = "".join(f'<a href="#{key}">{_text(title)}</a>' for key, title in SECTIONS)
    sections = "".join(
        f'<section id="{key}"><h2>{_text(title)}</h2>{bodies[key]}</section>'
        for key, title in SECTIONS
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Scorecard {_text(data.day)}</title><style>{STYLE}</style>"
        f"<script>{get_plotlyjs()}</script></head>"
        f"<body data-day='{_text(data.day)}' data-version='{_text(data.version)}'>"
        f"<h1>Support scorecard, {_text(data.day)}</h1><nav>{navigation}</nav>{sections}"
        "</body></html>"
    )


def write_report(published_db: Path, path: Path, day: str) -> Path:
    """Writes the report of `day` to `path` from the published file: to a temporary file
    beside it first, renamed over the old report when complete (a reader never sees half a
    page; a leftover is removed by the next publish, as the marts' are)."""
    page = build_report_html(read_report_data(published_db, day))
    staged = path.parent / f"{TEMPORARY_MARKER}{uuid.uuid4().hex[:8]}-{path.name}"
    staged.write_text(page, encoding="utf-8")
    os.replace(staged, path)
    return path
