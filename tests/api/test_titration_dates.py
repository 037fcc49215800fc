"""Titration dates (issue 24): a fill whose first dose is after the fill date says when to
start, its BUD counts from the day it is filled, and a fill covering less than a week of
use carries a note and is logged as such."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from conftest import EXAMPLE_CONFIG

from compounder.api.dispensing import make_labels

# these labels are filled in 2028: a site that pre-dates (docs/staff.md)
PREDATING = Path(tempfile.mkdtemp(prefix="predating-")) / "compounder.toml"
PREDATING.write_text(
    EXAMPLE_CONFIG.read_text().replace("allow_future_dates = false", "allow_future_dates = true")
)


def titration(start: str, rx: str = "1000970", **extra):
    return make_labels(
        rx, "Jane Doe", "Dr A. Smith", titration=True, start_date=start,
        fill_date="2028-02-29", concentration="1 mg/mL", config=PREDATING, **extra,
    )  # fmt: skip


def test_the_label_says_when_to_start():
    run = titration("2028-03-02", log=False)
    lines = run.contents[0].to_dict()["lines"]
    assert lines["directions"] == "Start on Mar 2, 2028: take 1.5 mL (1.5 mg) by mouth at bedtime"
    assert "Filled: Feb 29, 2028 • Discard after: Mar 13, 2028" in lines["quantity and dates"]
    assert run.notes == []  # 12 days of use: not short


def test_in_spanish_too():
    run = titration("2028-03-02", log=False, language="en+es")
    assert run.contents[0].to_dict()["lines"]["directions (es)"] == (
        "Empiece el 2 mar 2028: tome 1.5 mL (1.5 mg) por vía oral al acostarse"
    )


def test_a_start_on_the_fill_date_reads_as_before():
    lines = titration("2028-02-29", log=False).contents[0].to_dict()["lines"]
    assert lines["directions"] == "Take 1.5 mL (1.5 mg) by mouth at bedtime"


def test_a_fill_of_less_than_a_week_carries_a_note_and_is_logged(tmp_path, cli):
    run = titration("2028-03-13", log=False)
    assert run.notes == [
        "fill 1 covers 1 day of use (less than a week, its first dose 13 days after the fill "
        "date): 2 mL dispensed, discarded on 2028-03-13"
    ]
    db = tmp_path / "log.db"
    titration("2028-03-13", rx="1000971", output=tmp_path / "l.pdf", db=db)
    found = cli("history", "--rx", "1000971", "--db", str(db), "--json")
    (entry,) = json.loads(found.stdout)["entries"]
    assert entry["payload"]["short_fills"] == [1]


def test_fills_plan_around_a_lot_that_expires_mid_titration(cli):
    result = cli(
        "fills", "--start-date", "2026-12-01", "-c", "1mg/mL", "--config", str(EXAMPLE_CONFIG),
        "--lot-expiry", "naltrexone 50mg tab:T9:2027-01-10", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["new_lots"] == [
        {"from_fill": 4, "expired": "naltrexone 50mg tab lot T9", "expiry": "2027-01-10"}
    ]
    assert data["fills"][2]["bud"] == "2027-01-10"  # the fill the lot can make, to its expiry
    assert data["fills"][3]["bud"] == "2027-01-24"  # a new lot: the USP limit again
    text = cli(
        "fills", "--start-date", "2026-12-01", "-c", "1mg/mL", "--config", str(EXAMPLE_CONFIG),
        "--lot-expiry", "naltrexone 50mg tab:T9:2027-01-10",
    ).stdout  # fmt: skip
    assert "Fill 4 onwards: a new lot (naltrexone 50mg tab lot T9 expires on 2027-01-10" in text


def test_labels_still_refuse_a_fill_from_an_expired_lot():
    import pytest

    from compounder.errors import SafetyError

    with pytest.raises(SafetyError, match="fill 4 is compounded on 2027-01-11"):
        make_labels(
            "1000972", "Jane Doe", "Dr A. Smith", titration=True, start_date="2026-12-01",
            fill="all", concentration="1 mg/mL", config=EXAMPLE_CONFIG, log=False,
            lot_expiry=["naltrexone 50mg tab:T9:2027-01-10"],
        )  # fmt: skip
