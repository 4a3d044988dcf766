"""Synthetic support events with planted ground truth (see docs/synthetic-data.md)."""

from orchestration.synthetic.generator import (
    DEFAULT_DEFECTS,
    DefectRates,
    LandingSummary,
    generate_events,
    write_landing,
)

__all__ = ["DEFAULT_DEFECTS", "DefectRates", "LandingSummary", "generate_events", "write_landing"]
