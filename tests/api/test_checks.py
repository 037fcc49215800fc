"""The screening decision at every entrance: label, chart, record, batch, screen and the
API all refuse a medicine listed under a ``stop`` class, and all proceed, keeping the
reason, when the pharmacist overrides it."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from conftest import EXAMPLE_CONFIG, Cli, pdf_pages
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compounder import make_chart, make_labels, record_preparation, screen_medications
from compounder.batch.run import run_batch
from compounder.core.screening import load_screening
from compounder.errors import SafetyError
from compounder.log.store import Store

STOP_NAMES = [
    (cls.id, cls.name, name)
    for cls in load_screening().classes
    if cls.action == "stop"
    for name in cls.names
]
ORDER = {
    "rx_number": "1000201",
    "patient_name": "Jane Doe",
    "prescriber": "Dr A. Smith",
    "fill_date": "2026-12-01",
    "concentration": "1 mg/mL",
    "dose": "3 mg",
    "days_supply": "14",
}


@st.composite
def listed_medicine(draw):
    """A medicine listed under a stop class, as a medication list might write it."""
    _, class_name, name = draw(st.sampled_from(STOP_NAMES))
    written = draw(st.sampled_from([name, name.upper(), name.lower(), name.title()]))
    before = draw(st.sampled_from(["", "Rx: ", "(home med) "]))
    after = draw(st.sampled_from(["", " 5 mg", " 10 mg/325 mg tablet", ", 1 at night", " ER"]))
    return class_name, f"{before}{written}{after}"


def write_orders(folder: Path, **columns: str) -> Path:
    path = folder / "orders.csv"
    row = {**ORDER, **columns}
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, list(row))
        writer.writeheader()
        writer.writerow(row)
    return path


def entrances(medicine: str, folder: Path, **override: str):
    """Every entrance run with one other medicine: (name, callable)."""
    labels = {
        "rx": "1000201",
        "patient": "Jane Doe",
        "prescriber": "Dr A. Smith",
        "dose": "3 mg",
        "quantity": "30 mL",
        "concentration": "1 mg/mL",
        "fill_date": "2026-12-01",
        "config": EXAMPLE_CONFIG,
        "log": False,
    }
    return [
        ("api", lambda: screen_medications([medicine], **override)),
        ("label", lambda: make_labels(**labels, other_medications=[medicine], **override)),
        (
            "chart",
            lambda: make_chart(
                start_date="2026-12-01",
                concentration="1 mg/mL",
                config=EXAMPLE_CONFIG,
                other_medications=[medicine],
                **override,
            ),
        ),
        (
            "record",
            lambda: record_preparation(
                "1 mg/mL",
                "30 mL",
                prepared_by="JD",
                checked_by="MK",
                db=folder / "log.db",
                other_medications=[medicine],
                **override,
            ),
        ),
    ]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(listed=listed_medicine())
def test_any_stop_medicine_refuses_the_order_through_every_entrance(tmp_path_factory, listed):
    class_name, medicine = listed
    folder = tmp_path_factory.mktemp("entrance")
    for _, run in entrances(medicine, folder):
        with pytest.raises(SafetyError, match=re.escape(f"({class_name})")):
            run()
    assert Store(folder / "log.db").count() == 0  # the record wrote nothing
    # the screen command and the label command: exit 3, naming the class
    cli = Cli()
    screened = cli("screen", "--other-medication", medicine)
    assert screened.exit_code == 3 and f"({class_name})" in screened.stderr
    labelled = cli(
        "label", "--rx", "1000201", "--patient", "Jane Doe", "--prescriber", "Dr A. Smith",
        "--dose", "3 mg", "--quantity", "30 mL", "-c", "1 mg/mL", "-o",
        str(folder / "label.pdf"), "--config", str(EXAMPLE_CONFIG),
        "--other-medication", medicine,
    )  # fmt: skip
    assert labelled.exit_code == 3 and not (folder / "label.pdf").exists()
    # a batch order: refused in its other_medications column, nothing printed
    out = folder / "out"
    report = run_batch(write_orders(folder, other_medications=f"metformin; {medicine}"), out,
                       str(EXAMPLE_CONFIG))  # fmt: skip
    assert [(e.line, e.column) for e in report.errors] == [(2, "other_medications")]
    assert f"({class_name})" in report.errors[0].message
    assert not (out / "labels.pdf").exists()


def test_an_override_proceeds_through_every_entrance_and_is_kept(tmp_path):
    override = {"override": "pain team stopped the opioid 2 weeks ago", "pharmacist": "jd"}
    results = dict((name, run()) for name, run in entrances("Norco 5/325", tmp_path, **override))
    assert results["api"].decision == "override"
    assert results["label"].screening.overridden
    assert "screening stop overridden by JD" in results["label"].notes[0]
    assert results["chart"].screening.to_dict()["override"]["pharmacist"] == "JD"
    lot, record, pdf = results["record"]
    assert record["safety"]["screening"]["override"] == {
        "reason": "pain team stopped the opioid 2 weeks ago",
        "pharmacist": "JD",
        "pharmacist_name": "Julia Diaz",
    }
    text = " ".join(" ".join(p.extract_text() for p in pdf_pages(pdf)).split())
    assert "Safety checks" in text
    assert "Norco 5/325: opioid (Norco) - STOP (overridden)" in text
    assert "Override by Julia Diaz (JD): pain team stopped the opioid 2 weeks ago" in text
    with Store(tmp_path / "log.db") as store:
        (entry,) = store.entries_for_lot(lot)
    assert entry.payload["safety"]["screening"]["decision"] == "override"


def test_batch_manifest_carries_both_decisions(tmp_path):
    orders = write_orders(
        tmp_path,
        other_medications="Percocet; zyxqol 500 mg; hydrocortisone cream; metformin",
        override="opioid stopped, prescriber aware",
        pharmacist="MK",
        acknowledge_unscreened="yes",
        liver_kidney_history="yes",
    )
    report = run_batch(orders, tmp_path / "out", str(EXAMPLE_CONFIG), db=tmp_path / "log.db")
    assert report.ok, report.errors
    (row,) = json.loads((tmp_path / "out" / "manifest.json").read_text())["orders"]
    assert row["screening"] == "override"
    assert row["screening_hits"] == (
        "Percocet: opioids stop; hydrocortisone cream: corticosteroids caution"
    )
    assert row["not_screened"] == "zyxqol 500 mg" and row["acknowledged"] is True
    assert row["override"] == "opioid stopped, prescriber aware" and row["pharmacist"] == "MK"
    assert row["liver_kidney_history"] is True
    with (tmp_path / "out" / "manifest.csv").open(encoding="utf-8") as handle:
        (csv_row,) = list(csv.DictReader(handle))
    assert csv_row["screening"] == "override" and csv_row["pharmacist"] == "MK"
    assert (csv_row["acknowledged"], csv_row["liver_kidney_history"]) == ("yes", "yes")


def test_batch_titration_columns_and_off_protocol_reason(tmp_path):
    orders = write_orders(
        tmp_path,
        dose="titrate",
        days_supply="",
        start_date="2026-12-01",
        start_dose="1 mg",
        target_dose="2 mg",
        off_protocol_reason="prescriber: start low",
        liver_kidney_history="yes",
    )
    report = run_batch(orders, tmp_path / "out", str(EXAMPLE_CONFIG), db=tmp_path / "log.db")
    assert report.ok, report.errors
    (row,) = json.loads((tmp_path / "out" / "manifest.json").read_text())["orders"]
    assert row["off_protocol_reason"] == "prescriber: start low"
    assert row["dose_mg"] == "1"  # the first fill: 14 days of the 1 mg start
    charts = " ".join(
        " ".join(
            p.extract_text() for p in pdf_pages((tmp_path / "out" / "charts.pdf").read_bytes())
        ).split()
    )
    assert "Step 3:" in charts and "(your maintenance dose)" in charts
    assert "You have told us you have had liver or kidney problems." in charts
    # without the reason the row is refused in its start_dose column
    refused = run_batch(
        write_orders(tmp_path, dose="titrate", days_supply="", start_dose="1 mg"),
        tmp_path / "out2",
        str(EXAMPLE_CONFIG),
    )
    assert [(e.line, e.column) for e in refused.errors] == [(2, "start_dose")]
