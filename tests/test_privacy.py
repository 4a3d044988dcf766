"""No customer identifier or personal data in anything published, on generated data whose
customer texts carry e-mails, phone numbers and card numbers; redaction and pseudonymisation
on worked examples; and no real data without a key."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path

import duckdb

from orchestration.settings import DEMO_PSEUDONYM_KEY
from tests.conftest import (
    PRIVACY_EXAMPLE,
    TEST_PSEUDONYM_KEY,
    cli_environment,
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
    assert kinds == {"customer", "email", "phone", "card"}


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
        "select text_redacted from staging.stg_support__events where event_id = 'p-2'",
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


def test_customer_key_is_the_keyed_hash_and_changes_with_the_key(generated_warehouse):
    settings, _ = generated_warehouse
    rows = query(
        settings.published_db,
        "select distinct customer_key from fct_sessions where session_id = 'P1'",
    )
    with_test_key = hashlib.sha256(f"{TEST_PSEUDONYM_KEY}|c-hand-1".encode()).hexdigest()
    with_demo_key = hashlib.sha256(f"{DEMO_PSEUDONYM_KEY}|c-hand-1".encode()).hexdigest()
    assert rows == [(with_test_key,)]
    assert with_test_key != with_demo_key


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
