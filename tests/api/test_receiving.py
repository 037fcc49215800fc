"""Ingredient lots from receiving to recall, on both log backends (api.receiving): the
refusals through every entrance, deduction under concurrent records, the recall
worklist through a vehicle sub-formula, and the log's verify and copy over it all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from compounder.api.recalls import recall_lot
from compounder.api.receiving import (
    adjust_stock,
    hold_lot,
    receive_lot,
    release_lot,
    stock_report,
)
from compounder.core.inventory import LotStatus
from compounder.errors import InputError, SafetyError
from compounder.log.kinds import Kind
from compounder.log.store import Store

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
GS = "\x1d"
TABLETS_GTIN = "00312345678906"  # templates/products.toml: tablet-50mg, counted in tablets
POWDER_GTIN = "09501101530010"  # powder-hcl, counted in g
DAY = "2026-12-01"


def settings(tmp_path: Path, lots: str = "") -> Path:
    path = tmp_path / "compounder.toml"
    path.write_text((EXAMPLES / "compounder.toml").read_text() + "\n[lots]\n" + lots)
    return path


def tablets(log_db: str, lot: str, quantity: str = "100 tablets", expiry: str = "2027-06-30"):
    return receive_lot(quantity, ingredient="tablet-50mg", lot=lot, expiry=expiry, db=log_db)


def test_receive_by_scan_adds_quantity_and_keeps_the_expiry(log_db):
    first = receive_lot(
        "30 tablets", scan=f"]d201{TABLETS_GTIN}1727060010AB1234{GS}21S1", db=log_db
    )
    assert first.lot.expiry.isoformat() == "2027-06-30"  # day 00: the month's last day
    assert (first.lot.ingredient, first.lot.ndc) == ("tablet-50mg", "12345-678-90")
    assert first.lot.status is LotStatus.RELEASED  # tablets are not quarantined by default
    again = receive_lot("30 tablets", scan=f"01{TABLETS_GTIN}10AB1234{GS}21S2", db=log_db)
    assert again.lot.received == 60 and again.lot.expiry == first.lot.expiry
    with pytest.raises(InputError, match="expiry"):
        receive_lot("1 tablets", scan=f"01{TABLETS_GTIN}1727010010AB1234", db=log_db)
    with pytest.raises(InputError, match="received as tablet-50mg"):
        receive_lot("5 g", ingredient="powder-hcl", lot="AB1234", expiry="2027-06-30", db=log_db)
    with pytest.raises(InputError, match="expiry"):  # a new lot needs one
        receive_lot("30 tablets", scan=f"01{TABLETS_GTIN}10NEW1", db=log_db)
    with pytest.raises(InputError, match=r"products\.toml"):
        receive_lot("30 tablets", scan="01095011015300581727063010X", db=log_db)
    with Store(log_db) as store:
        assert store.verify().ok and store.count("lot-receipt") == 2


def test_a_powder_waits_in_quarantine_with_its_certificate(log_db):
    scan = f"(01){POWDER_GTIN}(17)270331(10)P778"
    received = receive_lot("5 g", scan=scan, assay="99.2%", water="0.8%", db=log_db)
    assert received.lot.status is LotStatus.QUARANTINED and received.lot.unit == "mg"
    assert received.lot.on_hand == 5000 and received.lot.assay == "99.2%"
    from compounder.api.planning import prepare_batch

    with pytest.raises(SafetyError, match="P778 is quarantined"):
        prepare_batch("1 mg/mL", "100 mL", "powder", "water", lot_expiry=["P778"], db=log_db)
    release_lot("P778", "JD", db=log_db)
    prep = prepare_batch("1 mg/mL", "100 mL", "powder", "water", lot_expiry=["P778"], db=log_db)
    assert prep.assay == Decimal("0.992") and prep.water == Decimal("0.008")  # from the log
    with pytest.raises(InputError, match="received with"):
        prepare_batch("1 mg/mL", "100 mL", "powder", "water", assay="98%", lot_expiry=["P778"],
                      db=log_db)


def test_adjustments_never_go_below_zero(log_db):
    tablets(log_db, "AB1", "10 tablets")
    assert adjust_stock("AB1", "-3 tablets", "broken tablets", log_db).on_hand == 7
    with pytest.raises(SafetyError, match="less than nothing"):
        adjust_stock("AB1", "-8 tablets", "count", log_db)
    with pytest.raises(InputError, match="tablets"):
        adjust_stock("AB1", "-8 g", "count", log_db)
    report = stock_report(db=log_db)
    assert [(lot.lot, lot.on_hand) for lot in report.lots] == [("AB1", 7)]


# ------------------------------------------------------------------ every entrance


def _lots(log_db: str) -> None:
    """One lot in each state a preparation must refuse."""
    receive_lot("5 g", ingredient="powder-hcl", lot="Q1", expiry="2027-06-30", db=log_db)
    tablets(log_db, "H1")
    hold_lot("H1", "discoloured", log_db)
    tablets(log_db, "R1")
    recall_lot("R1", "manufacturer recall", db=log_db)
    tablets(log_db, "E1", expiry="2026-11-30")
    tablets(log_db, "S1", "1 tablets")
    adjust_stock("S1", "-1 tablets", "broken", log_db)


ENTRANCES = {
    "record": [
        "record", "--concentration", "1mg/mL", "--volume", "30mL", "--from", "tablets",
        "--prepared-by", "JD", "--checked-by", "MK", "--date", DAY, "--ingredient-lot", "{lot}",
    ],
    "prepare": [
        "prepare", "--concentration", "1mg/mL", "--volume", "30mL", "--from", "tablets",
        "--date", DAY, "--lot-expiry", "{lot}",
    ],
    "label": [
        "label", "--rx", "1234567", "--patient", "Jane Doe", "--prescriber", "Dr A. Smith",
        "--dose", "1.5mg", "--concentration", "1mg/mL", "--quantity", "25mL",
        "--fill-date", DAY, "--lot-expiry", "{lot}",
    ],
    "batch": ["batch", "{orders}", "-o", "{out}", "--lots-file", "{lots}"],
}
REFUSED = {
    "Q1": "is quarantined",
    "H1": "is on hold (discoloured)",
    "R1": "is recalled (manufacturer recall)",
    "E1": "is expired",
    "U1": "is unknown",
    "S1": "holds 0 tablets",
}


def _run(cli, entrance, lot, log_db, tmp_path):
    config = settings(tmp_path)
    lots_file = tmp_path / "lots.csv"
    lots_file.write_text(f"ingredient,lot,expiry\n,{lot},\n")
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "rx_number,patient_name,prescriber,fill_date,concentration,dose,quantity\n"
        f"1000101,Jane Doe,Dr A. Smith,{DAY},1 mg/mL,1.5 mg,25 mL\n"
    )
    values = {"lot": lot, "orders": str(orders), "out": str(tmp_path / "out"),
              "lots": str(lots_file)}
    args = [a.format(**values) for a in ENTRANCES[entrance]]
    if entrance in ("record", "label"):
        args += ["-o", str(tmp_path / "out.pdf")]
    return cli(*args, "--db", log_db, "--config", str(config))


@pytest.mark.parametrize("entrance", list(ENTRANCES))
@pytest.mark.parametrize("lot", list(REFUSED))
def test_every_entrance_refuses_a_lot_that_is_not_usable(cli, log_db, tmp_path, entrance, lot):
    if lot == "S1" and entrance == "label":
        pytest.skip("a label takes no stock: it is filled from a preparation")
    _lots(log_db)
    with Store(log_db) as store:
        before = store.count()
    result = _run(cli, entrance, lot, log_db, tmp_path)
    assert result.exit_code == 3, result.stderr
    assert f"ingredient lot {lot} {REFUSED[lot]}" in result.stderr
    assert not (tmp_path / "out.pdf").exists() and not (tmp_path / "out").exists()
    with Store(log_db) as store:
        assert store.count() == before


def test_the_settings_may_require_received_lots(cli, log_db, tmp_path):
    config = settings(tmp_path, "require_received = true\n")
    args = [a.format(lot="naltrexone 50mg tab:ZZ9:2027-06-30") for a in ENTRANCES["prepare"]]
    assert cli(*args, "--db", log_db).exit_code == 0  # not required by default
    result = cli(*args, "--db", log_db, "--config", str(config))
    assert result.exit_code == 3
    assert "ingredient lot ZZ9 is unknown: the settings require received lots" in result.stderr


# ------------------------------------------------------------------ deduction


def test_a_record_deducts_what_it_used_in_its_entry(cli, log_db, tmp_path):
    tablets(log_db, "AB1", "10 tablets")
    args = [a.format(lot="AB1") for a in ENTRANCES["record"]]
    args[args.index("30mL")] = "100mL"  # 100 mg: 2 tablets of 50 mg
    assert cli(*args, "--db", log_db, "-o", str(tmp_path / "r.pdf")).exit_code == 0
    with Store(log_db) as store:
        record = store.entries_of_kind("preparation")[0].payload
        assert record["stock_used"] == [{"lot": "AB1", "amount": "2", "unit": "tablets"}]
        assert store.verify().ok
    assert stock_report(db=log_db).lots[0].on_hand == 8


RECORDER = """
import sys
from compounder.api.recording import record_preparation
from compounder.errors import SafetyError
try:
    record_preparation("1 mg/mL", "100 mL", "tablets", "water", ingredient_lots=["AB1"],
                       prepared_by="JD", checked_by="MK", compounded="2026-12-01",
                       time="09:00", db=sys.argv[1], config=sys.argv[2])
except SafetyError as exc:
    print(exc)
    sys.exit(3)
"""


def test_concurrent_records_never_overdraw_a_lot(log_db, tmp_path):
    """Eight processes record at once, each taking 2 of the lot's 10 tablets: five
    are recorded, three refused, and the lot ends at exactly zero."""
    tablets(log_db, "AB1", "10 tablets")
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path)}  # no user settings
    config = settings(tmp_path)  # the example's: its staff register signs (JD, MK)
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", RECORDER, log_db, str(config)],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True,
        )
        for _ in range(8)
    ]
    outputs = [w.communicate(timeout=300)[0] for w in writers]
    results = [(w.returncode, out) for w, out in zip(writers, outputs, strict=True)]
    assert sorted(code for code, _ in results) == [0] * 5 + [3] * 3
    assert all("ingredient lot AB1 holds 0 tablets" in out for code, out in results if code)
    assert stock_report(db=log_db, every_lot=True).lots[0].on_hand == 0
    with Store(log_db) as store:
        assert store.count("preparation") == 5 and store.verify().ok


# ------------------------------------------------------------------ recall


def test_recall_through_a_vehicle_sub_formula(cli, log_db, tmp_path):
    """A glycerol lot, part of the preserved vehicle's own formula, is recalled: the
    worklist names the preparation, its Rx, patient, fill date and BUD; labels from
    the preparation are refused; the log verifies and a copy carries it all."""
    config = settings(tmp_path)
    receive_lot("500 mL", ingredient="glycerol", lot="GLY1", expiry="2028-01-31", db=log_db)
    tablets(log_db, "AB1")
    record = [
        "record", "--rx", "1234567", "--concentration", "1mg/mL", "--volume", "100mL",
        "--from", "tablets", "--vehicle", "fawcett-preserved", "--prepared-by", "JD",
        "--checked-by", "MK", "--date", DAY, "--ingredient-lot", "GLY1",
        "--ingredient-lot", "AB1", "--db", log_db, "-o", str(tmp_path / "r.pdf"),
    ]
    result = cli(*record)
    assert result.exit_code == 0, result.stderr
    lot = result.stdout.split()[1].rstrip(":")
    glycerol = next(x for x in stock_report(db=log_db).lots if x.lot == "GLY1")
    assert glycerol.used == 20  # 20 mL per 100 mL of vehicle
    label = [
        "label", "--rx", "1234567", "--patient", "Jane Doe", "--prescriber", "Dr A. Smith",
        "--dose", "1.5mg", "--concentration", "1mg/mL", "--quantity", "25mL",
        "--fill-date", DAY, "--lot", lot, "--vehicle", "fawcett-preserved",
        "--db", log_db, "--config", str(config),
    ]
    assert cli(*label, "-o", str(tmp_path / "l1.pdf")).exit_code == 0
    worklist = recall_lot(
        "GLY1", "supplier recall", tmp_path / "worklist.pdf", db=log_db, on="2027-03-01"
    )
    assert [(r["preparation_lot"], r["rx"], r["patient"], r["fill_date"], r["bud_passed"])
            for r in worklist.rows] == [(lot, "1234567", "Jane Doe", DAY, "yes")]
    from conftest import pdf_pages

    text = pdf_pages((tmp_path / "worklist.pdf").read_bytes())[0].extract_text()
    assert "Recall worklist: ingredient lot GLY1" in text and "Jane Doe" in text
    assert "Pharmacist" in text and "supplier recall" in text
    refused = cli(*label, "--fill-date", "2026-12-02", "-o", str(tmp_path / "l2.pdf"))
    assert refused.exit_code == 3
    assert f"preparation lot {lot} was made from ingredient lot GLY1, which is recalled" in (
        refused.stderr
    )
    reprint = cli("reprint", "--rx", "1234567", "--db", log_db, "-o", str(tmp_path / "r2.pdf"))
    assert reprint.exit_code == 3 and "which is recalled" in reprint.stderr
    with Store(log_db) as store:
        assert store.verify().ok
        recall = store.entries_of_kind("lot-recall")[0]
        assert "Jane Doe" not in json.dumps(recall.payload)  # no patient data in the log
    copy = str(tmp_path / "copy.db")
    assert cli("log", "copy", "--from", log_db, "--to", copy).exit_code == 0
    copied = stock_report(db=copy, every_lot=True)
    assert [(x.lot, x.status, x.on_hand) for x in copied.lots] == [
        (x.lot, x.status, x.on_hand) for x in stock_report(db=log_db, every_lot=True).lots
    ]


def test_a_batch_takes_its_tablets_when_it_commits_and_once(cli, log_db, tmp_path):
    """Two orders planned as one preparation of 3 tablets: refused (nothing written,
    nothing logged) while the lot holds 2; taken once the lot holds enough, and not
    again by a second run of the same file."""
    config = settings(tmp_path)
    tablets(log_db, "T1", "2 tablets")
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "rx_number,patient_name,prescriber,fill_date,concentration,dose,quantity\n"
        f"1000101,Jane Doe,Dr A. Smith,{DAY},1 mg/mL,4.5 mg,63 mL\n"
        f"1000102,John Roe,Dr A. Smith,{DAY},1 mg/mL,3 mg,45 mL\n"
    )
    lots_file = tmp_path / "lots.csv"
    lots_file.write_text("ingredient,lot,expiry\n,T1,\n")
    run = ["batch", str(orders), "--lots-file", str(lots_file), "--db", log_db,
           "--config", str(config)]
    short = cli(*run, "-o", str(tmp_path / "out"))
    assert short.exit_code == 3 and "ingredient lot T1 holds 2 tablets" in short.stderr
    assert not (tmp_path / "out").exists()
    adjust_stock("T1", "+10 tablets", "found a box", log_db)
    assert cli(*run, "-o", str(tmp_path / "out")).exit_code == 0
    assert stock_report(db=log_db).lots[0].on_hand == 9
    assert cli(*run, "-o", str(tmp_path / "again")).exit_code == 0
    assert stock_report(db=log_db).lots[0].on_hand == 9
    with Store(log_db) as store:
        assert store.verify().ok


# ------------------------------------------------------------------ one rule, record and batch

#: one preparation each: (source, vehicle, the received lots it is made from)
PREPARATIONS = {
    "tablets in water": ("tablets", "water", ("T1",)),
    "tablets in the preserved vehicle": ("tablets", "fawcett-preserved", ("T1", "GLY1")),
    "powder in water": ("powder", "water", ("P1",)),
    "powder in the preserved vehicle": ("powder", "fawcett-preserved", ("P1", "GLY1")),
}


def _stocked(db: str, powder: str = "5 g") -> None:
    """The same receipts in each log: tablets, a released powder lot with its
    certificate, and glycerol (an ingredient of the preserved vehicle)."""
    tablets(db, "T1")
    receive_lot(powder, ingredient="powder-hcl", lot="P1", expiry="2027-06-30",
                assay="99.2%", water="0.4%", db=db)  # fmt: skip
    release_lot("P1", "JD", db)
    receive_lot("500 mL", ingredient="glycerol", lot="GLY1", expiry="2028-01-31", db=db)


def _batch(cli, tmp_path, db, source, vehicle, lots, out="out"):
    config = settings(tmp_path)
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "rx_number,patient_name,prescriber,fill_date,concentration,dose,quantity,source,vehicle\n"
        f"1000101,Jane Doe,Dr A. Smith,{DAY},1 mg/mL,4.5 mg,63 mL,{source},{vehicle}\n"
        f"1000102,John Roe,Dr A. Smith,{DAY},1 mg/mL,3 mg,45 mL,{source},{vehicle}\n"
    )
    lots_file = tmp_path / "lots.csv"
    lots_file.write_text("ingredient,lot,expiry\n" + "".join(f",{lot},\n" for lot in lots))
    return cli("batch", str(orders), "--lots-file", str(lots_file), "--db", db,
               "--config", str(config), "-o", str(tmp_path / out), "--json")  # fmt: skip


def _record(cli, tmp_path, db, source, vehicle, lots, volume, *more):
    lot_args = [*(arg for lot in lots for arg in ("--ingredient-lot", lot)), *more]
    return cli("record", "--concentration", "1mg/mL", "--volume", f"{volume}mL",
               "--from", source, "--vehicle", vehicle, "--prepared-by", "JD",
               "--checked-by", "MK", "--date", DAY, *lot_args, "--db", db,
               "--config", str(settings(tmp_path)), "-o", str(tmp_path / "r.pdf"))  # fmt: skip


def _left(db: str) -> dict[str, Decimal]:
    return {lot.lot: lot.on_hand for lot in stock_report(db=db, every_lot=True).lots}


@pytest.mark.parametrize("name", list(PREPARATIONS))
def test_record_and_batch_take_the_same_stock_for_the_same_preparation(cli, tmp_path, name):
    """A batch's planned preparation, then the same preparation recorded by hand in a
    second log with the same receipts: the stock left is the same in both (tablets,
    powder at the weighed amount, each vehicle ingredient), and both logs verify."""
    source, vehicle, lots = PREPARATIONS[name]
    batched, recorded = str(tmp_path / "batch.db"), str(tmp_path / "record.db")
    for db in (batched, recorded):
        _stocked(db)
    before = _left(batched)
    run = _batch(cli, tmp_path, batched, source, vehicle, lots)
    assert run.exit_code == 0, run.stderr
    (planned,) = json.loads(run.stdout)["worksheet"]
    volume = Decimal(planned["volume_needed_ml"])
    done = _record(cli, tmp_path, recorded, source, vehicle, lots, volume)
    assert done.exit_code == 0, done.stderr
    left = _left(batched)
    assert left == _left(recorded)
    assert all(left[lot] < before[lot] for lot in lots)  # each lot named gave some
    assert all(left[lot] == before[lot] for lot in before if lot not in lots)
    with Store(batched) as store:
        (record,) = store.entries_of_kind(Kind.BATCH_RECORD)
        assert {use["lot"] for use in record.payload["stock_used"]} == set(lots)
        assert store.verify().ok
    with Store(recorded) as store:
        assert store.verify().ok


def test_a_batch_powder_without_a_received_powder_lot_takes_its_vehicle_as_record(
    cli, tmp_path
):
    """A powder preparation whose powder lot was not received (its weighing written at
    the bench) still takes its vehicle's ingredients, as much as ``record`` takes for
    the same preparation (its certificate typed there)."""
    batched, recorded = str(tmp_path / "batch.db"), str(tmp_path / "record.db")
    for db in (batched, recorded):
        _stocked(db)
    run = _batch(cli, tmp_path, batched, "powder", "fawcett-preserved", ("GLY1",))
    assert run.exit_code == 0, run.stderr
    (planned,) = json.loads(run.stdout)["worksheet"]
    volume = Decimal(planned["volume_needed_ml"])
    done = _record(cli, tmp_path, recorded, "powder", "fawcett-preserved", ("GLY1",), volume,
                   "--assay", "99.2%", "--water", "0.4%")  # fmt: skip
    assert done.exit_code == 0, done.stderr
    assert _left(batched) == _left(recorded)
    assert _left(batched)["GLY1"] < 500 and _left(batched)["P1"] == 5000


def test_a_batch_refuses_a_powder_lot_short_of_its_weighing_as_record_does(cli, tmp_path):
    """A powder lot holding less than the weighing: the batch is refused (exit 3,
    nothing written or logged) with the message ``record`` gives for the same lot."""
    batched, recorded = str(tmp_path / "batch.db"), str(tmp_path / "record.db")
    for db in (batched, recorded):
        _stocked(db, powder="50 mg")
    run = _batch(cli, tmp_path, batched, "powder", "water", ("P1",))
    assert run.exit_code == 3
    assert not (tmp_path / "out").exists()
    with Store(batched) as store:
        assert store.count(Kind.BATCH_RECORD) == 0 and store.count(Kind.PREPARATION) == 0
    done = _record(cli, tmp_path, recorded, "powder", "water", ("P1",), Decimal(120))
    assert done.exit_code == 3
    shortage = "ingredient lot P1 holds 50 mg, the preparation needs "
    assert shortage in run.stderr and shortage in done.stderr
    assert _left(batched)["P1"] == 50


def test_a_batch_refuses_a_powder_lot_without_a_certificate(cli, tmp_path):
    """A powder lot received without its assay: the batch cannot work out what to weigh,
    so it cannot deduct it: refused, naming the lot (nothing is logged)."""
    db = str(tmp_path / "log.db")
    receive_lot("5 g", ingredient="powder-hcl", lot="P2", expiry="2027-06-30", db=db)
    release_lot("P2", "JD", db)
    run = _batch(cli, tmp_path, db, "powder", "water", ("P2",))
    assert run.exit_code == 2 and "P2 has none" in run.stderr and "--assay" in run.stderr
    with Store(db) as store:
        assert store.count(Kind.BATCH_RECORD) == 0


def test_verify_names_stock_taken_around_the_rules(log_db):
    """Stock taken past the API: an entry appended through the store that takes more
    than the lot holds is refused by the database (nothing logged); entries inserted
    by hand past the store's stock rows (beyond what a lot held, from a lot never
    released) are named by ``log verify``."""
    from compounder.log.kinds import Kind

    receive_lot("5 g", ingredient="powder-hcl", lot="P1", expiry="2027-06-30", db=log_db)
    tablets(log_db, "AB1", "2 tablets")
    taken = {"ingredients": [{"lot": "AB1"}], "stock_used": [
        {"lot": "AB1", "amount": "3", "unit": "tablets"}]}
    with Store(log_db) as store:
        assert store.verify().ok
        with (
            pytest.raises(SafetyError, match="stock would go below zero"),
            store.transaction(),
        ):
            store.append(Kind.PREPARATION, None, "20261201-001", taken)
        assert store.count() == 2
        _insert_by_hand(store, taken)
        found = store.verify()
    assert found.problem == "entry 3 takes more of ingredient lot AB1 than it held"
    quarantined = {"ingredients": [{"lot": "P1"}], "stock_used": [
        {"lot": "P1", "amount": "100", "unit": "mg"}]}
    other = str(Path(log_db).with_name("other.db")) if "://" not in log_db else None
    if other is None:
        return  # one case is enough on the server
    receive_lot("5 g", ingredient="powder-hcl", lot="P1", expiry="2027-06-30", db=other)
    with Store(other) as store:
        with store.transaction():
            store.append(Kind.PREPARATION, None, "20261201-001", quarantined)
        found = store.verify()
    assert found.problem == (
        "entry 2 uses ingredient lot P1, not received and released before it"
    )


def _insert_by_hand(store: Store, payload: dict) -> None:
    """A preparation entry inserted with SQL, chained, with its ingredient rows but
    without the store's stock rows."""
    from compounder.log.chain import entry_hash, utc_stamp

    text = json.dumps(payload, sort_keys=True)
    with store.transaction():
        last, prev = store.head()
        at = utc_stamp()
        digest = entry_hash(prev, last + 1, "preparation", None, "L1", at, None, None, text)
        store.db.execute(
            "INSERT INTO entries (id, kind, rx, lot, created_at, corrects, payload, batch_key, "
            "prev_hash, hash) VALUES (?, 'preparation', NULL, 'L1', ?, NULL, ?, NULL, ?, ?)",
            (last + 1, at, text, prev, digest),
        )
        store.db.execute(
            "INSERT INTO ingredient_uses (entry_id, ingredient, lot) VALUES (?, '', 'AB1')",
            (last + 1,),
        )
