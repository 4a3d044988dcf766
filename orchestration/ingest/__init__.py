"""Landing folder → raw layer. The Dagster asset `raw_events` calls `load_landing`."""

from orchestration.ingest.loader import FileLoad, LandingError, LoadReport, load_landing

__all__ = ["FileLoad", "LandingError", "LoadReport", "load_landing"]
