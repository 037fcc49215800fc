"""`compounder fills`."""

from __future__ import annotations

import json


def test_fills_table(cli):
    result = cli(
        "fills", "--start-date", "2026-12-01", "--concentration", "1mg/mL", "--vehicle", "water"
    )
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "Fills for ldn-standard at 1 mg/mL in Purified water (overage 10%)"
    assert lines[4].split() == [
        "1",
        "2026-12-01",
        "step",
        "1:",
        "1.5",
        "mL",
        "(1.5",
        "mg)",
        "2026-12-01",
        "to",
        "2026-12-14",
        "14",
        "24",
        "mL",
        "2026-12-14",
    ]


def test_fill_spanning_steps_lists_both(cli):
    result = cli("fills", "--start-date", "2026-12-01", "--vehicle", "fawcett-preserved", "--json")
    data = json.loads(result.stdout)
    assert [s["dose_mg"] for s in data["fills"][0]["steps"]] == ["1.5", "2", "2.5"]


def test_fills_bad_input(cli):
    result = cli("fills", "--start-date", "tomorrow")
    assert result.exit_code == 2
    assert result.stderr.startswith("compounder: error: start-date: 'tomorrow' is not accepted")
    result = cli("fills", "--start-date", "2026-12-01", "--overage", "-5%")
    assert result.exit_code == 2
    assert "overage: '-5%' is not accepted" in result.stderr
    result = cli("fills", "--start-date", "2026-12-01", "-c", "3 mg/mL")
    assert result.exit_code == 3
