"""`compounder label` and `compounder stocks`."""

from __future__ import annotations

import json

from conftest import decode_barcodes

BASE = ["label", "--rx", "1234567", "--patient", "Jane Doe", "--prescriber", "Dr A. Smith"]
DOSE = [
    "--dose",
    "1.5mg",
    "--concentration",
    "1mg/mL",
    "--quantity",
    "25mL",
    "--fill-date",
    "2026-12-01",
]


def test_label_writes_a_pdf(cli, tmp_path, example_config):
    target = tmp_path / "label.pdf"
    result = cli(*BASE, *DOSE, "-o", str(target), "--config", str(example_config))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"Wrote 1 label to {target}")
    assert "holds 16 days of doses but the BUD allows 14" in result.stdout
    assert decode_barcodes(target.read_bytes()) == ["1234567261201"]  # Rx, fill date


def test_titration_labels(cli, tmp_path, example_config):
    target = tmp_path / "labels.pdf"
    result = cli(
        *BASE,
        "--titration",
        "--start-date",
        "2026-12-01",
        "--fill",
        "all",  # pre-printed: every fill (by default only the first)
        "-o",
        str(target),
        "--config",
        str(example_config),
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert len(data["labels"]) == 7
    assert data["labels"][6]["lines"]["directions"] == "Take 4.5 mL (4.5 mg) by mouth at bedtime"


def test_config_found_in_working_folder(cli, tmp_path, example_config, monkeypatch):
    (tmp_path / "compounder.toml").write_text(example_config.read_text())
    monkeypatch.chdir(tmp_path)
    result = cli(*BASE, *DOSE, "-o", "label.pdf")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "label.pdf").exists()


def test_missing_config_is_a_clear_error(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "none"))
    result = cli(*BASE, *DOSE, "-o", "label.pdf")
    assert result.exit_code == 4
    assert result.stderr.startswith(
        "compounder: error: no pharmacy settings found: run 'compounder init' to write them"
    )  # says what to do, and blames no file the user never made
    assert "compounder.toml:" not in result.stderr
    assert not (tmp_path / "label.pdf").exists()


def test_refused_label_leaves_no_file(cli, tmp_path, example_config):
    target = tmp_path / "label.pdf"
    target.write_bytes(b"previous")
    result = cli(
        *BASE,
        "--dose",
        "5mg",
        "--quantity",
        "25mL",
        "-o",
        str(target),
        "--config",
        str(example_config),
    )
    assert result.exit_code == 3
    assert "dose 5 mg is above the ceiling of 4.5 mg a day" in result.stderr
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["label.pdf"]


def test_unwritable_output(cli, tmp_path, example_config):
    result = cli(
        *BASE, *DOSE, "-o", str(tmp_path / "no" / "label.pdf"), "--config", str(example_config)
    )
    assert result.exit_code == 5
    assert "cannot write" in result.stderr


def test_bad_rx_and_private_patient(cli, tmp_path, example_config):
    result = cli(
        "label",
        "--rx",
        "12 34",
        "--patient",
        "Jane Doe",
        "--prescriber",
        "Dr A",
        *DOSE,
        "-o",
        str(tmp_path / "l.pdf"),
        "--config",
        str(example_config),
    )
    assert result.exit_code == 2
    assert "rx: '12 34' is not accepted; expected 1 to 20 letters, digits or dashes" in (
        result.stderr
    )
    result = cli(
        "label",
        "--rx",
        "1",
        "--patient",
        "王小明",
        "--prescriber",
        "Dr A",
        *DOSE,
        "-o",
        str(tmp_path / "l.pdf"),
        "--config",
        str(example_config),
    )
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "compounder: error: patient name: the value given is not accepted"
    )


def test_dose_and_titration_are_exclusive(cli, tmp_path, example_config):
    result = cli(
        *BASE,
        *DOSE,
        "--titration",
        "--start-date",
        "2026-12-01",
        "-o",
        str(tmp_path / "l.pdf"),
        "--config",
        str(example_config),
    )
    assert result.exit_code == 2
    assert "no --dose or --quantity with --titration" in result.stderr


def test_stocks(cli):
    result = cli("stocks")
    assert result.exit_code == 0
    assert "avery-5163   101.6 x 50.8 mm   letter sheet, 10 a page" in result.stdout
    data = json.loads(cli("stocks", "--json").stdout)["stocks"]
    assert [s["id"] for s in data] == ["a4-99x67", "avery-5163", "roll-4x6", "thermal-4x3"]


def test_label_refills(cli, tmp_path, example_config):
    from conftest import LABEL_ARGS

    db = ["--db", str(tmp_path / "log.db")]
    result = cli(*LABEL_ARGS, "--refills", "2", "--config", str(example_config),
                 "-o", str(tmp_path / "l.pdf"), *db, "--json")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    (label,) = json.loads(result.stdout)["labels"]
    assert "Refills: 2" in label["lines"]["details"]
    refused = cli(*LABEL_ARGS, "--refills", "100", "-o", str(tmp_path / "m.pdf"))
    assert refused.exit_code == 2
    assert "refills: '100' is not accepted; expected a whole number from 0 to 99" in refused.stderr
