"""No customer identifier or personal data in anything published, on generated data whose
customer texts carry e-mails, phone numbers and card numbers and on a delivery with personal
data planted in every field (tests/conftest.PLANTED_DELIVERY); nothing of it, and not the key,
in the logs or dbt's artifacts; redaction and the HMAC on worked examples; and no real data
without a key."""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import re
from pathlib import Path

import duckdb

from orchestration.pseudonymisation import hmac_pads
from orchestration.settings import DBT_PROJECT_DIR, DEMO_PSEUDONYM_KEY, Settings
from tests.conftest import (
    PLANTED_DELIVERY,
    PLANTED_TOKENS,
    PRIVACY_EXAMPLE,
    TEST_PSEUDONYM_KEY,
    cli_environment,
    planted,
    pseudonym,
    query,
    run_cli,
)

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# Digit runs that stand alone, not inside a longer token such as a hex digest or an event id
# (e-0000017-06).
CARD = re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])")
PHONE = re.compile(r"(?<![\w-])\+?\(?\d(?:[ ().-]{0,2}\d){8,}(?![\w-])")
# Run ids are UUIDs: two all-digit groups would look like a phone number; they are not data.
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _landing_records(landing: Path) -> list[dict]:
    records = []
    for path in sorted(landing.iterdir()):
        if path.name.endswith(".jsonl.gz"):
            text = gzip.decompress(path.read_bytes()).decode()
        elif path.name.endswith(".jsonl"):
            text = path.read_text()
        else:
            continue
        records += [json.loads(line) for line in text.splitlines() if line.strip()]
    return records


def _string_values(connection: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    """Every distinct value of every column of `relation` that can hold text (varchar, JSON,
    lists, structs, maps), as text. Dates, times and numbers are left out: a timestamp as text
    (2026-10-02 16:57) looks like a phone number and cannot hold personal data."""
    columns = [
        name
        for name, column_type, *_ in connection.execute(f"describe {relation}").fetchall()
        if column_type in ("VARCHAR", "JSON")
        or column_type.endswith("]")
        or column_type.startswith(("STRUCT", "MAP", "UNION"))
    ]
    values: list[str] = []
    for column in columns:
        rows = connection.execute(
            f'select distinct cast("{column}" as varchar) from {relation} '
            f'where "{column}" is not null'
        ).fetchall()
        values += [value for (value,) in rows]
    return values


def _findings(values: list[str], customer_ids: set[str]) -> list[str]:
    found = []
    for value in values:
        found += [
            f"planted {token!r} in {value!r}"
            for token in PLANTED_TOKENS
            if token.lower() in value.lower()
        ]
        for token in re.findall(r"c-[\w-]+", value):
            if token in customer_ids:
                found.append(f"customer id {token!r} in {value!r}")
        text = UUID.sub("", value)
        for name, pattern in (("email", EMAIL), ("card", CARD), ("phone", PHONE)):
            found += [f"{name} {match!r} in {value!r}" for match in pattern.findall(text)]
    return found


def test_the_scan_finds_the_personal_data_in_the_raw_layer(generated_warehouse):
    """Finding nothing below means something only if the scan finds it where it is."""
    settings, _ = generated_warehouse
    customer_ids = {
        r["customer_id"] for r in _landing_records(settings.landing_dir) if r.get("customer_id")
    }
    with duckdb.connect(str(settings.working_db), read_only=True) as connection:
        findings = _findings(_string_values(connection, "raw.events"), customer_ids)
    kinds = {finding.split(" ", 1)[0] for finding in findings}
    assert kinds == {"customer", "email", "phone", "card", "planted"}


def test_no_customer_id_email_phone_or_card_number_in_any_published_table(generated_warehouse):
    settings, _ = generated_warehouse
    records = _landing_records(settings.landing_dir)
    customer_ids = {r["customer_id"] for r in records if r.get("customer_id")}
    assert len(customer_ids) > 100
    with duckdb.connect(str(settings.published_db), read_only=True) as connection:
        tables = [
            f'"{schema}"."{table}"'
            for schema, table in connection.execute(
                "select schema_name, table_name from duckdb_tables()"
            ).fetchall()
        ]
        assert len(tables) >= 7  # the marts, publication and mon_refresh_runs
        findings = [
            f"{table}: {finding}"
            for table in tables
            for finding in _findings(_string_values(connection, table), customer_ids)
        ]
    assert findings == []


def test_no_customer_id_email_phone_or_card_number_in_any_parquet_file(generated_warehouse):
    settings, _ = generated_warehouse
    records = _landing_records(settings.landing_dir)
    customer_ids = {r["customer_id"] for r in records if r.get("customer_id")}
    parquet_files = sorted(settings.parquet_dir.glob("*.parquet"))
    assert len(parquet_files) >= 6
    with duckdb.connect() as connection:
        findings = []
        for path in parquet_files:
            connection.execute(f"create or replace view parquet_file as from '{path}'")
            values = _string_values(connection, "parquet_file")
            findings += [f"{path.name}: {finding}" for finding in _findings(values, customer_ids)]
    assert findings == []


def test_staging_redacts_emails_phone_and_card_numbers_in_the_worked_example(generated_warehouse):
    settings, _ = generated_warehouse
    rows = query(
        settings.working_db,
        "select text_redacted from staging.stg_support__events "
        f"where event_id = '{pseudonym('p-2')}'",
    )
    # e-mail first, then the 16-digit card, then both phone numbers (12 and 11 digits); the
    # date (8 digits) and the order number (5) survive.
    assert rows == [
        (
            "Hi, I'm [email], call me on [phone] or [phone]. Card [card] was charged twice on "
            "2026-10-02, order 12345.",
        )
    ]
    assert PRIVACY_EXAMPLE[1]["text"].startswith("Hi, I'm jane.doe+billing@example.co.uk")


def test_customer_key_is_python_hmac_sha256_of_the_customer_id(generated_warehouse):
    settings, _ = generated_warehouse
    session_p1 = hmac.new(TEST_PSEUDONYM_KEY.encode(), b"P1", hashlib.sha256).hexdigest()
    rows = query(
        settings.published_db,
        f"select distinct customer_key from fct_sessions where session_id = '{session_p1}'",
    )
    with_test_key = hmac.new(TEST_PSEUDONYM_KEY.encode(), b"c-hand-1", hashlib.sha256).hexdigest()
    with_demo_key = hmac.new(DEMO_PSEUDONYM_KEY.encode(), b"c-hand-1", hashlib.sha256).hexdigest()
    assert rows == [(with_test_key,)]
    assert with_test_key != with_demo_key


def _attribute_paths_staging_reads() -> set[tuple[str, ...]]:
    """attribute_paths of stg_support__events.sql, with its loops over QA dimensions and
    summary parts expanded, as the model builds it."""
    sql = (DBT_PROJECT_DIR / "models" / "staging" / "stg_support__events.sql").read_text()

    def listed(name: str) -> list[str]:
        """The list the model sets `name` to: a literal, or the list a macro returns."""
        (value,) = re.findall(rf"set {name} = ([^%]*?) -%}}", sql)
        if value.endswith("()"):
            macro = (DBT_PROJECT_DIR / "macros" / f"{value[:-2]}.sql").read_text()
            (value,) = re.findall(r"return\((\[[^\]]*\])\)", macro)
        return re.findall(r"'(\w+)'", value)

    block = sql[sql.index("set attribute_paths = {") : sql.index("} -%}")]
    paths = {tuple(re.findall(r"'(\w+)'", path)) for path in re.findall(r": \[([^\]]*)\]", block)}
    paths |= {("scores", dimension) for dimension in listed("qa_dimensions")}
    paths |= {("summary", part) for part in listed("summary_parts")}
    return paths


def _leaf_paths(attributes: dict, prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    paths = set()
    for key, value in attributes.items():
        if isinstance(value, dict):
            paths |= _leaf_paths(value, (*prefix, key))
        else:
            paths.add((*prefix, key))
    return paths


def test_the_planted_delivery_fills_every_field_of_the_contract_staging_reads():
    from orchestration.ingest.contract import OPTIONAL_FIELDS, REQUIRED_FIELDS

    read_by_staging = _attribute_paths_staging_reads()
    assert len(read_by_staging) == 32  # 23 named, 5 QA dimensions, 4 summary parts
    planted_paths = set().union(*(_leaf_paths(e.get("attributes", {})) for e in PLANTED_DELIVERY))
    assert read_by_staging <= planted_paths
    # Every envelope string holds planted data in some event (occurred_at must parse).
    for field in {*REQUIRED_FIELDS, *OPTIONAL_FIELDS} - {"occurred_at"}:
        assert any(PLANTED_TOKENS[0] in str(e.get(field)) for e in PLANTED_DELIVERY), field


def test_the_planted_session_is_published_with_pseudonyms_and_unrecognised_labels(
    generated_warehouse,
):
    """The scans find nothing because the values were replaced, not because the session was
    lost: it is in the marts, every identifier as its keyed hash, every attribute a label."""
    settings, _ = generated_warehouse
    published = settings.published_db
    session = pseudonym(planted("session"))
    assert query(
        published,
        "select customer_key, channel, language, intent, severity, model_version, prompt_id, "
        "resolved_by, close_reason, micro_feedback_answer, resolution_kind "
        f"from fct_sessions where session_id = '{session}'",
    ) == [
        (
            pseudonym(planted("customer")),
            "chat",
            *["unrecognised"] * 8,
            "assisted",
        )
    ]
    messages = query(
        published, f"select message_id from fct_messages where session_id = '{session}'"
    )
    assert sorted(messages) == sorted(
        (pseudonym(planted(f"event {number}")),) for number in (2, 3, 6, 15)
    )
    assert query(
        published,
        "select event_count, example_event_id from mon_unmapped_event_types "
        "where source_event_type = 'unrecognised'",
    ) == [(1, pseudonym(planted("event 14")))]
    assert query(
        published,
        "select delivered_channel, event_count, example_event_id from mon_unmapped_channels",
    ) == [("unrecognised", 1, pseudonym(planted("event 15")))]
    # The QA review of the bot message still points at it: both ids hash alike.
    assert query(
        settings.working_db,
        "select reviewer_id, target_message_id from intermediate.int_qa_reviews_extracted "
        f"where session_id = '{session}'",
    ) == [(pseudonym(planted("reviewer")), pseudonym(planted("event 3")))]


def _files_of_the_run(settings: Settings) -> list[Path]:
    """Every file the run wrote besides its databases: the warehouse's logs, the Dagster home
    (event log, compute logs) and dbt's target and log folder (copied into the warehouse's
    dbt/ by the fixture, from the test process that ran it)."""
    folders = [settings.warehouse_dir / name for name in ("logs", "dagster_home", "dbt")]
    return sorted(path for folder in folders for path in folder.rglob("*") if path.is_file())


def test_no_planted_personal_data_in_the_logs_or_dbt_artifacts_of_the_run(generated_warehouse):
    settings, outcome = generated_warehouse
    files = _files_of_the_run(settings)
    names = {path.name for path in files}
    assert outcome.log_path in files and {"dbt.log", "manifest.json"} <= names
    findings = [
        f"{path}: {token!r}"
        for path in files
        for token in PLANTED_TOKENS
        if token.lower().encode() in path.read_bytes().lower()
    ]
    assert findings == []


def test_no_dbt_artifact_log_or_dagster_file_holds_the_key_or_its_pads(generated_warehouse):
    settings, _ = generated_warehouse
    files = _files_of_the_run(settings)
    # The model's compiled select, in its own folder (not run/, which for an incremental run is
    # the insert from a temporary table, nor a unit test's, compiled into a folder named after
    # its YAML file, whose fixtures stand in for the key table).
    compiled = [
        path
        for path in files
        if path.name == "stg_support__events.sql"
        and "compiled" in path.parts
        and path.parent.name == "staging"
    ]
    # The scan covers the SQL dbt compiled and ran for the model that hashes.
    assert compiled and all("pseudonymisation_key" in path.read_text() for path in compiled)
    assert {"run_results.json", "manifest.json", "partial_parse.msgpack", "dbt.log"} <= {
        path.name for path in files
    }
    secrets = [TEST_PSEUDONYM_KEY.encode()]
    for pad in hmac_pads(TEST_PSEUDONYM_KEY):
        secrets += [pad.hex().encode(), pad.hex().upper().encode(), pad]
    findings = [str(path) for path in files if any(s in path.read_bytes() for s in secrets)]
    assert findings == []


def test_run_on_real_data_without_a_key_exits_2_with_one_line_and_no_traceback(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "helpdesk.jsonl").write_text(json.dumps(PRIVACY_EXAMPLE[0]) + "\n")
    env = cli_environment(tmp_path, EMPATHY_PSEUDONYM_KEY="")
    completed = run_cli(env, "run", "--partition", "2026-10-03", "--no-demo")
    assert completed.returncode == 2
    assert completed.stderr == (
        f"error: EMPATHY_PSEUDONYM_KEY is not set, and {landing} holds real (not demo) data. "
        "Set it to a secret string: customer identifiers are hashed with it before publishing.\n"
    )
    assert "Traceback" not in completed.stdout + completed.stderr
