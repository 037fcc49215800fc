"""A corpus of medicine strings as pharmacists type them (tests/data/screening_corpus.csv:
brands, combinations, misspellings, Spanish names, local and systemic forms, condition
words), each with its expected outcome: the same at every entrance (screen, label, chart,
record, batch), because every entrance calls the one screening decision."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from compounder.api.checks import screen_medications
from compounder.api.dispensing import make_chart, make_labels
from compounder.api.recording import record_preparation
from compounder.batch.run import run_batch
from compounder.errors import SafetyError

CORPUS = Path(__file__).resolve().parents[1] / "data" / "screening_corpus.csv"
EXAMPLE_CONFIG = Path(__file__).resolve().parents[2] / "examples" / "compounder.toml"
with CORPUS.open(encoding="utf-8") as handle:
    ROWS = [(r["medicine"], r["outcome"], r["class"]) for r in csv.DictReader(handle)]
REFUSED = {"stop", "unidentified"}
#: every 12th row also goes through the label, chart and record entrances (all go
#: through screen and one batch)
SAMPLE = ROWS[::12]


def test_the_corpus_is_large_and_covers_every_outcome():
    assert len(ROWS) >= 300
    assert len({m for m, _, _ in ROWS}) == len(ROWS)
    assert {o for _, o, _ in ROWS} == {"stop", "caution", "proceed", "unidentified"}


def outcome(medicine: str) -> tuple[str, set[str]]:
    result = screen_medications([medicine], refuse=False, config=EXAMPLE_CONFIG)
    classes = {h.class_id for h in result.hits}
    if result.stops:
        return "stop", classes
    if result.not_screened:
        return "unidentified", classes
    return ("caution" if result.cautions else "proceed"), classes


@pytest.mark.parametrize(("medicine", "expected", "class_id"), ROWS, ids=[r[0] for r in ROWS])
def test_screen(medicine, expected, class_id):
    got, classes = outcome(medicine)
    assert got == expected
    assert not class_id or class_id in classes


def _label(medicine: str, rx: str) -> object:
    return make_labels(
        rx, "Jane Doe", "Dr A. Smith", None, dose="3 mg", quantity="30 mL",
        concentration="1 mg/mL", fill_date="2026-12-01", config=EXAMPLE_CONFIG, log=False,
        other_medications=[medicine],
    )  # fmt: skip


def _chart(medicine: str, rx: str) -> object:
    return make_chart(
        None, start_date="2026-12-01", concentration="1 mg/mL", config=EXAMPLE_CONFIG,
        other_medications=[medicine],
    )  # fmt: skip


@pytest.mark.parametrize("entrance", [_label, _chart], ids=["label", "chart"])
def test_label_and_chart(entrance):
    for i, (medicine, expected, _) in enumerate(SAMPLE):
        if expected in REFUSED:
            with pytest.raises(SafetyError) as caught:
                entrance(medicine, f"30{i:05d}")
            assert caught.value.exit_code == 3
        else:
            run = entrance(medicine, f"30{i:05d}")
            assert run.screening.decision == "proceed", medicine


def test_record(tmp_path):
    def call(medicine: str) -> tuple:
        return record_preparation(
            "1 mg/mL", "30 mL", prepared_by="JD", checked_by="MK", db=tmp_path / "log.db",
            other_medications=[medicine], output=tmp_path / "r-{lot}.pdf",
        )  # fmt: skip

    for medicine, expected, _ in SAMPLE:
        if expected in REFUSED:
            with pytest.raises(SafetyError):
                call(medicine)
        else:
            _, record, _ = call(medicine)
            assert record["safety"]["screening"]["decision"] == "proceed"


def test_batch(tmp_path):
    orders = tmp_path / "orders.csv"
    with orders.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["rx_number", "patient_name", "prescriber", "fill_date",
                         "concentration", "dose", "quantity", "other_medications"])  # fmt: skip
        for i, (medicine, _, _) in enumerate(ROWS):
            writer.writerow([f"40{i:05d}", "Jane Doe", "Dr A. Smith", "2026-12-01",
                             "1 mg/mL", "3 mg", "30 mL", medicine])  # fmt: skip
    report = run_batch(orders, tmp_path / "out", str(EXAMPLE_CONFIG), check=True)
    refused = {e.line for e in report.errors}
    assert {e.column for e in report.errors} <= {"other_medications"}
    for i, (medicine, expected, _) in enumerate(ROWS):
        assert ((i + 2) in refused) == (expected in REFUSED), medicine
    assert json.dumps([e.message for e in report.errors]).count("Jane") == 0
