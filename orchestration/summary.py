"""The few lines a support lead reads after a run: volume, resolution and speed per channel."""

from __future__ import annotations

from pathlib import Path

import duckdb

SUMMARY_SQL = """
select
    channel,
    count(*) as sessions,
    avg(case when is_resolved then 1.0 else 0.0 end) as resolution_rate,
    percentile_cont(0.5) within group (order by first_response_seconds)
        as median_first_response_seconds
from fct_sessions
group by channel
order by channel
"""


def channel_summary(published_db: Path) -> list[tuple[str, int, float, float | None]]:
    """(channel, sessions, resolution rate, median first-response seconds), published data."""
    with duckdb.connect(str(published_db), read_only=True) as connection:
        return connection.execute(SUMMARY_SQL).fetchall()


def format_summary(rows: list[tuple[str, int, float, float | None]]) -> list[str]:
    lines = [f"{'channel':<10}{'sessions':>10}{'resolved':>10}{'median first response':>24}"]
    for channel, sessions, resolution_rate, median_seconds in rows:
        median = "n/a" if median_seconds is None else f"{median_seconds:.0f} s"
        lines.append(f"{channel:<10}{sessions:>10}{resolution_rate:>10.1%}{median:>24}")
    return lines
