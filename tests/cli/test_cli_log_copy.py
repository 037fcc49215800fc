"""`compounder log copy`: moving a pharmacy's log to a shared PostgreSQL database (and back)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from compounder.api.dispensing import make_labels
from compounder.api.recording import record_preparation, reprint_label
from compounder.batch.run import run_batch
from compounder.log.copying import COPIED_TABLES, is_empty, table_counts
from compounder.log.entries import correct_entry
from compounder.log.store import Store

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def pharmacy_log(tmp_path) -> Path:
    """A SQLite log with a record, a label from its lot, a batch run and a correction."""
    db = tmp_path / "pharmacy.db"
    config = EXAMPLES / "compounder.toml"
    record_preparation(
        "1mg/mL",
        "30mL",
        rx="1234567",
        ingredient_lots=["naltrexone 50mg tab:AB1234:2027-06-30", "purified water:W7:2027-01-31"],
        prepared_by="JD",
        checked_by="MK",
        compounded="2026-12-01",
        output=tmp_path / "record.pdf",
        db=db,
    )
    make_labels(
        "1234567",
        "Jane Doe",
        "Dr A. Smith",
        tmp_path / "label.pdf",
        dose="1.5mg",
        quantity="25mL",
        concentration="1mg/mL",
        fill_date="2026-12-01",
        lot="20261201-001",
        config=config,
        db=db,
    )
    run_batch(EXAMPLES / "orders.csv", tmp_path / "out", config, db=db)
    correct_entry(1, "checked by MK, not MJ", db, by="JD")
    return db


def state(location) -> tuple:
    with Store(location) as store:
        found = store.verify()
        history = [(e.id, e.kind, e.lot, e.payload) for e in store.history("1234567")]
        return found.ok, found.entries, found.head, table_counts(store), history


def test_a_file_log_moves_to_a_server_whole(cli, pharmacy_log, pg_server, tmp_path):
    url = pg_server.new_database()
    before = state(pharmacy_log)
    result = cli("log", "copy", "--from", str(pharmacy_log), "--to", url, "--json")
    assert result.exit_code == 0, result.stderr
    done = json.loads(result.stdout)
    assert done["head"] == before[2]
    assert done["counts"] == before[3]
    assert set(done["counts"]) == {named for _, named in COPIED_TABLES.values()}
    assert done["counts"]["entries"] > 10 and done["counts"]["snapshots"] > 1
    assert state(url) == before  # same entries, ids, hashes, rows in each table
    assert state(pharmacy_log) == before  # the source as it was
    # the moved log reprints the label byte for byte and goes on numbering lots
    reprint_label("1234567", tmp_path / "a.pdf", pharmacy_log)
    reprint_label("1234567", tmp_path / "b.pdf", url)
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    with Store(url) as store:
        from datetime import date

        lot, _, _ = store.record_preparation(date(2026, 12, 1), None, lambda lot: ({}, None))
        assert store.verify().ok
    with Store(pharmacy_log) as store:
        taken = {r[0] for r in store.db.execute("SELECT lot FROM entries WHERE lot IS NOT NULL")}
    assert lot not in taken


def test_the_text_names_what_was_copied(cli, pharmacy_log, pg_server):
    url = pg_server.new_database()
    result = cli("log", "copy", "--from", str(pharmacy_log), "--to", url)
    assert result.exit_code == 0
    counts = state(url)[3]
    assert result.stdout.startswith(
        f"Copied {counts['entries']} entries, {counts['ingredient_lots']} ingredient lots and "
        f"{counts['snapshots']} label snapshots from {pharmacy_log} to postgresql://postgres@/"
    )
    assert "the copy verifies (chain head" in result.stdout


def test_a_target_that_is_not_empty_is_refused_and_left_alone(cli, pharmacy_log, pg_server):
    url = pg_server.new_database()
    assert cli("log", "copy", "--from", str(pharmacy_log), "--to", url).exit_code == 0
    before = state(url)
    result = cli("log", "copy", "--from", str(pharmacy_log), "--to", url)
    assert result.exit_code == 4
    assert "is not empty" in result.stderr and "a log is copied only into a new one" in (
        result.stderr
    )
    assert state(url) == before


def test_a_server_log_copies_back_to_a_file(cli, pharmacy_log, pg_server, tmp_path):
    url = pg_server.new_database()
    assert cli("log", "copy", "--from", str(pharmacy_log), "--to", url).exit_code == 0
    back = tmp_path / "backup.db"
    result = cli("log", "copy", "--from", url, "--to", str(back))
    assert result.exit_code == 0, result.stderr
    assert state(back) == state(pharmacy_log)


def test_a_log_that_does_not_verify_is_not_copied(cli, pharmacy_log, pg_server):
    with sqlite3.connect(pharmacy_log) as raw:
        raw.execute("DROP TRIGGER entries_append_only_update")
        raw.execute("UPDATE entries SET rx = '7654321' WHERE id = 2")
    url = pg_server.new_database()
    result = cli("log", "copy", "--from", str(pharmacy_log), "--to", url)
    assert result.exit_code == 3
    assert "the log to copy does not verify" in result.stderr
    with Store(url) as store:
        assert is_empty(store)


def test_a_missing_source_or_the_same_log_is_refused(cli, pharmacy_log, tmp_path):
    result = cli("log", "copy", "--from", str(tmp_path / "typo.db"), "--to", str(tmp_path / "n"))
    assert result.exit_code == 4 and "no log file here" in result.stderr
    assert not (tmp_path / "typo.db").exists() and not (tmp_path / "n").exists()
    result = cli("log", "copy", "--from", str(pharmacy_log), "--to", str(pharmacy_log))
    assert result.exit_code == 2


def test_a_server_down_mid_copy_leaves_the_target_empty(cli, pharmacy_log, tmp_path):
    from pg_server import Server

    server = Server()
    try:
        url = server.new_database()
        Store(url).close()
        import compounder.log.store as store_module

        real = store_module.checkpoint

        def stop(name: str) -> None:
            if name == "log: committing" and stop.armed:  # type: ignore[attr-defined]
                stop.armed = False  # type: ignore[attr-defined]
                server.stop("immediate")
            real(name)

        stop.armed = True  # type: ignore[attr-defined]
        store_module.checkpoint = stop  # type: ignore[assignment]
        try:
            result = cli("log", "copy", "--from", str(pharmacy_log), "--to", url)
        finally:
            store_module.checkpoint = real
        assert result.exit_code == 4
        assert "lost its connection" in result.stderr or "cannot be reached" in result.stderr
        server.start()
        with Store(url) as store:
            assert is_empty(store)
    finally:
        server.close()
