"""The compounding log: lots under concurrent writers, crashes, migrations, append-only."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import pytest

from compounder.errors import DataFileError
from compounder.log.store import MIGRATIONS, SCHEMA_VERSION, Store

DAY = date(2026, 12, 1)


def record(store: Store, ingredients=()):
    return store.record_preparation(
        DAY, "1234567", lambda lot: ({"lot": lot, "ingredients": list(ingredients)}, None)
    )


def test_lots_are_date_and_sequence(tmp_path):
    with Store(tmp_path / "log.db") as store:
        assert [record(store)[0] for _ in range(3)] == [
            "20261201-001",
            "20261201-002",
            "20261201-003",
        ]
        lot, _, _ = store.record_preparation(date(2026, 12, 2), None, lambda lot: ({}, None))
        assert lot == "20261202-001"


WRITER = textwrap.dedent("""
    import sys
    from datetime import date
    from compounder.log.store import Store
    with Store(sys.argv[1]) as store:
        for _ in range(int(sys.argv[2])):
            store.record_preparation(date(2026, 12, 1), None, lambda lot: ({"lot": lot}, None))
""")


def test_lots_unique_under_concurrent_writers(tmp_path):
    db = tmp_path / "log.db"
    Store(db).close()
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(db), "25"]) for _ in range(4)]
    assert [w.wait(timeout=120) for w in writers] == [0, 0, 0, 0]
    with Store(db) as store:
        lots = [row[0] for row in store.db.execute("SELECT lot FROM entries")]
        payload_lots = [
            json.loads(row[0])["lot"] for row in store.db.execute("SELECT payload FROM entries")
        ]
    assert len(lots) == 100  # no entry lost
    assert len(set(lots)) == 100  # no lot handed out twice
    assert sorted(lots) == [f"20261201-{n:03d}" for n in range(1, 101)]
    assert payload_lots == lots  # each record carries the lot it was given


CRASHER = textwrap.dedent("""
    import sys, time, pathlib
    from datetime import date
    from compounder.log.store import Store
    def build(lot):
        pathlib.Path(sys.argv[2]).write_text(lot)
        time.sleep(60)
        return {"lot": lot}, None
    Store(sys.argv[1]).record_preparation(date(2026, 12, 1), None, build)
""")


def test_killed_in_the_middle_of_a_record_leaves_the_log_consistent(tmp_path):
    db = tmp_path / "log.db"
    with Store(db) as store:
        record(store)
    flag = tmp_path / "inside"
    process = subprocess.Popen([sys.executable, "-c", CRASHER, str(db), str(flag)])
    deadline = time.monotonic() + 30
    while not flag.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert flag.read_text() == "20261201-002"  # it had allocated a lot...
    process.kill()
    process.wait(timeout=10)
    with Store(db) as store:
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.count() == 1  # ...but nothing of the killed record was kept
        assert record(store)[0] == "20261201-002"  # and the lot was not burned


def test_the_log_is_append_only(tmp_path):
    with Store(tmp_path / "log.db") as store:
        _, entry_id, _ = record(store)
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            store.db.execute("UPDATE entries SET lot = 'x' WHERE id = ?", (entry_id,))
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            store.db.execute("DELETE FROM entries")
        correction = store.log("correction", "1234567", None, {"reason": "typo"}, corrects=entry_id)
        assert [e.kind for e in store.history("1234567")] == ["preparation", "correction"]
        assert store.history("1234567")[1].corrects == entry_id
        assert correction == entry_id + 1


def test_trace_finds_exactly_the_preparations_that_used_a_lot(tmp_path):
    with Store(tmp_path / "log.db") as store:
        used = {"ingredient": "naltrexone 50mg tab", "lot": "AB1234", "expiry": "2027-06-30"}
        other = {"ingredient": "naltrexone 50mg tab", "lot": "ZZ9", "expiry": "2027-06-30"}
        first = record(store, [used])[0]
        record(store, [other])
        third = record(store, [other, used])[0]
        assert [e.lot for e in store.trace("AB1234")] == [first, third]
        assert store.trace("nothing") == []


def test_an_older_schema_is_migrated_and_still_readable(tmp_path):
    db = tmp_path / "old.db"
    old = sqlite3.connect(db)
    for statement in MIGRATIONS[1]:
        old.execute(statement)
    old.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    payload = {
        "bud": "2026-12-14",
        "ingredients": [{"ingredient": "tab", "lot": "OLD1", "expiry": "2027-01-01"}],
    }
    old.execute(
        "INSERT INTO entries (kind, rx, lot, created_at, payload) VALUES "
        "('preparation', '42', '20261101-001', '2026-11-01T10:00:00', ?)",
        (json.dumps(payload),),
    )
    old.execute("INSERT INTO lot_sequence VALUES ('2026-11-01', 1)")
    old.commit()
    old.close()
    with Store(db) as store:
        assert store.version() == SCHEMA_VERSION == 4
        (entry,) = store.trace("OLD1")  # backfilled by the migration
        assert (entry.rx, entry.lot, entry.payload["bud"]) == ("42", "20261101-001", "2026-12-14")
        assert [e.lot for e in store.history("42")] == ["20261101-001"]
        lot, _, _ = store.record_preparation(date(2026, 11, 1), None, lambda lot: ({}, None))
        assert lot == "20261101-002"  # the sequence carried over


def test_a_newer_schema_is_refused(tmp_path):
    db = tmp_path / "new.db"
    Store(db).close()
    raw = sqlite3.connect(db)
    raw.execute("INSERT INTO schema_versions VALUES (99, '2030-01-01')")
    raw.commit()
    raw.close()
    with pytest.raises(DataFileError, match="newer than this Compounder knows"):
        Store(db)


def test_database_location_as_path_or_url(tmp_path):
    from compounder.errors import InputError
    from compounder.log.store import database_path, default_db_path

    assert database_path(None) == default_db_path()
    assert database_path(tmp_path / "a.db") == tmp_path / "a.db"
    assert database_path("sqlite:///relative.db") == Path("relative.db")
    assert database_path(f"sqlite:///{tmp_path}/c.db") == tmp_path / "c.db"  # four slashes
    with pytest.raises(InputError, match="only SQLite is supported so far"):
        database_path("postgresql://pharmacy/log")


def test_a_log_locked_past_the_timeout_is_a_clear_error(tmp_path, monkeypatch):
    """Another workstation holding the write lock past the timeout: exit 4, naming the
    log and what to do (the timeout is shortened here; it is 60 s in use)."""
    import compounder.log.store as store_module

    path = tmp_path / "log.db"
    Store(path).close()
    monkeypatch.setattr(store_module, "LOCK_TIMEOUT_S", 0.2)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(DataFileError) as caught, Store(path) as store:
            store.log("label", "1", None, {})
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert caught.value.exit_code == 4
    assert str(caught.value) == (
        f"{path}: is locked by another program for over 0.2 s; "
        "expected try again when the other workstation has finished"
    )


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda p: p.write_bytes(b"SQLite format 3\x00" + b"\xff" * 200), "is damaged"),
        (lambda p: sqlite3.connect(p).execute("CREATE TABLE t (x)"), "not a Compounder log"),
        (lambda p: p.mkdir(), "is a folder"),
    ],
)
def test_a_log_that_is_not_one_is_refused_with_exit_4(tmp_path, make, problem):
    path = tmp_path / "log.db"
    make(path)
    with pytest.raises(DataFileError) as caught:
        Store(path)
    assert caught.value.exit_code == 4
    assert problem in str(caught.value)
    assert str(caught.value).startswith(str(path))


def test_a_log_in_memory_is_refused(tmp_path):
    from compounder.errors import InputError

    for location in (":memory:", "sqlite:///:memory:", "file::memory:?cache=shared"):
        with pytest.raises(InputError, match="a log in memory vanishes"):
            Store(location)


def test_lot_numbers_stop_at_999_a_day(tmp_path):
    from compounder.errors import SafetyError

    with Store(tmp_path / "log.db") as store:
        with store.transaction() as db:
            db.execute("INSERT INTO lot_sequence (day, last) VALUES ('2026-12-01', 998)")
        build = lambda lot: ({"lot": lot}, lot)  # noqa: E731
        lot, _, _ = store.record_preparation(date(2026, 12, 1), None, build)
        assert lot == "20261201-999"
        with pytest.raises(SafetyError, match="all 999 lot numbers for 2026-12-01"):
            store.record_preparation(date(2026, 12, 1), None, build)
