"""`make bench` / `python -m bench [--sizes 100k,1m,10m]`: see bench/README.md."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.datasets import CACHE_DIR, DatasetSpec, landing_files_by_day, landing_for, linked_landing
from bench.report import render_markdown, render_terminal
from bench.stages import RESULT_PREFIX

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
PROJECT_ROOT = BENCH_DIR.parent
SIZES = {"100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}
BENCH_PSEUDONYM_KEY = "bench-key"
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


class StageFailed(RuntimeError):
    pass


# --------------------------------------------------------------------------------------------
# Peak memory of a process tree: ru_maxrss says the largest single process; the sampler says
# what the tree held at once (the Dagster process + its dbt subprocess + DuckDB inside it).
# --------------------------------------------------------------------------------------------


def _children_by_parent() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as handle:
                stat = handle.read()
        except OSError:
            continue
        parent = int(stat[stat.rindex(")") + 2 :].split()[1])
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def _tree_rss_bytes(root: int) -> int:
    tree = _children_by_parent()
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(tree.get(pid, []))
        try:
            with open(f"/proc/{pid}/statm") as handle:
                total += int(handle.read().split()[1]) * PAGE_SIZE
        except OSError:
            continue
    return total


class TreeMemorySampler:
    def __init__(self, pid: int, interval: float = 0.1):
        self.pid, self.interval, self.peak = pid, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss_bytes(self.pid))
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()


# --------------------------------------------------------------------------------------------
# Running one stage in its own process
# --------------------------------------------------------------------------------------------


@dataclass
class Workspace:
    """One warehouse folder of the bench, with the environment its stages run in."""

    root: Path
    landing: Path

    @property
    def working_db(self) -> Path:
        return self.root / "work" / "warehouse.duckdb"

    def env(self) -> dict[str, str]:
        env = {
            key: value for key, value in os.environ.items() if key != "EMPATHY_REJECT_SHARE_LIMIT"
        }
        env.update(
            WAREHOUSE_DIR=str(self.root),
            LANDING_DIR=str(self.landing),
            DAGSTER_HOME=str(self.root / "dagster_home"),
            DBT_TARGET_PATH=str(self.root / "dbt_target"),
            DBT_LOG_PATH=str(self.root / "logs"),
            EMPATHY_PSEUDONYM_KEY=BENCH_PSEUDONYM_KEY,
            GX_ANALYTICS_ENABLED="False",
            PYTHONPATH=str(PROJECT_ROOT),
        )
        return env

    def fresh(self) -> Workspace:
        shutil.rmtree(self.root, ignore_errors=True)
        (self.root / "logs").mkdir(parents=True)
        return self


def run_stage(name: str, workspace: Workspace, **parameters: Any) -> dict[str, Any]:
    log_path = workspace.root / "logs" / f"stage-{name}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "bench.stages", name, json.dumps(parameters)]
    started = time.perf_counter()
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=workspace.env(),
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        with TreeMemorySampler(process.pid) as sampler:
            stdout, _ = process.communicate()
    process_seconds = time.perf_counter() - started
    log_path.with_suffix(".out").write_text(stdout)
    lines = [line for line in stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if process.returncode != 0 or not lines:
        raise StageFailed(f"stage {name} failed (exit {process.returncode}); see {log_path}")
    result = json.loads(lines[-1][len(RESULT_PREFIX) :])
    result["process_seconds"] = round(process_seconds, 3)
    result["tree_peak_rss_mb"] = round(sampler.peak / 2**20, 1)
    result["peak_rss_mb"] = max(
        result["tree_peak_rss_mb"], result["self_peak_rss_mb"], result["children_peak_rss_mb"]
    )
    return result


def copy_database(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


# --------------------------------------------------------------------------------------------
# One size
# --------------------------------------------------------------------------------------------


@dataclass
class SizeRun:
    label: str
    spec: DatasetSpec
    dataset: dict[str, Any] = field(default_factory=dict)
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)
    ratios: dict[str, float | None] = field(default_factory=dict)


def _log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


def bench_size(label: str, spec: DatasetSpec, *, incremental: bool) -> SizeRun:
    run = SizeRun(label, spec)
    landing, run.dataset = landing_for(spec, log=_log)
    work = CACHE_DIR / "work" / label
    shutil.rmtree(work, ignore_errors=True)
    last_day = spec.last_day

    def timed(stage_name: str, key: str, workspace: Workspace, **parameters: Any) -> dict:
        _log(f"{label}: {key} ...")
        result = run_stage(stage_name, workspace, **parameters)
        run.stages[key] = result
        _log(f"{label}: {key} {result['seconds']:.1f} s, peak {result['peak_rss_mb']:.0f} MB")
        return result

    # Stages one by one on one warehouse: load, then dbt (raw and through Dagster, each from
    # the same freshly loaded raw layer), GE on the built marts, publish.
    main = Workspace(work / "stages", landing).fresh()
    timed("load", "load", main)
    loaded = work / "snapshots" / "loaded.duckdb"
    copy_database(main.working_db, loaded)
    timed("dbt_raw", "dbt_build", main, refresh_date=last_day)
    copy_database(loaded, main.working_db)
    timed("dbt_dagster", "dbt_build_dagster", main, partition=last_day)
    timed("validate", "validate", main)
    timed("publish", "publish", main)

    # The baseline reads the same freshly loaded raw layer, then its scorecard is compared
    # with the one dbt built.
    baseline = Workspace(work / "baseline", landing).fresh()
    copy_database(loaded, baseline.working_db)
    timed("baseline", "baseline", baseline, compare_with=str(main.working_db))

    # The whole job, from an empty warehouse, as `make run` runs it.
    timed("job", "job", Workspace(work / "job", landing).fresh(), partition=last_day)

    if incremental:
        _incremental(run, work, landing, timed)
    run.ratios = ratios(run.stages)
    shutil.rmtree(work, ignore_errors=True)  # GBs at 10M; the logs of a failed run stay
    return run


def _incremental(run: SizeRun, work: Path, landing: Path, timed) -> None:
    """29 days built, then day 30 arrives: its load + incremental dbt build, and its whole
    job, against the full rebuild (the dbt build / the job above over all 30 days)."""
    days = sorted(landing_files_by_day(landing))
    *earlier, new_day = days
    incr = Workspace(work / "incremental", work / "incremental_landing").fresh()
    linked_landing(landing, incr.landing, earlier)
    timed("load", "setup_29_days_load", incr)
    timed("dbt_raw", "setup_29_days_dbt_build", incr, refresh_date=earlier[-1])
    built_29 = work / "snapshots" / "built_29_days.duckdb"
    copy_database(incr.working_db, built_29)
    linked_landing(landing, incr.landing, [new_day])
    timed("load", "incremental_load", incr)
    timed("dbt_raw", "incremental_dbt_build", incr, refresh_date=new_day)
    copy_database(built_29, incr.working_db)
    shutil.rmtree(incr.root / "dagster_home", ignore_errors=True)
    timed("job", "incremental_job", incr, partition=new_day)


def _seconds(stages: dict[str, dict[str, Any]], key: str) -> float | None:
    return stages[key]["seconds"] if key in stages else None


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 3)


# The dbt nodes that compute what the baseline computes (session facts, daily scorecard).
SCORECARD_PATH_MODELS = (
    "stg_support__events",
    "int_events_sessionised",
    "int_sessions_aggregated",
    "fct_sessions",
    "agg_metrics_segment_daily",
)


def scorecard_path_seconds(stage: dict[str, Any]) -> float | None:
    """Execution time of the scorecard-path models in run_results.json (no tests, no other
    marts, no dbt start-up): the like-for-like comparison with the baseline."""
    models = stage.get("models")
    if not models:
        return None
    return round(
        sum(
            seconds
            for node, seconds in models.items()
            if node.startswith("model.") and node.split(".")[-1] in SCORECARD_PATH_MODELS
        ),
        3,
    )


def ratios(stages: dict[str, dict[str, Any]]) -> dict[str, float | None]:
    job = stages.get("job", {})
    job_steps = job.get("steps", {})
    incremental_dbt = _seconds(stages, "incremental_dbt_build")
    incremental_load = _seconds(stages, "incremental_load")
    incremental_refresh = (
        incremental_dbt + incremental_load if incremental_dbt and incremental_load else None
    )
    full_refresh = (
        _seconds(stages, "dbt_build") + _seconds(stages, "load") if "load" in stages else None
    )
    return {
        "dbt_build_vs_baseline": _ratio(
            _seconds(stages, "dbt_build"), _seconds(stages, "baseline")
        ),
        "dbt_scorecard_models_vs_baseline": _ratio(
            scorecard_path_seconds(stages.get("dbt_build", {})), _seconds(stages, "baseline")
        ),
        "dbt_build_dagster_vs_baseline": _ratio(
            _seconds(stages, "dbt_build_dagster"), _seconds(stages, "baseline")
        ),
        "dbt_step_in_job_vs_baseline": _ratio(
            job_steps.get("warehouse_dbt_models"), _seconds(stages, "baseline")
        ),
        "job_vs_baseline": _ratio(job.get("seconds"), _seconds(stages, "baseline")),
        "incremental_dbt_vs_full_dbt": _ratio(incremental_dbt, _seconds(stages, "dbt_build")),
        "incremental_load_and_dbt_vs_full": _ratio(incremental_refresh, full_refresh),
        "incremental_job_vs_full_job": _ratio(
            _seconds(stages, "incremental_job"), job.get("seconds")
        ),
        "validation_share_of_job": _ratio(
            job_steps.get("great_expectations_suites"), job.get("seconds")
        ),
        "validation_stage_vs_job": _ratio(_seconds(stages, "validate"), job.get("seconds")),
    }


# --------------------------------------------------------------------------------------------
# The whole bench
# --------------------------------------------------------------------------------------------


def _git(*arguments: str) -> str:
    completed = subprocess.run(
        ["git", *arguments], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )
    return completed.stdout.strip()


def machine_state() -> dict[str, Any]:
    with open("/proc/meminfo") as handle:
        meminfo = dict(line.split(":", 1) for line in handle)
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(int(meminfo["MemTotal"].split()[0]) / 2**20, 1),
        "available_gb": round(int(meminfo["MemAvailable"].split()[0]) / 2**20, 1),
        "load_average": [round(value, 2) for value in os.getloadavg()],
        "python": platform.python_version(),
    }


def parse_sizes(text: str) -> list[str]:
    labels = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = [label for label in labels if label not in SIZES]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown size(s) {', '.join(unknown)}; choose from {', '.join(SIZES)}"
        )
    return labels


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--sizes", type=parse_sizes, default=list(SIZES), help="subset, e.g. 100k,1m (default: all)"
    )
    parser.add_argument("--days", type=int, default=30, help="days of events (default 30)")
    parser.add_argument(
        "--format",
        dest="file_format",
        default="jsonl",
        choices=("jsonl", "jsonl.gz", "parquet", "csv"),
        help="landing file format (jsonl)",
    )
    parser.add_argument(
        "--no-incremental",
        dest="incremental",
        action="store_false",
        help="skip the incremental day (saves about a full job per size)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    started_at = datetime.now(UTC)
    sha = _git("rev-parse", "--short", "HEAD") or "nogit"
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no"))
    report: dict[str, Any] = {
        "started_at": started_at.isoformat(timespec="seconds"),
        "git_sha": sha,
        "git_dirty": dirty,
        "machine_before": machine_state(),
        "sizes": {},
    }
    start_date = (date(2026, 10, 1) - timedelta(days=arguments.days)).isoformat()
    for label in arguments.sizes:
        spec = DatasetSpec(
            SIZES[label],
            start_date=start_date,
            days=arguments.days,
            file_format=arguments.file_format,
        )
        size_run = bench_size(label, spec, incremental=arguments.incremental)
        report["sizes"][label] = {
            "events": SIZES[label],
            "dataset": size_run.dataset,
            "stages": size_run.stages,
            "ratios": size_run.ratios,
        }
    report["machine_after"] = machine_state()
    report["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")

    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = f"{started_at:%Y%m%dT%H%M%SZ}-{sha}{'-dirty' if dirty else ''}"
    json_path = RESULTS_DIR / f"{stamp}.json"
    json_path.write_text(json.dumps(report, indent=2) + "\n")
    markdown = render_markdown(report)
    (RESULTS_DIR / "latest.md").write_text(markdown)
    print(render_terminal(report))
    print(f"results: {json_path.relative_to(PROJECT_ROOT)} and bench/results/latest.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
