"""The JSON contracts (core/contracts.py, compounder/schemas/): every schema is a valid
draft 2020-12 schema; every command's real ``--json`` output, run here against one
log, validates against its schema with no key the schema does not declare; an error
with ``--json`` is the error object on stdout with the same exit code; ``compounder
schema`` prints them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from typer.main import get_command
from typer.testing import CliRunner

from compounder.cli.app import app
from compounder.core.contracts import VERSIONS, contract_names, load_schema
from compounder.core.scan_codes import fill_code

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCHEMAS = Path(__file__).resolve().parents[2] / "compounder" / "schemas"
FHIR = Path(__file__).resolve().parents[1] / "data" / "fhir"
SETTINGS = """[pharmacy]
name = "Riverside Compounding Pharmacy"
address = "120 Harbor Street, Springfield, IL 62701"
phone = "(555) 010-0199"

[staff.JD]
name = "Julia Diaz"
role = "pharmacist"

[staff.MK]
name = "Marcus Kim"
role = "pharmacist"
"""
PATIENT = "Jane Doe"


def strict(schema: object) -> object:
    """The schema with every object closed (``additionalProperties: false`` wherever
    it lists properties and says nothing of others): the tests' check that an output
    holds no key its contract does not declare. The shipped schemas stay open, so a
    field added later does not break a reader's validation (docs/json-contracts.md)."""
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    closed = {key: strict(value) for key, value in schema.items()}
    if "properties" in schema and "additionalProperties" not in schema:
        closed["additionalProperties"] = False
    return closed


def check(name: str, document: object) -> None:
    """``document`` holds to contract ``name`` (closed), or the test fails saying where."""
    validator = Draft202012Validator(strict(load_schema(name)))
    problems = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
        for e in validator.iter_errors(document)
    ]
    assert not problems, f"{name}: " + "; ".join(problems[:5])


# --- the schemas themselves -------------------------------------------------------


def test_every_contract_has_one_schema_file_and_every_file_a_contract():
    assert sorted(p.stem for p in SCHEMAS.glob("*.json")) == sorted(contract_names())


@pytest.mark.parametrize("name", contract_names())
def test_each_schema_is_a_valid_draft_2020_12_schema_of_its_version(name):
    schema = load_schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)  # against the meta-schema
    assert schema["$id"] == f"urn:compounder:schema:{name}"
    assert schema["title"]
    if name != "order":  # an order row is typed by a person: it carries no version
        assert schema["properties"]["schema_version"] == {
            "const": VERSIONS[name],
            "description": "this contract's version (docs/json-contracts.md)",
        }
        assert schema["required"][0] == "schema_version"


def test_a_wrong_document_is_caught():
    """The check can fail: a missing key, a wrong type and an undeclared key."""
    good = {"schema_version": 1, "rx": "1", "entries": []}
    check("history", good)
    for bad in (
        {"schema_version": 1, "rx": "1"},
        {"schema_version": 1, "rx": 1, "entries": []},
        {"schema_version": 2, "rx": "1", "entries": []},
        {**good, "surprise": True},
    ):
        with pytest.raises(AssertionError):
            check("history", bad)


# --- every command's real output --------------------------------------------------


def contract_of(path: str) -> str:
    """The contract of a command path ('compounder log verify' -> 'log-verify')."""
    return "-".join(path.split()[1:])


def json_commands() -> list[str]:
    """Every command that takes --json, from the app itself."""
    found = []

    def walk(group, prefix):
        for name, command in group.commands.items():
            if hasattr(command, "commands"):
                walk(command, f"{prefix} {name}")
            if any("--json" in p.opts for p in command.params):
                found.append(contract_of(f"{prefix} {name}"))

    walk(get_command(app), "compounder")
    return found


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, list[tuple[list[str], int, str, str]]]:
    """Every command with --json run for real against one log: contract name -> the
    runs (arguments, exit code, stdout, stderr)."""
    folder = tmp_path_factory.mktemp("contracts")
    config = folder / "compounder.toml"
    config.write_text(SETTINGS, encoding="utf-8")
    db = str(folder / "log.db")
    runner = CliRunner()
    found: dict[str, list[tuple[list[str], int, str, str]]] = {}
    at = ["--config", str(config)]
    log = [*at, "--db", db]
    bad_orders = folder / "bad.csv"
    bad_orders.write_text(
        "rx_number,patient_name,prescriber,fill_date,concentration,dose,quantity\n"
        f"1,{PATIENT},Dr A,2026-12-01,1 mg/mL,99 mg,25 mL\n"
        f"2,{PATIENT},Dr A,2026-12-01,1 mg/mL,2 mg,25 mL\n",
        encoding="utf-8",
    )
    label = ["label", "--patient", PATIENT, "--prescriber", "Dr A", "--concentration", "1mg/mL"]
    today = date.today()
    lot = f"{today:%Y%m%d}-001"  # the record's, the first of the day in this log
    runs = [
        ["plan", "--concentration", "1mg/mL", "--start-date", "2026-12-01"],
        ["plan", "--concentration", "7mg/mL"],  # unmeasurable steps: nulls, exit 3
        ["plan", "--start-dose", "2mg", "--target-dose", "3.2mg",
         "--off-protocol-reason", "prescriber wrote it"],
        ["strengths", "--protocol", "ldn-slow-start"],
        ["prepare", "--volume", "30mL", "--date", "2026-12-01", *at],
        ["prepare", "--volume", "30mL", "--from", "powder", "--assay", "99.2%", "--water",
         "0.8%", "--vehicle", "fawcett-preserved", "--lot-expiry", "2027-01-01",
         "--date", "2026-12-01", *at],
        ["fills", "--start-date", "2026-12-01", *at],
        ["fills", "--start-date", "2026-12-01", "--vehicle", "fawcett-preserved",
         "--target-dose", "3mg", "--lot-expiry", "2027-01-10", *at],
        ["screen", "--other-medication", "oxycodone 5 mg"],
        ["screen", "--other-medication", "oxycodone 5 mg", "--other-medication",
         "hydrocortisone cream", "--other-medication", "zorblax 10mg", "--override",
         "pain team aware", "--acknowledge-unscreened", "--pharmacist", "JD",
         "--liver-kidney-history"],
        ["stocks"],
        ["staff", *at],
        ["receive", "--ingredient", "tablet-50mg", "--lot", "AB1234", "--expiry",
         "2027-06-30", "--quantity", "100 tablets", "--supplier", "ACME", *log],
        ["receive", "--ingredient", "powder-hcl", "--lot", "P77", "--expiry", "2027-06-30",
         "--quantity", "25 g", "--assay", "99.1%", "--water", "0.5%", *log],
        ["record", "--rx", "1234567", "--concentration", "1mg/mL", "--volume", "30mL",
         "--from", "tablets", "--ingredient-lot", "tablet-50mg:AB1234:2027-06-30",
         "--prepared-by", "JD", "--checked-by", "MK", "-o", str(folder / "r.pdf"), *log],
        [*label, "--rx", "1234567", "--dose", "1.5mg", "--quantity", "25mL",
         "-o", str(folder / "l.pdf"), *log],
        [*label, "--rx", "2234567", "--titration", "--start-date", "2026-12-01",
         "--fill", "all", "-o", str(folder / "l.zpl"), *log],
        [*label, "--rx", "3234567", "--dose", "3mg", "--quantity", "40mL",
         "--other-medication", "oxycodone", "--override", "pain team", "--pharmacist", "JD",
         "-o", str(folder / "l.png"), *log],
        [*label, "--rx", "4234567", "--dose", "1.5mg", "--quantity", "5mL", "--lot", lot,
         "-o", str(folder / "l4.pdf"), *log],
        ["queue", *log],
        ["verify", "--label-scan", fill_code("1234567", today), "--lot-scan", lot,
         "--pharmacist", "JD", *log],  # labelled with a reference: a mismatch, exit 3
        ["verify", "--label-scan", fill_code("4234567", today), "--lot-scan", lot,
         "--pharmacist", "JD", *log],
        ["queue", *log],
        ["chart", "--start-date", "2026-12-01", "--concentration", "1mg/mL",
         "--patient", PATIENT, "-o", str(folder / "c.pdf"), *at],
        ["chart", "--language", "en+es", "--target-dose", "3mg", "-o", str(folder / "c2.pdf"), *at],
        ["batch", str(EXAMPLES / "orders.csv"), "-o", str(folder / "out"), *log],
        ["batch", str(EXAMPLES / "orders.csv"), "-o", str(folder / "out3"), "--chunk-size",
         "3", "--format", "zpl", *at, "--db", str(folder / "another.db")],
        ["batch", str(bad_orders), "--check", *at],
        ["batch", str(bad_orders), "--skip-invalid", "-o", str(folder / "out2"), *log],
        ["reprint", "--rx", "1234567", "-o", str(folder / "again.pdf"), *log],
        ["lot-label", "RECORD_LOT", "-o", str(folder / "lot.pdf"), *log],
        ["lot-label", "BATCH_LOT", "-o", str(folder / "batch-lot.pdf"), *log],
        ["trace", "--ingredient-lot", "AB1234", *log],
        ["trace", "--ingredient-lot", "NONE", *log],
        ["history", "--rx", "1234567", *log],
        ["history", "--rx", "2234567", *log],
        ["history", "--rx", "0000000", *log],
        ["stock", "--expiring-within", "400", *log],
        ["recall", "AB1234", "--reason", "manufacturer recall", "-o",
         str(folder / "worklist.csv"), *log],
        ["recall", "P77", "--reason", "manufacturer recall", *log],
        ["stock", "--all", *log],
        ["log", "verify", *log],
        ["log", "anchor", *log],
        ["log", "copy", "--from", db, "--to", str(folder / "copy.db"), *at],
        ["settings", "check", *log],
        ["settings", "check", "--config", str(folder / "none.toml"), "--db", db],
        ["schema"],
        ["export", "fhir", "--rx", "1234567", "-o", str(folder / "d.ndjson"), *log],
        ["batch", str(FHIR / "bundle-patient.json"), "--check", *at],
        ["batch", str(FHIR / "requests-bad-line.ndjson"), "--check", *at],
    ]  # fmt: skip
    for args in runs:
        if args[0] == "lot-label":  # the lots the record and the batch above were given
            lots = {
                "RECORD_LOT": json.loads(found["record"][0][2])["lot"],
                "BATCH_LOT": json.loads((folder / "out" / "manifest.json").read_text())["orders"][
                    0
                ]["lot"],
            }
            args = [args[0], lots[args[1]], *args[2:]]
        name = "-".join(args[:2]) if args[0] in ("log", "settings", "export") else args[0]
        result = runner.invoke(app, [*args, "--json"], catch_exceptions=False)
        found.setdefault(name, []).append((args, result.exit_code, result.stdout, result.stderr))
    found["manifest"] = [
        (["manifest"], 0, (folder / out / "manifest.json").read_text(encoding="utf-8"), "")
        for out in ("out", "out2", "out3")
    ]
    return found


def test_every_command_with_json_is_run_here(outputs):
    assert sorted(json_commands()) == sorted(set(outputs) - {"manifest"})
    assert set(outputs) | {"order", "error"} == set(contract_names())


@pytest.mark.parametrize("name", sorted(set(contract_names()) - {"order", "error"}))
def test_each_commands_json_holds_to_its_schema(outputs, name):
    for args, code, stdout, stderr in outputs[name]:
        assert code in (0, 1, 2, 3, 4, 5), (args, code, stderr)
        assert "Traceback" not in stderr
        document = json.loads(stdout)  # one document, whatever the exit code
        assert next(iter(document)) == "schema_version"
        check(name, document)


def test_the_outputs_cover_their_nulls_and_exits(outputs):
    """The runs reach what the schemas allow beyond the plain case."""
    plans = [json.loads(out) for _, _, out, _ in outputs["plan"]]
    assert any(step["volume_ml"] is None for step in plans[1]["steps"])
    screens = [json.loads(out) for _, _, out, _ in outputs["screen"]]
    assert screens[1]["override"] and screens[1]["acknowledged"]
    assert [code for _, code, _, _ in outputs["batch"]] == [0, 0, 2, 1, 0, 2]
    lot_labels = [json.loads(out)["record"] for _, _, out, _ in outputs["lot-label"]]
    assert lot_labels == ["preparation", "batch"]
    fhir = json.loads(outputs["batch"][5][2])
    assert "dosageInstruction[0].doseAndRate[0].doseQuantity.unit" in [
        e["column"] for e in fhir["errors"]
    ]  # a FHIR row's error names its path
    batch = json.loads(outputs["batch"][3][2])
    assert batch["errors"] and PATIENT not in outputs["batch"][3][2]
    manifests = [json.loads(out)["orders"] for _, _, out, _ in outputs["manifest"]]
    assert [len(rows) for rows in manifests] == [8, 1, 8]
    assert {row["labels_file"] for row in manifests[2]} == {"labels.zpl"}  # three chunks
    assert [row["rx_number"] for row in manifests[2]] == [r["rx_number"] for r in manifests[0]]
    assert all(isinstance(row["acknowledged"], bool) for rows in manifests for row in rows)
    checks = [(code, json.loads(out)) for _, code, out, _ in outputs["verify"]]
    assert [(code, data["result"]) for code, data in checks] == [(3, "mismatch"), (0, "verified")]
    queues = [json.loads(out)["fills"] for _, _, out, _ in outputs["queue"]]
    assert len(queues[0]) == len(queues[1]) + 1 and queues[0][0]["reference"]


# --- errors with --json -----------------------------------------------------------


ERRORS = [
    (["fills", "--start-date", "2026-13-01"], 2, "input", "start-date"),
    (["plan", "--protocol", "nowhere.toml"], 4, "data_file", None),
    (["label", "--rx", "1", "--patient", PATIENT, "--prescriber", "Dr A", "--dose", "99mg",
      "--concentration", "1mg/mL", "--quantity", "25mL", "-o", "x.pdf"], 3, "safety", None),
    (["label", "--rx", "1", "--patient", PATIENT, "--prescriber", "Dr A", "--dose", "1mg",
      "--concentration", "1mg/mL", "--quantity", "25mL", "-o", "x.zpl", "--format", "pdf"],
     2, "input", "output"),
    (["stock", "--db", "{folder}/log.db", "-o", "{folder}/no-such-folder/stock.csv"],
     5, "output", None),
    (["history", "--rx", "1", "--db", "{folder}/no-such-folder/x/log.db"], 4, "data_file",
     None),
]  # fmt: skip


@pytest.mark.parametrize(("args", "code", "kind", "field"), ERRORS)
def test_an_error_with_json_is_the_error_object_with_the_same_exit_code(
    cli, tmp_path, example_config, args, code, kind, field
):
    config = tmp_path / "compounder.toml"
    config.write_text(SETTINGS, encoding="utf-8")
    args = [a.format(folder=tmp_path) for a in args] + ["--config", str(config)]
    plain = cli(*args)
    as_json = cli(*args, "--json")
    assert plain.exit_code == as_json.exit_code == code, as_json.stderr
    assert plain.stdout == ""
    document = json.loads(as_json.stdout)
    check("error", document)
    error = document["error"]
    assert (error["code"], error["kind"], error["field"]) == (code, kind, field)
    assert as_json.stderr == plain.stderr == f"compounder: error: {error['message']}\n"
    assert PATIENT not in as_json.stdout and "Jane" not in as_json.stdout


def test_a_document_printed_before_the_error_is_the_only_one(cli):
    """screen --json prints its refusal as its own document, then exits 3: stdout
    holds that one document, the error goes to stderr."""
    result = cli("screen", "--other-medication", "oxycodone", "--json")
    assert result.exit_code == 3
    check("screen", json.loads(result.stdout))
    assert result.stderr.startswith("compounder: error: refused")


def test_a_printer_that_fails_after_the_label_is_logged(cli, tmp_path, example_config):
    """label --json: the label's document (printed: false) and exit 5; no second
    document (the error on stderr)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = cli(
        "label", "--rx", "1", "--patient", PATIENT, "--prescriber", "Dr A", "--dose", "1.5mg",
        "--concentration", "1mg/mL", "--quantity", "25mL", "--config", str(example_config),
        "--db", str(tmp_path / "log.db"), "--print", f"socket://127.0.0.1:{port}", "--json",
    )  # fmt: skip
    assert result.exit_code == 5
    document = json.loads(result.stdout)
    check("label", document)
    assert document["printing"]["printed"] is False
    assert result.stderr.startswith("compounder: error: not printed")


def test_a_label_printed_to_a_printer(cli, tmp_path, example_config, listener):
    result = cli(
        "label", "--rx", "1", "--patient", PATIENT, "--prescriber", "Dr A", "--dose", "1.5mg",
        "--concentration", "1mg/mL", "--quantity", "25mL", "--config", str(example_config),
        "--db", str(tmp_path / "log.db"), "--print", listener.uri, "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    check("label", document)
    assert document["printing"]["printed"] is True


# --- compounder schema --------------------------------------------------------------


def test_schema_prints_each_schema_as_shipped(cli):
    for name in contract_names():
        result = cli("schema", name)
        assert result.exit_code == 0
        assert json.loads(result.stdout) == json.loads(
            (SCHEMAS / f"{name}.json").read_text(encoding="utf-8")
        )


def test_schema_lists_the_contracts(cli):
    result = cli("schema")
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert names == list(contract_names())
    assert "order" in names and "manifest" in names and "log-verify" in names


def test_an_unknown_schema_names_the_known_ones(cli):
    result = cli("schema", "recipe", "--json")
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["field"] == "schema" and "order, manifest" in error["expected"]


# --- a closed pipe ----------------------------------------------------------------


def run_into_a_closed_pipe(*args: str) -> subprocess.CompletedProcess:
    """The command run with its stdout a pipe whose reader has gone (``| head`` that
    stopped reading): every write fails with EPIPE."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [sys.executable, "-m", "compounder", *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)


@pytest.mark.slow
def test_a_closed_pipe_is_exit_141_quietly():
    result = run_into_a_closed_pipe("plan", "--concentration", "1mg/mL", "--json")
    assert (result.returncode, result.stderr) == (141, "")
    table = run_into_a_closed_pipe("strengths")
    assert (table.returncode, table.stderr) == (141, "")


# --- the order row ------------------------------------------------------------------


def test_the_order_schema_is_the_field_table():
    """compounder/schemas/order.json is written from the order's field table: regenerate
    it with python -c "import json; from compounder.api.orders import order_schema;
    print(json.dumps(order_schema(), indent=2, ensure_ascii=False))" >
    compounder/schemas/order.json"""
    from compounder.api.orders import FIELDS, REQUIRED_COLUMNS, order_schema
    from compounder.batch.order_file import COLUMNS

    schema = load_schema("order")
    assert schema == order_schema()
    assert list(schema["properties"]) == [f.column for f in FIELDS if f.column]
    assert sorted(schema["properties"]) == sorted(COLUMNS)  # what the batch reads
    assert schema["required"] == list(REQUIRED_COLUMNS)
    options = {f.column: f.flag for f in FIELDS if f.column and f.option}
    assert {c: p["x-option"] for c, p in schema["properties"].items() if "x-option" in p} == (
        options
    )


def order_rows() -> list[dict[str, str]]:
    import csv

    with (EXAMPLES / "orders.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_example_orders_hold_to_the_order_schema():
    rows = order_rows()
    assert len(rows) == 8
    for row in rows:
        check("order", row)  # as CSV gives them: text
    typed = {**rows[0], "refills": 2, "strength_changed": True, "liver_kidney_history": None}
    check("order", typed)  # as a JSON Lines object may give them


@pytest.mark.parametrize(
    "change",
    [
        {"colour": "blue"},  # an unknown column: the batch refuses the file (or the line)
        {"strength_changed": "maybe"},  # not yes or no
        {"refills": "two"},
        {"fill_date": "12/01/2026"},
        {"dose": ["3 mg"]},
    ],
)
def test_an_order_the_batch_refuses_for_its_form_fails_the_schema(change, cli, tmp_path):
    """Each such row fails both the schema and the batch's own check (--check, exit 2
    or 4), so the schema says no more than the batch does."""
    row = {**order_rows()[1], **change}
    with pytest.raises(AssertionError):
        check("order", row)
    orders = tmp_path / "orders.jsonl"
    orders.write_text(json.dumps(row) + "\n", encoding="utf-8")
    result = cli("batch", str(orders), "--check", "--config", str(EXAMPLES / "compounder.toml"))
    assert result.exit_code in (2, 4), result.stdout


def test_a_missing_required_column_fails_the_schema():
    row = order_rows()[1]
    del row["prescriber"]
    with pytest.raises(AssertionError):
        check("order", row)


@pytest.mark.slow
def test_a_usage_error_with_json_is_the_error_object_too():
    """An error the command line's parser finds (run as a user runs it: the console
    entry point) is the error object on stdout with --json, exit 2, usage on stderr."""
    for args, field in (
        (["plan", "--json", "--bogus"], None),
        (["plan", "--json", "--start-date"], None),
        (["fills", "--json"], "start-date"),  # a required option missing
    ):
        result = subprocess.run(
            [sys.executable, "-c", "from compounder.cli.app import main; main()", *args],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert result.returncode == 2, (args, result.stderr)
        document = json.loads(result.stdout)
        check("error", document)
        assert document["error"]["field"] == field
        assert "Error: " in result.stderr and "Traceback" not in result.stderr
    fine = subprocess.run(
        [sys.executable, "-c", "from compounder.cli.app import main; main()", "screen",
         "--json", "--other-medication", "oxycodone"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert fine.returncode == 3  # a command's own exit code, as without --json
    check("screen", json.loads(fine.stdout))
