"""Batch runs with a print-size profile, en+es rows, and continuation labels."""

from __future__ import annotations

import json

import pytest
from conftest import pdf_pages

from compounder.batch.run import run_batch
from compounder.errors import InputError

HEADER = (
    "rx_number,patient_name,prescriber,fill_date,concentration,dose,quantity,stock,language,"
    "vehicle\n"
)
ROWS = (
    "2000001,Jane Doe,Dr A. Smith,2026-12-01,1 mg/mL,1.5 mg,21 mL,,en+es,\n"
    "2000002,Tom Baker,Dr B. Jones,2026-12-01,1 mg/mL,2 mg,28 mL,avery-5163,en,\n"
)


@pytest.fixture
def orders(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(HEADER + ROWS, encoding="utf-8")
    return path


def test_en_plus_es_row_and_continuation_labels(tmp_path, orders, example_config):
    out = tmp_path / "out"
    report = run_batch(orders, out, example_config, db=tmp_path / "log.db")
    assert report.ok and report.printed == 2
    assert report.labels == 3  # the Avery order continues on a second label
    pages = pdf_pages((out / "labels.pdf").read_bytes())
    first = " ".join(pages[0].extract_text().split())
    assert "Take 1.5 mL (1.5 mg) by mouth at bedtime" in first
    assert "Tome 1.5 mL (1.5 mg) por vía oral al acostarse" in first
    sheet = " ".join(pages[1].extract_text().split())
    assert "Label 1 of 2" in sheet and "Label 2 of 2" in sheet
    manifest = json.loads((out / "manifest.json").read_text())["orders"]
    assert [m["label_pages"] for m in manifest] == ["1", "2"]


def test_profile_option_sizes_the_batch_labels(tmp_path, orders, example_config):
    out = tmp_path / "out"
    report = run_batch(orders, out, example_config, db=tmp_path / "log.db", profile="large-print")
    # large print on a 2 in label cannot carry what the first label must: that row is
    # refused, naming the stock that holds it
    assert report.valid == 1
    (error,) = report.errors
    assert error.line == 3 and "the first label must carry the patient" in error.message
    assert "avery-5163 cannot (roll-4x6" in error.message
    orders.write_text(HEADER + ROWS.splitlines()[0] + "\n", encoding="utf-8")
    report = run_batch(orders, out, example_config, db=tmp_path / "log.db", profile="large-print")
    assert report.ok
    page = pdf_pages((out / "labels.pdf").read_bytes())[0]
    name = [c["size"] for c in page.chars if c["top"] < 30]
    assert min(name) == 18


def test_unknown_profile_refused_before_any_row(tmp_path, orders, example_config):
    with pytest.raises(InputError) as caught:
        run_batch(orders, tmp_path / "out", example_config, profile="tiny")
    assert caught.value.field == "profile"
    assert not (tmp_path / "out").exists()


def test_bad_language_row_names_the_column(tmp_path, example_config):
    path = tmp_path / "orders.csv"
    path.write_text(HEADER + "2000003,Jane Doe,Dr A,2026-12-01,1 mg/mL,1.5 mg,21 mL,,en+fr,\n")
    report = run_batch(path, tmp_path / "out", example_config, check=True)
    assert [(e.line, e.column) for e in report.errors] == [(2, "language")]
