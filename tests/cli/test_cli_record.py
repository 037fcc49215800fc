"""`compounder record`, `reprint`, `trace`, `history` and `correct`."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import pdf_pages

from compounder.batch.run import run_batch

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
RECORD = [
    "record",
    "--rx",
    "1234567",
    "--concentration",
    "1mg/mL",
    "--volume",
    "30mL",
    "--from",
    "tablets",
    "--prepared-by",
    "JD",
    "--checked-by",
    "MK",
    "--date",
    "2026-12-01",
]
LABEL = [
    "label",
    "--rx",
    "1234567",
    "--patient",
    "Jane Doe",
    "--prescriber",
    "Dr A. Smith",
    "--dose",
    "1.5mg",
    "--concentration",
    "1mg/mL",
    "--quantity",
    "25mL",
    "--fill-date",
    "2026-12-01",
]


def test_record_writes_the_log_and_the_pdf(cli, tmp_path):
    db = tmp_path / "log.db"
    result = cli(
        *RECORD,
        "--ingredient-lot",
        "naltrexone 50mg tab:AB1234:2027-06-30",
        "--ingredient-lot",
        "purified water:W77:2027-01-31",
        "--db",
        str(db),
        "-o",
        str(tmp_path / "rec.pdf"),
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["lot"] == "20261201-001"
    record = data["record"]
    assert (record["tablets"], record["quantity_made_ml"], record["bud"]) == (1, "50", "2026-12-14")
    assert record["ingredients"][0]["quantity"] == "1 x 50 mg tablet"
    assert record["ingredients"][1]["quantity"] == "to 50 mL"
    text = " ".join(p.extract_text() for p in pdf_pages((tmp_path / "rec.pdf").read_bytes()))
    for part in [
        "Compounding record",
        "lot 20261201-001",
        "Rx: 1234567",
        "Master formulation",
        "naltrexone 50mg tab • lot AB1234 • expiry 2027-06-30",
        "Quantity made: 50 mL",
        "BUD: 2026-12-14",
        "Prepared by: JD • Checked by: MK",
        "Quality checks",
        "Deviations",
        "Make up to 50 mL with Purified water.",
    ]:
        assert part in " ".join(text.split()), part


def test_record_bad_input(cli, tmp_path):
    result = cli(*RECORD, "--ingredient-lot", "2027-06-30", "--db", str(tmp_path / "l.db"))
    assert result.exit_code == 2
    assert "ingredient-lot" in result.stderr and "INGREDIENT:LOT:EXPIRY" in result.stderr
    result = cli(*RECORD, "--ingredient-lot", "tab:AB1:2026-11-01", "--db", str(tmp_path / "l.db"))
    assert result.exit_code == 2
    assert "this lot has expired" in result.stderr


def test_trace_and_history(cli, tmp_path):
    db = ["--db", str(tmp_path / "log.db")]
    for lot in ["AB1234", "ZZ9", "AB1234"]:
        out = tmp_path / f"{lot}.pdf"
        assert (
            cli(*RECORD, "--ingredient-lot", f"tab:{lot}:2027-06-30", *db, "-o", str(out)).exit_code
            == 0
        )
    data = json.loads(cli("trace", "--ingredient-lot", "AB1234", *db, "--json").stdout)
    assert [p["lot"] for p in data["preparations"]] == ["20261201-001", "20261201-003"]
    table = cli("trace", "--ingredient-lot", "AB1234", *db).stdout
    assert "20261201-001" in table and "20261201-002" not in table
    assert "No preparation" in cli("trace", "--ingredient-lot", "NONE", *db).stdout
    history = json.loads(cli("history", "--rx", "1234567", *db, "--json").stdout)
    assert [h["lot"] for h in history] == ["20261201-001", "20261201-002", "20261201-003"]
    result = cli("correct", "--entry", "2", "--reason", "wrong lot entered", *db)
    assert result.stdout.strip() == "Entry 4 corrects entry 2."
    history = json.loads(cli("history", "--rx", "1234567", *db, "--json").stdout)
    assert history[-1]["kind"] == "correction" and history[-1]["corrects"] == 2


def test_label_agrees_with_its_record_and_reprints_byte_identical(cli, tmp_path, example_config):
    db = ["--db", str(tmp_path / "log.db")]
    cli(*RECORD, "--ingredient-lot", "tab:AB1:2026-12-10", *db, "-o", str(tmp_path / "r.pdf"))
    original = tmp_path / "label.pdf"
    result = cli(
        *LABEL,
        "--lot",
        "20261201-001",
        "-o",
        str(original),
        "--config",
        str(example_config),
        *db,
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    details = json.loads(result.stdout)["labels"][0]["lines"]["quantity and dates"]
    assert "Lot: 20261201-001" in details
    assert "Discard after: Dec 10, 2026" in details  # the record's BUD, set by its lot
    # the settings change; the reprint is still the original, byte for byte
    changed = tmp_path / "changed.toml"
    changed.write_text(example_config.read_text().replace("Riverside", "Hillside"))
    reprint = tmp_path / "again.pdf"
    result = cli("reprint", "--rx", "1234567", "-o", str(reprint), *db)
    assert result.exit_code == 0, result.stderr
    assert reprint.read_bytes() == original.read_bytes()


def test_label_at_another_strength_than_its_record_is_refused(cli, tmp_path, example_config):
    db = ["--db", str(tmp_path / "log.db")]
    cli(*RECORD, *db, "-o", str(tmp_path / "r.pdf"))
    result = cli(
        *[a if a != "1mg/mL" else "0.5mg/mL" for a in LABEL],
        "--lot",
        "20261201-001",
        "-o",
        str(tmp_path / "l.pdf"),
        "--config",
        str(example_config),
        *db,
    )
    assert result.exit_code == 3
    assert "was compounded at 1 mg/mL, not at 0.5 mg/mL" in result.stderr


def test_reprint_unknown_rx(cli, tmp_path):
    result = cli(
        "reprint", "--rx", "999", "-o", str(tmp_path / "x.pdf"), "--db", str(tmp_path / "log.db")
    )
    assert result.exit_code == 2
    assert "an Rx number with a label in the log" in result.stderr


def test_batch_records_preparations_and_orders(cli, tmp_path, example_config):
    db = tmp_path / "log.db"
    run_batch(EXAMPLES / "orders.csv", tmp_path / "out", example_config, db=db)
    run_batch(EXAMPLES / "orders.csv", tmp_path / "again", example_config, db=db)
    from compounder.log.store import Store

    with Store(db) as store:
        assert store.count("dispense") == 8  # the rerun added nothing
        planned = store.count("preparation")
        assert planned == 3  # one per date, strength, vehicle and source
        entry = store.latest_label("1000103")
        assert entry is not None and entry.lot.startswith("20261201-")
    sheet = (tmp_path / "out" / "worksheet.txt").read_text()
    assert entry.lot in sheet
    records = " ".join(
        p.extract_text() for p in pdf_pages((tmp_path / "out" / "records.pdf").read_bytes())
    )
    assert "Compounding record" in records and entry.lot in records
    result = cli("reprint", "--rx", "1000103", "-o", str(tmp_path / "r.pdf"), "--db", str(db))
    assert result.exit_code == 0, result.stderr
    text = pdf_pages((tmp_path / "r.pdf").read_bytes())[0].extract_text()
    assert f"Lot: {entry.lot}" in text and "Robert Brown" in text


def test_labels_never_add_up_to_more_than_the_lot_made(cli, tmp_path, example_config):
    db = ["--db", str(tmp_path / "log.db")]
    cli(*RECORD, *db, "-o", str(tmp_path / "r.pdf"))  # 50 mL made
    args = [*LABEL, "--lot", "20261201-001", "--config", str(example_config), *db]
    assert cli(*args, "-o", str(tmp_path / "a.pdf")).exit_code == 0  # 25 mL
    assert cli(*args, "-o", str(tmp_path / "b.pdf")).exit_code == 0  # 50 mL in all
    result = cli(*args, "-o", str(tmp_path / "c.pdf"))
    assert result.exit_code == 3
    assert "lot 20261201-001 made 50 mL; 50 mL is already labelled" in result.stderr
    assert not (tmp_path / "c.pdf").exists()


def test_batch_writes_a_record_for_every_planned_preparation(tmp_path, example_config):
    from conftest import DATA

    report = run_batch(
        DATA / "orders" / "powder.csv", tmp_path / "out", example_config, db=tmp_path / "log.db"
    )
    assert report.ok and len(report.records) == 2
    text = " ".join(
        " ".join(p.extract_text().split())
        for p in pdf_pages((tmp_path / "out" / "records.pdf").read_bytes())
    )
    assert "Weigh ________ mg of Naltrexone hydrochloride USP powder." in text
    assert "Count 1 x 50 mg tablet" in text
    assert text.count("Compounding record") == 2


def test_a_failed_batch_logs_no_order(tmp_path, example_config):
    from conftest import DATA

    from compounder.log.store import Store

    db = tmp_path / "log.db"
    report = run_batch(DATA / "orders" / "bad-rows.csv", tmp_path / "out", example_config, db=db)
    assert not report.ok
    with Store(db) as store:
        assert store.count("dispense") == 0
        assert store.db.execute("SELECT COUNT(*) FROM staged").fetchone()[0] == 0
