"""Where the warehouse lives, read from the environment in this one place.

Every path the pipeline, the CLI and the tests use comes from `Settings`, so pointing the
pipeline at another landing folder or warehouse is a matter of two environment variables.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
SEEDS_DIR = PROJECT_ROOT / "seeds"
# dbt and dagster run as subprocesses; take the ones installed beside this Python, not PATH's.
VENV_BIN = Path(sys.executable).parent
DBT_EXECUTABLE = VENV_BIN / "dbt"
# dbt's own variable: where it writes manifest.json and run artifacts. Concurrent runs (two
# test sessions, a run beside `dagster dev`) each point it at their own folder.
DBT_TARGET_DIR = Path(os.environ.get("DBT_TARGET_PATH", DBT_PROJECT_DIR / "target")).resolve()


def dbt_command(*arguments: str, target_path: Path = DBT_TARGET_DIR) -> list[str]:
    """The dbt CLI on this project: `arguments`, then its project, profiles and target paths."""
    return [
        str(DBT_EXECUTABLE),
        *arguments,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(target_path),
    ]


# Only ever used for generated demo data; real deliveries must bring their own key.
DEMO_PSEUDONYM_KEY = "demo-key-not-for-real-customer-data"
# The generator leaves this file in a landing folder it fills (the loader ignores dot-files).
DEMO_DATA_MARKER = ".demo-data"


class ConfigurationError(Exception):
    """A setting a user can fix: the message says which one and how."""


@dataclass(frozen=True)
class Settings:
    warehouse_dir: Path
    landing_dir: Path
    pseudonym_key: str
    reject_share_limit: float
    # Teams that tune their suites keep them outside the repo and point here.
    expectations_dir: Path = EXPECTATIONS_DIR
    # Largest relative change of a warehouse-wide metric against the published version, on the
    # days both cover, that publishes without its sessions changing alike
    # (orchestration/quality/metric_change.py); inf lets one intended change through.
    metric_change_tolerance: float = 0.5

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

    def dbt_env(self) -> dict[str, str]:
        """Environment variables the dbt profile and models read."""
        return {
            "EMPATHY_WORKING_DB": str(self.working_db),
            "EMPATHY_PSEUDONYM_KEY": self.pseudonym_key,
        }


def warehouse_dir_from_env(env: Mapping[str, str]) -> Path:
    return Path(env.get("WAREHOUSE_DIR", PROJECT_ROOT / "warehouse")).resolve()


def landing_dir_from_env(env: Mapping[str, str]) -> Path:
    return Path(env.get("LANDING_DIR", warehouse_dir_from_env(env) / "landing")).resolve()


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
        landing_dir=landing_dir,
        pseudonym_key=_pseudonym_key(env, landing_dir),
        reject_share_limit=reject_share_limit,
        expectations_dir=Path(env.get("EMPATHY_EXPECTATIONS_DIR", EXPECTATIONS_DIR)).resolve(),
        metric_change_tolerance=metric_change_tolerance,
    )


def _pseudonym_key(env: Mapping[str, str], landing_dir: Path) -> str:
    """The keyed-hash secret; the public demo key is accepted only for generated demo data."""
    key = env.get("EMPATHY_PSEUDONYM_KEY", "")
    if key:
        return key
    holds_only_demo_data = not landing_dir.is_dir() or (
        (landing_dir / DEMO_DATA_MARKER).exists() or not any(landing_dir.iterdir())
    )
    if holds_only_demo_data:
        return DEMO_PSEUDONYM_KEY
    raise ConfigurationError(
        f"EMPATHY_PSEUDONYM_KEY is not set, and {landing_dir} holds real (not demo) data. "
        "Set it to a secret string: customer identifiers are hashed with it before publishing."
    )
