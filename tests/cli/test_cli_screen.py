"""compounder screen, and the safety options of label, chart and record on the CLI."""

from __future__ import annotations

import json

from conftest import pdf_pages


def test_screen_table_lists_every_medicine(cli):
    result = cli(
        "screen",
        "--other-medication", "oxycodone HCl 5 mg",
        "--other-medication", "Tylenol #3",
        "--other-medication", "naloxone",
        "--other-medication", "prednisone eye drops",
    )  # fmt: skip
    assert result.exit_code == 3
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Medicine", "Class", "Matched", "Action"]
    assert lines[2].split() == ["oxycodone", "HCl", "5", "mg", "opioid", "oxycodone", "STOP"]
    assert lines[3].split() == ["Tylenol", "#3", "opioid", "tylenol", "#3", "STOP"]
    assert lines[4].startswith("naloxone") and "no class: proceed" in lines[4]
    assert lines[5].split()[-3:] == ["caution", "(local", "form)"]
    assert lines[-1] == "Decision: REFUSE."
    assert result.stderr == (
        "compounder: error: refused: other medication: oxycodone (opioid): naltrexone must not "
        "be taken with it; tylenol #3 (opioid): naltrexone must not be taken with it; refer to "
        "the prescriber, or proceed "
        'with --override "reason" and --pharmacist INITIALS\n'
    )


def test_screen_json_with_override(cli):
    result = cli(
        "screen", "--other-medication", "Suboxone 8/2", "--override", "induction planned",
        "--pharmacist", "mk", "--liver-kidney-history", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["decision"] == "override"
    assert data["hits"][0]["class"] == "opioids"
    assert data["override"] == {
        "reason": "induction planned", "pharmacist": "MK", "pharmacist_name": "Marcus Kim"
    }  # fmt: skip
    assert data["liver_kidney_history"] is True


def test_screen_nothing_given_says_so(cli):
    result = cli("screen")
    assert result.exit_code == 0
    assert "nothing was screened" in result.stdout


def test_override_without_initials_is_an_input_error(cli):
    result = cli("screen", "--other-medication", "Norco", "--override", "aware")
    assert result.exit_code == 2
    assert "pharmacist" in result.stderr


def test_label_json_has_the_screening_decision(cli, tmp_path, example_config):
    result = cli(
        "label", "--rx", "1000301", "--patient", "Jane Doe", "--prescriber", "Dr A. Smith",
        "--dose", "1 mg", "--off-protocol-reason", "prescriber wrote 1 mg",
        "--quantity", "20 mL", "-c", "1 mg/mL", "-o", str(tmp_path / "l.pdf"),
        "--config", str(example_config), "--other-medication", "zyxqol",
        "--acknowledge-unscreened", "--pharmacist", "JD",
        "--db", str(tmp_path / "log.db"), "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["screening"]["decision"] == "acknowledged"
    assert data["screening"]["not_screened"] == ["zyxqol"]
    assert data["off_protocol_reason"] == "prescriber wrote 1 mg"
    assert any("acknowledged by JD" in note for note in data["notes"])
    history = cli("history", "--rx", "1000301", "--db", str(tmp_path / "log.db"), "--json")
    (entry,) = json.loads(history.stdout)["entries"]
    assert entry["payload"]["off_protocol_reason"] == "prescriber wrote 1 mg"
    assert entry["payload"]["screening"]["not_screened"] == ["zyxqol"]
    assert entry["payload"]["screening"]["acknowledged"]["pharmacist"] == "JD"


def test_label_off_protocol_dose_without_reason_is_refused(cli, tmp_path, example_config):
    result = cli(
        "label", "--rx", "1000302", "--patient", "Jane Doe", "--prescriber", "Dr A. Smith",
        "--dose", "1 mg", "--quantity", "20 mL", "-c", "1 mg/mL", "-o", str(tmp_path / "l.pdf"),
        "--config", str(example_config),
    )  # fmt: skip
    assert result.exit_code == 3
    assert "--off-protocol-reason" in result.stderr
    assert not (tmp_path / "l.pdf").exists()


def test_record_prints_safety_checks(cli, tmp_path):
    target = tmp_path / "record.pdf"
    result = cli(
        "record", "-c", "1 mg/mL", "--volume", "30 mL", "--prepared-by", "JD",
        "--checked-by", "MK", "--rx", "1000303", "-o", str(target),
        "--db", str(tmp_path / "log.db"), "--other-medication", "prednisone 5 mg",
        "--override", "rheumatologist tapering, aware", "--pharmacist", "JD",
        "--liver-kidney-history", "--off-protocol-reason", "prescriber wrote 1 mg",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "Note: Override by Julia Diaz (JD): rheumatologist tapering, aware" in result.stdout
    text = " ".join(" ".join(p.extract_text() for p in pdf_pages(target.read_bytes())).split())
    assert "Other medicines screened: prednisone 5 mg" in text
    assert "prednisone 5 mg: systemic corticosteroid (prednisone) - STOP (overridden)" in text
    assert "Caution: the patient reports previous liver or kidney problems" in text
    assert "Off-protocol dose. Reason: prescriber wrote 1 mg" in text


def test_record_without_medicines_says_none_were_screened(cli, tmp_path):
    target = tmp_path / "record.pdf"
    result = cli(
        "record", "-c", "1 mg/mL", "--volume", "30 mL", "--prepared-by", "JD",
        "--checked-by", "MK", "-o", str(target), "--db", str(tmp_path / "log.db"),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    text = " ".join(" ".join(p.extract_text() for p in pdf_pages(target.read_bytes())).split())
    assert "Other medicines: not screened (none were entered)." in text


def test_record_refuses_a_stop(cli, tmp_path):
    result = cli(
        "record", "-c", "1 mg/mL", "--volume", "30 mL", "--prepared-by", "JD",
        "--checked-by", "MK", "-o", str(tmp_path / "r.pdf"), "--db", str(tmp_path / "log.db"),
        "--other-medication", "CellCept 500 mg",
    )  # fmt: skip
    assert result.exit_code == 3
    assert "CellCept (immunosuppressant" in result.stderr
    assert not (tmp_path / "r.pdf").exists()


def test_plan_and_fills_take_start_and_target(cli):
    result = cli(
        "plan", "-c", "1 mg/mL", "--start-date", "2026-12-01", "--start-dose", "3 mg",
        "--target-dose", "3.5 mg", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert [(s["dose_mg"], s["days"], s["maintenance"]) for s in data["steps"]] == [
        ("3", 14, False),
        ("3.5", 28, True),
    ]
    fills = cli(
        "fills", "--start-date", "2026-12-01", "-c", "1 mg/mL", "--start-dose", "3 mg",
        "--target-dose", "3.5 mg", "--json",
    )  # fmt: skip
    assert fills.exit_code == 0, fills.stderr
    # 3 mg x 14 = 42 mL + 10% -> 47 mL; 3.5 mg x 14 = 49 mL + 10% -> 54 mL, twice
    assert [f["dispense_ml"] for f in json.loads(fills.stdout)["fills"]] == ["47", "54", "54"]


def test_fills_report_says_how_maintenance_continues(cli):
    result = cli("fills", "--start-date", "2026-12-01", "-c", "1 mg/mL", "--target-dose", "2 mg")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.rstrip().endswith(
        "Maintenance at 2 mg (step 2): 28 days planned; plan the next fills with "
        "--start-dose 2 mg --target-dose 2 mg."
    )


def test_titration_labels_with_a_target(cli, tmp_path, example_config):
    # 1.5 mg 14 days, then 2 mg for 28 days: three 14-day fills in water, one label each
    result = cli(
        "label", "--rx", "1000304", "--patient", "Jane Doe", "--prescriber", "Dr A. Smith",
        "--titration", "--fill", "all", "--start-date", "2026-12-01", "--target-dose", "2 mg",
        "-c", "1 mg/mL",
        "--vehicle", "water", "-o", str(tmp_path / "t.pdf"), "--config", str(example_config),
        "--db", str(tmp_path / "log.db"), "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    labels = json.loads(result.stdout)["labels"]
    assert len(labels) == 3
    texts = [
        " ".join(page.extract_text().split())
        for page in pdf_pages((tmp_path / "t.pdf").read_bytes())
    ]
    assert "Take 1.5 mL (1.5 mg) by mouth at bedtime" in texts[0]
    assert all("Take 2 mL (2 mg) by mouth at bedtime" in t for t in texts[1:])


def test_an_override_with_nothing_to_override_is_not_recorded(cli):
    result = cli(
        "screen", "--other-medication", "metformin", "--override", "just in case",
        "--pharmacist", "JD",
    )  # fmt: skip
    assert result.exit_code == 0
    assert "--override was given but nothing was stopped: it is not recorded" in result.stdout
    data = json.loads(
        cli(
            "screen",
            "--other-medication",
            "metformin",
            "--override",
            "just in case",
            "--pharmacist",
            "JD",
            "--json",
        ).stdout
    )
    assert data["decision"] == "proceed" and data["override"] is None


def test_a_local_word_does_not_make_an_oral_steroid_local(cli):
    for medicine in (
        "prednisone 40 mg tablets for eye inflammation",
        "hydrocortisone 20 mg tablet, skin rash",
    ):
        result = cli("screen", "--other-medication", medicine)
        assert result.exit_code == 3, result.stdout
        assert "(local form)" not in result.stdout
        assert result.stdout.splitlines()[-1] == "Decision: REFUSE."
    result = cli("screen", "--other-medication", "hydrocortisone 1% cream")
    assert result.exit_code == 0, result.stderr
    assert "caution (local form)" in result.stdout


def test_look_alike_names(cli):
    wide = cli("screen", "--other-medication", "ｏｘｙｃｏｄｏｎｅ 5 mg")
    assert wide.exit_code == 3 and "oxycodone (opioid)" in wide.stderr
    for medicine in ("oxy\u200bcodone", "\u043exycodone"):
        result = cli("screen", "--other-medication", medicine)
        assert result.exit_code == 2
        (line,) = result.stderr.splitlines()
        assert line.startswith("compounder: error: other-medication: the value given")
        assert "codone" not in line and "Traceback" not in result.stderr
