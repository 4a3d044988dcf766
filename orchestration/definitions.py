"""The Dagster code location `dagster dev` loads (pyproject.toml [tool.dagster]).

The settings come from this process's environment, read once, here: `make dev` exports the
warehouse's (orchestration/cli.py `command_dev`), a run worker or code server inherits them.
Everything else is defined in orchestration/defs/, one module a concern.
"""

from orchestration.defs.code_location import build_definitions
from orchestration.settings import load_settings

defs = build_definitions(load_settings())
