"""`python -m tests.spark_build WORKING_DB TARGET_PATH`: the hand-made day's dbt build on Apache
Spark, for tests/test_spark_portability.py.

One process and one Spark session (dbt-spark's `session` method starts PySpark in local mode
inside dbt, profile target `spark`): `dbt seed` starts it, the raw layer and the pseudonym
key's pads are copied into it from the DuckDB working database, `dbt build` runs the models
and data tests on it and `dbt test` the unit tests (after the build, as in
tests/test_postgres_portability.py: a unit test of an incremental model reads the columns of
the built table). Tables land as Parquet under EMPATHY_SPARK_DIR (the profile's warehouse
folder); the test reads the marts' files from there. Prints the seconds of build and unit
tests on its last line. Runs in a child process so that the JVM ends with it and the test
session's dbt adapters stay DuckDB's.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import duckdb
from dbt.cli.main import dbtRunner

from orchestration.pseudonymisation import KEY_TABLE, hmac_pads
from orchestration.settings import dbt_command
from tests.conftest import TEST_PSEUDONYM_KEY
from tests.engine_portability import RAW_TABLES
from tests.handmade_events import DAY

# DuckDB's column types as Spark spells them (the loader's tables use no others).
SPARK_TYPES = {"VARCHAR": "string", "BIGINT": "bigint", "TIMESTAMP": "timestamp"}


def run_dbt(target_path: Path, *arguments: str) -> None:
    """dbt in this process (so every command shares the one Spark session); fails loudly."""
    command = dbt_command(*arguments, "--target", "spark", target_path=target_path)[1:]
    # No source adapter on Spark: the social adapter rebuilds threads with a recursive CTE,
    # which Spark 3.5 does not have (README, "Spark").
    command += ["--vars", f'{{"refresh_date": "{DAY}", "event_sources": []}}']
    outcome = dbtRunner().invoke(command)
    if not outcome.success:
        raise SystemExit(f"dbt {' '.join(arguments)} failed on Spark: {outcome.exception or ''}")


def copy_raw_layer(working_db: Path) -> None:
    """raw.* and the key's pads into the running Spark session (started by dbt)."""
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.getOrCreate()  # dbt-spark's session: there is one already
    # pandas' naive timestamps are read in the session's time zone (UTC, the profile's)
    spark.conf.set("spark.sql.execution.arrow.pyspark.enabled", "true")
    spark.sql("create schema if not exists raw")
    with duckdb.connect(str(working_db), read_only=True) as source:
        for table in RAW_TABLES:
            relation = source.sql(f"select * from raw.{table}")
            schema = ", ".join(
                f"{column} {SPARK_TYPES[str(data_type)]}"
                for column, data_type in zip(relation.columns, relation.types, strict=True)
            )
            frame = spark.createDataFrame(relation.df(), schema=schema)
            frame.write.mode("overwrite").saveAsTable(f"raw.{table}")
    inner_pad, outer_pad = hmac_pads(TEST_PSEUDONYM_KEY)
    spark.sql(f"create schema if not exists {KEY_TABLE.split('.')[0]}")
    spark.createDataFrame(
        [(inner_pad.hex(), outer_pad.hex())], schema="inner_pad_hex string, outer_pad_hex string"
    ).write.mode("overwrite").saveAsTable(KEY_TABLE)


def main(working_db: Path, target_path: Path) -> None:
    run_dbt(target_path, "seed")
    copy_raw_layer(working_db)
    started = time.monotonic()
    excluded = ["--exclude-resource-type", "seed", "--exclude-resource-type", "unit_test"]
    run_dbt(target_path, "build", *excluded)
    run_dbt(target_path, "test", "--select", "resource_type:unit_test")
    print(f"spark build seconds: {time.monotonic() - started:.1f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
