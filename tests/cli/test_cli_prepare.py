"""`compounder prepare`: output, JSON and every kind of bad input."""

from __future__ import annotations

import json

import pytest

BASE = ["prepare", "--concentration", "1mg/mL", "--volume", "30mL", "--date", "2026-12-01"]


def test_tablets_table(cli):
    result = cli(*BASE, "--from", "tablets", "--vehicle", "water")
    assert result.exit_code == 0
    out = result.stdout
    assert "Use:            1 tablet of 50 mg" in out
    assert "Make up to:     50 mL with Purified water" in out
    assert "Volume made:    50 mL (20 mL more than requested)" in out
    assert "BUD:            2026-12-14 (14 days of use from 2026-12-01)" in out
    assert "BUD set by:     USP <795> (2023)" in out


def test_powder_json(cli):
    result = cli(
        "prepare",
        "--concentration",
        "1mg/mL",
        "--volume",
        "100mL",
        "--from",
        "powder",
        "--assay",
        "99.2%",
        "--water",
        "0.8%",
        "--vehicle",
        "fawcett-preserved",
        "--date",
        "2026-12-01",
        "--json",
    )
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["drug_mass_mg"] == "101.7"
    assert data["final_volume_ml"] == "100"
    assert data["bud"] == "2027-01-04"
    assert "aqueous preparations, preserved" in data["bud_basis"]


def test_lot_expiry_repeated_and_file(cli, tmp_path):
    lots = tmp_path / "lots.csv"
    lots.write_text("ingredient,lot,expiry\nvehicle,W9,2026-12-08\n")
    result = cli(
        *BASE,
        "--lot-expiry",
        "tab:AB1:2026-12-10",
        "--lot-expiry",
        "2026-12-12",
        "--lots-file",
        str(lots),
        "--json",
    )
    data = json.loads(result.stdout)
    assert data["bud"] == "2026-12-08"
    assert data["bud_basis"] == 'expiry of ingredient lot W9 ("vehicle")'


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["--volume", "0 mL"],
            2,
            "volume: '0 mL' is not accepted; expected a volume such as '30 mL', greater than zero",
        ),
        (["--volume", "-30 mL"], 2, "volume: '-30 mL' is not accepted"),
        (
            ["--from", "powder", "--assay", "102.5%", "--water", "0%"],
            3,
            "refused: assay 102.5% is outside 98%-102% for Naltrexone hydrochloride USP powder "
            "(USP monograph Naltrexone Hydrochloride",
        ),
        (
            ["--from", "powder", "--assay", "90%", "--water", "12%"],
            3,
            "refused: assay 90% is outside 98%-102%",
        ),
        (
            ["--from", "powder", "--assay", "99%", "--water", "15.5%"],
            3,
            "refused: water 15.5% is outside 0%-15%",
        ),
        (
            ["--from", "powder", "--assay", "201%", "--water", "0%"],
            2,
            "assay: '201%' is not accepted; expected a percentage such as '99.2%', above 0% and "
            "at most 200%",
        ),
        (["--from", "powder", "--assay", "0%", "--water", "0%"], 2, "assay: '0%' is not accepted"),
        (
            ["--from", "powder", "--assay", "99%", "--water", "100%"],
            2,
            "water: '100%' is not accepted",
        ),
        (
            ["--vehicle", "orange juice"],
            2,
            "vehicle: 'orange juice' is not accepted; expected one of water, fawcett-preserved",
        ),
        (
            ["--from", "capsules"],
            2,
            "from: 'capsules' is not accepted; expected one of tablet-50mg, tablets",
        ),
        (
            ["--lot-expiry", "AB1:2026-11-30"],
            2,
            "lot-expiry: 'AB1: 2026-11-30' is not accepted; expected an ingredient expiry on or "
            "after the compounding date 2026-12-01 (this lot has expired: do not use it)",
        ),
        (
            ["--date", "2026-02-30"],
            2,
            "date: '2026-02-30' is not accepted; expected a date written YYYY-MM-DD",
        ),
        (["--lot-expiry", "AB1:30/06/2027"], 2, "lot-expiry: 'AB1:30/06/2027' is not accepted"),
        (
            ["--bud", "2027-01-01"],
            3,
            "refused: requested BUD 2027-01-01 is later than the computed BUD 2026-12-14",
        ),
        (["--concentration", "1 mg"], 2, "concentration: '1 mg' is not accepted"),
    ],
)
def test_bad_input(cli, args, code, message):
    result = cli(*BASE, *args)
    assert result.exit_code == code
    assert result.stderr.startswith("compounder: error: " + message)
    assert len(result.stderr.strip().splitlines()) == 1


def test_shorter_bud_accepted(cli):
    result = cli(*BASE, "--bud", "2026-12-07", "--json")
    data = json.loads(result.stdout)
    assert (data["bud"], data["bud_basis"]) == ("2026-12-07", "shortened by the pharmacist")


def test_the_concentration_defaults_to_the_settings(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "none"))
    settings = tmp_path / "site.toml"
    settings.write_text(
        '[pharmacy]\nname = "P"\naddress = "A"\nphone = "1"\n'
        '[defaults]\nconcentration = "0.5 mg/mL"\n'
    )
    result = cli("prepare", "--volume", "30mL", "--config", str(settings), "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["concentration"] == "0.5 mg/mL"
    shipped = cli("prepare", "--volume", "30mL", "--json")
    assert json.loads(shipped.stdout)["concentration"] == "1 mg/mL"
