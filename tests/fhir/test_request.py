"""One MedicationRequest mapped to an order: the same Order as its order-file row, and
every field that cannot be mapped refused with its FHIR path."""

from __future__ import annotations

import contextlib
import copy
import csv
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from fhir_inputs import FHIR_DATA, FILL, load, one, valid

from compounder.api.orders import COLUMNS, OrderFieldError, order_from_row
from compounder.batch.run import run_batch

UCUM = "http://unitsofmeasure.org"


def csv_row(text: str) -> dict[str, str]:
    """An order file's row as the batch reads it (header, then one row)."""
    return next(csv.DictReader(io.StringIO(text)))


def test_every_data_file_is_valid_fhir():
    for path in sorted(FHIR_DATA.glob("*.json")):
        valid(json.loads(path.read_text()))
    lines = (FHIR_DATA / "requests-bad-line.ndjson").read_text().splitlines()
    for n, line in enumerate(lines, start=1):
        if n != 3:  # line 3 is the broken one, on purpose
            valid(json.loads(line))


def test_a_dose_request_gives_the_same_order_as_its_row():
    mapped = one(load("medrx0302-ldn.json"))
    assert not mapped.problem
    assert set(mapped.values) <= set(COLUMNS)
    row = csv_row(
        "rx_number,patient_name,prescriber,fill_date,concentration,dose,quantity,dose_time,"
        "refills\n12345689,Donald Duck,Patrick Pump,2026-12-01,1 mg/mL,3 mg,42 mL,bedtime,1\n"
    )
    assert order_from_row(mapped.values) == order_from_row(row)
    assert mapped.paths["dose"] == "dosageInstruction[0].doseAndRate[0].doseQuantity"
    assert mapped.paths["concentration"] == ("medicationReference.resolve().ingredient[0].strength")


def test_a_titration_gives_the_same_order_as_its_row():
    mapped = one(load("medrx0301-ldn-titration.json"))
    row = csv_row(
        "rx_number,patient_name,prescriber,fill_date,concentration,dose,start_date,dose_time,"
        "start_dose,target_dose,patient_dob\n"
        "RX-7001,Donald Duck,Patrick Pump,2026-12-01,1 mg/mL,titrate,2026-12-01,morning,2 mg,"
        "3 mg,1968-04-12\n"
    )
    order = order_from_row(mapped.values)
    assert order == order_from_row(row)
    assert order.titrating and order.titration.start_dose == Decimal(2)
    assert mapped.paths["rx_number"] == "identifier[1].value"  # the placer order number
    assert mapped.paths["patient_name"] == "subject.resolve().name"


def test_a_titration_on_the_whole_protocol_is_a_plain_titrate_row():
    resource = load("medrx0301-ldn-titration.json")
    steps = resource["dosageInstruction"]
    template = steps[0]
    resource["dosageInstruction"] = []
    for k, dose in enumerate(["1.5", "2", "2.5", "3", "3.5", "4", "4.5"]):
        step = copy.deepcopy(template)
        step["sequence"] = k + 1
        start = FILL.toordinal() + 14 * k
        step["timing"]["repeat"]["boundsPeriod"] = {
            "start": FILL.fromordinal(start).isoformat(),
            "end": FILL.fromordinal(start + 13).isoformat(),
        }
        step["doseAndRate"][0]["doseQuantity"]["value"] = float(dose)
        resource["dosageInstruction"].append(step)
    resource["dosageInstruction"].reverse()  # taken in sequence, not in file order
    values = one(resource).values
    assert values["dose"] == "titrate" and "start_dose" not in values
    assert "target_dose" not in values and "protocol" not in values


def test_a_titration_from_another_protocol_names_it():
    resource = load("medrx0301-ldn-titration.json")
    for step, dose in zip(resource["dosageInstruction"], [0.5, 1, 1.5], strict=True):
        step["doseAndRate"][0]["doseQuantity"]["value"] = dose
    values = one(resource).values
    assert values["protocol"] == "ldn-slow-start" and values["target_dose"] == "1.5 mg"
    assert order_from_row(values).protocol == "ldn-slow-start"


def test_a_dose_in_ml_is_worked_out_at_the_order_strength():
    mapped = one(load("odd-mgml-strength.json"))  # 6 mL of "0.5 mg/mL" in the drug's text
    assert mapped.values["dose"] == "3 mg" and mapped.values["concentration"] == "0.5 mg/mL"
    assert mapped.paths["concentration"] == "medicationCodeableConcept.text"


def test_a_strength_in_mg_per_ml_over_nothing():
    resource = load("medrx0302-ldn.json")
    strength = resource["contained"][0]["ingredient"][0]["strength"]
    strength["numerator"] = {"value": 1, "unit": "mg/mL"}
    strength["denominator"] = {"value": 1}
    assert one(resource).values["concentration"] == "1 mg/mL"


def test_several_identifiers_the_first_with_a_value():
    mapped = one(load("odd-identifiers.json"))
    assert mapped.values["rx_number"] == "PMS-0042"
    assert mapped.paths["rx_number"] == "identifier[1].value"


def test_days_of_supply_without_a_quantity():
    resource = load("medrx0302-ldn.json")
    del resource["dispenseRequest"]["quantity"]
    mapped = one(resource)
    assert mapped.values["days_supply"] == "14" and "quantity" not in mapped.values


def _set(path: str, value: Any):
    """A change to a resource: ``path`` (dots and [n]) set to ``value`` (None: removed)."""

    def change(resource: dict[str, Any]) -> None:
        *parents, last = path.replace("[", ".").replace("]", "").split(".")
        node: Any = resource
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is None:
            del node[int(last) if last.isdigit() else last]
        elif last.isdigit():
            node[int(last)] = value
        else:
            node[last] = value

    return change


DOSE = "dosageInstruction[0].doseAndRate[0].doseQuantity"
INGREDIENT = "contained[0].ingredient[0]"
STEP = "dosageInstruction[1]"
UNMAPPABLE = {
    # name: (base file, changes, FHIR path named, words of the reason)
    "dose without a unit": ("medrx0302-ldn.json", [_set(f"{DOSE}.unit", None),
        _set(f"{DOSE}.code", None)], f"{DOSE}.unit", "missing"),
    "dose in mg/mL": ("medrx0302-ldn.json", [_set(f"{DOSE}.unit", "mg/mL"),
        _set(f"{DOSE}.code", "mg/mL")], f"{DOSE}.unit", "concentration"),
    "dose in tablets": ("medrx0302-ldn.json", [_set(DOSE, {"value": 1, "unit": "TAB"})],
        f"{DOSE}.unit", "'TAB'"),
    "unit and code disagree": ("medrx0302-ldn.json", [_set(f"{DOSE}.unit", "mL")],
        f"{DOSE}.unit", "differs"),
    "dose without a value": ("medrx0302-ldn.json", [_set(f"{DOSE}.value", None)],
        f"{DOSE}.value", "missing"),
    "dose below a comparator": ("medrx0302-ldn.json", [_set(f"{DOSE}.comparator", "<")],
        f"{DOSE}.comparator", "exact"),
    "dose range": ("odd-dose-range.json", [],
        "dosageInstruction[0].doseAndRate[0].doseRange", "range"),
    "rate ratio": ("odd-rate-ratio.json", [],
        "dosageInstruction[0].doseAndRate[0].rateRatio", "rate"),
    "no doseAndRate": ("medrx0302-ldn.json", [_set("dosageInstruction[0].doseAndRate", None)],
        "dosageInstruction[0].doseAndRate", "missing"),
    "mL without a strength": ("medrx0301-ldn-titration.json", [
        _set("medicationCodeableConcept.text", "naltrexone oral liquid"),
        _set(f"{DOSE}.unit", "mL"), _set(f"{DOSE}.code", "mL")], f"{DOSE}.unit", "strength"),
    "twice a day": ("medrx0302-ldn.json", [_set("dosageInstruction[0].timing.repeat.frequency",
        2)], "dosageInstruction[0].timing.repeat.frequency", "once a day"),
    "at noon": ("medrx0302-ldn.json", [_set("dosageInstruction[0].timing.repeat.when",
        ["NOON"])], "dosageInstruction[0].timing.repeat.when[0]", "HS"),
    "a timing code BID": ("medrx0302-ldn.json", [_set("dosageInstruction[0].timing.code",
        {"coding": [{"code": "BID"}]})], "dosageInstruction[0].timing.code.coding[0].code",
        "once a day"),
    "a time of day": ("medrx0302-ldn.json", [_set("dosageInstruction[0].timing.repeat.timeOfDay",
        ["22:00:00"])], "dosageInstruction[0].timing.repeat.timeOfDay", "not mapped"),
    "as needed": ("medrx0302-ldn.json", [_set("dosageInstruction[0].asNeededBoolean", True)],
        "dosageInstruction[0].asNeeded[x]", "as needed"),
    "by injection": ("medrx0302-ldn.json", [_set("dosageInstruction[0].route",
        {"coding": [{"system": "http://snomed.info/sct", "code": "47625008"}]})],
        "dosageInstruction[0].route", "by mouth"),
    "quantity in tablets": ("medrx0302-ldn.json", [_set("dispenseRequest.quantity",
        {"value": 30, "unit": "TAB"})], "dispenseRequest.quantity.unit", "mL"),
    "expired": ("medrx0302-ldn.json", [_set("dispenseRequest.validityPeriod",
        {"start": "2015-01-15", "end": "2016-01-15"})], "dispenseRequest.validityPeriod.end",
        "expired"),
    "completed": ("medrx0302-ldn.json", [_set("status", "completed")], "status", "active"),
    "a proposal": ("medrx0302-ldn.json", [_set("intent", "proposal")], "intent", "not an order"),
    "do not perform": ("medrx0302-ldn.json", [_set("doNotPerform", True)], "doNotPerform",
        "not to dispense"),
    "a modifier extension": ("medrx0302-ldn.json", [_set("modifierExtension",
        [{"url": "http://example.org/x", "valueBoolean": True}])], "modifierExtension",
        "not understood"),
    "no identifier": ("medrx0302-ldn.json", [_set("identifier", None)], "identifier",
        "Rx number"),
    "no patient name": ("medrx0302-ldn.json", [_set("subject.display", None)], "subject",
        "patient name"),
    "subject names a Group": ("medrx0301-ldn-titration.json", [_set("contained[0]",
        {"resourceType": "Group", "id": "pat1", "type": "person", "actual": True})],
        "subject.reference", "expected a Patient"),
    "no prescriber": ("medrx0302-ldn.json", [_set("requester", None)], "requester",
        "prescriber"),
    "another RxNorm drug": ("medrx0301-ldn-titration.json", [_set(
        "medicationCodeableConcept.coding[0].code", "1049621")],
        "medicationCodeableConcept.coding[0].code", "not naltrexone"),
    "naltrexone with bupropion": ("medrx0301-ldn-titration.json", [_set(
        "medicationCodeableConcept", {"text": "naltrexone / bupropion (Contrave)"})],
        "medicationCodeableConcept", "not low-dose naltrexone"),
    "no drug named": ("medrx0301-ldn-titration.json", [_set("medicationCodeableConcept",
        {"text": "oral liquid"})], "medicationCodeableConcept", "naltrexone"),
    "a Medication not found": ("medrx0302-ldn.json", [_set("medicationReference",
        {"reference": "Medication/elsewhere"})], "medicationReference.reference", "not found"),
    "a second active ingredient": ("medrx0302-ldn.json", [_set("contained[0].ingredient[1]",
        {"itemCodeableConcept": {"text": "ketamine"}, "isActive": True})],
        "medicationReference.resolve().ingredient[1]", "second active ingredient"),
    "strength per tablet": ("medrx0302-ldn.json", [_set(
        f"{INGREDIENT}.strength.denominator", {"value": 1, "unit": "TAB"})],
        "medicationReference.resolve().ingredient[0].strength.denominator.unit", "mL"),
    "strength not exact": ("medrx0302-ldn.json", [_set(
        f"{INGREDIENT}.strength.denominator.value", 3), _set(
        f"{INGREDIENT}.strength.numerator.value", 10)],
        "medicationReference.resolve().ingredient[0].strength", "exact"),
    "two strengths": ("medrx0302-ldn.json", [_set("contained[0].code.text",
        "naltrexone 0.5 mg/mL")], "medicationReference.resolve().ingredient[0].strength",
        "differs"),
    "two instructions at once": ("medrx0302-ldn.json", [lambda r: r["dosageInstruction"].append(
        copy.deepcopy(r["dosageInstruction"][0])), _set("dosageInstruction[1].sequence",
        None)], "dosageInstruction[1].sequence", "missing"),
    "the same sequence twice": ("medrx0301-ldn-titration.json", [_set(f"{STEP}.sequence", 1)],
        f"{STEP}.sequence", "repeats"),
    "a step skipped": ("medrx0301-ldn-titration.json", [_set(
        f"{STEP}.doseAndRate[0].doseQuantity.value", 3)],
        f"{STEP}.doseAndRate[0].doseQuantity", "expected 2.5 mg"),
    "a step off the protocol": ("medrx0301-ldn-titration.json", [_set(
        "dosageInstruction[0].doseAndRate[0].doseQuantity.value", 1.75)],
        "dosageInstruction[0].doseAndRate[0].doseQuantity", "not a step"),
    "a step too soon": ("medrx0301-ldn-titration.json", [_set(
        f"{STEP}.timing.repeat.boundsPeriod.start", "2026-12-08")],
        f"{STEP}.timing.repeat.boundsPeriod.start", "14 days after"),
    "a step too short": ("medrx0301-ldn-titration.json", [_set(
        "dosageInstruction[0].timing.repeat.boundsPeriod.end", "2026-12-07")],
        "dosageInstruction[0].timing.repeat.boundsPeriod.end", "last 14 days"),
    "a step without its start": ("medrx0301-ldn-titration.json", [_set(
        f"{STEP}.timing.repeat.boundsPeriod", None)],
        f"{STEP}.timing.repeat.boundsPeriod.start", "missing"),
    "steps at different times": ("medrx0301-ldn-titration.json", [_set(
        "dosageInstruction[2].timing.repeat.when", ["HS"])], "dosageInstruction[2].timing",
        "one time of day"),
}  # fmt: skip


@pytest.mark.parametrize("name", list(UNMAPPABLE))
def test_what_cannot_be_mapped_is_refused_with_its_fhir_path(name):
    base, changes, path, words = UNMAPPABLE[name]
    resource = load(base)
    for change in changes:
        change(resource)
    mapped = one(resource)  # valid FHIR (checked), but not an order Compounder can make
    assert (mapped.problem_path, words in mapped.problem) == (path, True), mapped.problem
    for private in ("Donald", "Duck", "Patrick", "Pump", "12345689", "RX-7001"):
        assert private not in mapped.problem


ROW_CHECKED = {
    # the row's own rules, refused through the order's columns: (change, column, FHIR path)
    "dose above the maximum": (_set(f"{DOSE}.value", 7), "dose", DOSE),
    "a bad Rx number": (_set("identifier[0].value", "12 34/5"), "rx_number",
        "identifier[0].value"),
    "too many refills": (_set("dispenseRequest.numberOfRepeatsAllowed", 120), "refills",
        "dispenseRequest.numberOfRepeatsAllowed"),
}  # fmt: skip


@pytest.mark.parametrize("name", list(ROW_CHECKED))
def test_the_rows_own_checks_name_the_fhir_path(name, tmp_path, example_config):
    change, column, path = ROW_CHECKED[name]
    resource = load("medrx0302-ldn.json")
    change(resource)
    mapped = one(resource)
    assert not mapped.problem and mapped.paths[column] == path  # mapped; the row refuses
    with pytest.raises(OrderFieldError) if column != "dose" else _nothing():
        order_from_row(mapped.values)
    source = tmp_path / "request.json"
    source.write_text(json.dumps(valid(resource)))
    report = run_batch(source, tmp_path / "out", example_config, check=True)
    (error,) = report.errors
    assert (error.place, error.line, error.column) == ("resource", 1, path)
    assert str(error).startswith(f"resource 1, {path}: ")


@contextlib.contextmanager
def _nothing():
    yield  # the dose's maximum is the protocol's: checked when the order is planned


def test_invalid_fhir_shapes_are_refused_with_their_path():
    from fhir_inputs import read  # raw text: not valid FHIR, so not validated first

    cases = {
        "dispenseRequest.quantity": lambda r: r["dispenseRequest"].update(quantity="42 mL"),
        f"{DOSE}": lambda r: r["dosageInstruction"][0]["doseAndRate"][0].update(
            doseQuantity="3 mg"
        ),
        "dosageInstruction[0].doseAndRate": lambda r: r["dosageInstruction"][0].update(
            doseAndRate={"doseQuantity": {"value": 3, "unit": "mg"}}
        ),
        f"{DOSE}.value": lambda r: r["dosageInstruction"][0]["doseAndRate"][0][
            "doseQuantity"
        ].update(value="3"),
    }
    for path, change in cases.items():
        resource = load("medrx0302-ldn.json")
        change(resource)
        (mapped,) = read(json.dumps(resource))
        assert mapped.problem_path == path, (path, mapped.problem)
