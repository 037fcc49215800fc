"""`compounder plan`: table, JSON, hard stops and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def test_default_plan_table(cli):
    result = cli("plan")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "LDN standard titration (ldn-standard) at 1 mg/mL - 7 steps, 98 days"
    assert lines[4].split() == [
        "1",
        "1.5",
        "mg",
        "1.5",
        "mL",
        "3",
        "mL",
        "oral",
        "syringe",
        "(0.1",
        "mL",
        "marks)",
        "14",
    ]
    assert "Syringes needed: 3 mL oral syringe (0.1 mL marks); 5 mL oral syringe" in result.stdout


def test_plan_with_dates(cli):
    result = cli("plan", "--concentration", "1mg/mL", "--start-date", "2026-12-01")
    assert result.exit_code == 0
    assert "First day" in result.stdout
    assert "2026-12-01  2026-12-14" in result.stdout
    assert "2027-02-23  2027-03-08" in result.stdout


def test_plan_json(cli):
    result = cli("plan", "--protocol", "ldn-slow-start", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["concentration"] == "1 mg/mL"
    assert [s["dose_mg"] for s in data["steps"]] == [
        "0.5",
        "1",
        "1.5",
        "2",
        "2.5",
        "3",
        "3.5",
        "4",
        "4.5",
    ]
    first = data["steps"][0]
    assert (first["volume_ml"], first["syringe_ml"], first["graduation_ml"]) == ("0.5", "1", "0.01")
    assert data["steps"][1]["syringe_ml"] == "3"


def test_plan_half_strength_prints_warning(cli):
    result = cli("plan", "-c", "0.5 mg/mL")
    assert result.exit_code == 0
    assert "Warning: step 7: 9 mL fills the 10 mL syringe to about 90%" in result.stdout


def test_unmeasurable_concentration_exits_3_without_rounding(cli):
    result = cli("plan", "--concentration", "3 mg/mL")
    assert result.exit_code == 3
    assert "NOT MEASURABLE" in result.stdout
    assert "0.67" not in result.stdout.replace("0.667...", "")
    assert result.stderr.startswith("compounder: error: refused: at 3 mg/mL, step 2 (2 mg)")


def test_unmeasurable_json_has_null_volume(cli):
    result = cli("plan", "--concentration", "3 mg/mL", "--json")
    assert result.exit_code == 3
    data = json.loads(result.stdout)
    assert data["measurable"] is False
    assert data["steps"][1]["volume_ml"] is None


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["--dose", "5mg"],
            3,
            "compounder: error: refused: dose 5 mg is above the ceiling of 4.5 mg a day; "
            "check the prescription; if the prescriber wrote it, give --off-protocol-reason "
            '"..." and --pharmacist INITIALS',
        ),
        (
            ["--dose", "1.75 mg"],
            3,
            "compounder: error: refused: dose 1.75 mg is not a step of protocol ldn-standard; "
            "accepted doses: 1.5 mg, 2 mg, 2.5 mg, 3 mg, 3.5 mg, 4 mg, 4.5 mg",
        ),
        (
            ["--dose", "1 mL"],
            2,
            "compounder: error: dose: '1 mL' is not accepted; expected a mass such as '1.5 mg' "
            "or '1500 mcg'",
        ),
        (
            ["--concentration", "1 mg"],
            2,
            "compounder: error: concentration: '1 mg' is not accepted; expected a concentration "
            "such as '1 mg/mL'",
        ),
        (
            ["--concentration", "0 mg/mL"],
            2,
            "compounder: error: concentration: '0 mg/mL' is not accepted; expected a concentration "
            "such as '1 mg/mL', greater than zero",
        ),
        (
            ["--concentration", "one"],
            2,
            "compounder: error: concentration: 'one' is not accepted; expected a concentration "
            "such as '1 mg/mL'",
        ),
        (
            ["--concentration", "1 mg/cc"],
            2,
            "compounder: error: concentration: '1 mg/cc' is not accepted; expected a concentration "
            "such as '1 mg/mL'; write mL, not cc",
        ),
        (
            ["--start-date", "01/12/2026"],
            2,
            "compounder: error: start-date: '01/12/2026' is not accepted; expected a date written "
            "YYYY-MM-DD, e.g. 2026-12-01",
        ),
        (
            ["--concentration", "100 mg/mL"],
            3,
            "compounder: error: refused: at 100 mg/mL, step 1 (1.5 mg): a dose of 0.015 mL is too "
            "small to measure accurately",
        ),
        (
            ["--protocol", "ldn-fast"],
            2,
            "compounder: error: protocol: 'ldn-fast' is not accepted; expected a protocol file "
            "path or one of ldn-slow-start, ldn-standard, ldn-weekly",
        ),
    ],
)
def test_hard_stops(cli, args, code, message):
    result = cli("plan", *args)
    assert result.exit_code == code
    assert result.stderr.startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_malformed_protocol_file(cli, data_dir):
    path = data_dir / "protocols" / "bad-unit.toml"
    result = cli("plan", "--protocol", str(path))
    assert result.exit_code == 4
    assert "bad-unit.toml: increment: '0.5 mL' is not accepted" in result.stderr


def test_user_protocol_file(cli, data_dir):
    result = cli(
        "plan",
        "--protocol",
        str(data_dir / "protocols" / "good-custom.toml"),
        "-c",
        "0.5mg/mL",
        "--json",
    )
    assert result.exit_code == 0
    assert [s["volume_ml"] for s in json.loads(result.stdout)["steps"]] == [
        "1",
        "1.5",
        "2",
        "2.5",
        "3",
    ]


def test_real_process_prints_no_traceback():
    """The installed entry point, as a pharmacist runs it."""
    result = subprocess.run(
        [sys.executable, "-m", "compounder", "plan", "--dose", "9 mg"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "compounder: error: refused: dose 9 mg is above the ceiling of 4.5 mg a day; "
        "check the prescription; if the prescriber wrote it, give --off-protocol-reason "
        '"..." and --pharmacist INITIALS'
    )


def test_usage_error_exit_code(cli):
    result = cli("plan", "--no-such-option")
    assert result.exit_code == 2
