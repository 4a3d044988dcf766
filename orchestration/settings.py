"""Where the warehouse lives, read from the environment in this one place.

Every path the pipeline, the CLI and the tests use comes from `Settings`, so pointing the
pipeline at another landing folder or warehouse is a matter of two environment variables.
The settings walk one way: environment -> `load_settings()` (once per process: the CLI, or
orchestration/definitions.py when Dagster loads the code location) -> the Dagster resource
`settings` (orchestration/defs/code_location.py) -> the assets, checks and sensors -> the dbt
subprocess, whose environment gets `Settings.dbt_env()` (orchestration/defs/dbt.py).
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from orchestration.ingest.contract import (
    DEFAULT_OCCURRED_AT_EARLIEST,
    DEFAULT_OCCURRED_AT_MAX_DAYS_AHEAD,
)
from orchestration.ingest.sources import SOURCE_ADAPTERS

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
SEEDS_DIR = PROJECT_ROOT / "seeds"
# dbt and dagster run as subprocesses; take the ones installed beside this Python, not PATH's.
VENV_BIN = Path(sys.executable).parent
DBT_EXECUTABLE = VENV_BIN / "dbt"


@dataclass(frozen=True)
class EnvironmentVariable:
    name: str
    default: str
    meaning: str


# Every variable the warehouse reads, in one place: `run --help` prints this list, and
# tests/test_settings_and_cli.py checks it against what this module reads and the README.
ENVIRONMENT_VARIABLES = (
    EnvironmentVariable("WAREHOUSE_DIR", "./warehouse", "the whole warehouse (all folders below)"),
    EnvironmentVariable(
        "LANDING_DIR", "$WAREHOUSE_DIR/landing", "where upstream systems drop event files"
    ),
    EnvironmentVariable(
        "EMPATHY_PSEUDONYM_KEY",
        "the public demo key, for demo data only",
        "secret that identifiers are hashed with; required for real data",
    ),
    EnvironmentVariable(
        "EMPATHY_REJECT_SHARE_LIMIT",
        "0.05",
        "share of a run's new records that may be rejected before nothing is published",
    ),
    EnvironmentVariable(
        "EMPATHY_OCCURRED_AT_EARLIEST", "2000-01-01", "an event stamped earlier (UTC) is rejected"
    ),
    EnvironmentVariable(
        "EMPATHY_OCCURRED_AT_MAX_DAYS_AHEAD",
        "1",
        "an event stamped more than this many days after the load time is rejected",
    ),
    EnvironmentVariable(
        "EMPATHY_MIN_FREE_DISK_MB",
        "256",
        "a refresh refuses to start with less free disk (or less than twice the working database)",
    ),
    EnvironmentVariable(
        "EMPATHY_METRIC_CHANGE_TOLERANCE",
        "0.5",
        "largest relative move of a warehouse-wide metric on published days that publishes "
        "while its sessions do not move alike (inf: off)",
    ),
    EnvironmentVariable(
        "EMPATHY_SOURCES",
        "none (canonical event files only)",
        "source systems whose tables land in <landing>/<source>/ (comma-separated; known: "
        f"{', '.join(sorted(SOURCE_ADAPTERS))})",
    ),
    EnvironmentVariable(
        "DAGSTER_HOME", "$WAREHOUSE_DIR/dagster_home", "the Dagster instance (runs, schedules)"
    ),
    EnvironmentVariable(
        "DBT_TARGET_PATH", "$WAREHOUSE_DIR/dbt/target", "dbt's manifest and run artifacts"
    ),
    EnvironmentVariable("DBT_LOG_PATH", "$WAREHOUSE_DIR/dbt/logs", "dbt's log files"),
)


def describe_environment_variables() -> str:
    """The variables as `run --help` lists them: name, then default and meaning."""
    return "\n".join(
        f"  {variable.name}\n"
        + textwrap.fill(
            f"{variable.meaning} (default: {variable.default})",
            width=88,
            initial_indent=" " * 6,
            subsequent_indent=" " * 6,
        )
        for variable in ENVIRONMENT_VARIABLES
    )


def environment() -> Mapping[str, str]:
    """This process's environment, for the checks the CLI makes before it loads the settings
    (demo data, the landing folder); nothing outside this module reads os.environ."""
    return os.environ


def warehouse_dir_from_env(env: Mapping[str, str]) -> Path:
    return Path(env.get("WAREHOUSE_DIR", PROJECT_ROOT / "warehouse")).resolve()


def landing_dir_from_env(env: Mapping[str, str]) -> Path:
    return Path(env.get("LANDING_DIR", warehouse_dir_from_env(env) / "landing")).resolve()


# dbt's own variables: where it writes manifest.json, run artifacts and its logs. They belong
# to one warehouse (compiled SQL and logs describe its data), so by default they live inside
# it; concurrent runs (two test sessions, a bench) point them at folders of their own.
DBT_TARGET_DIR = Path(
    os.environ.get("DBT_TARGET_PATH") or warehouse_dir_from_env(os.environ) / "dbt" / "target"
).resolve()
DBT_LOG_DIR = Path(
    os.environ.get("DBT_LOG_PATH") or warehouse_dir_from_env(os.environ) / "dbt" / "logs"
).resolve()


def dbt_command(*arguments: str, target_path: Path = DBT_TARGET_DIR) -> list[str]:
    """The dbt CLI on this project: `arguments`, then its project, profiles, target and log
    paths."""
    return [
        str(DBT_EXECUTABLE),
        *arguments,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(target_path),
        "--log-path",
        str(DBT_LOG_DIR),
    ]


# Beyond a century ahead, load time plus the allowance leaves what a timestamp can hold.
MAX_DAYS_AHEAD_LIMIT = 36_500.0

# Only ever used for generated demo data; real deliveries must bring their own key.
DEMO_PSEUDONYM_KEY = "demo-key-not-for-real-customer-data"
# The generator lists every file it writes, with its sha256, in this file of the landing folder
# (the loader ignores dot-files). Only files listed there, unchanged, count as demo data.
DEMO_DATA_MARKER = ".demo-data"


def generated_demo_files(landing_dir: Path) -> dict[str, str]:
    """Relative path -> sha256 of the files the demo generator wrote into `landing_dir`."""
    try:
        listed = json.loads((landing_dir / DEMO_DATA_MARKER).read_text())["files"]
    except (OSError, ValueError, TypeError, KeyError):
        return {}
    return listed if isinstance(listed, dict) else {}


def record_generated_demo_files(landing_dir: Path, paths: list[Path]) -> None:
    """Adds `paths` (files the generator just wrote) to the folder's demo-data marker."""
    from orchestration.ingest.loader import file_sha256

    listed = generated_demo_files(landing_dir)
    listed.update({path.relative_to(landing_dir).as_posix(): file_sha256(path) for path in paths})
    marker = {"generated_by": "orchestration.synthetic: not real data", "files": listed}
    (landing_dir / DEMO_DATA_MARKER).write_text(json.dumps(marker, indent=1, sort_keys=True))


def real_landing_files(landing_dir: Path) -> list[str]:
    """Files the loader would load (its own rule, any letter case) that the demo generator did
    not write, or that changed since: real deliveries, for which the demo key is refused."""
    from orchestration.ingest.loader import file_sha256, find_landing_files

    if not landing_dir.is_dir():
        return []
    generated = generated_demo_files(landing_dir)
    real = []
    for entry in find_landing_files(landing_dir).files:
        # A file the loader refuses unread (a link out of the folder) is not demo data either.
        try:
            unchanged = entry.refusal is None and (
                generated.get(entry.source_file) == file_sha256(entry.path)
            )
        except OSError:
            unchanged = False
        if not unchanged:
            real.append(entry.source_file)
    return real


class ConfigurationError(Exception):
    """A setting a user can fix: the message says which one and how."""


@dataclass(frozen=True)
class Settings:
    warehouse_dir: Path
    landing_dir: Path
    pseudonym_key: str
    reject_share_limit: float
    # The Dagster instance (run history, schedules): DAGSTER_HOME, else inside the warehouse.
    dagster_home: Path
    # A refresh refuses to start with less free disk than this (orchestration/preflight.py).
    min_free_disk_mb: int = 256
    # The plausible window for occurred_at (naive UTC; days after the load time).
    occurred_at_earliest: datetime = DEFAULT_OCCURRED_AT_EARLIEST
    occurred_at_max_days_ahead: float = DEFAULT_OCCURRED_AT_MAX_DAYS_AHEAD
    # Largest relative change of a warehouse-wide metric against the published version, on the
    # days both cover, that publishes without its sessions changing alike
    # (orchestration/quality/metric_change.py); inf lets one intended change through.
    metric_change_tolerance: float = 0.5
    # Source systems whose tables land in <landing>/<source>/ (orchestration/ingest/sources.py).
    sources: tuple[str, ...] = ()

    @property
    def working_db(self) -> Path:
        return self.warehouse_dir / "work" / "warehouse.duckdb"

    @property
    def published_dir(self) -> Path:
        return self.warehouse_dir / "published"

    @property
    def published_db(self) -> Path:
        return self.published_dir / "metrics.duckdb"

    @property
    def parquet_dir(self) -> Path:
        return self.published_dir / "parquet"

    @property
    def report_path(self) -> Path:
        """The scorecard report each publish writes beside the marts (orchestration/report.py)."""
        return self.published_dir / "report.html"

    def dbt_env(self) -> dict[str, str]:
        """Environment variables dbt reads: the working database (profiles.yml `env_var`) and
        its artifact and log folders (dagster-dbt reads DBT_TARGET_PATH too). Not the pseudonym
        key: dbt reads its HMAC pads from the working database (orchestration/pseudonymisation.py).
        No colours: dbt's output lands in the run's log file and Dagster's logs, not a terminal.
        """
        return {
            "EMPATHY_WORKING_DB": str(self.working_db),
            "DBT_TARGET_PATH": str(DBT_TARGET_DIR),
            "DBT_LOG_PATH": str(DBT_LOG_DIR),
            "DBT_USE_COLORS": "false",
        }

    def subprocess_env(self) -> dict[str, str]:
        """The environment of a child process that must see these settings (`dbt parse`,
        `dagster dev`): this one's, plus what dbt reads and the Dagster instance."""
        return {**os.environ, **self.dbt_env(), "DAGSTER_HOME": str(self.dagster_home)}


def check_folder_settings(env: Mapping[str, str]) -> None:
    """WAREHOUSE_DIR and LANDING_DIR must be folders (or not exist yet), not files."""
    for variable, folder in (
        ("WAREHOUSE_DIR", warehouse_dir_from_env(env)),
        ("LANDING_DIR", landing_dir_from_env(env)),
    ):
        # The folder itself or the first part of its path that exists must be a folder.
        existing = next((path for path in (folder, *folder.parents) if path.exists()), None)
        if existing is not None and not existing.is_dir():
            where = "is a file" if existing == folder else f"is inside {existing}, which is a file"
            raise ConfigurationError(
                f"{variable}={env.get(variable, folder)} {where}, not a folder. Point "
                f"{variable} at a folder (it is created if missing)."
            )


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    check_folder_settings(env)
    warehouse_dir = warehouse_dir_from_env(env)
    landing_dir = landing_dir_from_env(env)
    raw_limit = env.get("EMPATHY_REJECT_SHARE_LIMIT", "0.05")
    try:
        reject_share_limit = float(raw_limit)
    except ValueError:
        reject_share_limit = -1.0
    if not 0.0 <= reject_share_limit <= 1.0:
        raise ConfigurationError(
            f"EMPATHY_REJECT_SHARE_LIMIT={raw_limit!r} is not a share between 0 and 1 "
            "(e.g. 0.05 blocks publishing when more than 5% of a delivery is rejected)."
        )
    raw_min_free = env.get("EMPATHY_MIN_FREE_DISK_MB", "256")
    if not raw_min_free.isdigit():
        raise ConfigurationError(
            f"EMPATHY_MIN_FREE_DISK_MB={raw_min_free!r} is not a whole number of megabytes "
            "(e.g. 256: a refresh refuses to start with less free disk than that)."
        )
    raw_tolerance = env.get("EMPATHY_METRIC_CHANGE_TOLERANCE", "0.5")
    try:
        metric_change_tolerance = float(raw_tolerance)
    except ValueError:
        metric_change_tolerance = -1.0
    if not metric_change_tolerance >= 0.0:
        raise ConfigurationError(
            f"EMPATHY_METRIC_CHANGE_TOLERANCE={raw_tolerance!r} is not a relative change of 0 "
            "or more (e.g. 0.5 blocks publishing when a warehouse-wide metric moves by more than "
            "half on already-published days while its sessions do not; inf turns it off)."
        )
    return Settings(
        warehouse_dir=warehouse_dir,
        min_free_disk_mb=int(raw_min_free),
        landing_dir=landing_dir,
        pseudonym_key=_pseudonym_key(env, landing_dir),
        reject_share_limit=reject_share_limit,
        occurred_at_earliest=_occurred_at_earliest(env),
        occurred_at_max_days_ahead=_occurred_at_max_days_ahead(env),
        metric_change_tolerance=metric_change_tolerance,
        sources=_sources(env),
        dagster_home=Path(env.get("DAGSTER_HOME") or warehouse_dir / "dagster_home").resolve(),
    )


def _sources(env: Mapping[str, str]) -> tuple[str, ...]:
    raw = env.get("EMPATHY_SOURCES", "")
    names = tuple(sorted({name.strip().lower() for name in raw.split(",") if name.strip()}))
    unknown = [name for name in names if name not in SOURCE_ADAPTERS]
    if unknown:
        raise ConfigurationError(
            f"EMPATHY_SOURCES={raw!r} names {', '.join(unknown)}, which has no adapter; "
            f"the sources with one are: {', '.join(SOURCE_ADAPTERS)} (comma-separated)."
        )
    return names


def _occurred_at_earliest(env: Mapping[str, str]) -> datetime:
    raw = env.get("EMPATHY_OCCURRED_AT_EARLIEST", "")
    if not raw:
        return DEFAULT_OCCURRED_AT_EARLIEST
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ConfigurationError(
            f"EMPATHY_OCCURRED_AT_EARLIEST={raw!r} is not a date or date-time (e.g. 2000-01-01 "
            "or 2020-06-01T00:00:00Z): events stamped before it are rejected."
        ) from None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _occurred_at_max_days_ahead(env: Mapping[str, str]) -> float:
    raw = env.get("EMPATHY_OCCURRED_AT_MAX_DAYS_AHEAD", "")
    if not raw:
        return DEFAULT_OCCURRED_AT_MAX_DAYS_AHEAD
    try:
        days = float(raw)
    except ValueError:
        days = -1.0
    if not 0.0 <= days <= MAX_DAYS_AHEAD_LIMIT:
        raise ConfigurationError(
            f"EMPATHY_OCCURRED_AT_MAX_DAYS_AHEAD={raw!r} is not a number of days between 0 and "
            f"{MAX_DAYS_AHEAD_LIMIT:g} (e.g. 1 rejects events stamped more than a day after the "
            "load time)."
        )
    return days


def _pseudonym_key(env: Mapping[str, str], landing_dir: Path) -> str:
    """The keyed-hash secret; the public demo key is accepted only for generated demo data.

    Unset: the demo key when the landing folder holds only demo data (or nothing), else refused.
    Set but blank, or set to the public demo key while real data waits: refused, since either
    would make every pseudonym reversible by anyone hashing candidate ids."""
    holds_only_demo_data = not real_landing_files(landing_dir)
    if "EMPATHY_PSEUDONYM_KEY" not in env:
        if holds_only_demo_data:
            return DEMO_PSEUDONYM_KEY
        raise ConfigurationError(
            f"EMPATHY_PSEUDONYM_KEY is not set, and {landing_dir} holds real (not demo) data. "
            "Set it to a secret string: customer identifiers are hashed with it before publishing."
        )
    key = env["EMPATHY_PSEUDONYM_KEY"]
    if not key.strip():
        raise ConfigurationError(
            "EMPATHY_PSEUDONYM_KEY is blank. Set it to a secret string (identifiers are hashed "
            "with it before publishing), or unset it to run on demo data."
        )
    if key == DEMO_PSEUDONYM_KEY and not holds_only_demo_data:
        raise ConfigurationError(
            f"EMPATHY_PSEUDONYM_KEY is the public demo key, and {landing_dir} holds real (not "
            "demo) data. Set it to a secret string of your own: with the demo key anyone can "
            "reverse the pseudonyms."
        )
    return key
