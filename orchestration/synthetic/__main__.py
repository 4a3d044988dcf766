"""Command line: fill a landing folder with synthetic support events.

    python -m orchestration.synthetic --events 10000 --seed 7 --start-date 2026-10-01 \\
        --days 14 --format jsonl --out warehouse/landing [--defects]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from orchestration.settings import environment, landing_dir_from_env
from orchestration.synthetic.generator import (
    CSAT_SCALES,
    DEFAULT_DEFECTS,
    FILE_FORMATS,
    write_landing,
)


def _positive_int(text: str) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-10-01") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.synthetic",
        description="Write deterministic synthetic support events into a landing folder.",
    )
    parser.add_argument(
        "--events",
        type=_positive_int,
        default=10_000,
        help="about how many clean events to write (default 10000)",
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument(
        "--start-date",
        type=_iso_date,
        default=date(2026, 10, 1),
        help="first day, YYYY-MM-DD (default 2026-10-01)",
    )
    parser.add_argument("--days", type=_positive_int, default=14, help="days covered (default 14)")
    parser.add_argument("--format", choices=FILE_FORMATS, default="jsonl", dest="file_format")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="landing folder (default: LANDING_DIR, else <warehouse>/landing)",
    )
    parser.add_argument(
        "--defects",
        action="store_true",
        help="inject duplicates, malformed records, unknown types and late "
        f"events at the default rates ({DEFAULT_DEFECTS})",
    )
    parser.add_argument(
        "--events-per-file",
        type=_positive_int,
        default=500_000,
        help="start a new part file after this many records (default 500000)",
    )
    parser.add_argument(
        "--csat-scale",
        choices=CSAT_SCALES,
        default="1-5",
        help="the survey scale CSAT answers are written on (default 1-5)",
    )
    parser.add_argument("--prefix", default="events", help="file name prefix (default events)")
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace files of the same name instead of stopping",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    out = args.out if args.out is not None else landing_dir_from_env(environment())
    started = time.perf_counter()
    try:
        summary = write_landing(
            out,
            target_events=args.events,
            seed=args.seed,
            start_date=args.start_date,
            days=args.days,
            file_format=args.file_format,
            defects=DEFAULT_DEFECTS if args.defects else None,
            events_per_file=args.events_per_file,
            file_prefix=args.prefix,
            overwrite=args.overwrite,
            csat_scale=args.csat_scale,
        )
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - started
    for path in summary.files:
        print(path)
    rate = summary.records_written / elapsed if elapsed else 0.0
    print(
        f"wrote {summary.events_written:,} events ({summary.records_written:,} records) in "
        f"{len(summary.files)} {args.file_format} files to {out} in {elapsed:.1f} s "
        f"({rate:,.0f} records/s)"
    )
    injected = ", ".join(f"{name}={count:,}" for name, count in summary.defects_injected.items())
    print(f"defects injected: {injected}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
