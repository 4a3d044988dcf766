"""The bench report as Markdown (bench/results/latest.md, diffable across commits) and text."""

from __future__ import annotations

from typing import Any

STAGE_ORDER = (
    ("load", "load (loader.load_landing)"),
    ("dbt_build", "dbt build (raw CLI)"),
    ("dbt_build_dagster", "dbt build (through Dagster)"),
    ("validate", "GE validation (every published mart)"),
    ("publish", "publish"),
    ("job", "whole job (run_refresh)"),
    ("baseline", "BASELINE (bench/baseline.sql)"),
    ("setup_29_days_load", "incr. setup: load 29 days"),
    ("setup_29_days_dbt_build", "incr. setup: dbt build 29 days"),
    ("incremental_load", "incremental: load day 30"),
    ("incremental_dbt_build", "incremental: dbt build day 30"),
    ("incremental_job", "incremental: whole job day 30"),
)
# (ratio or measure, target, description); evaluated at the largest size measured.
TARGETS = (
    ("dbt_build_vs_baseline", 1.5, "dbt transformation / baseline"),
    ("job_seconds", 120.0, "whole job seconds (load to publish)"),
    ("job_peak_rss_gb", 6.0, "whole job peak memory, GB"),
    ("incremental_dbt_vs_full_dbt", 0.15, "incremental dbt build of 1 of 30 days / full dbt build"),
    ("incremental_job_vs_full_job", 0.15, "incremental whole job (1 day) / full job"),
    ("validation_share_of_job", 0.15, "GE step / whole job"),
)
RATIO_LABELS = {
    "dbt_build_vs_baseline": "dbt build (raw CLI) / baseline",
    "dbt_scorecard_models_vs_baseline": (
        "dbt models on the scorecard path only (run_results) / baseline"
    ),
    "dbt_build_dagster_vs_baseline": "dbt build through Dagster / baseline",
    "dbt_step_in_job_vs_baseline": "dbt step inside the job / baseline",
    "job_vs_baseline": "whole job / baseline",
    "incremental_dbt_vs_full_dbt": "incremental dbt build (day 30) / full dbt build",
    "incremental_load_and_dbt_vs_full": "incremental load+dbt / full load+dbt",
    "incremental_job_vs_full_job": "incremental whole job / full whole job",
    "validation_share_of_job": "GE step share of the whole job",
    "validation_stage_vs_job": "GE stage (standalone) / whole job",
}


def _events(stage: dict[str, Any]) -> int:
    return stage.get("new_events") or stage.get("events") or 0


def _per_second(stage: dict[str, Any]) -> str:
    events = _events(stage)
    return f"{events / stage['seconds']:,.0f}" if stage["seconds"] else "-"


def _micros(stage: dict[str, Any], events: int) -> str:
    return f"{stage['seconds'] / events * 1e6:.2f}" if events else "-"


def measures(size: dict[str, Any]) -> dict[str, float | None]:
    values = dict(size["ratios"])
    job = size["stages"].get("job")
    values["job_seconds"] = job["seconds"] if job else None
    values["job_peak_rss_gb"] = round(job["peak_rss_mb"] / 1024, 2) if job else None
    return values


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def render_markdown(report: dict[str, Any]) -> str:
    sizes = report["sizes"]
    before, after = report["machine_before"], report["machine_after"]
    lines = [
        "# Bench results (latest run)",
        "",
        f"- commit `{report['git_sha']}`{' (uncommitted changes)' if report['git_dirty'] else ''}, "
        f"started {report['started_at']}, finished {report['finished_at']}",
        f"- machine: {before['cpus']} CPUs, {before['memory_gb']} GB; load average "
        f"{before['load_average']} before, {after['load_average']} after (a busy machine "
        "inflates every number; compare runs made on a quiet one)",
        "- peak memory: `tree` = what the stage's process tree held at once (sampled every "
        "0.1 s); `largest` = ru_maxrss of the biggest single process (self or a child such as "
        "dbt)",
        "",
    ]
    for label, size in sizes.items():
        dataset = size["dataset"]
        lines += [
            f"## {label}: {size['events']:,} events "
            f"({dataset.get('records_written', 0):,} records with defects, "
            f"{dataset['spec']['days']} days, {dataset['spec']['file_format']})",
            "",
        ]
        rows = []
        for key, title in STAGE_ORDER:
            stage = size["stages"].get(key)
            if stage is None:
                continue
            rows.append(
                [
                    title,
                    f"{stage['seconds']:.2f}",
                    _per_second(stage),
                    _micros(stage, _events(stage)),
                    f"{stage['tree_peak_rss_mb']:,.0f}",
                    f"{max(stage['self_peak_rss_mb'], stage['children_peak_rss_mb']):,.0f}",
                ]
            )
        lines += _table(
            ["stage", "wall s", "events/s", "µs/event", "peak MB (tree)", "peak MB (largest)"],
            rows,
        )
        lines += ["", "| ratio | value |", "|---|---|"]
        for key, value in size["ratios"].items():
            shown = "-" if value is None else f"{value:.3f}"
            lines.append(f"| {RATIO_LABELS.get(key, key)} | {shown} |")
        job_steps = size["stages"].get("job", {}).get("steps", {})
        if job_steps:
            steps = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in job_steps.items())
            lines += ["", f"Whole-job steps (Dagster step stats): {steps}."]
        models = size["stages"].get("dbt_build", {}).get("models", {})
        if models:
            slowest = ", ".join(
                f"{node.split('.')[-1]} {seconds:.2f} s"
                for node, seconds in list(models.items())[:6]
            )
            lines += ["", f"Slowest dbt nodes (run_results.json): {slowest}."]
        baseline = size["stages"].get("baseline", {})
        if baseline.get("scorecard_rows_differing_from_dbt") is not None:
            lines += [
                "",
                "Baseline scorecard rows differing from marts.agg_metrics_segment_daily: "
                f"{baseline['scorecard_rows_differing_from_dbt']} (0 = same numbers).",
            ]
        lines.append("")

    if len(sizes) > 1:
        lines += ["## Linearity: µs per event at each size", ""]
        rows = []
        for key, title in STAGE_ORDER:
            if not any(key in size["stages"] for size in sizes.values()):
                continue
            row = [title]
            for size in sizes.values():
                stage = size["stages"].get(key)
                row.append(_micros(stage, size["events"]) if stage else "-")
            rows.append(row)
        lines += _table(["stage (µs per event of the dataset)", *sizes], rows)
        lines.append("")

    largest_label = list(sizes)[-1]
    values = measures(sizes[largest_label])
    lines += [f"## Targets, at {largest_label}", ""]
    rows = []
    for key, target, description in TARGETS:
        value = values.get(key)
        verdict = "-" if value is None else ("met" if value <= target else "MISSED")
        rows.append([description, "-" if value is None else f"{value:.3f}", f"≤ {target}", verdict])
    lines += _table(["target", "measured", "target", "verdict"], rows)
    lines.append("")
    return "\n".join(lines)


def render_terminal(report: dict[str, Any]) -> str:
    return render_markdown(report)
