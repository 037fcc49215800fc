"""`compounder history`: a label's reference is not shown as a lot."""

from __future__ import annotations

import json
import re

from conftest import EXAMPLE_CONFIG, LABEL_ARGS, RECORD_ARGS


def test_history_says_lot_or_reference(cli, tmp_path, log_db):
    db = ["--db", log_db]
    config = ["--config", str(EXAMPLE_CONFIG)]
    assert cli(*RECORD_ARGS, *db, "-o", str(tmp_path / "r.pdf")).exit_code == 0
    lot = cli(*LABEL_ARGS, *db, *config, "--lot", "20261201-001", "-o", str(tmp_path / "a.pdf"))
    assert lot.exit_code == 0, lot.stderr
    ref = cli(*LABEL_ARGS, *db, *config, "-o", str(tmp_path / "b.pdf"))  # no lot: a reference
    assert ref.exit_code == 0, ref.stderr
    corrected = cli("correct", "--entry", "3", "--reason", "wrong quantity", "--by", "jd", *db)
    assert corrected.exit_code == 0, corrected.stderr
    table = cli("history", "--rx", "1234567", *db)
    assert table.exit_code == 0, table.stderr
    # a label awaits a pharmacist's final check; a corrected one no longer does
    lines = table.stdout.replace("label (awaiting check)", "label-awaiting-check").splitlines()
    assert lines[0].split() == ["Entry", "When", "What", "Lot/Ref", "BUD", "Corrects", "By"]
    rows = [line.split() for line in lines[2:]]
    # "When": the UTC time stored, shown in local time with its offset
    assert all(re.fullmatch(r"[+-]\d\d:\d\d", r[3]) for r in rows), rows
    assert [(r[0], r[4], r[5], r[6]) for r in rows] == [
        ("1", "preparation", "Lot", "20261201-001"),
        ("2", "label-awaiting-check", "Lot", "20261201-001"),
        ("3", "label", "Ref", "20261201-1234567"),
        ("4", "correction", "Ref", "20261201-1234567"),
    ]
    assert rows[3][-2:] == ["3", "JD"]  # the correction's author, as registered
    data = json.loads(cli("history", "--rx", "1234567", *db, "--json").stdout)["entries"]
    assert data[3]["by"] == "JD" and data[3]["payload"]["by_name"] == "Julia Diaz"
    assert [e["check"] for e in data] == [None, "awaiting check", None, None]
    assert [(e["lot"], e["reference"]) for e in data] == [
        ("20261201-001", None),
        ("20261201-001", None),
        (None, "20261201-1234567"),
        (None, "20261201-1234567"),
    ]


def test_older_entries_keep_their_local_time_marked_and_history_is_in_id_order(cli, tmp_path):
    """An entry written before times were UTC keeps its text (and its hash), marked
    local; entries are listed by id, whatever their times say."""
    import sqlite3

    from compounder.log.chain import entry_hash
    from compounder.log.guards import expected_guards
    from compounder.log.store import Store

    db = tmp_path / "log.db"
    with Store(db):
        pass
    with sqlite3.connect(db, isolation_level=None) as raw:  # as an older Compounder wrote it
        raw.execute("DROP TRIGGER entries_append_only_insert")
        payload = '{"bud": "2027-01-01"}'
        created = "2026-12-07T23:30:00"  # local, no offset: later than the next in UTC
        digest = entry_hash("0" * 64, 1, "label", "1234567", None, created, None, None, payload)
        raw.execute(
            "INSERT INTO entries (id, kind, rx, created_at, payload, prev_hash, hash) "
            "VALUES (1, 'label', '1234567', ?, ?, ?, ?)",
            (created, payload, "0" * 64, digest),
        )
        with Store(db) as store:
            raw.execute(expected_guards(store)["entries_append_only_insert"])
    corrected = cli("correct", "--entry", "1", "--reason", "typo", "--by", "JD", "--db", str(db))
    assert corrected.exit_code == 0
    assert cli("log", "verify", "--db", str(db)).exit_code == 0
    found = cli("history", "--rx", "1234567", "--db", str(db), "--json")
    data = json.loads(found.stdout)["entries"]
    assert [e["id"] for e in data] == [1, 2]
    assert data[0]["created_at"] == "2026-12-07T23:30:00"
    assert data[0]["created_local"] == "2026-12-07 23:30:00 (local)"
    assert data[1]["created_at"].endswith("Z")
    table = cli("history", "--rx", "1234567", "--db", str(db)).stdout
    assert "2026-12-07 23:30:00 (local)" in table
