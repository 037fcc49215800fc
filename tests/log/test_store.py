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
from old_logs import build_sqlite

from compounder.errors import DataFileError
from compounder.log import schema
from compounder.log.kinds import planned_key
from compounder.log.lot_numbers import reserve_lot
from compounder.log.schema import SCHEMA_VERSION
from compounder.log.store import Store

DAY = date(2026, 12, 1)


def record(store: Store, ingredients=()):
    return store.record_preparation(
        DAY, "1234567", lambda lot: ({"lot": lot, "ingredients": list(ingredients)}, None)
    )


def test_lots_are_date_and_sequence(log_db):
    with Store(log_db) as store:
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


def test_lots_unique_under_concurrent_writers(log_db):
    """Eight processes (eight workstations) recording at once: unique, gapless lots,
    no entry lost, the chain whole."""
    db = log_db
    Store(db).close()
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(db), "25"]) for _ in range(8)]
    assert [w.wait(timeout=300) for w in writers] == [0] * 8
    with Store(db) as store:
        lots = [row[0] for row in store.db.execute("SELECT lot FROM entries ORDER BY id")]
        payload_lots = [
            json.loads(row[0])["lot"]
            for row in store.db.execute("SELECT payload FROM entries ORDER BY id")
        ]
        assert store.verify().ok
    assert len(lots) == 200  # no entry lost
    assert len(set(lots)) == 200  # no lot handed out twice
    assert sorted(lots) == [f"20261201-{n:03d}" for n in range(1, 201)]  # no gap
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


def test_killed_in_the_middle_of_a_record_leaves_the_log_consistent(tmp_path, log_db):
    db = log_db
    with Store(db) as store:
        record(store)
    flag = tmp_path / "inside"
    process = subprocess.Popen([sys.executable, "-c", CRASHER, str(db), str(flag)])
    deadline = time.monotonic() + 30
    while not (flag.exists() and flag.read_text()) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert flag.read_text() == "20261201-002"  # it had allocated a lot...
    process.kill()
    process.wait(timeout=10)
    with Store(db) as store:
        if store.backend.name == "sqlite":
            assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.verify().ok
        assert store.count() == 1  # ...but nothing of the killed record was kept
        assert record(store)[0] == "20261201-002"  # and the lot was not burned


def test_the_log_is_append_only(log_db):
    with Store(log_db) as store:
        _, entry_id, _ = record(store)
        with pytest.raises(store.backend.errors, match="append-only"):
            store.db.execute("UPDATE entries SET lot = 'x' WHERE id = ?", (entry_id,))
        with pytest.raises(store.backend.errors, match="append-only"):
            store.db.execute("DELETE FROM entries")
        correction = store.log("correction", "1234567", None, {"reason": "typo"}, corrects=entry_id)
        assert [e.kind for e in store.history("1234567")] == ["preparation", "correction"]
        assert store.history("1234567")[1].corrects == entry_id
        assert correction == entry_id + 1


def test_trace_finds_exactly_the_preparations_that_used_a_lot(log_db):
    with Store(log_db) as store:
        used = {"ingredient": "naltrexone 50mg tab", "lot": "AB1234", "expiry": "2027-06-30"}
        other = {"ingredient": "naltrexone 50mg tab", "lot": "ZZ9", "expiry": "2027-06-30"}
        first = record(store, [used])[0]
        record(store, [other])
        third = record(store, [other, used])[0]
        assert [e.lot for e in store.trace("AB1234")] == [first, third]
        assert store.trace("nothing") == []


@pytest.mark.parametrize("read_only", [False, True], ids=["writing", "reading"])
def test_an_older_schema_is_migrated_and_still_readable(tmp_path, read_only):
    """Also when a reading command opens it first (the log can be written: migrated)."""
    db = tmp_path / "old.db"
    old = build_sqlite(db, 1)
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
    if read_only:
        with Store(db, read_only=True) as store:
            assert store.version() == SCHEMA_VERSION
            assert [e.lot for e in store.trace("OLD1")] == ["20261101-001"]
    with Store(db) as store:
        assert store.version() == SCHEMA_VERSION == 6
        (entry,) = store.trace("OLD1")  # backfilled by the migration
        assert (entry.rx, entry.lot, entry.payload["bud"]) == ("42", "20261101-001", "2026-12-14")
        assert [e.lot for e in store.history("42")] == ["20261101-001"]
        lot, _, _ = store.record_preparation(date(2026, 11, 1), None, lambda lot: ({}, None))
        assert lot == "20261101-002"  # the sequence carried over


def test_a_newer_schema_is_refused(log_db):
    with Store(log_db) as store:
        store.db.execute("INSERT INTO schema_versions VALUES (99, '2030-01-01')")
    with pytest.raises(DataFileError, match="newer than this Compounder knows") as caught:
        Store(log_db)
    assert caught.value.exit_code == 4


def test_database_location_as_path_or_url(tmp_path):
    from compounder.errors import InputError
    from compounder.log.location import database_path, default_db_path

    assert database_path(None) == default_db_path()
    assert database_path(tmp_path / "a.db") == tmp_path / "a.db"
    assert database_path("sqlite:///relative.db") == Path("relative.db")
    assert database_path(f"sqlite:///{tmp_path}/c.db") == tmp_path / "c.db"  # four slashes
    with pytest.raises(InputError, match="a postgresql://user@host/dbname URL"):
        database_path("mysql://pharmacy/log")


def test_a_log_locked_past_the_timeout_is_a_clear_error(tmp_path, monkeypatch):
    """Another workstation holding the write lock past the timeout: exit 4, naming the
    log and what to do (the timeout is shortened here; it is 60 s in use)."""
    from compounder.log.backends import base

    path = tmp_path / "log.db"
    Store(path).close()
    monkeypatch.setattr(base, "LOCK_TIMEOUT_S", 0.2)
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


def test_lot_numbers_stop_at_999_a_day(log_db):
    from compounder.errors import SafetyError

    with Store(log_db) as store:
        with store.transaction() as db:
            db.execute("INSERT INTO lot_sequence (day, last) VALUES ('2026-12-01', 998)")
        build = lambda lot: ({"lot": lot}, lot)  # noqa: E731
        lot, _, _ = store.record_preparation(date(2026, 12, 1), None, build)
        assert lot == "20261201-999"
        with pytest.raises(SafetyError, match="all 999 lot numbers for 2026-12-01"):
            store.record_preparation(date(2026, 12, 1), None, build)


def test_a_record_dated_ahead_never_takes_a_lot_a_running_batch_holds(log_db):
    """The reservations' lease runs on the wall clock, not on the record's date."""
    from datetime import datetime

    with Store(log_db) as store:
        held = reserve_lot(store, "run-1", planned_key("x", "y"), DAY)
        lot, _, _ = store.record_preparation(
            DAY, None, lambda lot: ({}, None), at=datetime(2026, 12, 1, 9, 0)
        )
        assert (held, lot) == ("20261201-001", "20261201-002")


def test_a_later_schema_version_is_applied_on_open_on_both_backends(log_db, monkeypatch):
    """The next version's step (a new table here) runs once, in one transaction, and is
    recorded; an older Compounder then refuses the log."""
    with Store(log_db) as store:
        record(store)

    def v7_notes(step: schema.Step) -> None:
        step.run("CREATE TABLE notes (entry_id INTEGER)")

    monkeypatch.setattr(schema, "SCHEMA_VERSION", 7)
    monkeypatch.setitem(schema.MIGRATIONS, 7, v7_notes)
    with Store(log_db) as store:
        assert store.version() == 7
        assert "notes" in store.backend.tables(store.db)
    with Store(log_db) as store:  # nothing to do the second time
        assert store.version() == 7
        assert store.count() == 1 and store.verify().ok
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 6)
    with pytest.raises(DataFileError, match="is 7, newer than this Compounder knows"):
        Store(log_db)


def test_a_new_log_is_private_and_its_outputs_are_not(tmp_path, cli, example_config):
    """The log (its snapshots hold patients' names) and the folder made for it are the
    user's alone, whatever the umask; an existing folder, and the outputs, keep theirs."""
    import os
    import stat

    from conftest import LABEL_ARGS

    old = os.umask(0o022)
    try:
        (tmp_path / "shared").mkdir()
        db = tmp_path / "new" / "folder" / "log.db"
        out = tmp_path / "shared" / "label.pdf"
        args = ["--config", str(example_config), "-o", str(out), "--db", str(db)]
        result = cli(*LABEL_ARGS, *args)
        assert result.exit_code == 0, result.stderr
        with Store(db) as store:
            assert store.count("label") == 1
            mode = {p.name: stat.S_IMODE(p.stat().st_mode) for p in db.parent.iterdir()}
            assert mode["log.db"] == 0o600
            assert set(mode.values()) == {0o600}, mode  # the -wal and -shm files too
        assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700
        assert stat.S_IMODE((tmp_path / "shared").stat().st_mode) == 0o755
        assert stat.S_IMODE(out.stat().st_mode) == 0o644
    finally:
        os.umask(old)
