"""Portability: the same dbt models build, pass their data tests and unit tests, and compute the
same marts on Apache Spark (dbt-spark, target `spark` in dbt_project/profiles.yml: PySpark in
local mode, tables as Parquet files, no cluster).

tests/spark_build.py copies the raw layer the DuckDB job loaded from tests/handmade_events.py
into Spark and runs `dbt build` and the unit tests there, in one child process (one JVM, one
Spark session). Every published mart must then hold the same rows as the DuckDB one; its rows
are read straight from the Parquet files Spark wrote. PySpark 3.5 needs Java 17 (or older):
the test uses Debian's (.ci/install-java installs it; `make test` runs that) and fails, never
skips, without it.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.settings import Settings, dbt_command
from orchestration.warehouse_layout import MARTS_SCHEMA
from tests.engine_portability import assert_same_mart, duckdb_rows, normalised
from tests.handmade_events import DAY

REPOSITORY = Path(__file__).resolve().parent.parent
# JVM start, seeds, the build and its ~460 tests on 2 cores: ~19 min on a machine shared with
# other builds (load 10+), less alone; a hang must still not eat CI's 90 minutes.
SPARK_BUILD_TIMEOUT_SECONDS = 2400


def java_17_home() -> Path:
    """Debian's Java 17. Not the machine's default java: PySpark 3.5 does not start on 18+."""
    homes = sorted(glob.glob("/usr/lib/jvm/java-17-openjdk-*/bin/java"))
    if not homes:
        pytest.fail("Java 17 is missing: `bash .ci/install-java` installs it")
    return Path(homes[0]).parent.parent


@pytest.fixture(scope="module")
def spark_warehouse(handmade_warehouse: Settings, tmp_path_factory) -> dict[str, object]:
    """The hand-made day built on Spark: its folder and the build's seconds."""
    folder = tmp_path_factory.mktemp("spark-warehouse")
    env = {
        **os.environ,
        "JAVA_HOME": str(java_17_home()),
        "EMPATHY_SPARK_DIR": str(folder),
        # The profile's duckdb target reads it too; it is not used with --target spark.
        "EMPATHY_WORKING_DB": str(folder / "unused.duckdb"),
    }
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.spark_build",
            str(handmade_warehouse.working_db),
            str(folder / "dbt-target"),
        ],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        env=env,
        timeout=SPARK_BUILD_TIMEOUT_SECONDS,
        check=False,
    )
    # dbt writes to stdout; stderr is mostly Spark's own log
    assert completed.returncode == 0, (
        f"the Spark build failed:\n{completed.stdout[-8000:]}{completed.stderr[-1500:]}"
    )
    [seconds] = re.findall(r"spark build seconds: ([0-9.]+)", completed.stdout)
    return {"folder": folder, "build_seconds": float(seconds), "output": completed.stdout}


def _spark_rows(folder: Path, mart: str) -> tuple[list[str], list[tuple]]:
    """A mart's rows from the Parquet files Spark wrote (an empty mart has an empty file)."""
    files = folder / "warehouse" / f"{MARTS_SCHEMA}.db" / mart / "*.parquet"
    # Its own connection: a result left on duckdb's shared default one blocks the next query.
    with duckdb.connect() as connection:
        relation = connection.sql(f"select * from read_parquet('{files}')")
        return list(relation.columns), normalised(relation.fetchall())


def test_dbt_build_and_unit_tests_pass_on_spark(spark_warehouse):
    """Every model and data test of `dbt build`, then every unit test: none failed, warned or
    skipped."""
    output = spark_warehouse["output"]
    summaries = re.findall(
        r"PASS=(\d+) WARN=(\d+) ERROR=(\d+) SKIP=(\d+) NO-OP=(\d+) TOTAL=(\d+)", output
    )
    assert len(summaries) == 3, output[-3000:]  # seed, build, unit tests
    for passed, warned, errors, skipped, no_op, total in summaries:
        assert (warned, errors, skipped) == ("0", "0", "0"), output[-3000:]
        assert int(passed) + int(no_op) == int(total), output[-3000:]
    unit_tests = int(summaries[-1][0])
    assert unit_tests >= 9, output[-3000:]


def test_every_published_mart_has_the_same_rows_on_spark(
    published_mart, spark_warehouse, handmade_warehouse
):
    assert_same_mart(
        duckdb_rows(handmade_warehouse.published_db, f"select * from main.{published_mart}"),
        _spark_rows(spark_warehouse["folder"], published_mart),
    )


def test_spark_build_time_next_to_duckdb(spark_warehouse, handmade_warehouse, tmp_path, capsys):
    """The same `dbt build` (no seeds) on DuckDB, on a copy of the hand-made working database;
    both times are printed to the terminal, past pytest's capture."""
    working_db = tmp_path / "warehouse.duckdb"
    shutil.copy(handmade_warehouse.working_db, working_db)
    env = {**os.environ, "EMPATHY_WORKING_DB": str(working_db)}
    started = time.monotonic()
    completed = subprocess.run(
        dbt_command(
            "build",
            "--exclude-resource-type",
            "seed",
            "--vars",
            f'{{"refresh_date": "{DAY}"}}',
            target_path=tmp_path / "dbt-target",
        ),
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    duckdb_seconds = time.monotonic() - started
    assert completed.returncode == 0, completed.stdout[-3000:]
    spark_seconds = spark_warehouse["build_seconds"]
    with capsys.disabled():
        print(
            f"\ndbt build of the hand-made day: Spark (local[2]) {spark_seconds:.1f} s, "
            f"DuckDB {duckdb_seconds:.1f} s"
        )
