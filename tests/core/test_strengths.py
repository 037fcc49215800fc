"""The strength solver."""

from __future__ import annotations

from decimal import Decimal

import pytest

from compounder.core.protocols import load_protocol
from compounder.core.strengths import (
    candidate_concentrations,
    rank_strengths,
    recommended_concentration,
)
from compounder.errors import DataFileError, SafetyError


def test_candidates_are_data():
    assert candidate_concentrations() == [Decimal(x) for x in ["1", "0.5", "2", "3"]]


def test_standard_ranking(standard, catalogue):
    ranked = rank_strengths(standard, catalogue, candidate_concentrations())
    summary = [
        (r.plan.concentration_text, r.measurable, r.to_dict()["syringe_count"]) for r in ranked
    ]
    # 1 mg/mL: all steps in the fill band with 3 syringes; 0.5 mg/mL needs only 2
    # syringes but fills the 10 mL one to 90% for 4.5 mg, so it ranks second.
    assert summary == [
        ("1 mg/mL", True, 3),
        ("0.5 mg/mL", True, 2),
        ("2 mg/mL", False, None),
        ("3 mg/mL", False, None),
    ]
    assert ranked[2].to_dict()["problems"][0] == (
        "step 3: 1.25 mL is not on the marks of any syringe"
    )


def test_fewest_syringes_breaks_ties_then_convention(standard, catalogue):
    # 2.5 and 5 mg/mL both measure every step in band with 2 syringes (1 mL and 3 mL);
    # 2.5 comes first because it is listed first; 1 mg/mL needs 3 syringes.
    ranked = rank_strengths(standard, catalogue, [Decimal("1"), Decimal("2.5"), Decimal("5")])
    assert [r.plan.concentration_text for r in ranked] == ["2.5 mg/mL", "5 mg/mL", "1 mg/mL"]


def test_recommended(standard, catalogue):
    assert recommended_concentration(standard, catalogue, candidate_concentrations()) == 1
    with pytest.raises(SafetyError, match="no candidate concentration measures every step"):
        recommended_concentration(standard, catalogue, [Decimal("3")])


def test_slow_start_recommended(catalogue):
    protocol = load_protocol("ldn-slow-start")
    assert recommended_concentration(protocol, catalogue, candidate_concentrations()) == 1


def test_bad_candidates_file(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('candidates = ["1 mg/mL", "2 mg"]\n')
    with pytest.raises(DataFileError, match=r"candidates\[1\]\.value: '2 mg' is not accepted"):
        candidate_concentrations(str(path))
