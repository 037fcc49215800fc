"""`compounder batch --from fhir`: FHIR MedicationRequests printed like order-file
rows (the same labels and charts), their errors named by entry and FHIR path."""

from __future__ import annotations

import copy
import csv
import json
from datetime import date, timedelta
from pathlib import Path

from conftest import DATA
from fhir.resources.R4B import get_fhir_model_class

FHIR = DATA / "fhir"
TODAY = date.today()  # a FHIR order is filled on the run's day


def _load(name: str) -> dict:
    return json.loads((FHIR / name).read_text(encoding="utf-8"))


def _valid(resource: dict) -> dict:
    get_fhir_model_class(resource["resourceType"]).model_validate(copy.deepcopy(resource))
    return resource


def _titration_from_today() -> dict:
    resource = _load("medrx0301-ldn-titration.json")
    for k, step in enumerate(resource["dosageInstruction"]):
        bounds = step["timing"]["repeat"]["boundsPeriod"]
        bounds["start"] = (TODAY + timedelta(days=14 * k)).isoformat()
        if "end" in bounds:
            bounds["end"] = (TODAY + timedelta(days=14 * k + 13)).isoformat()
    return resource


def _bundle(*resources: dict) -> dict:
    entries = [{"fullUrl": f"urn:uuid:00000000-0000-4000-8000-{n:012d}", "resource": r}
               for n, r in enumerate(resources)]  # fmt: skip
    return _valid({"resourceType": "Bundle", "type": "collection", "entry": entries})


def _run(cli, source: Path, out: Path, config: Path, *more: str):
    return cli("batch", str(source), "-o", str(out), "--config", str(config),
               "--db", str(out.parent / f"{out.name}.db"), *more)  # fmt: skip


def test_fhir_and_csv_give_the_same_labels_and_charts(cli, tmp_path, example_config):
    bundle = tmp_path / "orders.json"
    bundle.write_text(json.dumps(_bundle(_load("medrx0302-ldn.json"), _titration_from_today())))
    rows = tmp_path / "orders.csv"
    day = TODAY.isoformat()
    rows.write_text(
        "rx_number,patient_name,prescriber,fill_date,concentration,dose,quantity,dose_time,"
        "refills,start_date,start_dose,target_dose,patient_dob\n"
        f"12345689,Donald Duck,Patrick Pump,{day},1 mg/mL,3 mg,42 mL,bedtime,1,,,,\n"
        f"RX-7001,Donald Duck,Patrick Pump,{day},1 mg/mL,titrate,,morning,,{day},2 mg,3 mg,"
        "1968-04-12\n"
    )
    from_fhir = _run(cli, bundle, tmp_path / "fhir", example_config)
    from_csv = _run(cli, rows, tmp_path / "csv", example_config)
    assert from_fhir.exit_code == from_csv.exit_code == 0, from_fhir.stderr + from_csv.stderr
    for name in ("labels.pdf", "charts.pdf"):
        made = (tmp_path / "fhir" / name).read_bytes()
        assert made == (tmp_path / "csv" / name).read_bytes(), name
    fhir_rows = json.loads((tmp_path / "fhir" / "manifest.json").read_text())["orders"]
    csv_rows = json.loads((tmp_path / "csv" / "manifest.json").read_text())["orders"]
    assert [r.pop("line") for r in fhir_rows] == [1, 2]  # the Bundle's entries
    assert [r.pop("line") for r in csv_rows] == [2, 3]  # the file's lines
    assert fhir_rows == csv_rows


def test_bad_entries_are_named_by_entry_and_path_and_nothing_is_printed(
    cli, tmp_path, example_config
):
    good = _load("medrx0302-ldn.json")
    no_unit = _load("odd-missing-unit.json")
    no_unit["identifier"][0]["value"] = "12345690"
    too_much = copy.deepcopy(good)
    too_much["identifier"][0]["value"] = "12345691"
    too_much["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] = 9
    source = tmp_path / "orders.json"
    source.write_text(json.dumps(_bundle(good, no_unit, too_much)))
    result = _run(cli, source, tmp_path / "out", example_config)
    assert result.exit_code == 2
    errors = result.stderr.splitlines()
    assert errors[0] == (
        f"compounder: error: {source} entry 2, "
        "dosageInstruction[0].doseAndRate[0].doseQuantity.unit: missing; expected a UCUM "
        "unit (mg, mL)"
    )
    assert errors[1].startswith(
        f"compounder: error: {source} entry 3, dosageInstruction[0].doseAndRate[0]."
        "doseQuantity: refused: dose 9 mg is above the ceiling"
    )
    assert "Traceback" not in result.output
    for private in ("Donald", "Duck", "Patrick", "Pump"):
        assert private not in result.stderr
    assert not (tmp_path / "out" / "labels.pdf").exists()

    result = _run(cli, source, tmp_path / "skip", example_config, "--skip-invalid", "--json")
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert [(e["place"], e["line"], e["column"]) for e in summary["errors"]] == [
        ("entry", 2, "dosageInstruction[0].doseAndRate[0].doseQuantity.unit"),
        ("entry", 3, "dosageInstruction[0].doseAndRate[0].doseQuantity"),
    ]
    assert summary["printed"] == 1
    with (tmp_path / "skip" / "rejected.csv").open(encoding="utf-8", newline="") as handle:
        rejected = list(csv.reader(handle))
    assert rejected[0][0] == "raw"
    assert json.loads(rejected[1][0])["identifier"][0]["value"] == "12345690"
    assert rejected[1][-1].startswith("entry 2, dosageInstruction[0]")


def test_ndjson_with_a_bad_line(cli, tmp_path, example_config):
    source = FHIR / "requests-bad-line.ndjson"
    result = cli("batch", str(source), "--check", "--config", str(example_config))
    assert result.exit_code == 2
    assert [line.split(": ", 3)[2] for line in result.stderr.splitlines()] == [
        f"{source} line 3",
        f"{source} line 4, resourceType",
        f"{source} line 5, dosageInstruction[0].doseAndRate[0].doseQuantity.unit",
    ]


def test_from_names_the_format(cli, tmp_path, example_config):
    source = tmp_path / "orders.txt"
    source.write_text(json.dumps(_valid(_load("medrx0302-ldn.json"))))
    result = cli("batch", str(source), "--check", "--from", "fhir",
                 "--config", str(example_config))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    result = cli("batch", str(source), "--check", "--from", "csv",
                 "--config", str(example_config))  # fmt: skip
    assert result.exit_code == 4 and "unknown column" in result.stderr
    assert "Traceback" not in result.output


def test_a_file_that_is_not_fhir_orders(cli, tmp_path, example_config):
    source = tmp_path / "patient.json"
    source.write_text(json.dumps({"resourceType": "Patient", "id": "p"}))
    result = cli("batch", str(source), "--check", "--config", str(example_config))
    assert result.exit_code == 4
    assert result.stderr.strip() == (
        f"compounder: error: {source}: holds a Patient; expected a MedicationRequest, a "
        "Bundle or NDJSON"
    )


def test_hostile_fhir_files_get_one_line_and_an_exit_code(cli, tmp_path, example_config):
    resource = json.dumps(_load("medrx0302-ldn.json"))
    cases = {
        "nested.json": '{"resourceType": "MedicationRequest", "x": ' + "[" * 3000 + "]" * 3000
        + "}",
        "bigint.ndjson": resource + "\n" + resource.replace('"value": 42', '"value": '
        + "4" * 5000) + "\n",
        "surrogate.ndjson": resource.replace("Donald Duck", "\\ud800") + "\n" + resource + "\n",
        "deep.ndjson": resource + "\n" + "[" * 3000 + "]" * 3000 + "\n",
        "empty.json": "",
        "bom.json": "\ufeff" + resource,
    }  # fmt: skip
    for name, text in cases.items():
        source = tmp_path / name
        source.write_text(text, encoding="utf-8")
        result = cli("batch", str(source), "--check", "--config", str(example_config))
        assert result.exit_code in (0, 2, 4), (name, result.output)
        assert "Traceback" not in result.output, name
        assert all(line.startswith("compounder: error: ") for line in result.stderr.splitlines())
