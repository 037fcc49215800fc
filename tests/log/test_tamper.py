"""A log nobody can rewrite unnoticed: append-only in the database, chained by hash.

Two kinds of attacker are tried. One uses SQL as it comes (any sqlite3 client): every
table refuses UPDATE, DELETE and a replacing INSERT. The other first removes the
triggers (or edits the file): ``verify`` must then name what was changed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from old_logs import append_only_statements, build_sqlite, trigger_statement

from compounder.api.dispensing import make_labels
from compounder.api.recording import record_preparation, reprint_label
from compounder.batch.run import run_batch
from compounder.errors import SafetyError
from compounder.log import schema
from compounder.log.entries import correct_entry
from compounder.log.store import Store

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def populated(tmp_path_factory):
    """A log with a record, a label from its lot, a batch run and a correction."""
    folder = tmp_path_factory.mktemp("populated")
    db = folder / "log.db"
    config = EXAMPLES / "compounder.toml"
    record_preparation(
        "1mg/mL",
        "30mL",
        rx="1234567",
        ingredient_lots=["naltrexone 50mg tab:AB1234:2027-06-30", "purified water:W7:2027-01-31"],
        prepared_by="JD",
        checked_by="MK",
        compounded="2026-12-01",
        output=folder / "record.pdf",
        db=db,
    )
    make_labels(
        "1234567",
        "Jane Doe",
        "Dr A. Smith",
        folder / "label.pdf",
        dose="1.5mg",
        quantity="25mL",
        concentration="1mg/mL",
        fill_date="2026-12-01",
        lot="20261201-001",
        config=config,
        db=db,
    )
    run_batch(EXAMPLES / "orders.csv", folder / "out", config, db=db)
    correct_entry(1, "checked by MK, not MJ", db, by="JD")
    with Store(db) as store:
        assert store.verify().ok
    return db


def raw(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(db, isolation_level=None)


def trigger(name: str) -> str:
    """The statement that creates one of the append-only triggers."""
    return trigger_statement(name)


# ---------------------------------------------------------------- SQL as it comes

PLAIN_SQL = [
    "UPDATE entries SET payload = '{}' WHERE id = 1",
    "DELETE FROM entries WHERE id = 1",
    "INSERT OR REPLACE INTO entries (id, kind, created_at, payload) "
    "VALUES (1, 'preparation', '2026-12-01T09:00:00', '{}')",
    "REPLACE INTO entries (id, kind, created_at, payload) "
    "VALUES (1, 'preparation', '2026-12-01T09:00:00', '{}')",
    # a new id but the batch key of an existing entry: REPLACE would delete that one
    "INSERT OR REPLACE INTO entries (id, kind, created_at, payload, batch_key) "
    "SELECT 999, 'dispense', created_at, '{}', batch_key FROM entries "
    "WHERE batch_key IS NOT NULL LIMIT 1",
    "INSERT INTO entries (id, kind, lot, created_at, payload) "
    "VALUES (999, 'preparation', '20261201-001', '2026-12-01T09:00:00', '{}')",
    "DELETE FROM ingredient_uses",
    "UPDATE ingredient_uses SET lot = 'XX'",
    "INSERT OR REPLACE INTO ingredient_uses (rowid, entry_id, ingredient, lot) "
    "VALUES (1, 1, 'tab', 'XX')",
    "UPDATE snapshots SET body = '{}'",
    "DELETE FROM snapshots",
    "INSERT OR REPLACE INTO snapshots (hash, body) SELECT hash, '{}' FROM snapshots LIMIT 1",
    "UPDATE lot_sequence SET last = 0",
    "INSERT OR REPLACE INTO lot_sequence (day, last) VALUES ('2026-12-01', 0)",
    "INSERT INTO lot_sequence (day, last) VALUES ('2026-12-02', 0)",
    "DELETE FROM lot_sequence",
    "UPDATE meta SET value = '1'",
    "DELETE FROM meta",
    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', '1')",
    "DELETE FROM schema_versions",
    "UPDATE schema_versions SET version = 1",
    "INSERT OR REPLACE INTO schema_versions (version, applied_at) VALUES (4, 'x')",
    "DELETE FROM reservations",
    "UPDATE reservations SET lot = 'x'",
    "DELETE FROM reservation_ends",
    "UPDATE reservation_ends SET run_key = 'x'",
]


@pytest.mark.parametrize("sql", PLAIN_SQL)
def test_every_table_refuses_rewriting(populated, tmp_path, sql):
    db = tmp_path / "log.db"
    shutil.copy(populated, db)
    with raw(db) as connection:
        connection.execute(
            "INSERT INTO reservations VALUES ('20261201-009', '2026-12-01', 'r', 'k', 'x')"
        )
        connection.execute("INSERT INTO reservation_ends VALUES ('r', 'x')")
        # an older log's counter row (a version 4 log never writes one)
        connection.execute("DROP TRIGGER lot_sequence_append_only_insert")
        connection.execute("INSERT INTO lot_sequence VALUES ('2026-11-01', 3)")
        connection.execute(trigger("lot_sequence_append_only_insert"))
        before = connection.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
        with pytest.raises(sqlite3.DatabaseError, match=r"append-only|UNIQUE"):
            connection.execute(sql)
        assert connection.execute("SELECT COUNT(*) FROM entries").fetchone()[0] == before
    with Store(db) as store:
        assert store.verify().ok


def test_the_triggers_cover_every_table_in_the_schema(tmp_path):
    with Store(tmp_path / "log.db") as store:
        tables = {
            row[0]
            for row in store.db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        }
    assert tables == set(schema.tables_of())


def test_a_reset_lot_counter_cannot_make_a_lot_number_twice(populated, tmp_path):
    db = tmp_path / "log.db"
    shutil.copy(populated, db)
    with raw(db) as connection:  # the counter of an older log, even if it could be reset
        connection.execute("DROP TRIGGER lot_sequence_append_only_update")
        connection.execute("UPDATE lot_sequence SET last = 0")
    with Store(db) as store:
        lot, _, _ = store.record_preparation(date(2026, 12, 1), None, lambda lot: ({}, None))
        lots = [r[0] for r in store.db.execute("SELECT lot FROM entries WHERE kind='preparation'")]
    assert lot not in lots[:-1] and len(lots) == len(set(lots))


# ---------------------------------------------------------------- triggers removed first


def _unlocked(db: Path) -> sqlite3.Connection:
    connection = raw(db)
    for (name,) in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    ).fetchall():
        connection.execute(f"DROP TRIGGER {name}")
    return connection


def _relock(connection: sqlite3.Connection) -> None:
    for statement in append_only_statements(Path("log.db")):
        connection.execute(statement)


def _rehash_snapshot(c: sqlite3.Connection) -> None:
    """Edit a batch label's snapshot and store it under its new hash (as a careful
    attacker would), pointing the order's entry at it."""
    entry_id, payload = c.execute(
        "SELECT id, payload FROM entries WHERE kind = 'dispense' LIMIT 1"
    ).fetchone()
    data = json.loads(payload)
    (body,) = c.execute("SELECT body FROM snapshots WHERE hash = ?", (data["snapshot"],)).fetchone()
    forged = body.replace("Take ", "Take 30 mL (30 mg) ", 1)
    digest = hashlib.sha256(forged.encode()).hexdigest()
    c.execute("INSERT INTO snapshots VALUES (?, ?)", (digest, forged))
    data["snapshot"] = digest
    c.execute(
        "UPDATE entries SET payload = ? WHERE id = ?", (json.dumps(data, sort_keys=True), entry_id)
    )


def _forge_entry(c: sqlite3.Connection) -> None:
    last_id, last_hash = c.execute(
        "SELECT id, hash FROM entries ORDER BY id DESC LIMIT 1"
    ).fetchone()
    c.execute(
        "INSERT INTO entries (id, kind, rx, lot, created_at, payload, prev_hash, hash) "
        "VALUES (?, 'label', '1234567', '20261201-001', '2026-12-01T10:00:00', '{}', ?, ?)",
        (last_id + 1, last_hash, "f" * 64),
    )


TAMPERING = {
    "an entry's payload edited": lambda c: c.execute(
        "UPDATE entries SET payload = replace(payload, '\"25\"', '\"5\"') WHERE kind = 'label'"
    ),
    "an entry's lot changed": lambda c: c.execute(
        "UPDATE entries SET lot = '20261201-002' WHERE id = 2"
    ),
    "an entry's Rx changed": lambda c: c.execute("UPDATE entries SET rx = '7654321' WHERE id = 1"),
    "an entry's time changed": lambda c: c.execute(
        "UPDATE entries SET created_at = '2026-11-30T09:00:00' WHERE id = 1"
    ),
    "an entry's kind changed": lambda c: c.execute(
        "UPDATE entries SET kind = 'correction' WHERE id = 2"
    ),
    "a correction's target changed": lambda c: c.execute(
        "UPDATE entries SET corrects = 2 WHERE kind = 'correction'"
    ),
    "an entry's hash replaced": lambda c: c.execute(
        "UPDATE entries SET hash = ? WHERE id = 2", ("0" * 64,)
    ),
    "an entry deleted from the middle": lambda c: c.execute("DELETE FROM entries WHERE id = 2"),
    "the last entry deleted": lambda c: c.execute(
        "DELETE FROM entries WHERE id = (SELECT MAX(id) FROM entries)"
    ),
    "entry 1 replaced (INSERT OR REPLACE)": lambda c: c.execute(
        "INSERT OR REPLACE INTO entries (id, kind, created_at, payload, prev_hash, hash) "
        "SELECT 1, kind, created_at, '{}', prev_hash, hash FROM entries WHERE id = 1"
    ),
    "an entry's payload copied from another": lambda c: c.execute(
        "UPDATE entries SET payload = (SELECT payload FROM entries WHERE id = 3) WHERE id = 4"
    ),
    "an entry forged at the end": _forge_entry,
    "ingredient lots deleted (trace emptied)": lambda c: c.execute("DELETE FROM ingredient_uses"),
    "an ingredient lot changed": lambda c: c.execute(
        "UPDATE ingredient_uses SET lot = 'ZZ9' WHERE lot = 'AB1234'"
    ),
    "an ingredient lot added": lambda c: c.execute(
        "INSERT INTO ingredient_uses VALUES (2, 'tab', 'EXTRA', NULL, NULL)"
    ),
    "a file's hash deleted (its file then taken for a killed command's)": lambda c: c.execute(
        "DELETE FROM entry_fields WHERE field = 'file_sha256'"
    ),
    "a file's hash changed": lambda c: c.execute(
        "UPDATE entry_fields SET value = 'ff' || substr(value, 3) WHERE field = 'file_sha256'"
    ),
    "a file's hash added": lambda c: c.execute(
        "INSERT INTO entry_fields VALUES (1, 'file_sha256', '" + "ab" * 32 + "')"
    ),
    "a label snapshot edited": lambda c: c.execute(
        "UPDATE snapshots SET body = replace(body, 'Take ', 'Take 30 mL (30 mg) ') "
        "WHERE body LIKE '%Take %'"
    ),
    "a snapshot edited and stored under its new hash": _rehash_snapshot,
    "a snapshot deleted": lambda c: c.execute(
        "DELETE FROM snapshots WHERE hash = (SELECT MIN(hash) FROM snapshots)"
    ),
    "a lot number given twice": lambda c: c.executescript(
        "DROP INDEX entries_preparation_lot;"
        "UPDATE entries SET lot = (SELECT lot FROM entries WHERE kind = 'preparation' "
        "ORDER BY id LIMIT 1) WHERE id = (SELECT MAX(id) FROM entries WHERE kind = "
        "'preparation');"
    ),
    "the triggers removed (nothing else)": lambda c: None,
}


def test_verify_catches_tampering(populated, tmp_path):
    caught = []
    for name, tamper in TAMPERING.items():
        db = tmp_path / f"{len(caught)}.db"
        shutil.copy(populated, db)
        with _unlocked(db) as connection:
            tamper(connection)
            if name != "the triggers removed (nothing else)":
                _relock(connection)  # a careful attacker puts them back
        with Store(db) as store:
            found = store.verify()
        assert not found.ok, name
        assert "trigger" not in (found.problem or "") or "triggers" in name, name
        caught.append((name, found.problem))
    for name, problem in caught:
        print(f"{name}: {problem}")
    print(f"verify caught {len(caught)} of {len(TAMPERING)} tampering attempts")
    assert len(caught) == len(TAMPERING) == 23


def test_an_attacker_who_rewrites_the_whole_chain_is_caught_by_a_noted_head(populated, tmp_path):
    """The chain proves the log was not edited in place; an attacker who rewrites every
    hash after an edit is caught by comparing with a chain head noted earlier."""
    db = tmp_path / "log.db"
    shutil.copy(populated, db)
    with Store(db) as store:
        noted = store.verify().head
    with _unlocked(db) as connection:
        connection.execute("UPDATE entries SET rx = '7654321' WHERE id = 1")
        from compounder.log.chain import GENESIS, entry_hash

        prev = GENESIS
        rows = connection.execute(
            "SELECT id, kind, rx, lot, created_at, corrects, batch_key, payload FROM entries "
            "ORDER BY id"
        ).fetchall()
        for row in rows:
            digest = entry_hash(prev, *row)
            connection.execute(
                "UPDATE entries SET prev_hash = ?, hash = ? WHERE id = ?", (prev, digest, row[0])
            )
            prev = digest
        _relock(connection)
    with Store(db) as store:
        assert store.verify().ok  # consistent in itself...
        found = store.verify(anchor=noted)
    assert not found.ok and "noted chain head" in (found.problem or "")  # ...but not the log


def test_reprint_refuses_an_altered_snapshot_single_and_batch(populated, tmp_path):
    for rx in ("1234567", "1000103"):  # a single label, a batch order
        db = tmp_path / f"{rx}.db"
        shutil.copy(populated, db)
        with Store(db) as store:
            digest = store.latest_label(rx).payload["snapshot"]
        with _unlocked(db) as connection:
            connection.execute(
                "UPDATE snapshots SET body = replace(body, 'Take ', 'Take 30 mL (30 mg) ') "
                "WHERE hash = ?",
                (digest,),
            )
        with pytest.raises(SafetyError, match="does not match its hash"):
            reprint_label(rx, tmp_path / f"{rx}.pdf", db)
        assert not (tmp_path / f"{rx}.pdf").exists()


def test_a_version_3_log_opens_migrates_and_verifies(tmp_path):
    """A log written by the previous schema (version 3), built with its own statements."""
    db = tmp_path / "v3.db"
    old = build_sqlite(db, 3)
    record = {"bud": "2026-12-14", "ingredients": [{"ingredient": "tab", "lot": "OLD1"}]}
    old.execute(
        "INSERT INTO entries (kind, rx, lot, created_at, payload) VALUES "
        "('preparation', '42', '20261101-001', '2026-11-01T10:00:00', ?)",
        (json.dumps(record),),
    )
    old.execute("INSERT INTO ingredient_uses VALUES (1, 'tab', 'OLD1', NULL, NULL)")
    old.execute(
        "INSERT INTO entries (kind, rx, lot, created_at, payload) VALUES "
        "('label', '42', '20261101-001', '2026-11-01T11:00:00', '{\"quantity_ml\": [\"20\"]}')"
    )
    old.execute("INSERT INTO lot_sequence VALUES ('2026-11-01', 3)")  # 002, 003 burned
    body = json.dumps({"contents": []}, sort_keys=True)
    old.execute(
        "INSERT INTO snapshots VALUES (?, ?)", (hashlib.sha256(body.encode()).hexdigest(), body)
    )
    old.execute("INSERT INTO staged VALUES ('run', 1, '43', 'L', '{}', 'k')")  # a killed run's
    old.commit()
    old.close()
    with Store(db) as store:
        assert store.version() == 6
        assert [e.kind for e in store.history("42")] == ["preparation", "label"]
        assert store.trace("OLD1")[0].lot == "20261101-001"
        lot, _, _ = store.record_preparation(date(2026, 11, 1), None, lambda lot: ({}, None))
        assert lot == "20261101-004"  # the old counter is respected
        found = store.verify()
    assert (found.ok, found.entries) == (True, 3)  # the older entries chained on migration
