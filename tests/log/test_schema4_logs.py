"""Logs written by the Compounder of schema version 4 (``tests/data/logs``, made by
``make_schema4.py`` with that version's code): they open, migrate to the current
version, keep their chain (the same head) and verify, on SQLite and on PostgreSQL; the
payload fields the log looks entries up by are filled in for their older entries."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import psycopg
import pytest

from compounder.log import schema
from compounder.log.batches import batch_prints_for
from compounder.log.kinds import FILE_HASH, ORDERS_FILE, Kind
from compounder.log.store import Store

LOGS = Path(__file__).resolve().parents[1] / "data" / "logs"
HEADS = json.loads((LOGS / "schema4.json").read_text())


def sqlite_log(tmp_path: Path) -> str:
    db = tmp_path / "schema4.db"
    shutil.copy(LOGS / "schema4.db", db)
    with sqlite3.connect(db) as raw:  # as it was written
        assert raw.execute("SELECT MAX(version) FROM schema_versions").fetchone()[0] == 4
    return str(db)


def postgres_log(pg_server) -> str:
    url = pg_server.new_database()
    dump = "\n".join(
        line
        for line in (LOGS / "schema4-postgres.sql").read_text().splitlines()
        if not line.startswith("\\")  # psql's own commands
    )
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(dump)  # type: ignore[arg-type]
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def schema4(request, tmp_path) -> tuple[str, str]:
    if request.param == "sqlite":
        return sqlite_log(tmp_path), HEADS["sqlite"]
    return postgres_log(request.getfixturevalue("pg_server")), HEADS["postgresql"]


def test_a_schema_4_log_migrates_and_verifies_to_the_same_head(schema4):
    db, head = schema4
    with Store(db) as store:
        assert store.version() == schema.SCHEMA_VERSION == 6
        found = store.verify(anchor=head[:16])
        assert found.ok, found.problem
        assert (found.entries, found.head) == (20, head)  # the chain is untouched
        assert set(schema.tables_of()) <= store.backend.tables(store.db)
        for name in schema.trigger_names(store.backend):
            assert store.backend.has_trigger(store.db, name), name


def test_a_migrated_log_finds_files_and_runs_by_their_fields(schema4):
    db, _ = schema4
    with Store(db) as store:
        (label,) = store.entries_of_kind(Kind.LABEL)
        (reprint,) = store.entries_of_kind(Kind.REPRINT)
        for entry in (label, reprint, *store.entries_of_kind(Kind.PREPARATION)):
            digest = entry.payload.get("pdf_sha256")
            if digest:
                assert store.has_file(digest)
        assert not store.has_file("0" * 64)
        (run,) = store.entries_of_kind(Kind.BATCH_RUN)
        assert store.entries_with(ORDERS_FILE, run.payload["orders_file"]) == [run]
        (sent,) = store.entries_of_kind(Kind.BATCH_PRINT)
        assert store.entries_with(FILE_HASH, sent.payload["files_sha256"][0]) == [sent]
        orders = store.entries_of_kind(Kind.DISPENSE)
        assert batch_prints_for(store, orders) == [sent]


def test_a_migrated_log_takes_new_entries_and_still_verifies(schema4):
    db, head = schema4
    with Store(db) as store:
        store.log(Kind.LABEL, "7654321", None, {"pdf_sha256": hashlib.sha256(b"x").hexdigest()})
        assert store.has_file(hashlib.sha256(b"x").hexdigest())
        found = store.verify(anchor=head)
    assert found.ok and found.entries == 21


def test_a_reading_command_migrates_a_schema_4_log_first(schema4):
    """``history`` and ``log verify`` open the log read-only: an older log is migrated
    first through a writing connection, then read as migrated."""
    from compounder.log.entries import rx_history, verify_log

    db, head = schema4
    assert [e.kind for e in rx_history("1234567", db)][:2] == ["preparation", "label"]
    assert verify_log(db).head == head
    with Store(db) as store:
        assert store.version() == schema.SCHEMA_VERSION
