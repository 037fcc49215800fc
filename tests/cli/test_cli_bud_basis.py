"""The BUD's basis from an ingredient lot reads the same in a label's log entry, a
compounding record and a batch manifest: the ingredient's name quoted as entered."""

from __future__ import annotations

import json

from conftest import EXAMPLE_CONFIG, LABEL_ARGS, RECORD_ARGS

BASIS = 'expiry of ingredient lot TB77 ("naltrexone 50mg tab")'


def test_every_bud_basis_quotes_the_ingredient(cli, tmp_path):
    lots = tmp_path / "lots.csv"
    lots.write_text("ingredient,lot,expiry\nnaltrexone 50mg tab,TB77,2026-12-10\n")
    db = ["--db", str(tmp_path / "log.db")]
    config = ["--config", str(EXAMPLE_CONFIG)]

    record = cli(*RECORD_ARGS, *db, "--lots-file", str(lots), "-o", str(tmp_path / "r.pdf"),
                 "--json")  # fmt: skip
    assert record.exit_code == 0, record.stderr
    assert json.loads(record.stdout)["record"]["bud_basis"] == BASIS

    label = cli(*LABEL_ARGS, *db, *config, "--lot-expiry", "naltrexone 50mg tab:TB77:2026-12-10",
                "-o", str(tmp_path / "l.pdf"))  # fmt: skip
    assert label.exit_code == 0, label.stderr
    history = json.loads(cli("history", "--rx", "1234567", *db, "--json").stdout)["entries"]
    assert [e["payload"]["bud_basis"] for e in history if e["kind"] == "label"] == [BASIS]

    orders = tmp_path / "orders.csv"
    orders.write_text(
        "rx_number,patient_name,prescriber,fill_date,concentration,dose,quantity\n"
        "7001,Jane Doe,Dr A. Smith,2026-12-01,1 mg/mL,1.5 mg,20 mL\n"
    )
    out = tmp_path / "out"
    batch = cli("batch", str(orders), "-o", str(out), *config, *db, "--lots-file", str(lots))
    assert batch.exit_code == 0, batch.stderr
    (row,) = json.loads((out / "manifest.json").read_text())["orders"]
    assert row["bud_basis"] == BASIS


def test_a_label_capped_by_its_recorded_lot_names_the_preparation(cli, tmp_path):
    """A label filled days after its lot was made: the lot's own BUD caps it, and the
    basis says so (not as if the preparation were an ingredient)."""
    db = ["--db", str(tmp_path / "log.db")]
    record = cli(*RECORD_ARGS, *db, "-o", str(tmp_path / "r.pdf"), "--json")
    assert record.exit_code == 0, record.stderr
    made = json.loads(record.stdout)
    args = [a if a != "2026-12-01" else "2026-12-05" for a in LABEL_ARGS]  # filled 4 days on
    label = cli(*args, *db, "--config", str(EXAMPLE_CONFIG), "--lot", made["lot"], "-o",
                str(tmp_path / "l.pdf"))  # fmt: skip
    assert label.exit_code == 0, label.stderr
    history = json.loads(cli("history", "--rx", "1234567", *db, "--json").stdout)["entries"]
    (entry,) = [e for e in history if e["kind"] == "label"]
    assert entry["payload"]["bud"] == made["record"]["bud"]
    assert entry["payload"]["bud_basis"] == f"BUD of preparation lot {made['lot']}"
