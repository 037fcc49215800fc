"""A pharmacist's final check: the queue across label and batch, verify against the
log with every kind of mismatch, on both log backends."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import jsonschema
import pytest
from conftest import predating

from compounder.api.verification import AlreadyVerified, queue, verify
from compounder.core.contracts import load_schema
from compounder.core.scan_codes import batch_code, fill_code
from compounder.errors import DataFileError, InputError
from compounder.log.dispensings import dispensings
from compounder.log.entries import open_store, verify_log
from compounder.log.kinds import Kind

TODAY = date.today()
GS1_AB1234 = "(01)00312345678906(17)270630(10)AB1234"


def record(cli, db: str, tmp_path: Path, volume: str = "100mL", lot: str = "AB1234") -> str:
    """A preparation recorded today from ingredient lot ``lot``: its lot number."""
    result = cli(
        "record", "--concentration", "1mg/mL", "--volume", volume, "--from", "tablets",
        "--ingredient-lot", f"naltrexone 50mg tab:{lot}:2027-06-30", "--prepared-by", "TR",
        "--checked-by", "JD", "--no-other-medications", "--db", db,
        "-o", str(tmp_path / f"record-{lot}-{volume}.pdf"), "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return str(json.loads(result.stdout)["lot"])


def label(cli, db: str, tmp_path: Path, rx: str, *extra: str, quantity: str = "25mL") -> None:
    result = cli(
        "label", "--rx", rx, "--patient", "Jane Doe", "--prescriber", "Dr A. Smith",
        "--dose", "1.5mg", "--concentration", "1mg/mL", "--quantity", quantity,
        "--no-other-medications", "--db", db, "-o", str(tmp_path / f"label-{rx}.pdf"), *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr


def entries(db: str, kind: Kind) -> list:
    with open_store(db, read_only=True) as store:
        return store.entries_of_kind(kind)


def test_a_label_awaits_check_until_a_pharmacist_verifies_it(cli, log_db, tmp_path):
    lot = record(cli, log_db, tmp_path)
    label(cli, log_db, tmp_path, "1234567", "--lot", lot)
    waiting = queue(log_db)
    assert [(f.rx, f.fill, f.fill_date, f.lot, str(f.quantity_ml)) for f in waiting] == [
        ("1234567", 1, TODAY, lot, "25")
    ]
    done = verify(fill_code("1234567", TODAY), lot, "JD", log_db)
    assert done.ok and done.pharmacist == "JD" and len(done.entry_ids) == 1
    assert queue(log_db) == []
    (check,) = entries(log_db, Kind.VERIFICATION)
    assert check.rx == "1234567" and check.lot == lot
    assert check.payload["verifies"] == waiting[0].entry_id and check.payload["fill"] == 1
    assert check.payload["by"] == "JD" and check.payload["by_name"] == "Julia Diaz"
    # the handover an export gives is the verification's time
    with open_store(log_db, read_only=True) as store:
        (dispensed,) = dispensings(store)
    assert dispensed.verified_at is not None
    assert verify_log(log_db).ok


def test_the_same_fill_verified_twice_is_refused_and_nothing_is_logged(cli, log_db, tmp_path):
    lot = record(cli, log_db, tmp_path)
    label(cli, log_db, tmp_path, "1234567", "--lot", lot)
    verify(fill_code("1234567", TODAY), lot, "JD", log_db)
    with open_store(log_db, read_only=True) as store:
        before = store.last_entry_id()
    with pytest.raises(AlreadyVerified, match=r"verified already, by JD .*match it; nothing was"):
        verify(fill_code("1234567", TODAY), lot, "MK", log_db)
    with open_store(log_db, read_only=True) as store:
        assert store.last_entry_id() == before


def mismatch(db: str, label_scan: str, lot_scan: str, **kwargs) -> list[tuple[str, str, str]]:
    checked = len(entries(db, Kind.VERIFICATION))
    done = verify(label_scan, lot_scan, "MK", db, **kwargs)
    assert not done.ok
    assert done.entry_ids
    with open_store(db, read_only=True) as store:
        logged = [store.entry(i) for i in done.entry_ids]
    for entry in logged:
        assert entry is not None and entry.kind == Kind.MISMATCH
        assert entry.payload["by"] == "MK"
        assert entry.payload["differences"] == [d.to_dict() for d in done.differences]
    assert len(entries(db, Kind.VERIFICATION)) == checked, "a mismatch verifies nothing"
    return [(d.check, d.scanned, d.logged) for d in done.differences]


def test_another_preparation_lot_is_a_mismatch(cli, log_db, tmp_path):
    lot = record(cli, log_db, tmp_path)
    other = record(cli, log_db, tmp_path, volume="50mL")
    label(cli, log_db, tmp_path, "1234567", "--lot", lot)
    assert mismatch(log_db, fill_code("1234567", TODAY), other) == [
        ("lot", other, f"the fill was drawn from lot {lot}")
    ]


def test_a_fill_the_log_does_not_hold_is_a_mismatch(cli, log_db, tmp_path):
    lot = record(cli, log_db, tmp_path)
    label(cli, log_db, tmp_path, "1234567", "--lot", lot)
    tomorrow = TODAY + timedelta(days=1)
    assert mismatch(log_db, fill_code("1234567", tomorrow), lot) == [
        (
            "fill",
            f"Rx 1234567 filled {tomorrow.isoformat()}",
            f"the log holds Rx 1234567 filled on {TODAY.isoformat()} only",
        )
    ]
    done = verify(fill_code("7654321", TODAY), lot, "MK", log_db)
    found = [(d.check, d.logged) for d in done.differences]
    assert found == [("fill", "the log holds no dispensing of Rx 7654321")]


def test_a_corrected_dispensing_cannot_be_verified(cli, log_db, tmp_path):
    lot = record(cli, log_db, tmp_path)
    label(cli, log_db, tmp_path, "1234567", "--lot", lot)
    (printed,) = queue(log_db)
    result = cli(
        "correct", "--entry", str(printed.entry_id), "--reason", "wrong dose", "--by", "JD",
        "--db", log_db,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert queue(log_db) == []
    assert mismatch(log_db, fill_code("1234567", TODAY), lot) == [
        (
            "fill",
            f"Rx 1234567 filled {TODAY.isoformat()}",
            f"the log holds that fill in entry {printed.entry_id} only, which a correction "
            "names as wrong",
        )
    ]


def test_a_label_with_only_a_reference_has_no_lot_to_scan(cli, log_db, tmp_path):
    lot = record(cli, log_db, tmp_path)
    label(cli, log_db, tmp_path, "1234567")
    reference = f"{TODAY:%Y%m%d}-1234567"
    ((check, _, logged),) = mismatch(log_db, fill_code("1234567", TODAY), lot)
    assert (check, logged) == (
        "lot",
        f"the label gives only a reference, {reference}, no recorded lot",
    )


def test_an_ingredient_scan_must_be_of_a_lot_the_preparation_used(cli, log_db, tmp_path):
    lot = record(cli, log_db, tmp_path)
    label(cli, log_db, tmp_path, "1234567", "--lot", lot)
    other = "(01)00312345678906(17)270630(10)ZZ999"
    assert mismatch(log_db, fill_code("1234567", TODAY), other) == [
        ("ingredient", "ingredient lot ZZ999", f"lot {lot} was made from AB1234")
    ]
    expired = "(01)00312345678906(17)251130(10)AB1234"
    assert mismatch(log_db, fill_code("1234567", TODAY), expired) == [
        ("ingredient", "ingredient lot AB1234, expiry 2025-11-30", "its expiry has passed")
    ]
    assert verify(fill_code("1234567", TODAY), GS1_AB1234, "AB", log_db).ok


def test_passed_buds_are_mismatches(cli, log_db, tmp_path):
    lot = record(cli, log_db, tmp_path)
    label(cli, log_db, tmp_path, "1234567", "--lot", lot)
    (fill,) = queue(log_db)
    later = fill.bud + timedelta(days=1)
    found = mismatch(log_db, fill_code("1234567", TODAY), lot, today=later)
    assert ("lot-expired", f"lot {lot}", f"its BUD {fill.bud.isoformat()} has passed") in found
    assert ("bud", "Rx 1234567 fill 1", f"its BUD {fill.bud.isoformat()} has passed") in found
    assert verify(fill_code("1234567", TODAY), lot, "MK", log_db, today=fill.bud).ok


def test_a_recalled_ingredient_stops_the_preparation(cli, log_db, tmp_path):
    lot = record(cli, log_db, tmp_path, lot="RC777")
    label(cli, log_db, tmp_path, "1234567", "--lot", lot)
    result = cli("recall", "RC777", "--reason", "supplier recall", "--db", log_db)
    assert result.exit_code == 0, result.stderr
    ((check, scanned, logged),) = mismatch(log_db, fill_code("1234567", TODAY), lot)
    assert (check, scanned) == ("lot-stopped", f"lot {lot}")
    assert "RC777" in logged and "recalled" in logged


def test_a_lot_that_gave_out_more_than_was_made(cli, log_db, tmp_path):
    lot = record(cli, log_db, tmp_path, volume="50mL")  # one 50 mg tablet at 1 mg/mL
    label(cli, log_db, tmp_path, "1234567", "--lot", lot)
    # a dispensing logged from the lot by hand (as an older Compounder could): 30 mL
    with open_store(log_db) as store:
        store.log(Kind.LABEL, "7777777", lot, {"fill_date": TODAY.isoformat(),
                  "bud": TODAY.isoformat(), "quantity_ml": ["30"]})  # fmt: skip
    assert mismatch(log_db, fill_code("1234567", TODAY), lot) == [
        ("quantity", f"lot {lot}", "55 mL was given out of 50 mL made")
    ]


def test_only_an_active_pharmacist_verifies(cli, log_db, tmp_path):
    lot = record(cli, log_db, tmp_path)
    label(cli, log_db, tmp_path, "1234567", "--lot", lot)
    for initials, said in (("TR", "is a technician"), ("OL", "not active"), ("ZZ", "ZZ")):
        with pytest.raises(InputError, match=said):
            verify(fill_code("1234567", TODAY), lot, initials, log_db)
    assert entries(log_db, Kind.MISMATCH) == [] and entries(log_db, Kind.VERIFICATION) == []


@pytest.mark.parametrize(
    ("label_scan", "lot_scan", "field"),
    [
        ("20261207-001", "20261207-001", "label-scan"),  # a lot's code as the label's
        ("1234567", "20261207-001", "label-scan"),  # no fill date
        ("1234567261307", "20261207-001", "label-scan"),  # month 13
        ("1234567261207", "1234567261207", "lot-scan"),  # the label's code as the lot's
        ("1234567261207", "lot 5", "lot-scan"),
        ("1234567261207\n1", "20261207-001", "label-scan"),
    ],
)
def test_a_scan_compounder_cannot_read_is_an_input_error(label_scan, lot_scan, field, tmp_path):
    db = tmp_path / "log.db"
    with pytest.raises(InputError) as caught:
        verify(label_scan, lot_scan, "JD", db)
    assert caught.value.field == field
    assert not db.exists()


def test_no_log_is_created_to_verify_against(tmp_path):
    db = tmp_path / "typo.db"
    with pytest.raises(DataFileError):
        verify(fill_code("1234567", TODAY), "20261207-001", "JD", db)
    with pytest.raises(DataFileError):
        queue(db)
    assert not db.exists()


def test_a_titration_s_fills_are_checked_one_by_one(cli, log_db, tmp_path):
    config = predating(tmp_path)
    result = cli(
        "label", "--rx", "1234567", "--patient", "Jane Doe", "--prescriber", "Dr A. Smith",
        "--titration", "--start-date", TODAY.isoformat(), "--fill", "all",
        "--concentration", "1mg/mL", "--no-other-medications", "--db", log_db,
        "--config", str(config), "-o", str(tmp_path / "t.pdf"),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    waiting = queue(log_db, config)
    assert len({f.entry_id for f in waiting}) == 1 and [f.fill for f in waiting] == list(
        range(1, len(waiting) + 1)
    )
    second = waiting[1]
    done = verify(fill_code("1234567", second.fill_date), "20261207-001", "JD", log_db, config)
    assert [f.fill for f in done.fills] == [2]  # the scan named the second fill
    assert [d.check for d in done.differences] == ["lot"]  # labelled with a reference only


BATCH_HEADER = "rx_number,patient_name,prescriber,fill_date,concentration,dose,days_supply\n"


def run_batch(cli, db: str, tmp_path: Path, rows: list[str]) -> str:
    orders = tmp_path / "orders.csv"
    orders.write_text(BATCH_HEADER + "".join(f"{row}\n" for row in rows))
    out = tmp_path / "out"
    result = cli("batch", str(orders), "-o", str(out), "--db", db)
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    (lot,) = {order["lot"] for order in manifest["orders"]}
    return str(lot)


def test_a_batch_sheet_verifies_its_orders_at_once(cli, log_db, tmp_path):
    day = TODAY.isoformat()
    lot = run_batch(cli, log_db, tmp_path, [
        f"2000001,Ann Lee,Dr A. Smith,{day},1 mg/mL,1.5 mg,14",
        f"2000002,Bo Chan,Dr A. Smith,{day},1 mg/mL,3 mg,14",
        f"2000003,Cy Diaz,Dr A. Smith,{day},1 mg/mL,2 mg,14",
    ])  # fmt: skip
    assert [(f.kind, f.rx) for f in queue(log_db)] == [
        ("dispense", "2000001"), ("dispense", "2000002"), ("dispense", "2000003")
    ]  # fmt: skip
    # one order checked by its label, the two others by the batch's record
    assert verify(fill_code("2000002", TODAY), lot, "JD", log_db).ok
    wrong = verify(batch_code(lot), "20261207-999", "MK", log_db)
    assert [d.check for d in wrong.differences] == ["lot"] and len(queue(log_db)) == 2
    done = verify(batch_code(lot), lot, "MK", log_db)
    assert done.ok and sorted(f.rx for f in done.fills) == ["2000001", "2000003"]
    assert len(done.entry_ids) == 2 and queue(log_db) == []
    with pytest.raises(AlreadyVerified, match="were verified already"):
        verify(batch_code(lot), lot, "AB", log_db)
    assert verify_log(log_db).ok


def test_the_cli_verify_exit_codes_history_and_json(cli, log_db, tmp_path):
    lot = record(cli, log_db, tmp_path)
    label(cli, log_db, tmp_path, "1234567", "--lot", lot)
    waited = cli("queue", "--db", log_db, "--json")
    assert waited.exit_code == 0
    jsonschema.validate(json.loads(waited.stdout), load_schema("queue"))
    assert "1 fill(s) await" in cli("queue", "--db", log_db).stdout
    code = fill_code("1234567", TODAY)
    bad = cli("verify", "--label-scan", code, "--lot-scan", "20261207-999", "--pharmacist",
              "JD", "--db", log_db, "--json")  # fmt: skip
    assert bad.exit_code == 3
    data = json.loads(bad.stdout)
    jsonschema.validate(data, load_schema("verify"))
    assert data["result"] == "mismatch" and data["differences"][0]["check"] == "lot"
    text = cli("verify", "--label-scan", code, "--lot-scan", "20261207-999", "--pharmacist",
               "JD", "--db", log_db)  # fmt: skip
    assert text.exit_code == 3 and "MISMATCH: do not hand this over" in text.stderr
    good = cli("verify", "--label-scan", f"]C01234567 {TODAY:%y%m%d}", "--lot-scan", lot,
               "--pharmacist", "JD", "--db", log_db, "--json")  # fmt: skip
    assert good.exit_code == 0, good.stderr
    data = json.loads(good.stdout)
    jsonschema.validate(data, load_schema("verify"))
    assert data["result"] == "verified" and data["label_scan"] == f"1234567 {TODAY:%y%m%d}"
    again = cli("verify", "--label-scan", code, "--lot-scan", lot, "--pharmacist", "MK",
                "--db", log_db)  # fmt: skip
    assert again.exit_code == 3 and "verified already, by JD" in again.stderr
    technician = cli("verify", "--label-scan", code, "--lot-scan", lot, "--pharmacist", "TR",
                     "--db", log_db)  # fmt: skip
    assert technician.exit_code == 2 and "needs a pharmacist" in technician.stderr
    history = cli("history", "--rx", "1234567", "--db", log_db)
    lines = history.stdout.splitlines()
    assert any("label (verified)" in line for line in lines)
    assert sum("verification-mismatch (lot)" in line and " JD" in line for line in lines) == 2
    assert any("verification of entry" in line and line.rstrip().endswith("JD") for line in lines)
    shown = json.loads(cli("history", "--rx", "1234567", "--db", log_db, "--json").stdout)
    jsonschema.validate(shown, load_schema("history"))
    assert [e["check"] for e in shown["entries"] if e["kind"] == "label"] == ["verified"]


def test_two_pharmacists_verifying_one_fill_at_once(cli, log_db, tmp_path):
    """Two processes scan the same bottle at the same moment: one verifies it, the
    other is told it was verified already, and the log holds one verification."""
    lot = record(cli, log_db, tmp_path)
    label(cli, log_db, tmp_path, "1234567", "--lot", lot)
    code = fill_code("1234567", TODAY)
    script = (
        "import sys, time\n"
        "from compounder.cli.app import main\n"
        "start = float(sys.argv[1])\n"
        "time.sleep(max(0.0, start - time.time()))\n"
        "sys.argv = ['compounder', *sys.argv[2:]]\n"
        "main()\n"
    )
    import time

    start = time.time() + 1.5
    runs = []
    for who in ("JD", "MK"):
        command = [sys.executable, "-c", script, str(start), "verify", "--label-scan", code,
                   "--lot-scan", lot, "--pharmacist", who, "--db", log_db]  # fmt: skip
        runs.append(
            subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        )
    outcomes = [(run.wait(60), *run.communicate()) for run in runs]
    assert sorted(code for code, _, _ in outcomes) == [0, 3]
    loser = next(err for code, _, err in outcomes if code == 3)
    assert "verified already, by" in loser and "nothing was logged" in loser
    assert len(entries(log_db, Kind.VERIFICATION)) == 1
    assert entries(log_db, Kind.MISMATCH) == []
    assert verify_log(log_db).ok


def test_the_unique_key_is_held_by_the_database(cli, tmp_path):
    """Even written past the Python check, a second verification of a fill is refused
    by the log's unique index."""
    db = str(tmp_path / "log.db")
    lot = record(cli, db, tmp_path)
    label(cli, db, tmp_path, "1234567", "--lot", lot)
    verify(fill_code("1234567", TODAY), lot, "JD", db)
    (check,) = entries(db, Kind.VERIFICATION)
    connection = sqlite3.connect(db)
    with pytest.raises(sqlite3.IntegrityError, match=r"UNIQUE|append-only"):
        connection.execute(
            "INSERT INTO entries (id, kind, created_at, payload, batch_key, hash, prev_hash) "
            "SELECT MAX(id) + 1, 'verification', '', '{}', ?, 'x', 'y' FROM entries",
            (f"verified:{check.payload['verifies']}:1",),
        )
    connection.close()


# --- what an independent review found, held --------------------------------------


def test_two_dispensings_one_code_cannot_tell_apart_stop_until_named(cli, log_db, tmp_path):
    """A second label of the same Rx and day carries the same code: the scan alone
    verifies neither (the first bottle could be scanned for the second)."""
    lot = record(cli, log_db, tmp_path)
    label(cli, log_db, tmp_path, "1234567", "--lot", lot)
    assert verify(fill_code("1234567", TODAY), lot, "JD", log_db).ok
    result = cli(
        "label", "--rx", "1234567", "--patient", "Jane Doe", "--prescriber", "Dr A. Smith",
        "--dose", "3mg", "--concentration", "1mg/mL", "--quantity", "20mL", "--lot", lot,
        "--no-other-medications", "--db", log_db, "-o", str(tmp_path / "second.pdf"),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    (waiting,) = queue(log_db)
    first, second = 2, waiting.entry_id  # the record is entry 1
    ((check, _, logged),) = mismatch(log_db, fill_code("1234567", TODAY), lot)
    assert check == "fill" and "cannot tell apart: give --entry" in logged
    assert f"entries {first}, {second}" in logged
    done = verify(fill_code("1234567", TODAY), lot, "MK", log_db, entry=second)
    assert done.ok and [f.entry_id for f in done.fills] == [second]
    with pytest.raises(AlreadyVerified):
        verify(fill_code("1234567", TODAY), lot, "MK", log_db, entry=first)


def test_a_verified_bottle_scanned_with_another_lot_is_a_logged_mismatch(cli, log_db, tmp_path):
    lot = record(cli, log_db, tmp_path)
    other = record(cli, log_db, tmp_path, volume="50mL")
    label(cli, log_db, tmp_path, "1234567", "--lot", lot)
    assert verify(fill_code("1234567", TODAY), lot, "JD", log_db).ok
    done = verify(fill_code("1234567", TODAY), other, "MK", log_db)
    assert not done.ok
    assert [d.check for d in done.differences] == ["lot", "fill"]
    assert "verified already, by JD" in done.differences[1].logged
    assert len(entries(log_db, Kind.MISMATCH)) == 1


def test_a_corrected_verification_puts_the_fill_back_in_the_queue(cli, log_db, tmp_path):
    lot = record(cli, log_db, tmp_path)
    label(cli, log_db, tmp_path, "1234567", "--lot", lot)
    (check,) = verify(fill_code("1234567", TODAY), lot, "JD", log_db).entry_ids
    result = cli("correct", "--entry", str(check), "--reason", "scanned the wrong bottle",
                 "--by", "MK", "--db", log_db)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert [f.rx for f in queue(log_db)] == ["1234567"]
    with open_store(log_db, read_only=True) as store:
        (dispensed,) = dispensings(store)
    assert dispensed.verified_at is None and not dispensed.handed_over
    again = verify(fill_code("1234567", TODAY), lot, "MK", log_db)  # a second attempt's key
    assert again.ok and queue(log_db) == []
    with open_store(log_db, read_only=True) as store:
        (dispensed,) = dispensings(store)
        assert dispensed.handed_over
        keys = [store.db.execute("SELECT batch_key FROM entries WHERE id = ?", (i,)).fetchone()[0]
                for i in (check, *again.entry_ids)]  # fmt: skip
    assert keys[1] == keys[0] + ":2"
    assert verify_log(log_db).ok


def test_a_recalled_preparation_lot_is_stopped_everywhere(cli, log_db, tmp_path):
    lot = record(cli, log_db, tmp_path)
    label(cli, log_db, tmp_path, "1234567", "--lot", lot)
    result = cli("recall", lot, "--reason", "failed its assay", "--db", log_db)
    assert result.exit_code == 0, result.stderr
    assert f"Preparation lot {lot} recalled" in result.stdout and "1234567" in result.stdout
    ((check, _, logged),) = mismatch(log_db, fill_code("1234567", TODAY), lot)
    assert check == "lot-stopped" and "recalled (failed its assay)" in logged
    refused = cli(
        "label", "--rx", "7654321", "--patient", "Jane Doe", "--prescriber", "Dr A. Smith",
        "--dose", "1.5mg", "--concentration", "1mg/mL", "--quantity", "10mL", "--lot", lot,
        "--no-other-medications", "--db", log_db, "-o", str(tmp_path / "no.pdf"),
    )  # fmt: skip
    assert refused.exit_code == 3 and "recalled" in refused.stderr
    reprint = cli("reprint", "--rx", "1234567", "--db", log_db, "-o", str(tmp_path / "r.pdf"))
    assert reprint.exit_code == 3


def test_a_corrected_record_is_shown_to_the_pharmacist_who_checks(cli, log_db, tmp_path):
    """A correction naming a lot's record (its typo, or worse) does not stop the check:
    it is shown to the pharmacist, and logged with it (a lot found bad is recalled)."""
    lot = record(cli, log_db, tmp_path)
    label(cli, log_db, tmp_path, "1234567", "--lot", lot)
    result = cli("correct", "--entry", "1", "--reason", "checked by MK, not MJ", "--by", "MK",
                 "--db", log_db)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    done = verify(fill_code("1234567", TODAY), lot, "JD", log_db)
    note = f"lot {lot}'s record (entry 1) was corrected by entry 3: checked by MK, not MJ"
    assert done.ok and done.notes == (note,)
    (check,) = entries(log_db, Kind.VERIFICATION)
    assert check.payload["notes"] == [note]
    shown = cli("queue", "--db", log_db).stdout
    assert "Nothing awaits" in shown


def test_a_batch_scan_s_mismatch_is_in_each_order_s_history(cli, log_db, tmp_path):
    day = TODAY.isoformat()
    lot = run_batch(cli, log_db, tmp_path, [
        f"2000001,Ann Lee,Dr A. Smith,{day},1 mg/mL,1.5 mg,14",
        f"2000002,Bo Chan,Dr A. Smith,{day},1 mg/mL,3 mg,14",
    ])  # fmt: skip
    done = verify(batch_code(lot), "20261207-999", "MK", log_db)
    assert len(done.entry_ids) == 2
    for rx in ("2000001", "2000002"):
        shown = cli("history", "--rx", rx, "--db", log_db).stdout
        assert "verification-mismatch (lot)" in shown


def test_an_ingredient_scan_of_another_product_is_a_mismatch(cli, log_db, tmp_path):
    received = cli(
        "receive", "--ingredient", "tablet-50mg", "--scan",
        "(01)00312345678906(17)270630(10)GT555", "--quantity", "100 tablets",
        "--supplier", "ACME", "--db", log_db,
    )  # fmt: skip
    assert received.exit_code == 0, received.stderr
    result = cli(
        "record", "--concentration", "1mg/mL", "--volume", "100mL", "--from", "tablets",
        "--ingredient-lot", "GT555", "--prepared-by", "TR", "--checked-by", "JD",
        "--no-other-medications", "--db", log_db, "-o", str(tmp_path / "r.pdf"), "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    lot = json.loads(result.stdout)["lot"]
    label(cli, log_db, tmp_path, "1234567", "--lot", lot)
    other_product = "(01)00012345600012(17)270630(10)GT555"
    found = mismatch(log_db, fill_code("1234567", TODAY), other_product)
    assert found == [
        ("ingredient", "GTIN 00012345600012", "lot GT555 was received as GTIN 00312345678906")
    ]
    assert verify(fill_code("1234567", TODAY), "(01)00312345678906(10)GT555", "JD", log_db).ok
