"""A batch shows what its screening found (issue 24): the console summary and --json
count stops, cautions, acknowledgements and overrides and give each order's line; a lot's
record lists the orders dispensed from it with their safety checks."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import EXAMPLE_CONFIG
from pypdf import PdfReader

from compounder.batch.run import run_batch
from compounder.content.reports import batch_summary

ORDERS = """\
rx_number,patient_name,prescriber,fill_date,concentration,dose,quantity,other_medications,\
override,pharmacist,acknowledge_unscreened,liver_kidney_history
3000001,Jane Doe,Dr A. Smith,2026-12-01,1 mg/mL,1.5 mg,21 mL,Humira; loperamide,,,,
3000002,John Roe,Dr A. Smith,2026-12-01,1 mg/mL,1.5 mg,21 mL,Percocet; hydrocortisone cream,\
opioid stopped,AB,,yes
3000003,Ann Poe,Dr A. Smith,2026-12-01,1 mg/mL,1.5 mg,21 mL,zyxqol; Imodium,,AB,yes,
3000004,Bob Loe,Dr A. Smith,2026-12-01,1 mg/mL,1.5 mg,21 mL,none,,,,
3000005,Cy Moe,Dr A. Smith,2026-12-01,1 mg/mL,1.5 mg,21 mL,,,,,
"""


def run(tmp_path: Path):
    orders = tmp_path / "orders.csv"
    orders.write_text(ORDERS)
    out = tmp_path / "out"
    report = run_batch(orders, out, str(EXAMPLE_CONFIG), db=tmp_path / "log.db",
                       skip_invalid=True)  # fmt: skip
    return report, out


def test_the_summary_counts_and_lists_the_screening(tmp_path):
    report, out = run(tmp_path)
    assert report.printed == 4
    text = batch_summary(report, str(out))
    assert (
        "Screening: 2 stops (1 rows refused, 1 overridden), 2 cautions, 1 medicines "
        "acknowledged as not identified"
    ) in text
    assert (
        "  line 3 (Rx 3000002): Percocet: opioid STOP (overridden); hydrocortisone cream: "
        "systemic corticosteroid caution (local form); override by AB: opioid stopped"
    ) in text
    assert (
        "  line 4 (Rx 3000003): zyxqol: not identified: acknowledged by the pharmacist (AB); "
        "Imodium: opioid antidiarrheal caution"
    ) in text
    assert "  line 5 (Rx 3000004): none taken (the pharmacist asked)" in text
    assert "  1 orders: no other medicines entered (not screened)" in text
    assert "Jane Doe" not in text and "John Roe" not in text


def test_json_carries_the_counts_and_rows(tmp_path):
    report, _ = run(tmp_path)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["screening"]["counts"] == {
        "refused_by_screening": 1, "stops": 2, "cautions": 2, "acknowledged": 1, "overrides": 1,
    }  # fmt: skip
    rows = {row["rx_number"]: row for row in data["screening"]["rows"]}
    assert rows["3000003"]["decision"] == "acknowledged"
    assert rows["3000005"]["text"] is None


def test_the_lot_record_lists_the_orders_and_their_safety(tmp_path):
    _, out = run(tmp_path)
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(out / "records.pdf").pages)
                    .split())  # fmt: skip
    assert "Dispensed from this lot (4 orders)" in text
    assert "Rx 3000002: filled 2026-12-01, 1.5 mg, 21 mL" in text
    assert "Caution: the patient reports previous liver or kidney problems" in text
    assert "Rx 3000001" not in text  # refused: not dispensed


def test_a_lot_number_left_unused_is_explained_on_the_record(tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "rx_number,patient_name,prescriber,fill_date,concentration,dose,quantity\n"
        "3100001,Jane Doe,Dr A. Smith,2026-12-01,1 mg/mL,1.5 mg,21 mL\n"
        "3100002,John Roe,Dr A. Smith,2026-12-01,0.5 mg/mL,1.5 mg,999 mL\n"
        "3100003,Ann Poe,Dr A. Smith,2026-12-01,2 mg/mL,1.5 mg,11 mL\n"
    )
    out = tmp_path / "out"
    report = run_batch(orders, out, str(EXAMPLE_CONFIG), db=tmp_path / "log.db",
                       skip_invalid=True)  # fmt: skip
    assert [e.line for e in report.errors] == [3]
    assert [entry["lot"] for entry in report.worksheet] == ["20261201-001", "20261201-003"]
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(out / "records.pdf").pages)
                    .split())  # fmt: skip
    assert (
        "Lot numbers not used 20261201-002: reserved for 0.5 mg/mL in water from tablet-50mg "
        "on 2026-12-01; every order for it was refused, so it was not made"
    ) in text
