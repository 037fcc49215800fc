"""compounder receive, release, hold, stock (and stock adjust), recall: exit codes,
tables, JSON and CSV."""

from __future__ import annotations

import json


def _db(tmp_path) -> str:
    return str(tmp_path / "log.db")


def test_receive_then_stock_as_table_json_and_csv(cli, tmp_path):
    db = _db(tmp_path)
    result = cli(
        "receive", "--ingredient", "tablet-50mg", "--lot", "AB1234", "--expiry", "2027-06-30",
        "--quantity", "100 tablets", "--db", db,
    )
    assert result.exit_code == 0 and "100 tablets on hand, released" in result.stdout
    assert cli("stock", "adjust", "AB1234", "--by", "-3 tablets", "--reason", "broken",
               "--db", db).exit_code == 0
    table = cli("stock", "--db", db, "--expiring-within", "3660", "-o", str(tmp_path / "s.csv"))
    assert table.exit_code == 0 and "97 tablets" in table.stdout and "Expiring" in table.stdout
    data = json.loads(cli("stock", "--db", db, "--json").stdout)
    assert data["lots"][0]["on_hand"] == {"amount": "97", "unit": "tablets", "text": "97 tablets"}
    csv = (tmp_path / "s.csv").read_text().splitlines()
    assert csv[0] == "lot,ingredient,amount,unit,expiry,status,supplier"
    assert csv[1].startswith("AB1234,Naltrexone hydrochloride 50 mg tablets,97,tablets,2027-06-30")


def test_release_hold_and_recall_from_the_command_line(cli, tmp_path):
    db = _db(tmp_path)
    assert cli("receive", "--scan", "(01)09501101530010(17)270300(10)P778", "--quantity",
               "5 g", "--db", db).exit_code == 0
    assert "quarantined" in cli("stock", "--db", db).stdout
    for who, problem in [
        ("TR", "TR is a technician in the staff register"),  # a release needs a pharmacist
        ("Julia Diaz", "'Julia Diaz' is not in the staff register"),
        ("OL", "OL is not active in the staff register"),
    ]:
        refused = cli("release", "P778", "--pharmacist", who, "--db", db)
        assert refused.exit_code == 2 and f"pharmacist: {problem}" in refused.stderr
    assert "quarantined" in cli("stock", "--db", db).stdout  # nothing released
    released = cli("release", "P778", "--pharmacist", "j.d.", "--db", db)
    assert released.exit_code == 0 and "released by JD" in released.stdout
    assert cli("hold", "P778", "--reason", "damp", "--db", db).exit_code == 0
    assert "on hold" in cli("stock", "--db", db).stdout
    recalled = cli("recall", "P778", "--reason", "supplier recall", "--db", db, "--json",
                   "-o", str(tmp_path / "w.csv"))
    assert recalled.exit_code == 0 and json.loads(recalled.stdout)["rows"] == []
    assert (tmp_path / "w.csv").read_text().startswith("preparation_lot,compounded,rx,patient")
    again = cli("release", "P778", "--pharmacist", "JD", "--db", db)
    assert again.exit_code == 3 and "recalled" in again.stderr
    assert "P778" not in cli("stock", "--db", db).stdout  # recalled lots are off the shelf
    assert "P778" in cli("stock", "--all", "--db", db).stdout


def test_bad_input_is_one_line_with_exit_2(cli, tmp_path):
    db = _db(tmp_path)
    for args in (
        ["receive", "--scan", "01095011015300191727063010X", "--quantity", "1 tablets"],
        ["receive", "--ingredient", "nothing", "--lot", "A1", "--expiry", "2027-01-01",
         "--quantity", "1 tablets"],
        ["receive", "--ingredient", "tablet-50mg", "--lot", "A1", "--expiry", "2027-01-01",
         "--quantity", "1.5 tablets"],
        ["release", "NOPE1", "--pharmacist", "JD"],
        ["stock", "adjust", "NOPE1", "--by", "3 tablets", "--reason", "x"],
    ):
        result = cli(*args, "--db", db)
        assert result.exit_code == 2, args
        assert result.stderr.startswith("compounder: error: ") and "Traceback" not in result.stderr
