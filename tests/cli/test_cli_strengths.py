"""`compounder strengths`."""

from __future__ import annotations

import json


def test_strengths_table(cli):
    result = cli("strengths")
    assert result.exit_code == 0
    rows = result.stdout.splitlines()
    assert rows[0] == "Concentrations for ldn-standard, best first"
    assert rows[4].startswith("1     1 mg/mL        every step exact; 3 syringe(s)")
    assert rows[5].startswith("2     0.5 mg/mL      every step exact; 2 syringe(s); 1 step(s)")
    assert "NOT MEASURABLE: step 2: 0.667... mL is not on the marks of any syringe" in rows[7]


def test_strengths_json(cli):
    result = cli("strengths", "--protocol", "ldn-weekly", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["protocol"] == "ldn-weekly"
    assert [c["concentration"] for c in data["candidates"]][:2] == ["1 mg/mL", "0.5 mg/mL"]
    assert data["candidates"][0]["syringes"] == ["oral-3ml", "oral-5ml-0.1", "oral-10ml-0.5"]


def test_strengths_own_candidates(cli, tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('candidates = ["5 mg/mL", "2.5 mg/mL"]\n')
    result = cli("strengths", "--candidates", str(path), "--json")
    data = json.loads(result.stdout)
    assert [c["concentration"] for c in data["candidates"]] == ["5 mg/mL", "2.5 mg/mL"]
