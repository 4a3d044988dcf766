"""`make bench`: speed and memory of the warehouse at 100k, 1M and 10M events.

Each stage (load, dbt build raw and through Dagster, Great Expectations, publish, the whole
job, an incremental day) runs in its own subprocess so its wall time and peak memory are its
own; a hand-written DuckDB script (bench/baseline.sql) computes the same session facts and
daily scorecard as the engine-bound floor. See bench/README.md.
"""
