"""The reproductions of issue 24 at the command line: what said "proceed" (exit 0) and
must not, and the false positives that taught pharmacists to override."""

from __future__ import annotations

import json

import pytest


@pytest.mark.parametrize(
    "medicine",
    [
        "prednisone 20 mg for eye inflammation",
        "prednisone 5 mg daily for skin rash",
        "dexamethasone 4 mg for nasal polyps",
        "methotrexate for psoriasis (skin)",
    ],
)
def test_condition_words_never_downgrade_a_stop(cli, medicine):
    result = cli("screen", "--other-medication", medicine)
    assert result.exit_code == 3
    assert "Decision: REFUSE." in result.stdout and "caution" not in result.stdout


@pytest.mark.parametrize(
    "medicine",
    [
        "Humira", "adalimumab", "Enbrel", "Remicade", "rituximab", "Orencia", "abatacept",
        "tocilizumab", "Ocrevus", "Tysabri", "Gilenya", "cladribine", "cyclophosphamide",
        "leflunomide", "Xeljanz", "heroin", "kratom", "mitragynine", "Robitussin AC",
        "Hydromet", "Embeda", "naltrexone 50 mg", "Vivitrol", "Revia", "Contrave",
        "oxicodona", "morfina", "metadona", "buprenorfina", "fentanilo", "prednisona",
        "metotrexato", "ciclosporina",
    ],
)  # fmt: skip
def test_names_that_were_not_screened_are_stops(cli, medicine):
    result = cli("screen", "--other-medication", medicine, "--json")
    assert result.exit_code == 3, medicine
    data = json.loads(result.stdout)
    assert data["decision"] == "refuse" and data["not_screened"] == []


def test_naltrexone_is_its_own_stop(cli):
    result = cli("screen", "--other-medication", "Vivitrol 380 mg monthly")
    assert result.exit_code == 3
    assert "the patient already takes naltrexone" in result.stderr


@pytest.mark.parametrize(
    ("medicine", "wording"),
    [
        ("eluxadoline", "opioid antidiarrheal"),
        ("Viberzi", "opioid antidiarrheal"),
        ("loperamide 2 mg", "opioid antidiarrheal"),
        ("Imodium", "opioid antidiarrheal"),
        ("Uceris rectal foam", "caution (local form)"),
    ],
)
def test_false_positives_are_cautions(cli, medicine, wording):
    result = cli("screen", "--other-medication", medicine)
    assert result.exit_code == 0, result.stderr
    assert wording in result.stdout and "Decision: proceed." in result.stdout


def test_the_antidiarrheal_caution_has_the_label_wording(cli, tmp_path, example_config):
    result = cli(
        "label", "--rx", "1000990", "--patient", "Jane Doe", "--prescriber", "Dr A. Smith",
        "--dose", "1.5mg", "-c", "1mg/mL", "--quantity", "21mL", "-o", str(tmp_path / "l.pdf"),
        "--db", str(tmp_path / "log.db"), "--config", str(example_config),
        "--other-medication", "Imodium A-D",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "may not benefit from them" in result.stdout


def test_an_unidentified_medicine_is_a_stop_until_acknowledged(cli, tmp_path):
    refused = cli("screen", "--other-medication", "zyxqol 10 mg")
    assert refused.exit_code == 3 and "zyxqol" not in refused.stderr
    assert "--acknowledge-unscreened and --pharmacist INITIALS" in refused.stderr
    done = cli(
        "screen", "--other-medication", "zyxqol 10 mg", "--acknowledge-unscreened",
        "--pharmacist", "JD",
    )  # fmt: skip
    assert done.exit_code == 0
    assert "acknowledged by the pharmacist (JD)" in done.stdout


def test_the_record_prints_an_acknowledgement_and_none_taken(cli, tmp_path):
    from pypdf import PdfReader

    def record(name: str, *args: str) -> str:
        target = tmp_path / name
        result = cli(
            "record", "-c", "1 mg/mL", "--volume", "30 mL", "--prepared-by", "JD",
            "--checked-by", "MK", "-o", str(target), "--db", str(tmp_path / "log.db"), *args,
        )  # fmt: skip
        assert result.exit_code == 0, result.stderr
        return " ".join(" ".join(p.extract_text() for p in PdfReader(target).pages).split())

    text = record("a.pdf", "--other-medication", "zyxqol", "--acknowledge-unscreened",
                  "--pharmacist", "AB")  # fmt: skip
    assert "zyxqol: not identified: acknowledged by the pharmacist (Ana Brooks (AB))" in text
    text = record("b.pdf", "--no-other-medications")
    assert "Other medicines: none (the pharmacist asked; the patient takes none)." in text
