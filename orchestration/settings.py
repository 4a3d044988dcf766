"""Where the warehouse lives, read from the environment in this one place.

Every path the pipeline, the CLI and the tests use comes from `Settings`, so pointing the
pipeline at another landing folder or warehouse is a matter of two environment variables.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
SEEDS_DIR = PROJECT_ROOT / "seeds"

# Only ever used for generated demo data; real deliveries must bring their own key.
DEMO_PSEUDONYM_KEY = "demo-key-not-for-real-customer-data"


class ConfigurationError(Exception):
    """A setting a user can fix: the message says which one and how."""


@dataclass(frozen=True)
class Settings:
    warehouse_dir: Path
    landing_dir: Path
    pseudonym_key: str
    reject_share_limit: float

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


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    warehouse_dir = Path(env.get("WAREHOUSE_DIR", PROJECT_ROOT / "warehouse")).resolve()
    landing_dir = Path(env.get("LANDING_DIR", warehouse_dir / "landing")).resolve()
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
    return Settings(
        warehouse_dir=warehouse_dir,
        landing_dir=landing_dir,
        pseudonym_key=env.get("EMPATHY_PSEUDONYM_KEY", DEMO_PSEUDONYM_KEY),
        reject_share_limit=reject_share_limit,
    )
