"""FHIR order files: a lone resource, a Bundle resolving its Patient references, NDJSON
with a bad line, and telling FHIR from the order file's own formats."""

from __future__ import annotations

import json

import pytest
from fhir_inputs import FHIR_DATA, load, read, valid

from compounder.batch.order_file import file_format, header_of, read_orders
from compounder.errors import DataFileError
from compounder.fhir.request_files import NotFhirOrders


def test_a_bundle_resolves_its_patient_and_practitioner_references():
    reads = read(json.dumps(valid(load("bundle-patient.json"))))
    assert [(r.place, r.number) for r in reads] == [("entry", 2), ("entry", 5)]
    first, second = reads
    assert first.values["patient_name"] == "Donald Duck"  # by fullUrl (urn:uuid)
    assert first.values["patient_dob"] == "1968-04-12"
    assert first.values["prescriber"] == "Patrick Pump"  # by Practitioner/f007
    assert first.paths["prescriber"] == "requester.resolve().name"
    assert second.values["patient_name"] == "Daisy Duck"  # by Patient/pat2
    assert "patient_dob" not in second.values  # a partial birth date is not checked
    assert second.values["dose"] == "4.5 mg"


def test_ndjson_reads_each_line_and_reports_the_bad_ones():
    text = (FHIR_DATA / "requests-bad-line.ndjson").read_text()
    reads = read(text)
    assert [(r.number, r.problem_path) for r in reads] == [
        (1, ""),
        (2, ""),
        (3, ""),
        (4, "resourceType"),
        (5, "dosageInstruction[0].doseAndRate[0].doseQuantity.unit"),
    ]
    assert {r.place for r in reads} == {"line"}
    assert reads[1].values["dose_time"] == "morning"
    assert reads[2].problem.startswith("not valid JSON")
    assert "Patient" in reads[3].problem
    assert reads[2].raw == text.splitlines()[2]  # kept as written, for rejected.csv


def test_ndjson_whose_first_line_is_broken_is_still_read_line_by_line():
    lines = (FHIR_DATA / "requests-bad-line.ndjson").read_text().splitlines()
    reads = read("\n".join([lines[2], lines[0], lines[1]]) + "\n")
    assert [bool(r.problem) for r in reads] == [True, False, False]


def test_a_pretty_printed_or_one_line_resource_reads_alike():
    resource = load("medrx0302-ldn.json")
    pretty, flat = read(json.dumps(resource, indent=2)), read(json.dumps(resource))
    assert [(r.place, r.values) for r in pretty] == [(r.place, r.values) for r in flat]
    assert pretty[0].place == "resource"


@pytest.mark.parametrize(
    "text, words",
    [
        ("", "is empty"),
        ('{"resourceType": "Patient", "id": "p"}', "a Patient"),
        ('{"resourceType": "Bundle", "type": "collection", "entry": []}', "without a "),
        ("{not json at all", "not valid JSON"),
        ('{"id": "x"}', "without resourceType"),
    ],
)
def test_a_file_that_is_not_fhir_orders_is_refused_whole(text, words):
    with pytest.raises(NotFhirOrders) as refused:
        read(text)
    assert words in str(refused.value)


def test_the_format_comes_from_the_suffix_and_the_content(tmp_path):
    fhir_line = json.dumps(load("medrx0302-ldn.json"))
    cases = {
        "orders.json": (json.dumps(load("medrx0302-ldn.json"), indent=2), "fhir"),
        "orders.ndjson": (fhir_line + "\n", "fhir"),
        "orders.jsonl": ('{"rx_number": "1"}\n', "jsonl"),
        "fhir.jsonl": (fhir_line + "\n", "fhir"),
        "orders.txt": ("rx_number,patient_name\n", "csv"),
        "orders": (fhir_line, "fhir"),
        "orders.csv": (fhir_line, "csv"),  # a .csv is CSV: --from fhir says otherwise
    }
    for name, (text, kind) in cases.items():
        (tmp_path / name).write_text(text)
        assert file_format(tmp_path / name) == kind, name
    assert file_format(tmp_path / "orders.csv", "fhir") == "fhir"
    assert header_of(tmp_path / "orders.ndjson") == ["raw"]
    with pytest.raises(DataFileError, match="unknown order file format"):
        file_format(tmp_path / "orders.csv", "hl7v2")


def test_a_file_level_problem_names_the_file(tmp_path):
    path = tmp_path / "patient.json"
    path.write_text(json.dumps({"resourceType": "Patient", "id": "p"}))
    with pytest.raises(DataFileError) as refused:
        list(read_orders(path))
    assert str(refused.value).startswith(f"{path}: holds a Patient")


def test_a_row_carries_its_fhir_paths(tmp_path):
    path = tmp_path / "bundle.json"
    path.write_text((FHIR_DATA / "bundle-patient.json").read_text())
    rows = list(read_orders(path))
    assert [(r.place, r.line) for r in rows] == [("entry", 2), ("entry", 5)]
    assert rows[0].field_name("patient_name") == "subject.resolve().name"
    assert rows[0].field_name("vehicle") == "vehicle"  # a column FHIR does not give
    assert json.loads(rows[0].raw)["id"] == "rx1"  # the entry's resource, on one line


def test_the_documented_example_is_the_documented_row():
    import re
    from datetime import date

    from compounder.api.orders import order_from_row

    page = (FHIR_DATA.parents[2] / "docs" / "exchange.md").read_text(encoding="utf-8")
    section = page.split("## Orders in (FHIR MedicationRequest)")[1].split("\n## ")[0]
    resource = json.loads(re.search(r"```json\n(.*?)```", section, re.S).group(1))
    header, cells = re.search(r"```csv\n(.*?)```", section, re.S).group(1).splitlines()
    row = dict(
        zip(header.split(","), cells.replace("(today)", "2026-12-01").split(","), strict=True)
    )
    (mapped,) = read(json.dumps(valid(resource)), date(2026, 12, 1))
    assert order_from_row(mapped.values) == order_from_row(row)


def test_a_key_given_twice_is_that_lines_problem():
    line = json.dumps(load("medrx0302-ldn.json"))
    twice = line.replace('"status": "active"', '"status": "active", "status": "cancelled"')
    reads = read(line.replace("12345689", "1") + "\n" + twice + "\n")
    assert [r.problem for r in reads] == ["", "not valid JSON (a key is given twice)"]
