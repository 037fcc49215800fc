"""Entries of the compounding log: what a recorded lot allows a label, a label's entry,
trace, history and corrections, on a real SQLite log in a temporary folder."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

import pytest
from conftest import EXAMPLE_CONFIG, predating

from compounder.api.dispensing import make_labels
from compounder.api.recording import record_preparation
from compounder.core.lots import IngredientExpiry
from compounder.core.stocks import load_stock
from compounder.errors import InputError, SafetyError
from compounder.log.entries import (
    RecordedLot,
    correct_entry,
    log_labels,
    recorded_lot,
    rx_history,
    trace_lot,
    verify_log,
)
from compounder.log.store import Store

LOT = "20261201-001"


def record(db, rx="1234567", lots=(), volume="30 mL"):
    """1 mg/mL from 50 mg tablets on 2026-12-01: 30 mL needs 30 mg, so 1 tablet, made up
    to 50 mL; BUD 14 days counting the day of compounding as day 1: 2026-12-14."""
    lot, _, _ = record_preparation(
        "1 mg/mL",
        volume,
        rx=rx,
        ingredient_lots=list(lots),
        prepared_by="JD",
        checked_by="MK",
        compounded="2026-12-01",
        db=db,
    )
    return lot


# ------------------------------------------------------------------ RecordedLot


def test_the_limit_is_the_preparation_bud():
    recorded = RecordedLot(LOT, date(2026, 12, 14), Decimal(50), Decimal(0))
    assert recorded.limit == IngredientExpiry("", LOT, date(2026, 12, 14), kind="preparation")
    assert recorded.limit.label == f"preparation lot {LOT}"


def test_labels_may_use_up_exactly_what_was_made():
    recorded = RecordedLot(LOT, date(2026, 12, 14), Decimal(50), Decimal(25))
    recorded.check_quantity([Decimal(25)])  # 25 + 25 = 50: all of it, not more
    recorded.check_quantity([Decimal(10), Decimal("12.5"), Decimal("2.5")])  # 25 again
    recorded.check_quantity([])


def test_labels_past_what_was_made_are_refused():
    recorded = RecordedLot(LOT, date(2026, 12, 14), Decimal(50), Decimal(25))
    with pytest.raises(SafetyError) as caught:
        recorded.check_quantity([Decimal(10), Decimal("15.5")])  # 25 + 25.5 = 50.5 > 50
    assert str(caught.value) == (
        f"refused: lot {LOT} made 50 mL; 25 mL is already labelled and this label asks for "
        "25.5 mL; label a quantity the lot still holds, or compound a new lot"
    )
    assert caught.value.exit_code == 3
    with pytest.raises(SafetyError, match="0 mL is already labelled"):
        RecordedLot(LOT, date(2026, 12, 14), Decimal(50), Decimal(0)).check_quantity(
            [Decimal("50.1")]
        )


# ------------------------------------------------------------------ recorded_lot


def test_a_recorded_lot_is_read_from_the_log(tmp_path, log_db):
    db = log_db
    assert record(db) == LOT
    found = recorded_lot(LOT, Decimal("1"), db)
    assert found == RecordedLot(LOT, date(2026, 12, 14), Decimal(50), Decimal(0))
    assert recorded_lot(LOT, Decimal("1.0"), db) == found  # the same strength written so
    assert recorded_lot("20261201-002", Decimal(1), db) is None  # never recorded


def test_a_label_at_another_strength_is_refused(tmp_path, log_db):
    db = log_db
    record(db)
    with pytest.raises(SafetyError) as caught:
        recorded_lot(LOT, Decimal("0.5"), db)
    assert str(caught.value) == (
        f"refused: lot {LOT} was compounded at 1 mg/mL, not at 0.5 mg/mL; "
        "label it at the strength it was made"
    )


def test_labelled_is_the_sum_of_label_and_dispense_entries_only(tmp_path, log_db):
    db = log_db
    record(db)
    with Store(db) as store:
        store.log("label", "1234567", LOT, {"quantity_ml": ["10", "2.5"]})
        store.log("dispense", "7654321", LOT, {"quantity_ml": ["5"]})
        store.log("label", "1234567", "20261201-009", {"quantity_ml": ["40"]})  # other lot
        store.log("correction", "1234567", LOT, {"reason": "x", "quantity_ml": ["100"]})
    # 10 + 2.5 + 5 = 17.5 mL of this lot; the other lot and the correction do not count
    assert recorded_lot(LOT, Decimal(1), db) == RecordedLot(
        LOT, date(2026, 12, 14), Decimal(50), Decimal("17.5")
    )


def test_a_dispense_entry_as_the_batch_writes_it_counts_its_whole_quantity(tmp_path, log_db):
    db = log_db
    record(db)
    with Store(db) as store:
        store.log("dispense", "7654321", LOT, {"quantity_ml": "30"})  # batch/order.py form
    assert recorded_lot(LOT, Decimal(1), db).labelled_ml == Decimal(30)


def test_labels_printed_from_a_lot_add_up_in_the_log(tmp_path, log_db):
    db = log_db
    record(db)

    def label(name: str):
        return make_labels(
            "1234567",
            "Jane Doe",
            "Dr A. Smith",
            tmp_path / name,
            dose="1.5 mg",
            quantity="20 mL",
            concentration="1 mg/mL",
            fill_date="2026-12-01",
            lot=LOT,
            config=EXAMPLE_CONFIG,
            db=db,
        )

    label("a.pdf")
    label("b.pdf")  # 40 mL of 50
    assert recorded_lot(LOT, Decimal(1), db).labelled_ml == Decimal(40)
    with pytest.raises(SafetyError, match="made 50 mL; 40 mL is already labelled"):
        label("c.pdf")  # 60 mL > 50 mL
    assert not (tmp_path / "c.pdf").exists()
    assert recorded_lot(LOT, Decimal(1), db).labelled_ml == Decimal(40)  # nothing logged


def test_a_later_fill_date_than_the_lot_bud_is_refused_by_the_limit(tmp_path, log_db):
    db = log_db
    record(db)  # BUD 2026-12-14
    with pytest.raises(InputError, match="this lot has expired"):
        make_labels(
            "1234567",
            "Jane Doe",
            "Dr A. Smith",
            tmp_path / "late.pdf",
            dose="1.5 mg",
            quantity="20 mL",
            concentration="1 mg/mL",
            fill_date="2026-12-15",
            lot=LOT,
            config=predating(tmp_path),  # a fill dated after today: a site that pre-dates
            db=db,
        )


# ------------------------------------------------------------------ log_labels


def test_log_labels_keeps_what_reprints_the_label(tmp_path, log_db):
    db = log_db
    run = make_labels(
        "1234567",
        "Jane Doe",
        "Dr A. Smith",
        dose="1.5 mg",
        quantity="30 mL",
        concentration="1 mg/mL",
        fill_date="2026-12-01",
        config=EXAMPLE_CONFIG,
        log=False,
    )
    stock = load_stock("thermal-4x3")
    entry_id = log_labels(run, stock, db, tmp_path / "label.pdf", extra={"note": "first fill"})
    assert (tmp_path / "label.pdf").read_bytes() == run.pdf  # the file with its entry
    with Store(db) as store:
        entry = store.entry(entry_id)
        assert entry is not None
        assert (entry.kind, entry.rx, entry.lot) == ("label", "1234567", "20261201-1234567")
        payload = entry.payload
        assert payload == {
            "snapshot": payload["snapshot"],
            "pdf_sha256": hashlib.sha256(run.pdf).hexdigest(),
            "labels": 1,
            "fill_date": "2026-12-01",
            "fill_dates": ["2026-12-01"],  # every fill the label dispenses
            "bud": "2026-12-14",  # water, not preserved: 14 days, day 1 = 2026-12-01
            "bud_basis": "USP <795> (2023), BUD table: aqueous preparations, not preserved "
            "(14 days, refrigerator)",
            "quantity_ml": ["30"],
            "concentration_mg_ml": "1",
            "check": "awaiting",  # in the verification queue until a pharmacist checks it
            "fills": [  # each fill's doses, as the export reads them (log.dispensings)
                {
                    "label": 0,
                    "fill_date": "2026-12-01",
                    "bud": "2026-12-14",
                    "quantity_ml": "30",
                    "days": None,
                    "steps": [
                        {
                            "dose_mg": "1.5",
                            "volume_ml": "1.5",
                            "first_day": None,
                            "last_day": None,
                            "days": None,
                        }
                    ],
                    "dosage_form": "oral-suspension",
                }
            ],
            "lot_recorded": False,  # the label printed a reference, not a recorded lot
            "note": "first fill",
        }
        snapshot = store.snapshot(payload["snapshot"])
    assert snapshot["stock"]["id"] == "thermal-4x3"
    assert snapshot["contents"][0]["rx"] == "1234567"
    assert log_labels(run, stock, db, tmp_path / "again.pdf", kind="dispense") == entry_id + 1
    assert [e.kind for e in rx_history("1234567", db)] == ["label", "dispense"]


# ------------------------------------------------------------------ trace and history


def test_trace_lot_names_the_preparations_and_the_rx_they_served(tmp_path, log_db):
    db = log_db
    tab = "naltrexone 50mg tab:AB1234:2027-06-30"
    first = record(db, "1111111", [tab])
    record(db, "2222222", ["naltrexone 50mg tab:ZZ9:2027-06-30"])
    third = record(db, None, [tab, "purified water:W77:2027-01-31"])
    with Store(db) as store:
        store.log("label", "3333333", third, {"quantity_ml": ["20"]})
        store.log("dispense", "4444444", third, {"quantity_ml": ["20"]})
    found = trace_lot("AB1234", db)
    assert [(entry.lot, served) for entry, served in found] == [
        (first, ["1111111"]),
        (third, ["3333333", "4444444"]),  # a stock preparation: the Rx of its labels
    ]
    assert [e.lot for e, _ in trace_lot("W77", db)] == [third]
    assert trace_lot("NOPE", db) == []


def test_rx_history_is_oldest_first_with_corrections(tmp_path, log_db):
    db = log_db
    record(db, "1234567")
    record(db, "7654321")
    record(db, "1234567")
    assert [e.lot for e in rx_history("1234567", db)] == ["20261201-001", "20261201-003"]
    correction = correct_entry(3, "wrong volume entered", db, by="JD")
    assert correction == 4
    history = rx_history("1234567", db)
    assert [(e.id, e.kind, e.corrects) for e in history] == [
        (1, "preparation", None),
        (3, "preparation", None),
        (4, "correction", 3),
    ]
    assert history[-1].payload == {
        "reason": "wrong volume entered", "by": "JD", "by_name": "Julia Diaz"
    }  # fmt: skip
    assert history[-1].lot == "20261201-003"
    assert rx_history("0000000", db) == []


def test_rx_history_checks_the_rx(tmp_path):
    with pytest.raises(InputError, match="1 to 20 letters, digits or dashes"):
        rx_history("12 34", tmp_path / "log.db")


def test_a_correction_needs_a_reason_and_an_existing_entry(tmp_path, log_db):
    db = log_db
    record(db)
    with pytest.raises(InputError) as caught:
        correct_entry(1, "   ", db, by="JD")
    assert str(caught.value) == (
        "reason: '   ' is not accepted; expected a reason for the correction"
    )
    with pytest.raises(InputError) as caught:
        correct_entry(99, "typo", db, by="JD")
    assert (
        str(caught.value) == "entry: '99' is not accepted; expected the id of an entry in the log"
    )
    with Store(db) as store:
        assert store.count() == 1  # nothing was written by the refusals


@pytest.mark.parametrize(
    ("by", "problem"),
    [
        ("XY", "by: 'XY' is not in the staff register ([staff.XX] tables of the settings in "),
        ("OL", "by: OL is not active in the staff register"),
        ("", "by: missing (a person of the staff register"),
    ],
)
def test_a_correction_needs_a_registered_active_author(log_db, by, problem):
    from compounder.core.staff import StaffError

    record(log_db)
    with pytest.raises(StaffError) as caught:
        correct_entry(1, "typo", log_db, by=by)
    assert str(caught.value).startswith(problem)
    with Store(log_db) as store:
        assert store.count() == 1
    assert correct_entry(1, "typo", log_db, by="tr") == 2  # a technician may correct
    assert verify_log(log_db).ok  # the author is in the chained payload


def test_who_prepared_and_checked_is_logged_as_registered_and_verified(log_db):
    record(log_db)
    with Store(log_db) as store:
        (entry,) = store.history("1234567")
    people = {k: entry.payload[k] for k in entry.payload if k.endswith(("_by", "_by_name"))}
    assert people == {
        "prepared_by": "JD", "prepared_by_name": "Julia Diaz",
        "checked_by": "MK", "checked_by_name": "Marcus Kim",
    }  # fmt: skip
    assert verify_log(log_db).ok


def test_a_lot_planned_by_a_batch_keeps_its_labels_to_its_strength(tmp_path):
    from compounder.batch.run import run_batch

    db = tmp_path / "log.db"
    orders = EXAMPLE_CONFIG.parent / "orders.csv"
    report = run_batch(orders, tmp_path / "out", EXAMPLE_CONFIG, db=db)
    (half,) = [e["lot"] for e in report.worksheet if e["concentration"] == "0.5 mg/mL"]
    with pytest.raises(SafetyError, match=r"was compounded at 0\.5 mg/mL, not at 1 mg/mL"):
        recorded_lot(half, Decimal(1), db)
