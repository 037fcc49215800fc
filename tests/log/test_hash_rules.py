"""The chain's hash rules: entries written since times are UTC follow rule 2 (their
hash also covers the previous entry's id); older entries keep rule 1 and verify as
they are; a log mixing them holds rule 1 only before rule 2."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from old_logs import append_only_statements

from compounder.log.chain import GENESIS, chain_hash, content_hash, entry_hash, hash_rule
from compounder.log.entries import verify_log
from compounder.log.store import Store

SCHEMA4 = Path(__file__).resolve().parents[1] / "data" / "logs" / "schema4.db"


def test_new_entries_are_utc_and_their_hash_covers_the_previous_id(tmp_path):
    db = tmp_path / "log.db"
    with Store(db) as store:
        store.log("label", "1234567", None, {})
        store.log("label", "1234567", None, {})
        rows = store.db.execute("SELECT id, created_at, hash, prev_hash FROM entries").fetchall()
    for entry_id, created, digest, prev in rows:
        assert created.endswith("Z") and hash_rule(created) == 2
        content = content_hash("label", "1234567", None, None, None, "{}")
        assert digest == chain_hash(prev, entry_id, created, content, entry_id - 1)
        assert digest != chain_hash(prev, entry_id, created, content, entry_id - 2)
    assert rule_1_of(rows[0]) != rows[0][2]  # not the old rule


def rule_1_of(row) -> str:
    entry_id, created, _, prev = row
    content = content_hash("label", "1234567", None, None, None, "{}")
    return chain_hash(prev, entry_id, created.removesuffix("Z"), content)


def test_an_older_log_keeps_its_hashes_and_new_entries_follow_rule_2(tmp_path):
    db = tmp_path / "log.db"
    shutil.copy(SCHEMA4, db)
    before = verify_log(db)
    assert before.ok and before.entries > 0
    with Store(db) as store:
        old = store.db.execute("SELECT created_at FROM entries ORDER BY id").fetchall()
        assert all(hash_rule(r[0]) == 1 for r in old)
        store.log("label", "1234567", None, {})
    after = verify_log(db)
    assert after.ok and after.entries == before.entries + 1


def test_an_entry_stamped_the_old_way_after_new_ones_is_caught(tmp_path):
    """Rewritten as a rule-1 entry (its prev id no longer covered), even rehashed."""
    db = tmp_path / "log.db"
    with Store(db) as store:
        for _ in range(3):
            store.log("label", "1234567", None, {})
    with sqlite3.connect(db, isolation_level=None) as raw:
        for (name,) in raw.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"):
            raw.execute(f"DROP TRIGGER {name}")
        rows = raw.execute(
            "SELECT id, kind, rx, lot, created_at, corrects, batch_key, payload FROM entries "
            "ORDER BY id"
        ).fetchall()
        prev = GENESIS
        for row in rows:
            created = row[4].removesuffix("Z") if row[0] == 3 else row[4]
            digest = entry_hash(prev, row[0], *row[1:4], created, *row[5:])
            raw.execute(
                "UPDATE entries SET created_at = ?, prev_hash = ?, hash = ? WHERE id = ?",
                (created, prev, digest, row[0]),
            )
            prev = digest
        for statement in append_only_statements(db):
            raw.execute(statement)
    found = verify_log(db)
    assert found.problem == "entry 3 is written as an older entry after newer ones (it was altered)"
