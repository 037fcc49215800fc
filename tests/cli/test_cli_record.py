"""`compounder record`, `reprint`, `trace`, `history` and `correct`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from conftest import LABEL_ARGS, RECORD_ARGS, pdf_pages

from compounder.batch.run import run_batch
from compounder.log.store import Store

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
RECORD = RECORD_ARGS
LABEL = LABEL_ARGS


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
    assert record["compounded_at"] == "2026-12-01"  # not today, no --time: left blank
    assert record["master_formulation"]["id"] == "LDN-T50-W-1"
    text = " ".join(p.extract_text() for p in pdf_pages((tmp_path / "rec.pdf").read_bytes()))
    for part in [
        "Compounding record",
        "lot 20261201-001",
        "Rx: 1234567",
        "Time: ________ (write the time at the bench)",
        "Master formulation record: LDN-T50-W-1 version 1",
        "Naltrexone hydrochloride 50 mg tablets • required 1 x 50 mg tablet • measured "
        "________ tablets",
        "Lot AB1234 • Expiry 2027-06-30",
        "Purified water USP • required to 50 mL",
        "Total quantity made: 50 mL",
        "BUD: 2026-12-14",
        "Prepared by: Julia Diaz (JD) • Checked by: Marcus Kim (MK)",
        "Balance: none used (nothing weighed)",
        "Quality checks",
        "Deviations",
        "Make up to 50 mL with Purified water.",
    ]:
        assert part in " ".join(text.split()), part


def test_record_time(cli, tmp_path):
    db = ["--db", str(tmp_path / "log.db")]
    out = ["-o", str(tmp_path / "r.pdf"), "--json"]
    result = cli(*RECORD, "--time", "14:05", *db, *out)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["record"]["compounded_at"] == "2026-12-01T14:05"
    result = cli(*RECORD, "--time", "2pm", *db, *out)
    assert result.exit_code == 2
    assert "time: '2pm' is not accepted; expected the time of compounding as HH:MM" in (
        result.stderr
    )
    today = [a for a in RECORD if a not in ("--date", "2026-12-01")]
    result = cli(*today, *db, *out)  # no --date: today, at the current time
    assert result.exit_code == 0, result.stderr
    assert "T" in json.loads(result.stdout)["record"]["compounded_at"]


def test_the_checker_must_not_be_the_preparer(cli, tmp_path, example_config):
    args = [a if a != "MK" else "j.d." for a in RECORD]
    db = ["--db", str(tmp_path / "log.db"), "-o", str(tmp_path / "r.pdf")]
    result = cli(*args, *db, "--config", str(example_config))
    assert result.exit_code == 3
    assert "refused: the check must be independent: checked-by (JD) is the same person" in (
        result.stderr
    )
    assert not (tmp_path / "r.pdf").exists()
    single = tmp_path / "single.toml"
    single.write_text(
        example_config.read_text().replace("single_pharmacist = false", "single_pharmacist = true")
    )
    result = cli(*args, *db, "--config", str(single), "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["record"]["single_pharmacist"] is True
    text = " ".join(p.extract_text() for p in pdf_pages((tmp_path / "r.pdf").read_bytes()))
    assert "Single-pharmacist site: prepared and checked by the same pharmacist" in " ".join(
        text.split()
    )


def test_record_with_a_lots_file_and_extra_fields(cli, tmp_path, example_config):
    lots = tmp_path / "lots.csv"
    lots.write_text(
        "ingredient,lot,expiry,source,manufacturer,ndc\n"
        "naltrexone 50mg tab,AB1234,2027-06-30,McKesson,Accord,16729-081-01\n"
        "glycerin,G5,2027-08-01,PCCA,,\n"
    )
    result = cli(
        *RECORD,
        "--vehicle",
        "fawcett-preserved",
        "--lots-file",
        str(lots),
        "--ingredient-lot",
        "ascorbic acid:AA1:2027-05-01:manufacturer=Spectrum",
        "--config",
        str(example_config),
        "--db",
        str(tmp_path / "log.db"),
        "-o",
        str(tmp_path / "r.pdf"),
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    record = json.loads(result.stdout)["record"]
    uses = {u["lot"]: u for u in record["ingredients"]}
    assert uses["AB1234"]["ndc"] == "16729-081-01" and uses["AB1234"]["source"] == "McKesson"
    assert uses["AA1"]["quantity"] == "250 mg"  # 0.5 g/100 mL for the 50 mL made
    assert uses["G5"]["quantity"] == "10 mL"
    text = " ".join(
        " ".join(p.extract_text().split()) for p in pdf_pages((tmp_path / "r.pdf").read_bytes())
    )
    assert "Source McKesson • Manufacturer Accord • NDC 16729-081-01 • Lot AB1234" in text
    assert "Balance: BAL-01" in text
    data = json.loads(
        cli("trace", "--ingredient-lot", "G5", "--db", str(tmp_path / "log.db"), "--json").stdout
    )
    assert [p["lot"] for p in data["preparations"]] == [json.loads(result.stdout)["lot"]]


def test_a_preparation_without_a_master_formulation_is_not_recorded(cli, tmp_path):
    args = [a if a != "1mg/mL" else "5mg/mL" for a in RECORD]
    result = cli(*args, "--db", str(tmp_path / "log.db"), "-o", str(tmp_path / "r.pdf"))
    assert result.exit_code == 3
    assert "refused: no master formulation record for 5 mg/mL from tablet-50mg in water" in (
        result.stderr
    )


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
    history = json.loads(cli("history", "--rx", "1234567", *db, "--json").stdout)["entries"]
    assert [h["lot"] for h in history] == ["20261201-001", "20261201-002", "20261201-003"]
    result = cli("correct", "--entry", "2", "--reason", "wrong lot entered", "--by", "JD", *db)
    assert result.stdout.strip() == "Entry 4 corrects entry 2."
    history = json.loads(cli("history", "--rx", "1234567", *db, "--json").stdout)["entries"]
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
    Store(tmp_path / "log.db").close()
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
    # the time is written at the bench, never invented (no 00:00); the heading is set
    # beside the record's barcodes, so the line may break before "Time:"
    assert text.count("Date: 2026-12-01 •") == 2
    assert text.count("Time: ________ (write the time at the bench)") == 2
    assert "00:00" not in text
    assert "Master formulation record: LDN-PH-W-1 version 1" in text
    assert "Master formulation record: LDN-T50-W-1 version 1" in text
    assert "Certificate of analysis: assay ________% • water ________%" in text
    assert "Balance: BAL-01" in text
    assert [r["compounded_at"] for r in report.records] == ["2026-12-01", "2026-12-01"]


def test_a_batch_row_without_a_master_formulation_is_rejected(tmp_path, example_config):
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "rx_number,patient_name,prescriber,fill_date,concentration,dose,days_supply,source\n"
        "6000001,Jane Doe,Dr A. Smith,2026-12-01,5 mg/mL,5 mg,14,tablets\n"
    )
    report = run_batch(orders, tmp_path / "out", example_config, db=tmp_path / "log.db")
    assert not report.ok
    (error,) = report.errors
    assert error.column == "concentration"
    assert "no master formulation record for 5 mg/mL from tablet-50mg in water" in error.message


def test_a_failed_batch_logs_no_order(tmp_path, example_config):
    from conftest import DATA

    from compounder.log.lot_numbers import next_lot
    from compounder.log.store import Store

    db = tmp_path / "log.db"
    report = run_batch(DATA / "orders" / "bad-rows.csv", tmp_path / "out", example_config, db=db)
    assert not report.ok
    with Store(db) as store:
        assert store.count() == 0  # no order, and no lot taken by its planned preparations
    with Store(db) as store, store.transaction():
        assert next_lot(store, date(2026, 12, 1)) == "20261201-001"  # reserved lots released


def test_an_entry_is_stamped_when_it_is_logged_not_with_the_compounding_time(cli, tmp_path):
    """An audit log's entries are in the order they were written: the compounding time
    given (--date, --time) is the record's, not the entry's."""
    import json
    from datetime import datetime

    from conftest import RECORD_ARGS

    from compounder.log.entries import open_store

    db = tmp_path / "log.db"
    before = datetime.now().replace(microsecond=0)
    result = cli(*RECORD_ARGS, "--time", "14:05", "--db", str(db), "-o", str(tmp_path / "r.pdf"),
                 "--json")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["record"]["compounded_at"] == "2026-12-01T14:05"
    with open_store(db) as store:
        (entry,) = store.entries_of_kind("preparation")
    assert entry.created_at.endswith("Z")  # stored in UTC, with its offset
    logged = datetime.fromisoformat(entry.created_at).astimezone().replace(tzinfo=None)
    assert before <= logged <= datetime.now()
    assert entry.payload["compounded_at"] == "2026-12-01T14:05"
