"""Write-audit-publish: the published file is replaced whole, never written in place."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from orchestration.publish import (
    TEMPORARY_MARKER,
    MartDescription,
    publish_marts,
    published_mart_names,
)
from tests.conftest import manifest_published_marts, parquet_query, parsed_manifest

MARTS = ("fct_sessions", "agg_metrics_segment_daily")


def _working_db(path: Path, sessions: int) -> Path:
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema if not exists marts")
        connection.execute(
            "create or replace table marts.fct_sessions as "
            f"select 's-' || range as session_id from range({sessions})"
        )
        connection.execute(
            "create or replace table marts.agg_metrics_segment_daily "
            f"as select {sessions} as sessions"
        )
    return path


def test_publish_writes_every_mart_to_the_database_and_to_parquet(tmp_path: Path):
    working = _working_db(tmp_path / "work.duckdb", sessions=3)
    result = publish_marts(
        working, tmp_path / "published" / "metrics.duckdb", tmp_path / "parquet", MARTS
    )
    assert result.row_counts == {"fct_sessions": 3, "agg_metrics_segment_daily": 1}
    with duckdb.connect(str(result.database), read_only=True) as connection:
        assert connection.execute("select count(*) from fct_sessions").fetchone() == (3,)
        assert connection.execute("select version from publication").fetchone() == (result.version,)
    parquet = tmp_path / "parquet" / "fct_sessions.parquet"
    assert parquet_query(f"select count(*) from '{parquet}'") == [(3,)]


def test_reader_holding_the_published_file_keeps_its_version_and_does_not_block(tmp_path: Path):
    published = tmp_path / "published" / "metrics.duckdb"
    publish_marts(_working_db(tmp_path / "work.duckdb", 3), published, tmp_path / "pq", MARTS)
    reader = duckdb.connect(str(published), read_only=True)
    try:
        publish_marts(_working_db(tmp_path / "work.duckdb", 5), published, tmp_path / "pq", MARTS)
        assert reader.execute("select count(*) from fct_sessions").fetchone() == (3,)
    finally:
        reader.close()
    with duckdb.connect(str(published), read_only=True) as fresh_reader:
        assert fresh_reader.execute("select count(*) from fct_sessions").fetchone() == (5,)


def test_a_missing_mart_fails_before_anything_published_changes(tmp_path: Path):
    published = tmp_path / "published" / "metrics.duckdb"
    publish_marts(_working_db(tmp_path / "work.duckdb", 3), published, tmp_path / "pq", MARTS)
    before = published.read_bytes()
    with pytest.raises(duckdb.CatalogException, match="fct_escalations"):
        publish_marts(
            tmp_path / "work.duckdb", published, tmp_path / "pq", (*MARTS, "fct_escalations")
        )
    assert published.read_bytes() == before


def test_leftovers_of_a_crashed_publish_are_cleaned_by_the_next_one(tmp_path: Path):
    published_dir = tmp_path / "published"
    published_dir.mkdir()
    leftover = published_dir / f"{TEMPORARY_MARKER}20260101T000000Z-dead.duckdb"
    leftover.write_bytes(b"half written")
    publish_marts(
        _working_db(tmp_path / "work.duckdb", 1),
        published_dir / "metrics.duckdb",
        tmp_path / "pq",
        MARTS,
    )
    assert not leftover.exists()
    assert sorted(path.name for path in published_dir.iterdir()) == ["metrics.duckdb"]


# --- which marts are published: declared once, in the dbt project ------------------------------


def _model(name: str, *, published=True, enforced=True, schema="marts", kind="model") -> dict:
    """A manifest node as dbt writes it, reduced to what published_mart_names reads."""
    return {
        "resource_type": kind,
        "name": name,
        "schema": schema,
        "config": {
            "meta": {"published": True} if published else {},
            "contract": {"enforced": enforced},
        },
    }


def _manifest(*nodes: dict) -> dict:
    return {"nodes": {f"{node['resource_type']}.p.{node['name']}": node for node in nodes}}


def test_published_marts_are_the_models_marked_published_in_name_order():
    manifest = _manifest(
        _model("fct_sessions"),
        _model("int_sessions_aggregated", published=False, enforced=False, schema="intermediate"),
        _model("daily_metrics"),
        _model("event_type_mapping", kind="seed"),  # only models are published
    )
    assert published_mart_names(manifest) == ("daily_metrics", "fct_sessions")


def test_a_published_model_without_an_enforced_contract_is_refused_by_name():
    manifest = _manifest(_model("fct_sessions"), _model("fct_replies", enforced=False))
    with pytest.raises(ValueError, match=r"fct_replies has no enforced contract") as error:
        published_mart_names(manifest)
    assert "fct_sessions" not in str(error.value)


def test_a_published_model_outside_the_marts_schema_is_refused_by_name():
    manifest = _manifest(_model("int_sessions_aggregated", schema="intermediate"))
    with pytest.raises(ValueError, match="int_sessions_aggregated is built in schema intermediate"):
        published_mart_names(manifest)


def test_a_manifest_without_any_published_mart_is_refused_with_where_to_declare_them():
    manifest = _manifest(_model("fct_sessions", published=False))
    with pytest.raises(ValueError, match=r"no published mart: set meta `published: true`"):
        published_mart_names(manifest)


def test_every_published_mart_of_the_project_has_an_enforced_contract_typing_each_column():
    """dbt then refuses a build whose columns or types differ from the YAML: what BI reads
    cannot change by accident."""
    published = [
        node
        for node in parsed_manifest()["nodes"].values()
        if node["resource_type"] == "model" and node["config"]["meta"].get("published")
    ]
    assert sorted(node["name"] for node in published) == list(manifest_published_marts())
    for node in published:
        assert node["config"]["contract"]["enforced"] is True, node["name"]
        assert node["columns"], node["name"]
        untyped = [name for name, column in node["columns"].items() if not column["data_type"]]
        assert untyped == [], node["name"]


def test_published_marts_carry_their_dbt_descriptions_for_bi_tools(handmade_warehouse):
    manifest = parsed_manifest()
    node = manifest["nodes"]["model.empathy_warehouse.fct_sessions"]
    table_text = " ".join(node["description"].split())
    session_id_text = " ".join(node["columns"]["session_id"]["description"].split())
    assert table_text and session_id_text  # the YAML describes both
    with duckdb.connect(str(handmade_warehouse.published_db), read_only=True) as connection:
        (table_comment,) = connection.execute(
            "select comment from duckdb_tables() where table_name = 'fct_sessions'"
        ).fetchone()
        column_comments = dict(
            connection.execute(
                "select column_name, comment from duckdb_columns() "
                "where table_name = 'fct_sessions'"
            ).fetchall()
        )
        parquet = handmade_warehouse.parquet_dir / "fct_sessions.parquet"
        metadata = {
            key.decode(): value.decode()
            for _, key, value in connection.execute(
                "select * from parquet_kv_metadata(?)", [str(parquet)]
            ).fetchall()
        }
    assert table_comment == table_text
    assert column_comments["session_id"] == session_id_text
    # every column of every published mart is described in its YAML, so none is left bare
    assert [name for name, comment in column_comments.items() if not comment] == []
    assert metadata["description"] == table_text
    assert json.loads(metadata["column_descriptions"])["session_id"] == session_id_text


def test_a_description_with_quotes_is_published_as_written(tmp_path: Path):
    published = tmp_path / "metrics.duckdb"
    descriptions = {mart: MartDescription(f'{mart}: it\'s "quoted"', {}) for mart in MARTS}
    descriptions[MARTS[1]] = MartDescription("O'Brien's table", {"sessions": "a 'count'"})
    publish_marts(
        _working_db(tmp_path / "work.duckdb", 3),
        published,
        tmp_path / "pq",
        MARTS,
        descriptions=descriptions,
    )
    with duckdb.connect(str(published), read_only=True) as connection:
        comments = dict(
            connection.execute("select table_name, comment from duckdb_tables()").fetchall()
        )
        (column_comment,) = connection.execute(
            "select comment from duckdb_columns() "
            "where table_name = ? and column_name = 'sessions'",
            [MARTS[1]],
        ).fetchone()
    assert comments[MARTS[0]] == 'fct_sessions: it\'s "quoted"'
    assert comments[MARTS[1]] == "O'Brien's table"
    assert column_comment == "a 'count'"
