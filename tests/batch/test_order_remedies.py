"""A refused batch row's remedy names the order file's columns, not the command line's
options (the rule's message is written once, in core)."""

from __future__ import annotations

from compounder.batch.run import run_batch
from compounder.errors import SafetyError

HEADER = (
    "rx_number,patient_name,prescriber,fill_date,concentration,dose,quantity,"
    "off_protocol_reason,other_medications\n"
)


def test_off_protocol_dose_names_the_column(tmp_path, example_config):
    orders = tmp_path / "orders.csv"
    orders.write_text(
        HEADER + "2000001,Jane Doe,Dr A. Smith,2026-12-01,1 mg/mL,1 mg,14 mL,,\n"
        "2000002,John Roe,Dr A. Smith,2026-12-01,1 mg/mL,1 mg,14 mL,prescriber wrote 1 mg,\n"
    )
    report = run_batch(orders, tmp_path / "out", example_config, check=True)
    (error,) = report.errors
    assert (error.line, error.column) == (2, "dose")
    assert error.message == (
        "refused: dose 1 mg is not a step of protocol ldn-standard; accepted doses: 1.5 mg, "
        "2 mg, 2.5 mg, 3 mg, 3.5 mg, 4 mg, 4.5 mg; or, if the prescriber wrote it, give a "
        "reason in the off_protocol_reason column"
    )
    assert "--" not in str(error)
    assert report.valid == 1  # the row with the reason in its column


def test_screening_stop_names_the_columns(tmp_path, example_config):
    orders = tmp_path / "orders.csv"
    orders.write_text(
        HEADER + "2000001,Jane Doe,Dr A. Smith,2026-12-01,1 mg/mL,3 mg,42 mL,,Norco\n"
    )
    (error,) = run_batch(orders, tmp_path / "out", example_config, check=True).errors
    assert error.column == "other_medications"
    assert error.message.endswith(
        "refer to the prescriber, or proceed with a reason in the override column and the "
        "pharmacist's initials in the pharmacist column"
    )


def test_the_command_line_names_its_options():
    error = SafetyError("dose 1 mg is not a step", "give {off-protocol-reason}")
    assert str(error) == 'refused: dose 1 mg is not a step; give --off-protocol-reason "..."'
    assert error.message({"off-protocol-reason": "off_protocol_reason"}) == (
        "refused: dose 1 mg is not a step; give a reason in the off_protocol_reason column"
    )


def test_an_override_without_initials_names_the_columns(tmp_path, example_config):
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "rx_number,patient_name,prescriber,fill_date,concentration,dose,quantity,"
        "other_medications,override\n"
        "2000001,Jane Doe,Dr A. Smith,2026-12-01,1 mg/mL,3 mg,42 mL,Norco,opioid stopped\n"
    )
    (error,) = run_batch(orders, tmp_path / "out", example_config, check=True).errors
    assert error.column == "pharmacist"
    assert error.message == (
        "missing; expected the pharmacist's initials in the pharmacist column with a reason "
        "in the override column"
    )


def test_the_command_line_names_the_options(cli, example_config, tmp_path):
    result = cli(
        "screen", "--other-medication", "Norco", "--override", "opioid stopped",
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "compounder: error: pharmacist: missing; "
        'expected --pharmacist INITIALS with --override "reason"'
    )
