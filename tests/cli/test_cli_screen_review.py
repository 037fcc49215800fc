"""The review of issue 24's screening: a local form downgrades only its own medicine, the
refusal names the right one, every drug-like word must be identified, a reason without
initials is "pharmacist: missing", and a reason that is not needed is refused."""

from __future__ import annotations

import csv
import json

import pytest
from conftest import LABEL_ARGS, RECORD_ARGS

MIXED = [
    "prednisone 20 mg, hydrocortisone cream",
    "hydrocortisone cream and prednisone 10 mg",
    "prednisone 20 mg with eye drops",
    "prednisone 20 mg; artificial tears eye drops",
    "fluticasone nasal spray and prednisone",
    "prednisone 20 mg (also uses hydrocortisone cream)",
    "hydrocortisone cream; prednisone 10 mg tablet",
]


@pytest.mark.parametrize("medicine", MIXED)
def test_a_local_form_downgrades_only_its_own_medicine(cli, medicine):
    result = cli("screen", "--other-medication", medicine, "--json")
    assert result.exit_code == 3, medicine
    data = json.loads(result.stdout)
    stops = [h["matched"] for h in data["hits"] if h["action"] == "stop"]
    assert stops == ["prednisone"], medicine
    cautions = {h["matched"] for h in data["hits"] if h["action"] == "caution"}
    assert cautions <= {"hydrocortisone", "fluticasone"}
    refused = cli("screen", "--other-medication", medicine)
    assert "prednisone (systemic corticosteroid" in refused.stderr
    assert "hydrocortisone (" not in refused.stderr


def test_two_steroids_each_keep_their_own_action(cli):
    data = json.loads(
        cli("screen", "--other-medication", "betamethasone cream, dexamethasone", "--json").stdout
    )
    assert {(h["matched"], h["action"]) for h in data["hits"]} == {
        ("betamethasone", "caution"), ("dexamethasone", "stop"),
    }  # fmt: skip


def test_the_refusal_names_prednisone_and_shows_the_cream_as_a_caution(cli):
    result = cli("screen", "--other-medication", "hydrocortisone cream; prednisone 10 mg tablet")
    assert result.exit_code == 3
    assert "prednisone (systemic corticosteroid" in result.stderr
    assert "hydrocortisone" not in result.stderr
    assert "hydrocortisone" in result.stdout and "caution (local form)" in result.stdout


@pytest.mark.parametrize("medicine", MIXED[:2])
def test_label_record_and_batch_refuse_naming_prednisone(cli, tmp_path, medicine, example_config):
    label = cli(*LABEL_ARGS, "-o", str(tmp_path / "l.pdf"), "--db", str(tmp_path / "a.db"),
                "--other-medication", medicine, "--config", str(example_config))  # fmt: skip
    record = cli(*RECORD_ARGS, "-o", str(tmp_path / "r.pdf"), "--db", str(tmp_path / "b.db"),
                 "--other-medication", medicine, "--config", str(example_config))  # fmt: skip
    for result in (label, record):
        assert result.exit_code == 3, result.stderr
        assert "prednisone (systemic corticosteroid" in result.stderr
    assert not (tmp_path / "l.pdf").exists() and not (tmp_path / "r.pdf").exists()
    orders = tmp_path / "orders.csv"
    with orders.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["rx_number", "patient_name", "prescriber", "fill_date",
                         "concentration", "dose", "quantity", "other_medications"])  # fmt: skip
        writer.writerow(["4000001", "Jane Doe", "Dr A. Smith", "2026-12-01", "1 mg/mL",
                         "3 mg", "30 mL", medicine])  # fmt: skip
    batch = cli(
        "batch",
        str(orders),
        "-o",
        str(tmp_path / "out"),
        "--check",
        "--config",
        str(example_config),
    )
    assert batch.exit_code != 0
    assert "prednisone (systemic corticosteroid" in batch.stdout + batch.stderr


@pytest.mark.parametrize(
    "medicine", ["metformin 500 mg oxycdne 5 mg", "metformin 500 mg zyxqol 10 mg"]
)
def test_an_unknown_word_beside_a_known_medicine_is_not_identified(cli, medicine):
    result = cli("screen", "--other-medication", medicine, "--json")
    assert result.exit_code == 3
    assert json.loads(result.stdout)["not_screened"] == [medicine]
    done = cli("screen", "--other-medication", medicine, "--acknowledge-unscreened",
               "--pharmacist", "JD")  # fmt: skip
    assert done.exit_code == 0


def test_guaifenesin_ac_is_an_opioid(cli):
    result = cli("screen", "--other-medication", "guaifenesin AC", "--json")
    assert result.exit_code == 3
    assert [h["class"] for h in json.loads(result.stdout)["hits"]] == ["opioids"]


def test_an_off_protocol_reason_without_initials_is_pharmacist_missing(
    cli, tmp_path, example_config
):
    args = [a if a != "1.5mg" else "4.6mg" for a in LABEL_ARGS]
    result = cli(*args, "-o", str(tmp_path / "l.pdf"), "--db", str(tmp_path / "a.db"),
                 "--no-other-medications", "--off-protocol-reason", "x",
                 "--config", str(example_config))  # fmt: skip
    assert result.exit_code == 2, result.stderr
    assert "pharmacist: missing" in result.stderr


def test_screen_help_says_unknown_is_a_stop(cli):
    text = " ".join(cli("screen", "--help").stdout.split())
    assert "not screened" not in text
    assert "--acknowledge-unscreened" in text


def test_a_beyond_bud_reason_that_is_not_needed_is_refused(cli, tmp_path, example_config):
    args = [a if a != "25mL" else "21mL" for a in LABEL_ARGS]
    result = cli(*args, "-o", str(tmp_path / "l.pdf"), "--db", str(tmp_path / "a.db"),
                 "--no-other-medications", "--beyond-bud-reason", "x",
                 "--config", str(example_config))  # fmt: skip
    assert result.exit_code == 2, result.stdout
    assert "beyond-bud-reason" in result.stderr and "not needed" in result.stderr
    assert not (tmp_path / "l.pdf").exists()


@pytest.mark.parametrize(
    ("dose", "quantity", "extra", "column", "wording"),
    [
        ("4.6 mg", "30 mL", {"off_protocol_reason": "x"}, "pharmacist", "missing"),
        ("1.5 mg", "21 mL", {"beyond_bud_reason": "x"}, "beyond_bud_reason", "not needed"),
    ],
)
def test_batch_rows_refuse_a_reason_without_initials_or_not_needed(
    cli, tmp_path, example_config, dose, quantity, extra, column, wording
):
    orders = tmp_path / "orders.csv"
    header = ["rx_number", "patient_name", "prescriber", "fill_date", "concentration", "dose",
              "quantity", "other_medications", *extra]  # fmt: skip
    with orders.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerow(["4000002", "Jane Doe", "Dr A. Smith", "2026-12-01", "1 mg/mL", dose,
                         quantity, "metformin", *extra.values()])  # fmt: skip
    result = cli("batch", str(orders), "-o", str(tmp_path / "out"), "--check",
                 "--config", str(example_config), "--json")  # fmt: skip
    assert result.exit_code == 2, result.stdout + result.stderr
    assert column in result.stdout and wording in result.stdout
