"""Scan to verify with the codes as printed: the label's PNG, the lot label's PDF and a
batch's records.pdf are rendered and their barcodes decoded with zxing-cpp, and the
decoded strings are what `compounder verify` is given (dated today: a verification
checks the BUDs against today)."""

from __future__ import annotations

import json
from datetime import date

from conftest import decode_barcodes
from label_images import barcodes, png_image

TODAY = date.today()


def test_a_label_and_its_lot_label_scanned_verify_the_fill(cli, tmp_path, example_config):
    log = ["--config", str(example_config), "--db", str(tmp_path / "log.db")]
    made = cli(
        "record", "--rx", "1234567", "--concentration", "1mg/mL", "--volume", "30mL",
        "--from", "tablets", "--prepared-by", "JD", "--checked-by", "MK",
        "-o", str(tmp_path / "record.pdf"), "--json", *log,
    )  # fmt: skip
    assert made.exit_code == 0, made.stderr
    lot = json.loads(made.stdout)["lot"]
    label = cli(
        "label", "--rx", "1234567", "--patient", "Jane Doe", "--prescriber", "Dr A. Smith",
        "--dose", "1.5mg", "--concentration", "1mg/mL", "--quantity", "21mL", "--lot", lot,
        "--fill-date", TODAY.isoformat(), "-o", str(tmp_path / "label.png"), *log,
    )  # fmt: skip
    assert label.exit_code == 0, label.stderr
    (label_scan,) = barcodes(png_image((tmp_path / "label.png").read_bytes()))
    assert label_scan == f"1234567{TODAY:%y%m%d}"
    assert cli("lot-label", lot, "-o", str(tmp_path / "lot.pdf"), *log).exit_code == 0
    (lot_scan,) = decode_barcodes((tmp_path / "lot.pdf").read_bytes())
    assert lot_scan == lot
    # the record's barcode is the lot label's: either scan names the lot
    assert decode_barcodes((tmp_path / "record.pdf").read_bytes()) == [lot_scan]
    verified = cli(
        "verify", "--label-scan", label_scan, "--lot-scan", lot_scan, "--pharmacist", "JD", *log
    )
    assert verified.exit_code == 0, verified.stderr + verified.stdout
    again = cli(
        "verify", "--label-scan", label_scan, "--lot-scan", lot_scan, "--pharmacist", "MK", *log
    )
    assert again.exit_code == 3  # verified already: by whom and when


def test_a_label_scanned_with_another_lots_code_is_a_mismatch(cli, tmp_path, example_config):
    log = ["--config", str(example_config), "--db", str(tmp_path / "log.db")]
    lots = []
    for _ in range(2):
        made = cli(
            "record", "--concentration", "1mg/mL", "--volume", "30mL", "--from", "tablets",
            "--prepared-by", "JD", "--checked-by", "MK", "-o", str(tmp_path / "r.pdf"),
            "--json", *log,
        )  # fmt: skip
        assert made.exit_code == 0, made.stderr
        lots.append(json.loads(made.stdout)["lot"])
    label = cli(
        "label", "--rx", "7654321", "--patient", "Jane Doe", "--prescriber", "Dr A. Smith",
        "--dose", "1.5mg", "--concentration", "1mg/mL", "--quantity", "21mL",
        "--lot", lots[0], "-o", str(tmp_path / "label.png"), *log,
    )  # fmt: skip
    assert label.exit_code == 0, label.stderr
    (label_scan,) = barcodes(png_image((tmp_path / "label.png").read_bytes()))
    assert cli("lot-label", lots[1], "-o", str(tmp_path / "other.pdf"), *log).exit_code == 0
    (other,) = decode_barcodes((tmp_path / "other.pdf").read_bytes())
    result = cli(
        "verify", "--label-scan", label_scan, "--lot-scan", other, "--pharmacist", "JD", *log
    )
    assert result.exit_code == 3
    assert f"scanned {lots[1]}" in result.stdout + result.stderr


def test_a_batch_sheet_scanned_verifies_its_orders(cli, tmp_path, example_config):
    orders = tmp_path / "orders.csv"
    day = TODAY.isoformat()
    orders.write_text(
        "rx_number,patient_name,prescriber,fill_date,concentration,dose,quantity\n"
        f"3000001,Ann Lee,Dr Q. Adams,{day},1 mg/mL,1.5 mg,21 mL\n"
        f"3000002,Bo Chan,Dr R. Baker,{day},1 mg/mL,2 mg,28 mL\n",
        encoding="utf-8",
    )
    log = ["--config", str(example_config), "--db", str(tmp_path / "log.db")]
    out = tmp_path / "out"
    assert cli("batch", str(orders), "-o", str(out), *log).exit_code == 0
    waiting = json.loads(cli("queue", "--json", *log).stdout)["fills"]
    assert len(waiting) == 2
    scans = decode_barcodes((out / "records.pdf").read_bytes())  # one lot: one record
    (batch_scan,) = [s for s in scans if s.startswith("BATCH-")]
    (lot_scan,) = [s for s in scans if not s.startswith("BATCH-")]
    assert batch_scan == f"BATCH-{lot_scan}"
    result = cli(
        "verify", "--label-scan", batch_scan, "--lot-scan", lot_scan, "--pharmacist", "JD",
        "--json", *log,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr + result.stdout
    queue = cli("queue", "--json", *log)
    assert json.loads(queue.stdout)["fills"] == []  # both orders verified at once
