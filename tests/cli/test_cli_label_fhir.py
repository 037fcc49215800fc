"""`compounder label --from-fhir`: one MedicationRequest's label, the same as the one
typed as options; its refusals name the FHIR path."""

from __future__ import annotations

import copy
import json
from datetime import date

from conftest import DATA
from fhir.resources.R4B import get_fhir_model_class

FHIR = DATA / "fhir"
DAY = date.today().isoformat()


def _request(tmp_path, change=None):
    resource = json.loads((FHIR / "medrx0302-ldn.json").read_text())
    if change:
        change(resource)
    get_fhir_model_class("MedicationRequest").model_validate(copy.deepcopy(resource))
    path = tmp_path / "request.json"
    path.write_text(json.dumps(resource))
    return path


def _label(cli, tmp_path, config, name, *args):
    return cli("label", *args, "-o", str(tmp_path / f"{name}.pdf"), "--config", str(config),
               "--db", str(tmp_path / f"{name}.db"))  # fmt: skip


def test_the_request_prints_the_label_typed_as_options(cli, tmp_path, example_config):
    request = _request(tmp_path)
    from_fhir = _label(cli, tmp_path, example_config, "fhir", "--from-fhir", str(request))
    typed = _label(
        cli, tmp_path, example_config, "typed", "--rx", "12345689", "--patient", "Donald Duck",
        "--prescriber", "Patrick Pump", "--dose", "3 mg", "--quantity", "42 mL",
        "--concentration", "1 mg/mL", "--refills", "1", "--fill-date", DAY,
    )  # fmt: skip
    assert from_fhir.exit_code == typed.exit_code == 0, from_fhir.output + typed.output
    assert (tmp_path / "fhir.pdf").read_bytes() == (tmp_path / "typed.pdf").read_bytes()


def test_a_field_the_request_gives_is_not_also_an_option(cli, tmp_path, example_config):
    request = _request(tmp_path)
    result = _label(cli, tmp_path, example_config, "x", "--from-fhir", str(request),
                    "--dose", "2 mg")  # fmt: skip
    assert result.exit_code == 2
    assert "no --dose with --from-fhir" in result.stderr


def test_refusals_name_the_fhir_path(cli, tmp_path, example_config):
    dose = "dosageInstruction[0].doseAndRate[0].doseQuantity"

    def no_unit(resource):
        for key in ("unit", "code", "system"):
            del resource["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"][key]

    def many_refills(resource):
        resource["dispenseRequest"]["numberOfRepeatsAllowed"] = 120

    for change, path in ((no_unit, f"{dose}.unit"),
                         (many_refills, "dispenseRequest.numberOfRepeatsAllowed")):  # fmt: skip
        request = _request(tmp_path, change)
        result = _label(cli, tmp_path, example_config, "x", "--from-fhir", str(request))
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith(f"compounder: error: {request} resource 1, {path}: ")
        assert "Donald" not in result.stderr and "Traceback" not in result.output


def test_a_file_of_several_requests_is_refused(cli, tmp_path, example_config):
    bundle = str(FHIR / "bundle-patient.json")
    result = _label(cli, tmp_path, example_config, "x", "--from-fhir", bundle)
    assert result.exit_code == 4
    assert "holds 2 MedicationRequests; expected one for a single label" in result.stderr
