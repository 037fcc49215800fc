"""Issue 12's reproductions, each through the command a pharmacist types: one set of
dispensing rules whatever the command (label, fills, prepare, record, batch)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import EXAMPLE_CONFIG

LABEL = ["label", "--rx", "1234567", "--patient", "Jane Doe", "--prescriber", "Dr A. Smith"]


def _day_zero_settings(tmp_path: Path) -> Path:
    text = EXAMPLE_CONFIG.read_text().replace('day_counting = "day-1"', 'day_counting = "day-0"')
    assert 'day_counting = "day-0"' in text
    path = tmp_path / "day0.toml"
    path.write_text(text)
    return path


def test_day_counting_reaches_every_command(cli, tmp_path):
    """With day-0 counting, label, prepare, fills and record all say Dec 15 (day-1: 14)."""
    config = str(_day_zero_settings(tmp_path))
    db = str(tmp_path / "log.db")
    label = cli(
        *LABEL,
        "--dose",
        "1.5 mg",
        "-c",
        "1 mg/mL",
        "--quantity",
        "20 mL",
        "--fill-date",
        "2026-12-01",
        "--vehicle",
        "water",
        "--config",
        config,
        "-o",
        str(tmp_path / "l.pdf"),
        "--db",
        db,
        "--json",
    )
    assert label.exit_code == 0, label.stderr
    assert (
        "Discard after: Dec 15, 2026"
        in json.loads(label.stdout)["labels"][0]["lines"]["quantity and dates"]
    )
    prepare = cli(
        "prepare",
        "-c",
        "1 mg/mL",
        "--volume",
        "30 mL",
        "--vehicle",
        "water",
        "--date",
        "2026-12-01",
        "--config",
        config,
        "--json",
    )
    assert json.loads(prepare.stdout)["bud"] == "2026-12-15"
    fills = cli(
        "fills",
        "--start-date",
        "2026-12-01",
        "-c",
        "1 mg/mL",
        "--vehicle",
        "water",
        "--config",
        config,
        "--json",
    )
    assert json.loads(fills.stdout)["fills"][0]["bud"] == "2026-12-15"
    record = cli(
        "record",
        "-c",
        "1 mg/mL",
        "--volume",
        "30 mL",
        "--vehicle",
        "water",
        "--date",
        "2026-12-01",
        "--prepared-by",
        "JD",
        "--checked-by",
        "MK",
        "--config",
        config,
        "--db",
        db,
        "-o",
        str(tmp_path / "r.pdf"),
        "--json",
    )
    assert record.exit_code == 0, record.stderr
    assert json.loads(record.stdout)["record"]["bud"] == "2026-12-15"


def test_a_lot_never_recorded_is_refused(cli, tmp_path):
    for lot in ("ANYTHING-123", "20261201-099"):
        result = cli(
            *LABEL,
            "--dose",
            "1.5 mg",
            "-c",
            "1 mg/mL",
            "--quantity",
            "20 mL",
            "--lot",
            lot,
            "--config",
            str(EXAMPLE_CONFIG),
            "-o",
            str(tmp_path / "l.pdf"),
            "--db",
            str(tmp_path / "log.db"),
        )
        assert result.exit_code == 2
        assert result.stderr.startswith(f"compounder: error: lot: '{lot}' is not accepted")
        assert not (tmp_path / "l.pdf").exists()


def test_without_a_lot_the_label_prints_a_reference(cli, tmp_path):
    result = cli(
        *LABEL,
        "--dose",
        "1.5 mg",
        "-c",
        "1 mg/mL",
        "--quantity",
        "20 mL",
        "--fill-date",
        "2026-12-01",
        "--config",
        str(EXAMPLE_CONFIG),
        "-o",
        str(tmp_path / "l.pdf"),
        "--db",
        str(tmp_path / "log.db"),
        "--json",
    )
    details = json.loads(result.stdout)["labels"][0]["lines"]["quantity and dates"]
    assert "Ref: 20261201-1234567" in details and "Lot:" not in details


def test_a_recorded_lot_caps_every_fill_labelled_from_it(cli, tmp_path, data_dir):
    """A preparation whose BUD is Dec 9 (an ingredient lot expires then): a titration's
    first fill labelled from it is discarded on Dec 9, not Dec 14."""
    db = str(tmp_path / "log.db")
    record = cli(
        "record",
        "-c",
        "1 mg/mL",
        "--volume",
        "100 mL",
        "--vehicle",
        "water",
        "--date",
        "2026-12-01",
        "--ingredient-lot",
        "naltrexone 50mg tab:AB1:2026-12-09",
        "--prepared-by",
        "JD",
        "--checked-by",
        "MK",
        "--db",
        db,
        "-o",
        str(tmp_path / "r.pdf"),
        "--json",
    )
    assert record.exit_code == 0, record.stderr
    data = json.loads(record.stdout)
    assert data["record"]["bud"] == "2026-12-09"
    label = cli(
        *LABEL,
        "--titration",
        "--start-date",
        "2026-12-01",
        "-c",
        "1 mg/mL",
        "--vehicle",
        "water",
        "--lot",
        data["lot"],
        "--config",
        str(EXAMPLE_CONFIG),
        "-o",
        str(tmp_path / "l.pdf"),
        "--db",
        db,
        "--json",
    )
    assert label.exit_code == 0, label.stderr
    details = json.loads(label.stdout)["labels"][0]["lines"]["quantity and dates"]
    assert "Discard after: Dec 9, 2026" in details
    assert f"Lot: {data['lot']}" in details


def test_a_quantity_over_the_largest_bottle_is_split_in_every_command(cli, tmp_path):
    """dispensing.toml caps a container at 120 mL: 150 mL is two labelled containers
    from label, and a titration's large fills are split in fills --json too."""
    result = cli(
        *LABEL,
        "--dose",
        "4.5 mg",
        "-c",
        "1 mg/mL",
        "--quantity",
        "150 mL",
        "--vehicle",
        "fawcett-preserved",
        "--config",
        str(EXAMPLE_CONFIG),
        "-o",
        str(tmp_path / "l.pdf"),
        "--db",
        str(tmp_path / "log.db"),
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    labels = json.loads(result.stdout)["labels"]
    assert [lab["lines"]["quantity and dates"].split(" • ")[0] for lab in labels] == [
        "Qty: 120 mL",
        "Qty: 30 mL",
    ]
    assert "Container 1 of 2" in labels[0]["lines"]["details"]
    fills = cli(
        "fills",
        "--start-date",
        "2026-12-01",
        "-c",
        "0.5 mg/mL",
        "--vehicle",
        "fawcett-preserved",
        "--json",
    )
    for fill in json.loads(fills.stdout)["fills"]:
        parts = [int(p) for p in fill["containers_ml"]]
        assert sum(parts) == int(fill["dispense_ml"]) and max(parts) <= 120


def test_fill_n_prints_that_fill_on_its_own_date(cli, tmp_path):
    result = cli(
        *LABEL,
        "--titration",
        "--start-date",
        "2026-12-01",
        "-c",
        "1 mg/mL",
        "--vehicle",
        "water",
        "--fill",
        "3",
        "--config",
        str(EXAMPLE_CONFIG),
        "-o",
        str(tmp_path / "l.pdf"),
        "--db",
        str(tmp_path / "log.db"),
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    (label,) = json.loads(result.stdout)["labels"]
    assert "Filled: Dec 29, 2026" in label["lines"]["quantity and dates"]
    assert "Fill 3 of 7" in label["lines"]["details"]
    bad = cli(
        *LABEL,
        "--titration",
        "--start-date",
        "2026-12-01",
        "--fill",
        "9",
        "--config",
        str(EXAMPLE_CONFIG),
        "-o",
        str(tmp_path / "m.pdf"),
    )
    assert bad.exit_code == 2 and "a fill number from 1 to 7, or all" in bad.stderr


def test_lead_days_let_a_fill_be_made_ahead_and_its_bud_still_covers_it(tmp_path):
    from dataclasses import replace
    from datetime import date, timedelta
    from decimal import Decimal

    from compounder.api.dispensing import dispense_order
    from compounder.core.pharmacy import open_pharmacy
    from compounder.core.vehicles import find_vehicle

    pharmacy = open_pharmacy(EXAMPLE_CONFIG)
    ahead = replace(pharmacy, dispensing=replace(pharmacy.dispensing, lead_days=3))
    water = find_vehicle("water")
    start = date(2026, 12, 1)
    plain = dispense_order(pharmacy, "ldn-standard", Decimal(1), water, start_date=start)
    early = dispense_order(ahead, "ldn-standard", Decimal(1), water, start_date=start)
    # every fill but the first is made 3 days before its first dose ...
    assert [f.first_day - f.fill_date for f in early.fills[1:]] == [timedelta(days=3)] * (
        len(early.fills) - 1
    )
    # ... so each holds 3 fewer days, and more fills are needed; every dose is in its BUD
    assert len(early.fills) > len(plain.fills)
    for fill in early.fills:
        assert all(s.last_day <= fill.bud.bud for s in fill.segments)


def test_batch_takes_ingredient_lots_caps_buds_records_and_traces_them(cli, tmp_path):
    """batch --lots-file: a tablet lot expiring 2026-12-10 caps the water preparations'
    BUD (14 days would be Dec 14) and the labels made from them; records.pdf lists the
    lot; trace finds the batch's preparation."""
    import io

    import pdfplumber

    orders = tmp_path / "orders.csv"
    orders.write_text(
        "rx_number,patient_name,prescriber,fill_date,concentration,dose,quantity,vehicle\n"
        "7001,Jane Doe,Dr A. Smith,2026-12-01,1 mg/mL,1.5 mg,20 mL,water\n"
    )
    lots = tmp_path / "lots.csv"
    lots.write_text(
        "ingredient,lot,expiry\n"
        "naltrexone 50mg tab,TB77,2026-12-10\n"
        "naltrexone HCl powder,PW1,2026-12-03\n"  # not what a tablet preparation uses
    )
    db = str(tmp_path / "log.db")
    out = tmp_path / "out"
    result = cli(
        "batch",
        str(orders),
        "-o",
        str(out),
        "--config",
        str(EXAMPLE_CONFIG),
        "--db",
        db,
        "--lots-file",
        str(lots),
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    (row,) = json.loads((out / "manifest.json").read_text())["orders"]
    assert row["bud"] == "2026-12-10"
    assert "TB77" in row["bud_basis"]
    with pdfplumber.open(io.BytesIO((out / "records.pdf").read_bytes())) as pdf:
        text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "TB77" in text and "PW1" not in text
    trace = cli("trace", "--ingredient-lot", "TB77", "--db", db, "--json")
    (found,) = json.loads(trace.stdout)["preparations"]
    assert found["lot"] == row["lot"]
    assert found["bud"] == "2026-12-10"


def test_a_label_from_a_recorded_lot_is_for_what_the_lot_was_made_from(cli, tmp_path):
    """A lot made in the preserved vehicle on Dec 1: its label takes that vehicle (and
    its BUD), refuses another vehicle or source, and is never filled before Dec 1."""
    db = str(tmp_path / "log.db")
    record = cli(
        "record",
        "-c",
        "1 mg/mL",
        "--volume",
        "250 mL",
        "--from",
        "tablets",
        "--vehicle",
        "fawcett-preserved",
        "--date",
        "2026-12-01",
        "--prepared-by",
        "JD",
        "--checked-by",
        "MK",
        "--db",
        db,
        "-o",
        str(tmp_path / "r.pdf"),
        "--json",
    )
    assert record.exit_code == 0, record.stderr
    lot = json.loads(record.stdout)["lot"]
    base = [
        *LABEL,
        "--dose",
        "1.5 mg",
        "-c",
        "1 mg/mL",
        "--quantity",
        "20 mL",
        "--lot",
        lot,
        "--config",
        str(EXAMPLE_CONFIG),
        "--db",
        db,
    ]
    made = cli(*base, "--fill-date", "2026-12-01", "-o", str(tmp_path / "a.pdf"), "--json")
    assert made.exit_code == 0, made.stderr
    details = json.loads(made.stdout)["labels"][0]["lines"]
    assert "Discard after: Jan 4, 2027" in " ".join(details.values())  # preserved: 35 days
    other = cli(
        *base, "--fill-date", "2026-12-01", "--vehicle", "water", "-o", str(tmp_path / "b.pdf")
    )
    assert other.exit_code == 3
    assert f"lot {lot} was made with the vehicle fawcett-preserved, not water" in other.stderr
    powder = cli(
        *base, "--fill-date", "2026-12-01", "--from", "powder", "-o", str(tmp_path / "c.pdf")
    )
    assert powder.exit_code == 3 and "source" in powder.stderr
    early = cli(*base, "--fill-date", "2026-11-26", "-o", str(tmp_path / "d.pdf"))
    assert early.exit_code == 3
    assert f"lot {lot} is compounded on 2026-12-01" in early.stderr
    assert not any((tmp_path / n).exists() for n in ("b.pdf", "c.pdf", "d.pdf"))
