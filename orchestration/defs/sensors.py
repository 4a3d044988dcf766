"""A sensor that starts a refresh when files land, instead of waiting for the nightly run."""

import hashlib
from pathlib import Path

from dagster import RunRequest, SensorEvaluationContext, SkipReason, sensor

from orchestration.defs.partitions import daily_partitions
from orchestration.defs.resources import WarehouseSettings
from orchestration.defs.schedules import refresh_job
from orchestration.ingest.loader import find_landing_files


def landing_fingerprint(landing_dir: Path) -> str | None:
    """Changes whenever a landing file appears, changes size or is rewritten; None if empty.

    The files are the loader's own (`find_landing_files`); a link is looked at, not followed."""
    lines = []
    for entry in find_landing_files(landing_dir).files:
        try:
            status = entry.path.lstat()
        except OSError:
            continue
        lines.append(f"{entry.source_file}:{status.st_size}:{status.st_mtime_ns}")
    if not lines:
        return None
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


@sensor(
    job=refresh_job,
    minimum_interval_seconds=60,
    description="Starts refresh_warehouse for the newest partition when the landing folder "
    "changes (a file lands, grows or is rewritten).",
)
def landing_folder_sensor(context: SensorEvaluationContext, settings: WarehouseSettings):
    landing_dir = settings.landing_dir
    if not landing_dir.is_dir():
        return SkipReason(f"landing folder {landing_dir} does not exist (set LANDING_DIR)")
    fingerprint = landing_fingerprint(landing_dir)
    if fingerprint is None or fingerprint == context.cursor:
        return SkipReason("no new landing files")
    context.update_cursor(fingerprint)
    # The loader skips files it has seen, so one run per change of the folder is enough.
    return RunRequest(run_key=fingerprint, partition_key=daily_partitions.get_last_partition_key())
