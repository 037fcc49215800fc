"""Bounds and text everywhere (issue 23, item 7): over-long file names are exit 5 (4
for the settings), not an internal error; free text (override, off-protocol reason,
correction reason, settings strings) with control or bidi characters is refused, and
every terminal line and CSV cell shows such characters escaped (one function); settings
errors are exit 4 naming the file and key; JSON Lines rows naming a field twice are
refused, naming the row and the field."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import LABEL_ARGS, RECORD_ARGS

from compounder.batch.outputs import neutralise
from compounder.content.tables import printable
from compounder.core.identity import escaped

LONG = "x" * 300
RLO = "\u202e"


def history(cli, db) -> list:
    if not db.exists():
        return []
    result = cli("history", "--rx", "1234567", "--db", str(db), "--json")
    return json.loads(result.stdout)["entries"] if result.exit_code == 0 else []


def _one_line(result) -> str:
    assert result.stderr.count("\n") == 1, result.stderr
    assert "internal error" not in result.stderr
    return result.stderr


@pytest.mark.parametrize("command", ["label", "record", "reprint", "batch"])
def test_an_over_long_output_name_is_exit_5(cli, tmp_path, example_config, command):
    db = tmp_path / "log.db"
    common = ["--config", str(example_config), "--db", str(db)]
    if command == "reprint":
        assert cli(*LABEL_ARGS, *common, "-o", str(tmp_path / "l.pdf")).exit_code == 0
    before = len(history(cli, db))
    out = str(tmp_path / (LONG + ("" if command == "batch" else ".pdf")))
    args = {
        "label": [*LABEL_ARGS, *common],
        "record": [*RECORD_ARGS, *common],
        "reprint": ["reprint", "--rx", "1234567", "--db", str(db)],
        "batch": ["batch", str(example_config.parent / "orders.csv"), *common],
    }[command]
    result = cli(*args, "-o", out)
    assert result.exit_code == 5, result.stderr
    assert "a file or folder name in it is too long" in _one_line(result)
    assert len(history(cli, db)) == before  # nothing logged


def test_an_over_long_settings_name_is_exit_4(cli, tmp_path):
    result = cli(*LABEL_ARGS, "--config", str(tmp_path / (LONG + ".toml")),
                 "--db", str(tmp_path / "l.db"), "-o", str(tmp_path / "l.pdf"))  # fmt: skip
    assert result.exit_code == 4, result.stderr
    assert "a file or folder name in it is too long" in _one_line(result)


def test_one_escape_for_terminal_and_csv():
    typed = "ok\x1b[31m red " + RLO + "gpj.exe\x00"
    assert escaped(typed) == "ok\\x1b[31m red \\u202egpj.exe\\x00"
    assert printable(typed) == escaped(typed)
    assert neutralise(typed) == escaped(typed)
    assert neutralise("=1+1" + RLO) == "'=1+1\\u202e"
    assert escaped("Zoë Ñandú") == "Zoë Ñandú"


@pytest.mark.parametrize("text", ["aware \x1b[2J", f"aware {RLO}drows", "aware\x00"])
def test_a_typed_reason_with_control_characters_is_refused(cli, tmp_path, example_config, text):
    db = tmp_path / "log.db"
    common = [*LABEL_ARGS, "--config", str(example_config), "--db", str(db),
              "-o", str(tmp_path / "l.pdf")]  # fmt: skip
    override = cli(*common, "--other-medication", "prednisone 5 mg", "--override", text,
                   "--pharmacist", "JD")  # fmt: skip
    off_dose = list(common)
    off_dose[off_dose.index("--dose") + 1] = "1mg"
    off = cli(*off_dose, "--off-protocol-reason", text)
    for result, option in ((override, "override"), (off, "off-protocol-reason")):
        assert result.exit_code == 2, result.stderr
        message = _one_line(result)
        assert f"error: {option}:" in message and "without control characters" in message
        assert "\x1b" not in message and RLO not in message and "\x00" not in message
    assert not (tmp_path / "l.pdf").exists() and history(cli, db) == []


def test_a_correction_reason_with_a_bidi_override_is_refused(cli, tmp_path, example_config):
    db = tmp_path / "log.db"
    common = ["--config", str(example_config), "--db", str(db)]
    assert cli(*LABEL_ARGS, *common, "-o", str(tmp_path / "l.pdf")).exit_code == 0
    result = cli(
        "correct", "--entry", "1", "--reason", f"wrong {RLO}esod", "--by", "JD", "--db", str(db)
    )
    assert result.exit_code == 2
    assert RLO not in _one_line(result)


def test_batch_cells_with_control_characters_are_refused_and_escaped_in_csv(
    cli, tmp_path, example_config
):
    head = "rx_number,patient_name,prescriber,fill_date,concentration,dose,quantity,"
    head += "other_medications,override,pharmacist,off_protocol_reason\n"
    orders = tmp_path / "orders.csv"
    orders.write_text(
        head + f"11,A B,Dr A,2026-12-01,1 mg/mL,1.5 mg,30 mL,prednisone 5 mg,aware {RLO}x,JD,\n"
        "12,C D,Dr A,2026-12-01,1 mg/mL,1 mg,30 mL,,,,wrote\x1b[31m 1 mg\n"
        "13,E F,Dr A,2026-12-01,1 mg/mL,1 mg,30 mL,,,,prescriber wrote 1 mg\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = cli("batch", str(orders), "-o", str(out), "--config", str(example_config),
                 "--db", str(tmp_path / "l.db"), "--skip-invalid")  # fmt: skip
    assert result.exit_code == 1, result.stderr
    assert "\x1b" not in result.stderr + result.stdout and RLO not in result.stderr
    assert "line 2, column override:" in result.stderr
    assert "line 3, column off_protocol_reason:" in result.stderr
    for name in ("manifest.csv", "rejected.csv"):
        text = (out / name).read_text(encoding="utf-8")
        assert "\x1b" not in text and RLO not in text, name
    rejected = list(csv.reader(io.StringIO((out / "rejected.csv").read_text(encoding="utf-8"))))
    assert rejected[1][8] == "aware \\u202ex"  # the cell as typed, escaped
    manifest = (out / "manifest.csv").read_text(encoding="utf-8")
    (row,) = list(csv.DictReader(io.StringIO(manifest)))
    assert row["off_protocol_reason"] == "prescriber wrote 1 mg"


def _settings(tmp_path, example_config, old: str, new: str):
    text = example_config.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "compounder.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('name = "Riverside', 'name = "River\\u0000side', "pharmacy.name"),
        ('phone = "(555)', 'phone = "\\u202e(555)', "pharmacy.phone"),
        ('address = "120', 'address = "\\u001b[2J120', "pharmacy.address"),
    ],
)
def test_settings_text_with_control_characters_is_exit_4_naming_file_and_key(
    cli, tmp_path, example_config, old, new, key
):
    config = _settings(tmp_path, example_config, old, new)
    result = cli(*LABEL_ARGS, "--config", str(config), "--db", str(tmp_path / "l.db"),
                 "-o", str(tmp_path / "l.pdf"))  # fmt: skip
    assert result.exit_code == 4, result.stderr
    assert _one_line(result).startswith(f"compounder: error: {config}: {key}: holds a control")


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('phone = "(555) 010-0199"', 'phone = "(555) 010-0199 ext .5"', "pharmacy.phone"),
        ('name = "Riverside', 'name = "1.0 mg Riverside', "pharmacy.name"),
    ],
)
def test_pharmacy_text_breaking_the_ismp_rules_is_exit_4_naming_file_and_key(
    cli, tmp_path, example_config, old, new, key
):
    config = _settings(tmp_path, example_config, old, new)
    result = cli(*LABEL_ARGS, "--config", str(config), "--db", str(tmp_path / "l.db"),
                 "-o", str(tmp_path / "l.pdf"))  # fmt: skip
    assert result.exit_code == 4, result.stderr
    assert _one_line(result).startswith(f"compounder: error: {config}: {key}: is not accepted")


def test_a_pharmacy_warning_breaking_the_ismp_rules_is_exit_4(cli, tmp_path, example_config):
    text = example_config.read_text(encoding="utf-8")
    config = tmp_path / "compounder.toml"
    config.write_text(
        text + '\n[warnings]\nprint = ["own"]\n[warnings.library.own]\nen = "Take 5mg qd"\n',
        encoding="utf-8",
    )
    result = cli(*LABEL_ARGS, "--config", str(config), "--db", str(tmp_path / "l.db"),
                 "-o", str(tmp_path / "l.pdf"))  # fmt: skip
    assert result.exit_code == 4, result.stderr
    assert _one_line(result).startswith(
        f"compounder: error: {config}: warnings.library.own.en: is not accepted"
    )


def test_a_jsonl_row_naming_a_field_twice_is_refused(cli, tmp_path, example_config):
    row = {"patient_name": "A B", "prescriber": "Dr A", "fill_date": "2026-12-01",
           "concentration": "1 mg/mL", "dose": "1.5 mg", "quantity": "30 mL"}  # fmt: skip
    body = json.dumps(row)[1:-1]
    orders = tmp_path / "orders.jsonl"
    orders.write_text(
        "{" + f'"rx_number": "11", {body}' + "}\n"
        "{" + f'"rx_number": "12", {body}, "rx_number": "13"' + "}\n"
        "{" + f'"rx_number": "14", {body}, " Dose ": "2 mg"' + "}\n",
        encoding="utf-8",
    )
    result = cli("batch", str(orders), "-o", str(tmp_path / "out"), "--config",
                 str(example_config), "--db", str(tmp_path / "l.db"))  # fmt: skip
    assert result.exit_code == 2, result.stderr
    assert "line 2" in result.stderr and "field 'rx_number' is given twice" in result.stderr
    assert "line 3" in result.stderr and "field ' Dose ' is given twice" in result.stderr
    assert "line 1" not in result.stderr
