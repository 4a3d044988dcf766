"""Generated landing folders, cached under bench/cache/ and keyed by the generator parameters.

A key names every input of the generator (events, seed, start date, days, format, defects)
plus a hash of the generator's source, so a changed generator never serves stale data.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import time
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
CACHE_DIR = BENCH_DIR / "cache"
GENERATOR_SOURCE = BENCH_DIR.parent / "orchestration" / "synthetic" / "generator.py"
READY_MARKER = "_READY.json"  # starts with "_": the loader ignores it
DAY_IN_NAME = re.compile(r"_(\d{4}-\d{2}-\d{2})_part\d+\.")


@dataclass(frozen=True)
class DatasetSpec:
    events: int
    seed: int = 7
    start_date: str = "2026-09-01"
    days: int = 30
    file_format: str = "jsonl"
    defects: bool = True  # the generator's default defect rates: duplicates, malformed, late...

    @property
    def last_day(self) -> str:
        return (date.fromisoformat(self.start_date) + timedelta(days=self.days - 1)).isoformat()

    def key(self) -> str:
        source = hashlib.sha256(GENERATOR_SOURCE.read_bytes()).hexdigest()[:10]
        defects = "defects" if self.defects else "clean"
        return (
            f"{self.events}ev-seed{self.seed}-{self.start_date}-{self.days}d-"
            f"{self.file_format}-{defects}-gen{source}"
        )


def landing_for(spec: DatasetSpec, log=print) -> tuple[Path, dict]:
    """The landing folder for `spec`, generated on first use; returns it and its summary."""
    folder = CACHE_DIR / "landing" / spec.key()
    marker = folder / READY_MARKER
    if marker.exists():
        return folder, json.loads(marker.read_text())
    from orchestration.synthetic.generator import DEFAULT_DEFECTS, write_landing

    if folder.exists():  # an interrupted generation: start over
        shutil.rmtree(folder)
    log(f"generating {spec.events:,} events into {folder} (cached for later runs)")
    started = time.perf_counter()
    summary = write_landing(
        folder,
        target_events=spec.events,
        seed=spec.seed,
        start_date=date.fromisoformat(spec.start_date),
        days=spec.days,
        file_format=spec.file_format,
        defects=DEFAULT_DEFECTS if spec.defects else None,
    )
    info = {
        "spec": asdict(spec),
        "events_written": summary.events_written,
        "records_written": summary.records_written,
        "defects_injected": summary.defects_injected,
        "files": len(summary.files),
        "generate_seconds": round(time.perf_counter() - started, 2),
    }
    marker.write_text(json.dumps(info, indent=2))
    return folder, info


def landing_files_by_day(folder: Path) -> dict[str, list[Path]]:
    """The generated files grouped by the delivery day in their names."""
    days: dict[str, list[Path]] = {}
    for path in sorted(folder.iterdir()):
        match = DAY_IN_NAME.search(path.name)
        if match and not path.name.startswith((".", "_")):
            days.setdefault(match.group(1), []).append(path)
    return days


def linked_landing(source: Path, target: Path, days: list[str]) -> Path:
    """A landing folder of symlinks to `source`'s files of `days` (for the incremental run)."""
    target.mkdir(parents=True, exist_ok=True)
    by_day = landing_files_by_day(source)
    for day in days:
        for path in by_day.get(day, []):
            link = target / path.name
            if not link.exists():
                link.symlink_to(path)
    (target / ".demo-data").write_text("bench: generated data\n")
    return target
