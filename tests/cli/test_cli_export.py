"""`compounder export fhir`: the log's dispensings as FHIR R4 MedicationDispense, on
both log backends, every resource validated by fhir.resources (R4B models)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import EXAMPLE_CONFIG, LABEL_ARGS, RECORD_ARGS
from fhir_checks import read_ndjson, validate_bundle, validate_dispense

from compounder.log.kinds import Kind
from compounder.log.store import Store

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CONFIG = ["--config", str(EXAMPLE_CONFIG)]
RECORD = [
    "record",
    "--rx",
    "1234567",
    "--concentration",
    "1mg/mL",
    "--volume",
    "30mL",
    "--from",
    "tablets",
    "--ingredient-lot",
    "naltrexone 50mg tab:AB1234:2027-06-30:manufacturer=Accord",
    "--prepared-by",
    "JD",
    "--checked-by",
    "MK",
    "--date",
    "2026-12-01",
    "--time",
    "14:05",
]
PATIENTS = ["Jane Doe", "John Roe", "Li Wei", "Zoë Ñúñez-Øvergård"]


def fill_log(cli, tmp_path: Path, db: str) -> None:
    """A recorded lot and a label from it; a label with only a reference (filled
    2026-12-03, another Rx); the example batch (8 orders from 3 planned lots)."""
    log = ["--db", db]
    done = cli(*RECORD, *log, *CONFIG, "-o", str(tmp_path / "record.pdf"))
    assert done.exit_code == 0, done.stderr
    done = cli(*LABEL_ARGS, *log, *CONFIG, "--lot", "20261201-001", "-o", str(tmp_path / "a.pdf"))
    assert done.exit_code == 0, done.stderr
    other = [a for a in LABEL_ARGS]
    other[other.index("1234567")] = "7654321"
    other[other.index("Jane Doe")] = "John Roe"
    other[other.index("2026-12-01")] = "2026-12-03"
    done = cli(*other, *log, *CONFIG, "-o", str(tmp_path / "b.pdf"))
    assert done.exit_code == 0, done.stderr
    out = tmp_path / "batch"
    done = cli("batch", str(EXAMPLES / "orders.csv"), "-o", str(out), *log, *CONFIG)
    assert done.exit_code == 0, done.stderr


def exports(db: str) -> list:
    with Store(db) as store:
        return store.entries_of_kind(Kind.EXPORT)


def by_rx(resources: list[dict]) -> dict[str, dict]:
    return {r["authorizingPrescription"][0]["identifier"]["value"]: r for r in resources}


def test_export_after_record_label_and_batch(cli, tmp_path, log_db):
    fill_log(cli, tmp_path, log_db)
    target = tmp_path / "dispenses.ndjson"
    done = cli("export", "fhir", "-o", str(target), "--db", log_db)
    assert done.exit_code == 0, done.stderr
    assert "Exported 10 MedicationDispense resources to" in done.stdout
    resources = read_ndjson(target.read_bytes())
    assert len(resources) == 10  # 2 labels, 8 batch orders
    for resource in resources:
        validate_dispense(resource)
        # labels and batch orders not yet verified: awaiting their final check
        assert resource["status"] == "in-progress" and "whenHandedOver" not in resource
        assert resource["quantity"]["system"] == "http://unitsofmeasure.org"
        assert resource["quantity"]["code"] == "mL"
    found = by_rx(resources)
    assert set(found) == {"1234567", "7654321", *(f"100010{n}" for n in range(1, 9))}

    labelled = found["1234567"]  # from the recorded lot
    product, ingredient = labelled["contained"]
    assert labelled["medicationReference"]["reference"] == "#product"
    assert product["batch"] == {"lotNumber": "20261201-001", "expirationDate": "2026-12-14"}
    assert product["form"] == {"text": "oral suspension"}
    assert product["ingredient"][0]["strength"]["numerator"]["value"] == 1
    assert product["ingredient"][1]["itemReference"]["reference"] == "#ingredient-1"
    assert ingredient["batch"] == {"lotNumber": "AB1234", "expirationDate": "2027-06-30"}
    assert ingredient["manufacturer"]["display"] == "Accord"
    assert labelled["subject"]["display"] == "Jane Doe"
    assert labelled["quantity"]["value"] == 25
    assert labelled["whenPrepared"].startswith("2026-12-01T14:05:00")
    assert [p["actor"]["display"] for p in labelled["performer"]] == [
        "Riverside Compounding Pharmacy",
        "JD",
        "MK",
    ]
    dose = labelled["dosageInstruction"]
    assert dose[0]["text"] == "Take 1.5 mL (1.5 mg) by mouth at bedtime"
    assert [
        (d["doseQuantity"]["value"], d["doseQuantity"]["code"]) for d in dose[0]["doseAndRate"]
    ] == [
        (1.5, "mg"),
        (1.5, "mL"),
    ]

    reference = found["7654321"]  # no preparation logged: no lot, prepared on its fill date
    assert reference["contained"][0]["batch"] == {"expirationDate": "2026-12-16"}
    assert reference["whenPrepared"] == "2026-12-03"

    titration = found["1000106"]  # a batch fill spanning three titration steps
    steps = titration["dosageInstruction"]
    assert [s["sequence"] for s in steps] == [1, 2, 3]
    assert [s["doseAndRate"][0]["doseQuantity"]["value"] for s in steps] == [1.5, 2, 2.5]
    assert "daysSupply" in titration and titration["daysSupply"]["code"] == "d"
    assert titration["whenPrepared"] == "2026-12-01"  # the batch record's day
    assert titration["contained"][0]["batch"]["lotNumber"].startswith("20261201-")

    # the export is an entry of the chain: counts, entries and the file's hash, no patient
    (entry,) = exports(log_db)
    assert entry.payload["dispensings"] == 10
    assert entry.payload["sha256"] == hashlib.sha256(target.read_bytes()).hexdigest()
    assert entry.payload["files_sha256"] == [entry.payload["sha256"]]
    assert (entry.payload["since"], entry.payload["rx"], entry.payload["layout"]) == (
        None,
        None,
        "ndjson",
    )
    text = json.dumps(entry.payload, ensure_ascii=False)
    assert not any(name in text for name in PATIENTS)
    verified = cli("log", "verify", "--db", log_db, "--json")
    assert verified.exit_code == 0, verified.stderr
    assert json.loads(verified.stdout)["entries_verified"] == entry.id


def test_since_rx_bundle_and_stdout(cli, tmp_path, log_db):
    fill_log(cli, tmp_path, log_db)
    log = ["--db", log_db]
    since = cli("export", "fhir", "--since", "2026-12-02", "-o", str(tmp_path / "s.ndjson"), *log)
    assert since.exit_code == 0, since.stderr
    assert list(by_rx(read_ndjson((tmp_path / "s.ndjson").read_bytes()))) == ["7654321"]

    one = cli("export", "fhir", "--rx", "1000105", "-o", "-", *log)
    assert one.exit_code == 0, one.stderr
    (resource,) = read_ndjson(one.stdout)  # the resources alone on stdout
    validate_dispense(resource)
    assert resource["daysSupply"]["value"] == 35
    assert "Exported 1 MedicationDispense resource to standard output" in one.stderr

    whole = cli("export", "fhir", "--bundle", "-o", str(tmp_path / "b.json"), *log, "--json")
    assert whole.exit_code == 0, whole.stderr
    bundle = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))
    assert (bundle["resourceType"], bundle["type"]) == ("Bundle", "collection")
    assert len(bundle["entry"]) == 10
    validate_bundle(bundle)
    summary = json.loads(whole.stdout)
    assert summary["dispensings"] == 10 and summary["bundle"] is True
    assert next(iter(summary)) == "schema_version"
    # the same dispensing has the same id in every export
    assert resource["id"] in {e["resource"]["id"] for e in bundle["entry"]}

    logged = exports(log_db)
    assert [(e.payload["since"], e.payload["rx"], e.payload["output"]) for e in logged] == [
        ("2026-12-02", None, "file"),
        (None, "1000105", "stdout"),
        (None, None, "file"),
    ]
    assert logged[1].rx == "1000105"  # history --rx shows the Rx went out
    assert logged[1].payload["sha256"] == hashlib.sha256(one.stdout_bytes).hexdigest()
    assert logged[2].payload["layout"] == "bundle"


# a titration's labels printed ahead: every fill, the later ones compounded later
PRE_PRINTED = [
    "label", "--rx", "2222222", "--patient", "Ann Poe", "--prescriber", "Dr A. Smith",
    "--titration", "--start-date", "2099-01-04", "--concentration", "1mg/mL", "--fill", "all",
]  # fmt: skip


def test_pre_printed_fills_await_their_check_and_are_not_handed_over(cli, tmp_path, log_db):
    """A titration's labels pre-printed: fills compounded on later days await their
    final check, exported in-progress without a handover time."""
    log = ["--db", log_db]
    ahead = [*PRE_PRINTED, *log, *CONFIG, "-o", str(tmp_path / "t.pdf")]
    assert cli(*ahead).exit_code == 0
    target = tmp_path / "dispenses.ndjson"
    done = cli("export", "fhir", "-o", str(target), *log)
    assert done.exit_code == 0, done.stderr
    resources = read_ndjson(target.read_bytes())
    assert len(resources) > 1
    for resource in resources:
        validate_dispense(resource)
        assert resource["status"] == "in-progress" and "whenHandedOver" not in resource


def test_handed_over_before_prepared_is_refused_with_nothing_written(cli, tmp_path, log_db):
    """Fills logged as handed over when printed (by a Compounder before the
    verification queue) but compounded on later days (mdd-1): refused, nothing written
    or logged; the rest can still be exported."""
    log = ["--db", log_db]
    label = [*LABEL_ARGS, *log, *CONFIG, "-o", str(tmp_path / "a.pdf")]
    assert cli(*label).exit_code == 0
    ahead = [*PRE_PRINTED, *log, *CONFIG, "-o", str(tmp_path / "t.pdf")]
    assert cli(*ahead).exit_code == 0
    with Store(log_db) as store:  # the same entry as an older Compounder logged it
        (printed,) = [e for e in store.entries_of_kind(Kind.LABEL) if e.rx == "2222222"]
        older = {k: v for k, v in printed.payload.items() if k != "check"}
        store.log(Kind.LABEL, printed.rx, printed.lot, older)
        store.log(Kind.CORRECTION, printed.rx, printed.lot, {"reason": "logged again"},
                  corrects=printed.id)  # fmt: skip
    target = tmp_path / "dispenses.ndjson"
    target.write_text("an earlier export\n")
    refused = cli("export", "fhir", "--rx", "2222222", "-o", str(target), *log)
    assert refused.exit_code == 3
    assert "handed over" in refused.stderr and "mdd-1" in refused.stderr
    assert "Ann Poe" not in refused.stderr
    assert target.read_text() == "an earlier export\n"  # kept as it was
    assert exports(log_db) == []
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    fine = cli("export", "fhir", "--rx", "1234567", "-o", str(target), *log)
    assert fine.exit_code == 0, fine.stderr
    assert len(read_ndjson(target.read_bytes())) == 1


def test_a_corrected_dispensing_goes_out_entered_in_error(cli, tmp_path, log_db):
    log = ["--db", log_db]
    assert cli(*LABEL_ARGS, *log, *CONFIG, "-o", str(tmp_path / "a.pdf")).exit_code == 0
    correct = ["correct", "--entry", "1", "--reason", "wrong quantity", "--by", "JD"]
    assert cli(*correct, *log).exit_code == 0
    done = cli("export", "fhir", "-o", "-", *log)
    assert done.exit_code == 0, done.stderr
    (resource,) = read_ndjson(done.stdout)
    validate_dispense(resource)
    assert resource["status"] == "entered-in-error"
    assert "(1 entered in error)" in done.stderr


def test_bad_input_and_a_missing_log(cli, tmp_path):
    db = str(tmp_path / "none.db")
    bad = cli("export", "fhir", "--since", "yesterday", "-o", "-", "--db", db)
    assert bad.exit_code == 2 and "since" in bad.stderr
    missing = cli("export", "fhir", "-o", str(tmp_path / "x.ndjson"), "--db", db)
    assert missing.exit_code == 4
    assert not Path(db).exists() and not (tmp_path / "x.ndjson").exists()
    nowhere = cli("export", "fhir", "-o", str(tmp_path / "no" / "x.ndjson"), "--db", db)
    assert nowhere.exit_code == 5


@pytest.mark.slow
def test_stopped_before_the_commit_leaves_no_file_and_no_entry(cli, tmp_path):
    db = str(tmp_path / "log.db")
    assert cli(*LABEL_ARGS, "--db", db, *CONFIG, "-o", str(tmp_path / "a.pdf")).exit_code == 0
    paused = tmp_path / "paused"
    env = {
        **os.environ,
        "COMPOUNDER_PAUSE_AT": "export: about to commit",
        "COMPOUNDER_PAUSED": str(paused),
    }
    target = tmp_path / "out.ndjson"
    command = [sys.executable, "-m", "compounder", "export", "fhir", "-o", str(target)]
    running = subprocess.Popen([*command, "--db", db], env=env, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not paused.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert target.exists()  # published, its entry not yet committed
    running.send_signal(signal.SIGTERM)
    _, stderr = running.communicate(timeout=60)
    assert running.returncode == 143, stderr
    assert not target.exists()
    assert exports(db) == []
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_the_fhir_code_is_loaded_only_by_the_export(tmp_path):
    """`compounder --help` loads no FHIR code; the export loads no FHIR library."""
    script = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from compounder.cli.app import app\n"
        "assert CliRunner().invoke(app, ['--help']).exit_code == 0\n"
        "print(sorted(m for m in sys.modules if 'fhir' in m))\n"
        f"log = {str(tmp_path / 'l.db')!r}\n"
        "done = CliRunner().invoke(app, ['export', 'fhir', '-o', '-', '--db', log])\n"
        "print(done.exit_code)\n"
        "print(sorted(m for m in sys.modules if m == 'fhir' or m.startswith('fhir.')))\n"
    )
    from compounder.log.store import Store as MakeLog

    with MakeLog(tmp_path / "l.db"):
        pass  # an empty log: the export writes nothing, and logs that
    shown = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[0] == "[]"
    assert shown.stdout.splitlines()[-2:] == ["0", "[]"]


def test_a_verified_fill_goes_out_completed_at_its_verification(cli, tmp_path, log_db):
    from datetime import date

    from compounder.core.scan_codes import fill_code

    log = ["--db", log_db]
    made = cli(*RECORD_ARGS[:-2], *log, "-o", str(tmp_path / "r.pdf"), "--json")
    assert made.exit_code == 0, made.stderr
    lot = json.loads(made.stdout)["lot"]
    label = [*LABEL_ARGS[:-2], "--lot", lot, *log, *CONFIG, "-o", str(tmp_path / "a.pdf")]
    assert cli(*label).exit_code == 0
    checked = cli("verify", "--label-scan", fill_code("1234567", date.today()), "--lot-scan",
                  lot, "--pharmacist", "JD", *log, "--json")  # fmt: skip
    assert checked.exit_code == 0, checked.stdout
    (entry_id,) = json.loads(checked.stdout)["entry_ids"]
    target = tmp_path / "d.ndjson"
    assert cli("export", "fhir", "-o", str(target), *log).exit_code == 0
    (resource,) = read_ndjson(target.read_bytes())
    assert resource["status"] == "completed"
    with Store(log_db) as store:
        verified = store.entry(entry_id)
    assert verified is not None
    assert resource["whenHandedOver"] == verified.created_at
