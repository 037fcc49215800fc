"""A quantity the patient cannot use before its BUD is a stop (issue 24): the label and
the batch refuse it unless the pharmacist gives a reason, and no container of a split fill
is dispensed that would be opened after its BUD."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from compounder.api.dispensing import make_labels
from compounder.batch.run import run_batch
from compounder.core.fills import load_dispensing
from compounder.errors import SafetyError

CONFIG = Path(__file__).resolve().parents[2] / "examples" / "compounder.toml"
HEAD = "rx_number,patient_name,prescriber,fill_date,concentration,dose,quantity,vehicle"


def label(quantity: str, **extra: str):
    return make_labels(
        "1000950", "Jane Doe", "Dr A. Smith", dose="1.5 mg", quantity=quantity,
        concentration="1 mg/mL", fill_date="2026-12-01", config=CONFIG, log=False, **extra,
    )  # fmt: skip


def test_the_usable_quantity_is_rounded_up_to_the_bottle():
    rules = load_dispensing()
    assert rules.bottles == (30, 60, 120)
    assert rules.bottle_for(24) == 30 and rules.bottle_for(121) == 121


def test_1000_ml_of_a_14_day_preparation_is_refused():
    with pytest.raises(SafetyError) as caught:
        label("1000 mL")
    assert caught.value.exit_code == 3
    assert str(caught.value) == (
        "refused: 1000 mL is more than the patient can use before the BUD (2026-12-14): 14 "
        "days x 1.5 mL a day plus 10% overage is 30 mL; dispense at most 30 mL, or give "
        '--beyond-bud-reason "..."'
    )


def test_a_reason_allows_one_container_not_one_opened_after_its_bud():
    run = label("40 mL", beyond_bud_reason="patient away; discards the rest")
    assert run.notes[0].endswith(
        "(dispensed beyond the BUD. Reason: patient away; discards the rest)"
    )
    with pytest.raises(SafetyError, match=r"container 2 of 9 would be opened on 2027-02-19, "
                       r"after its BUD \(2026-12-14\)"):  # fmt: skip
        label("1000 mL", beyond_bud_reason="patient away")


def test_within_the_bud_is_labelled_as_before():
    run = label("30 mL")
    assert [o.quantity_ml for o in run.orders] == [30]


def test_the_batch_refuses_the_row_and_names_the_column(tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_text(
        HEAD + "\n2000001,Jane Doe,Dr A. Smith,2026-12-01,1 mg/mL,1.5 mg,250 mL,water\n"
    )
    (error,) = run_batch(orders, tmp_path / "out", str(CONFIG), check=True).errors
    assert error.column == "quantity"
    assert "dispense at most 30 mL, or give a reason in the beyond_bud_reason column" in (
        error.message
    )
    orders.write_text(
        HEAD + ",beyond_bud_reason\n"
        "2000001,Jane Doe,Dr A. Smith,2026-12-01,1 mg/mL,1.5 mg,250 mL,water,away\n"
    )
    (error,) = run_batch(orders, tmp_path / "out", str(CONFIG), check=True).errors
    assert "container 2 of 3 would be opened on 2027-02-19" in error.message


def test_the_batch_takes_a_reason_for_one_container(tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_text(
        HEAD + ",beyond_bud_reason\n"
        "2000001,Jane Doe,Dr A. Smith,2026-12-01,1 mg/mL,1.5 mg,40 mL,water,away\n"
    )
    report = run_batch(orders, tmp_path / "out", str(CONFIG), db=tmp_path / "log.db")
    assert report.ok, report.errors
    (row,) = json.loads((tmp_path / "out" / "manifest.json").read_text())["orders"]
    assert row["notes"].endswith("(dispensed beyond the BUD. Reason: away)")
    assert date.fromisoformat(row["bud"]) == date(2026, 12, 14)


def test_a_batch_row_refused_for_its_bud_names_the_lot(tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_text(
        HEAD + "\n2000001,Jane Doe,Dr A. Smith,2026-12-01,1 mg/mL,1.5 mg,40 mL,water\n"
    )
    lots = tmp_path / "lots.csv"
    lots.write_text("ingredient,lot,expiry\nnaltrexone 50mg tab,TB7,2026-12-05\n")
    report = run_batch(orders, tmp_path / "out", str(CONFIG), check=True, lots_file=lots)
    (error,) = report.errors
    assert "(2026-12-05, set by the expiry of ingredient lot TB7" in error.message
