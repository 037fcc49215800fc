"""The hard ceiling: no protocol, shipped or a pharmacy's own, reaches above 4.5 mg a day."""

from __future__ import annotations

import pytest

from compounder.core.limits import MAX_DAILY_DOSE_MG
from compounder.core.protocols import load_protocol, shipped_protocols
from compounder.errors import DataFileError

HIGH = """id = "hi"
name = "High"
start_dose = "1.5 mg"
increment = "1.5 mg"
max_dose = "{max}"
days_per_step = 14
source = "test"
"""


def test_every_shipped_protocol_is_within_the_ceiling():
    for name in shipped_protocols():
        assert load_protocol(name).max_mg <= MAX_DAILY_DOSE_MG


def test_a_protocol_above_the_ceiling_is_refused_when_loaded(tmp_path):
    path = tmp_path / "hi.toml"
    path.write_text(HIGH.format(max="9 mg"))
    with pytest.raises(DataFileError) as caught:
        load_protocol(path)
    assert caught.value.exit_code == 4
    assert "max_dose: 9 mg is above the ceiling" in str(caught.value)
    assert "at most 4.5 mg a day" in str(caught.value)


def test_a_protocol_at_the_ceiling_is_accepted(tmp_path):
    path = tmp_path / "top.toml"
    path.write_text(HIGH.format(max="4.5 mg"))
    assert load_protocol(path).max_mg == MAX_DAILY_DOSE_MG


def test_the_label_of_the_reproduction_is_refused(cli, tmp_path, example_config):
    path = tmp_path / "hi.toml"
    path.write_text(HIGH.format(max="9 mg"))
    result = cli(
        "label", "--rx", "1000900", "--patient", "Jane Doe", "--prescriber", "Dr A. Smith",
        "--dose", "9mg", "--protocol", str(path), "-c", "1mg/mL", "--quantity", "30mL",
        "-o", str(tmp_path / "l.pdf"), "--db", str(tmp_path / "log.db"),
        "--config", str(example_config),
    )  # fmt: skip
    assert result.exit_code == 4 and not (tmp_path / "l.pdf").exists()


def test_a_dose_above_the_ceiling_needs_a_reason_and_initials(cli, tmp_path, example_config):
    args = [
        "label", "--rx", "1000901", "--patient", "Jane Doe", "--prescriber", "Dr A. Smith",
        "--dose", "6 mg", "-c", "1 mg/mL", "--quantity", "30 mL", "-o", str(tmp_path / "l.pdf"),
        "--db", str(tmp_path / "log.db"), "--config", str(example_config),
    ]  # fmt: skip
    refused = cli(*args, "--off-protocol-reason", "prescriber confirmed")
    # the reason without the initials is bad input, as an override without them
    assert refused.exit_code == 2 and "pharmacist: missing" in refused.stderr
    unsigned = cli(*args)
    assert unsigned.exit_code == 3 and "above the ceiling of 4.5 mg a day" in unsigned.stderr
    signed = cli(*args, "--off-protocol-reason", "prescriber confirmed", "--pharmacist", "JD")
    assert signed.exit_code == 0, signed.stderr
    history = cli("history", "--rx", "1000901", "--db", str(tmp_path / "log.db"), "--json")
    (entry,) = __import__("json").loads(history.stdout)["entries"]
    assert entry["payload"]["off_protocol_reason"] == "prescriber confirmed"
    assert entry["payload"]["off_protocol_pharmacist"] == "JD"


def test_the_batch_takes_the_reason_and_the_pharmacist_columns(tmp_path, example_config):
    from compounder.batch.run import run_batch

    orders = tmp_path / "orders.csv"
    orders.write_text(
        "rx_number,patient_name,prescriber,fill_date,concentration,dose,quantity,"
        "off_protocol_reason,pharmacist\n"
        "2000001,Jane Doe,Dr A. Smith,2026-12-01,1 mg/mL,6 mg,30 mL,prescriber confirmed,\n"
        "2000002,John Roe,Dr A. Smith,2026-12-01,1 mg/mL,6 mg,30 mL,prescriber confirmed,JD\n"
    )
    report = run_batch(orders, tmp_path / "out", str(example_config), check=True)
    assert [(e.line, e.column) for e in report.errors] == [(2, "pharmacist")]
    assert "missing" in report.errors[0].message
    assert report.valid == 1
