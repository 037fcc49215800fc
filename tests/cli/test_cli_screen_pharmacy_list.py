"""A pharmacy's own screening list named by its settings (``[defaults] screening``)
reaches every entrance that screens: screen, label, label --titration, chart, record,
batch and the API functions."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EXAMPLE_CONFIG, LABEL_ARGS, RECORD_ARGS

from compounder import make_chart, make_labels, record_preparation, screen_medications
from compounder.errors import SafetyError

SHIPPED = Path(__file__).resolve().parents[2] / "templates" / "screening.toml"

# A class only this pharmacy lists (the shipped list knows pregabalin, with no class).
OWN_CLASS = """
[[class]]
id = "gabapentinoids"
name = "gabapentinoid (the pharmacy's own)"
action = "stop"
source = "the pharmacy's own policy"
generics = ["pregabalin", "gabapentin"]
"""

MEDICINE = "Pregabalin capsules"
REFUSED = "refused: other medication: pregabalin (gabapentinoid (the pharmacy's own))"


def settings_naming(folder: Path, list_text: str, key: str = "lists/own-screening.toml") -> Path:
    """Settings in ``folder`` naming a list (a path relative to the settings file)."""
    (folder / "lists").mkdir(parents=True, exist_ok=True)
    (folder / "lists" / "own-screening.toml").write_text(list_text)
    settings = folder / "pharmacy.toml"
    text = EXAMPLE_CONFIG.read_text().replace(
        "[defaults]\n", f'[defaults]\nscreening = "{key}"\n', 1
    )
    settings.write_text(text)
    return settings


@pytest.fixture
def own_settings(tmp_path) -> Path:
    return settings_naming(tmp_path / "site", SHIPPED.read_text() + OWN_CLASS)


def test_the_shipped_list_does_not_screen_it(cli):
    result = cli("screen", "--other-medication", MEDICINE, "--config", str(EXAMPLE_CONFIG))
    assert result.exit_code == 0, result.stderr
    assert "no class: proceed" in result.stdout


def test_screen_uses_the_settings_list(cli, own_settings):
    result = cli("screen", "--other-medication", MEDICINE, "--config", str(own_settings))
    assert result.exit_code == 3
    assert REFUSED in result.stderr
    # the shipped classes are still there (the pharmacy's list is the whole list)
    result = cli("screen", "--other-medication", "Norco", "--config", str(own_settings))
    assert result.exit_code == 3


def test_screen_option_overrides_the_settings_list(cli, own_settings):
    result = cli(
        "screen", "--other-medication", MEDICINE, "--config", str(own_settings),
        "--screening", str(SHIPPED),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr


def test_label_refuses(cli, tmp_path, own_settings):
    target = tmp_path / "label.pdf"
    result = cli(
        *LABEL_ARGS, "-o", str(target), "--db", str(tmp_path / "log.db"),
        "--config", str(own_settings), "--other-medication", MEDICINE,
    )  # fmt: skip
    assert result.exit_code == 3
    assert REFUSED in result.stderr
    assert not target.exists()


def test_titration_label_refuses(cli, tmp_path, own_settings):
    target = tmp_path / "labels.pdf"
    result = cli(
        "label", "--rx", "1234567", "--patient", "Jane Doe", "--prescriber", "Dr A. Smith",
        "--titration", "--start-date", "2026-12-01", "-o", str(target),
        "--db", str(tmp_path / "log.db"), "--config", str(own_settings),
        "--other-medication", MEDICINE,
    )  # fmt: skip
    assert result.exit_code == 3
    assert REFUSED in result.stderr
    assert not target.exists()


def test_chart_refuses(cli, tmp_path, own_settings):
    target = tmp_path / "chart.pdf"
    result = cli(
        "chart", "--start-date", "2026-12-01", "--concentration", "1mg/mL",
        "--patient", "Jane Doe", "-o", str(target), "--config", str(own_settings),
        "--other-medication", MEDICINE,
    )  # fmt: skip
    assert result.exit_code == 3
    assert REFUSED in result.stderr
    assert not target.exists()


def test_record_refuses(cli, tmp_path, own_settings):
    target = tmp_path / "record.pdf"
    result = cli(
        *RECORD_ARGS, "-o", str(target), "--db", str(tmp_path / "log.db"),
        "--config", str(own_settings), "--other-medication", MEDICINE,
    )  # fmt: skip
    assert result.exit_code == 3
    assert REFUSED in result.stderr
    assert not target.exists()


def test_batch_refuses_the_row(cli, tmp_path, own_settings):
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "rx_number,patient_name,prescriber,fill_date,concentration,dose,quantity,"
        "other_medications\n"
        "2000001,Jane Doe,Dr A. Smith,2026-12-01,1 mg/mL,3 mg,42 mL,\n"
        f"2000002,John Roe,Dr A. Smith,2026-12-01,1 mg/mL,3 mg,42 mL,metformin; {MEDICINE}\n"
    )
    out = tmp_path / "out"
    result = cli("batch", str(orders), "-o", str(out), "--config", str(own_settings))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"compounder: error: {orders} line 3, column other_medications: {REFUSED}: "
        "naltrexone must not be taken with it; refer to the prescriber, or proceed with "
        "a reason in the override column and the pharmacist's initials in the pharmacist "
        "column"
    ]
    # the same file with the shipped list prints both orders
    shipped = cli("batch", str(orders), "-o", str(out), "--config", str(EXAMPLE_CONFIG))
    assert shipped.exit_code == 0, shipped.stderr


def test_api_functions_refuse(tmp_path, own_settings):
    config = str(own_settings)
    with pytest.raises(SafetyError, match="pregabalin"):
        screen_medications([MEDICINE], config=config)
    with pytest.raises(SafetyError, match="pregabalin"):
        make_labels(
            rx="1234567", patient="Jane Doe", prescriber="Dr A. Smith", dose="1.5 mg",
            quantity="25 mL", concentration="1 mg/mL", fill_date="2026-12-01",
            config=config, other_medications=[MEDICINE], log=False,
        )  # fmt: skip
    with pytest.raises(SafetyError, match="pregabalin"):
        make_chart(start_date="2026-12-01", config=config, other_medications=[MEDICINE])
    with pytest.raises(SafetyError, match="pregabalin"):
        record_preparation(
            rx="1234567", concentration="1 mg/mL", volume="30 mL", source="tablets",
            prepared_by="JD", checked_by="MK", compounded="2026-12-01",
            db=str(tmp_path / "log.db"), config=config, other_medications=[MEDICINE],
        )  # fmt: skip
    assert screen_medications([MEDICINE], config=config, refuse=False).decision == "refuse"
    assert screen_medications([MEDICINE], config=str(EXAMPLE_CONFIG)).decision == "proceed"


def test_an_invalid_list_is_blamed_on_the_settings(cli, tmp_path):
    bad = SHIPPED.read_text() + OWN_CLASS.replace('action = "stop"', 'action = "halt"')
    settings = settings_naming(tmp_path / "site", bad)
    result = cli("screen", "--other-medication", MEDICINE, "--config", str(settings))
    assert result.exit_code == 4
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"compounder: error: {settings}: defaults.screening: ")
    assert "own-screening.toml: class[" in line and "'halt' is not accepted" in line
    for command in (
        [*LABEL_ARGS, "-o", str(tmp_path / "l.pdf"), "--db", str(tmp_path / "log.db")],
        ["chart", "--start-date", "2026-12-01", "-o", str(tmp_path / "c.pdf")],
    ):
        result = cli(*command, "--config", str(settings), "--other-medication", MEDICINE)
        assert result.exit_code == 4, result.stderr
        assert f"{settings}: defaults.screening: " in result.stderr
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "rx_number,patient_name,prescriber,fill_date,concentration,dose,quantity\n"
        "2000001,Jane Doe,Dr A. Smith,2026-12-01,1 mg/mL,3 mg,42 mL\n"
    )
    result = cli("batch", str(orders), "-o", str(tmp_path / "out"), "--config", str(settings))
    assert result.exit_code == 4
    assert f"{settings}: defaults.screening: " in result.stderr
    assert not (tmp_path / "l.pdf").exists() and not (tmp_path / "c.pdf").exists()


def test_a_missing_list_is_a_settings_error(cli, tmp_path):
    settings = settings_naming(tmp_path / "site", "", key="lists/nowhere.toml")
    result = cli("screen", "--other-medication", MEDICINE, "--config", str(settings))
    assert result.exit_code == 4
    assert result.stderr == (
        f"compounder: error: {settings}: defaults.screening: 'lists/nowhere.toml' is not a "
        "file; expected a .toml file, relative to the settings file's folder\n"
    )


# A list that names only one medicine of its own: every shipped stop class is missing.
ONLY_ITS_OWN = """version = 1

[[class]]
id = "zolbetuximab"
name = "zolbetuximab"
action = "caution"
source = "the pharmacy's own policy"
generics = ["zolbetuximab"]
"""
DROPS_A_STOP = (
    "leaves out the shipped stop class 'opioids'; a pharmacy's list may add classes and "
    "names but not drop a stop"
)


def test_a_list_that_drops_the_opioid_class_is_refused(cli, tmp_path):
    settings = settings_naming(tmp_path / "site", ONLY_ITS_OWN)
    result = cli("screen", "--other-medication", "oxycodone", "--config", str(settings))
    assert result.exit_code == 4, result.stdout
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"compounder: error: {settings}: defaults.screening: ")
    assert f"own-screening.toml: {DROPS_A_STOP}" in line
    # the same list named with --screening
    own_list = tmp_path / "site" / "lists" / "own-screening.toml"
    result = cli("screen", "--other-medication", "oxycodone", "--screening", str(own_list))
    assert result.exit_code == 4
    assert result.stderr == f"compounder: error: {own_list}: {DROPS_A_STOP}\n"


def test_a_label_with_a_list_that_weakens_a_stop_is_refused(cli, tmp_path):
    weakened = SHIPPED.read_text().replace('"benzhydrocodone", "oxycodone",', '"benzhydrocodone",')
    settings = settings_naming(tmp_path / "site", weakened)
    target = tmp_path / "label.pdf"
    result = cli(
        *LABEL_ARGS, "-o", str(target), "--db", str(tmp_path / "log.db"),
        "--config", str(settings), "--other-medication", "oxycodone 5 mg",
    )  # fmt: skip
    assert result.exit_code == 4
    (line,) = result.stderr.splitlines()
    assert f"{settings}: defaults.screening: " in line
    assert "leaves out 'oxycodone' of the shipped stop class 'opioids'" in line
    assert not target.exists()
