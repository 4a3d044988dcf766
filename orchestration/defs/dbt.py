"""The dbt models as Dagster assets; dbt tests become asset checks (error severity blocks)."""

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import duckdb
from dagster import (
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    Config,
    Output,
)
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from orchestration.defs.manifest import load_manifest
from orchestration.defs.partitions import (
    daily_partitions,
    dbt_env_for_partition,
    report_days_with_data,
)
from orchestration.defs.resources import WarehouseSettings, dbt_project
from orchestration.load_gate import full_refresh_requested, mark_full_refresh_done
from orchestration.pseudonymisation import check_key_unchanged, write_pseudonymisation_key
from orchestration.publish import published_mart_names
from orchestration.warehouse_layout import MARTS_SCHEMA

# dbt unit tests are development tests: they need the model's own table to exist already (so
# they fail a first build) and they test code, not data. `make test` runs them instead.
PRODUCTION_BUILD_ARGS = ["build", "--exclude-resource-type", "unit_test"]


# The marts the dbt project declares published, read from the manifest the asset graph below
# is built from: the publish asset's deps and the Great Expectations checks take this.
PUBLISHED_MART_NAMES = published_mart_names(load_manifest())


def mart_asset_key(mart: str) -> AssetKey:
    """dagster-dbt keys a model by schema and name, e.g. marts/fct_sessions."""
    return AssetKey([MARTS_SCHEMA, mart])


def describe_dbt_test(test: Mapping[str, Any]) -> str:
    """What a dbt data test (a manifest node) checks, in words: its own description when the
    YAML gives one, else one written from the generic test and its arguments."""
    severity = str((test.get("config") or {}).get("severity") or "error").lower()
    effect = "blocks publishing" if severity == "error" else "reported, never blocks"
    own = " ".join(str(test.get("description") or "").split())
    label = f"dbt test ({severity}, {effect})"
    if own:
        return f"{label}: {own}"
    metadata = test.get("test_metadata") or {}
    kwargs = metadata.get("kwargs") or {}
    column = kwargs.get("column_name") or test.get("column_name")
    rules = {
        "not_null": lambda: f"{column} is never null",
        "unique": lambda: f"{column} is unique",
        "accepted_values": lambda: (
            f"{column} is one of {', '.join(str(value) for value in kwargs.get('values', []))}"
        ),
        "value_between": lambda: " and ".join(
            part
            for part in (
                f"{column} >= {kwargs['min_value']}" if "min_value" in kwargs else "",
                f"{column} <= {kwargs['max_value']}" if "max_value" in kwargs else "",
            )
            if part
        ),
        "value_matches_regex": lambda: f"{column} matches {kwargs.get('regex')}",
        "unique_combination_of_columns": lambda: (
            f"one row per {', '.join(kwargs.get('combination_of_columns', []))}"
        ),
        "relationships": lambda: f"every {column} is a {kwargs.get('field')} of {kwargs.get('to')}",
    }
    name = metadata.get("name") or test.get("name", "test")
    rule = rules[name]() if name in rules else f"dbt test {name} on {column or 'the model'}"
    where = (test.get("config") or {}).get("where")
    if where:
        rule += f" (rows where {where})"
    return f"{label}: {rule}."


class WarehouseTranslator(DagsterDbtTranslator):
    """Groups assets by dbt folder (staging, intermediate, marts, seeds) in the Dagster UI, and
    says what each dbt test checks (dagster-dbt leaves a test without a description)."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "seeds"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"

    def get_asset_check_spec(
        self,
        asset_spec: AssetSpec,
        manifest: Mapping[str, Any],
        unique_id: str,
        project: DbtProject | None,
    ) -> AssetCheckSpec | None:
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None or (spec.description or "").strip():
            return spec
        return spec._replace(description=describe_dbt_test(manifest["nodes"][unique_id]))


class DbtBuildConfig(Config):
    """Run configuration of the dbt step (`run --full-refresh`, or the launchpad in the UI)."""

    full_refresh: bool = False


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    partitions_def=daily_partitions,
    dagster_dbt_translator=WarehouseTranslator(),
)
def warehouse_dbt_models(
    context: AssetExecutionContext,
    dbt: DbtCliResource,
    settings: WarehouseSettings,
    config: DbtBuildConfig,
):
    # Records quarantined since the last build are gone from raw but not from the incremental
    # models (staging appends new loads only): rebuild everything from raw once.
    quarantine_refresh = full_refresh_requested(settings.working_db)
    full_refresh = config.full_refresh or quarantine_refresh
    check_key_unchanged(settings.working_db, settings.pseudonym_key, full_refresh=full_refresh)
    # dbt reads the key material from the working database, so no dbt artifact holds the key.
    settings.working_db.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.working_db)) as working_db:
        write_pseudonymisation_key(working_db, settings.pseudonym_key)
    partition_key = context.partition_key if context.has_partition_key else None
    arguments = list(PRODUCTION_BUILD_ARGS)
    started = datetime.now(UTC).replace(tzinfo=None)
    if quarantine_refresh:
        context.log.info("records were quarantined since the last build: dbt build --full-refresh")
    if full_refresh:
        arguments.append("--full-refresh")
    # The one place the settings are written into os.environ: dbt's profiles.yml reads the
    # working database through env_var, and dagster-dbt gives its dbt subprocess (and the dbt
    # adapter it loads in this process) a copy of this process's environment, nothing else.
    os.environ.update({**settings.dbt_env(), **dbt_env_for_partition(partition_key)})
    built = set()
    for event in dbt.cli(arguments, context=context).stream():
        if isinstance(event, Output):
            built.add(context.asset_key_for_output(event.output_name))
        yield event
    report_days_with_data(context, built, settings.working_db)
    if quarantine_refresh:
        mark_full_refresh_done(settings.working_db, started)
