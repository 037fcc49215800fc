"""`compounder history`: a label's reference is not shown as a lot."""

from __future__ import annotations

import json

from conftest import EXAMPLE_CONFIG, LABEL_ARGS, RECORD_ARGS


def test_history_says_lot_or_reference(cli, tmp_path, log_db):
    db = ["--db", log_db]
    config = ["--config", str(EXAMPLE_CONFIG)]
    assert cli(*RECORD_ARGS, *db, "-o", str(tmp_path / "r.pdf")).exit_code == 0
    lot = cli(*LABEL_ARGS, *db, *config, "--lot", "20261201-001", "-o", str(tmp_path / "a.pdf"))
    assert lot.exit_code == 0, lot.stderr
    ref = cli(*LABEL_ARGS, *db, *config, "-o", str(tmp_path / "b.pdf"))  # no lot: a reference
    assert ref.exit_code == 0, ref.stderr
    assert cli("correct", "--entry", "3", "--reason", "wrong quantity", *db).exit_code == 0
    table = cli("history", "--rx", "1234567", *db)
    assert table.exit_code == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["Entry", "When", "What", "Lot/Ref", "BUD", "Corrects"]
    rows = [line.split() for line in lines[2:]]
    assert [(r[0], r[2], r[3], r[4]) for r in rows] == [
        ("1", "preparation", "Lot", "20261201-001"),
        ("2", "label", "Lot", "20261201-001"),
        ("3", "label", "Ref", "20261201-1234567"),
        ("4", "correction", "Ref", "20261201-1234567"),
    ]
    data = json.loads(cli("history", "--rx", "1234567", *db, "--json").stdout)
    assert [(e["lot"], e["reference"]) for e in data] == [
        ("20261201-001", None),
        ("20261201-001", None),
        (None, "20261201-1234567"),
        (None, "20261201-1234567"),
    ]
