"""compounder lot-label, and the codes printed through the CLI: the lot label of a
recorded preparation and of a batch's lot (its barcode decoded from the rendered PDF,
its text read back); an unknown lot and a missing log refused with their exit codes
(no log created); a recalled preparation refused; a batch order's label and a reprint
scan as their fill; a label logged before barcodes held the fill reprints with the Rx
alone, byte for byte."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import LABEL_ARGS, RECORD_ARGS, decode_barcodes, pdf_pages
from label_images import barcodes, png_image

LOGS = Path(__file__).resolve().parents[1] / "data" / "logs"
POINTS = 72  # a PDF's points per inch


@pytest.fixture
def recorded(cli, tmp_path, example_config) -> tuple[list[str], str]:
    """A log holding one recorded preparation: the options that reach it, its lot."""
    log = ["--config", str(example_config), "--db", str(tmp_path / "log.db")]
    result = cli(*RECORD_ARGS, *log, "-o", str(tmp_path / "record.pdf"), "--json")
    assert result.exit_code == 0, result.stderr
    return log, json.loads(result.stdout)["lot"]


def test_a_recorded_preparations_lot_label(cli, tmp_path, recorded):
    log, lot = recorded
    target = tmp_path / "lot.pdf"
    result = cli("lot-label", lot, "-o", str(target), *log)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        f"Lot label of {lot} (Naltrexone HCl 1 mg/mL oral suspension, discard after "
        f"2026-12-14) written to {target}.\n"
    )
    pdf = target.read_bytes()
    (page,) = pdf_pages(pdf)
    assert (page.width, page.height) == (3 * POINTS, 1.5 * POINTS)  # 3 x 1.5 in
    assert decode_barcodes(pdf) == [lot]
    lines = page.extract_text().splitlines()
    assert lines == [
        "Naltrexone HCl 1 mg/mL oral suspension",
        f"Lot: {lot} • Compounded: Dec 1, 2026",
        "Discard after: Dec 14, 2026",
        "Store in a refrigerator, 2 °C to 8 °C. Do not freeze.",
        "Riverside Compounding Pharmacy",
        lot,  # under the barcode
    ]
    fonts = {c["fontname"].split("+")[-1] for c in page.chars}
    assert fonts == {"AtkinsonHyperlegible-Regular", "AtkinsonHyperlegible-Bold"}
    # the record's own PDF carries the same barcode
    assert decode_barcodes((tmp_path / "record.pdf").read_bytes()) == [lot]


def test_its_json(cli, tmp_path, recorded):
    log, lot = recorded
    result = cli("lot-label", lot, "-o", str(tmp_path / "lot.pdf"), *log, "--json")
    assert result.exit_code == 0, result.stderr
    made = json.loads(result.stdout)
    assert (made["record"], made["lot"], made["barcode"]) == ("preparation", lot, lot)
    assert (made["compounded"], made["bud"]) == ("2026-12-01", "2026-12-14")
    assert made["lines"]["discard date"] == "Discard after: Dec 14, 2026"


def test_a_batch_lot_its_label_and_its_record(cli, tmp_path, example_config):
    log = ["--config", str(example_config), "--db", str(tmp_path / "log.db")]
    out = tmp_path / "out"
    result = cli("batch", str(example_config.parent / "orders.csv"), "-o", str(out), *log)
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["orders"]
    lot = manifest[0]["lot"]
    target = tmp_path / "lot.pdf"
    made = cli("lot-label", lot, "-o", str(target), *log, "--json")
    assert made.exit_code == 0, made.stderr
    assert json.loads(made.stdout)["record"] == "batch"
    assert decode_barcodes(target.read_bytes()) == [lot]
    # records.pdf: each lot's record starts with its lot's and its batch's barcodes
    records = (out / "records.pdf").read_bytes()
    pages = pdf_pages(records)
    firsts = [n for n, page in enumerate(pages) if "Compounding record" in page.extract_text()]
    found = [sorted(decode_barcodes(records, page=n)) for n in firsts]
    lots = sorted({row["lot"] for row in manifest})
    assert sorted(found) == [sorted([lot, f"BATCH-{lot}"]) for lot in lots]
    # and a batch order's label scans as its fill: its Rx and fill date
    first = manifest[0]
    page = int(str(first["label_pages"]).split("-")[0]) - 1
    labels = (out / "labels.pdf").read_bytes()
    assert decode_barcodes(labels, page=page) == [f"{first['rx_number']}261201"]


def test_an_unknown_lot_is_refused(cli, tmp_path, recorded):
    log, _ = recorded
    target = tmp_path / "lot.pdf"
    result = cli("lot-label", "20261201-999", "-o", str(target), *log, "--json")
    assert result.exit_code == 2
    assert result.stderr == (
        "compounder: error: lot: '20261201-999' is not accepted; expected a preparation "
        "lot the log holds a compounding record of ('compounder record', or a batch's "
        "records.pdf)\n"
    )
    assert json.loads(result.stdout)["error"]["field"] == "lot"
    assert not target.exists()


def test_a_labels_reference_is_not_a_lot(cli, tmp_path, example_config):
    """A label printed without --lot carries a reference (fill date and Rx): the log
    holds no preparation for it."""
    db = str(tmp_path / "log.db")
    log = ["--config", str(example_config), "--db", db]
    assert cli(*LABEL_ARGS, *log, "-o", str(tmp_path / "label.pdf")).exit_code == 0
    result = cli("lot-label", "20261201-1234567", "-o", str(tmp_path / "lot.pdf"), *log)
    assert result.exit_code == 2
    assert "expected a preparation lot the log holds a compounding record of" in result.stderr


def test_without_a_log_nothing_is_created(cli, tmp_path, example_config):
    db = tmp_path / "none.db"
    target = tmp_path / "lot.pdf"
    result = cli(
        "lot-label", "20261201-001", "-o", str(target), "--config", str(example_config),
        "--db", str(db),
    )  # fmt: skip
    assert result.exit_code == 4
    assert result.stderr == (
        f"compounder: error: {db}: no compounding log here (nothing was created); expected "
        "the log your commands write to: check --db, COMPOUNDER_DB or [log] url in the "
        "settings\n"
    )
    assert not db.exists() and not target.exists()


def test_a_lot_number_that_cannot_be_one_is_refused(cli, tmp_path, recorded):
    log, _ = recorded
    result = cli("lot-label", "a:b", "-o", str(tmp_path / "lot.pdf"), *log)
    assert result.exit_code == 2
    assert "a lot number of 1 to 20 characters (no ':')" in result.stderr


def test_a_recalled_preparation_gets_no_label(cli, tmp_path, example_config):
    log = ["--config", str(example_config), "--db", str(tmp_path / "log.db")]
    record = [*RECORD_ARGS, "--ingredient-lot", "tablet-50mg:AB1234:2027-06-30"]
    made = cli(*record, *log, "-o", str(tmp_path / "record.pdf"), "--json")
    assert made.exit_code == 0, made.stderr
    lot = json.loads(made.stdout)["lot"]
    assert cli("recall", "AB1234", "--reason", "manufacturer recall", *log).exit_code == 0
    result = cli("lot-label", lot, "-o", str(tmp_path / "lot.pdf"), *log)
    assert result.exit_code == 3
    assert f"preparation lot {lot} was made from ingredient lot AB1234" in result.stderr


def test_a_reprint_carries_the_labels_code(cli, tmp_path, example_config):
    log = ["--config", str(example_config), "--db", str(tmp_path / "log.db")]
    label = cli(*LABEL_ARGS, *log, "-o", str(tmp_path / "label.png"), "--json")
    assert label.exit_code == 0, label.stderr
    assert json.loads(label.stdout)["labels"][0]["barcode"] == "1234567261201"
    again = tmp_path / "again.png"
    result = cli("reprint", "--rx", "1234567", "-o", str(again), *log)
    assert result.exit_code == 0, result.stderr
    assert barcodes(png_image(again.read_bytes())) == ["1234567261201"]
    assert again.read_bytes() == (tmp_path / "label.png").read_bytes()


def test_a_label_logged_before_barcodes_held_the_fill_reprints_with_the_rx_alone(
    cli, tmp_path, example_config
):
    """The schema-4 log's label (tests/data/logs) was snapshotted without a code: its
    reprint is byte for byte the original (the reprint checks the logged hash), its
    barcode and the text under it the Rx alone."""
    db = tmp_path / "schema4.db"
    shutil.copy(LOGS / "schema4.db", db)
    log = ["--config", str(example_config), "--db", str(db)]
    again = tmp_path / "again.pdf"
    result = cli("reprint", "--rx", "1000101", "-o", str(again), *log)
    assert result.exit_code == 0, result.stderr
    assert decode_barcodes(again.read_bytes()) == ["1000101"]
    assert pdf_pages(again.read_bytes())[0].extract_text().splitlines()[-1].endswith(" 1000101")
    png = tmp_path / "again.png"
    assert cli("reprint", "--rx", "1000101", "-o", str(png), *log).exit_code == 0
    assert barcodes(png_image(png.read_bytes())) == ["1000101"]


def test_a_lot_label_is_a_pdf_and_not_for_a_lot_past_its_bud(cli, tmp_path):
    from datetime import date, timedelta

    from conftest import predating

    db = str(tmp_path / "log.db")
    config = predating(tmp_path)
    past = (date.today() - timedelta(days=30)).isoformat()
    made = cli(
        "record", "--concentration", "1mg/mL", "--volume", "50mL", "--from", "tablets",
        "--prepared-by", "TR", "--checked-by", "JD", "--no-other-medications",
        "--date", past, "--db", db, "--config", str(config), "-o", str(tmp_path / "r.pdf"),
        "--json",
    )  # fmt: skip
    assert made.exit_code == 0, made.stderr
    lot = json.loads(made.stdout)["lot"]
    png = cli("lot-label", lot, "-o", str(tmp_path / "lot.png"), "--db", db,
              "--config", str(config))  # fmt: skip
    assert png.exit_code == 2 and "ending .pdf" in png.stderr
    late = cli("lot-label", lot, "-o", str(tmp_path / "lot.pdf"), "--db", db,
               "--config", str(config))  # fmt: skip
    assert late.exit_code == 3 and "has passed" in late.stderr
    assert not (tmp_path / "lot.pdf").exists()
