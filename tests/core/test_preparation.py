"""What to prepare: hand-worked tablet and powder cases, and properties."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compounder.content.reports import preparation_dict
from compounder.core.bud import load_bud_rules
from compounder.core.preparation import prepare
from compounder.core.sources import load_sources
from compounder.core.vehicles import find_vehicle
from compounder.errors import InputError, SafetyError

DAY = date(2026, 12, 1)


@pytest.fixture(scope="module")
def sources():
    return load_sources()


def make(sources, conc, volume, source, vehicle="water", **kw):
    return prepare(
        Decimal(conc),
        Decimal(volume),
        sources.find(source),
        find_vehicle(vehicle),
        sources,
        load_bud_rules(),
        DAY,
        **kw,
    )


def test_30ml_from_tablets(sources):
    prep = make(sources, "1", "30", "tablets")
    data = preparation_dict(prep)
    assert data["tablets"] == 1
    assert data["final_volume_ml"] == "50"
    assert data["excess_ml"] == "20"
    assert data["bud"] == "2026-12-14"
    assert "not preserved" in data["bud_basis"]
    assert data["auxiliary_warnings"] == [
        "Shake well",
        "Refrigerate, do not freeze",
        "Protect from light",
    ]
    assert data["method"][0] == "Count 1 x 50 mg tablet and place in a clean mortar."
    assert data["method"][4] == "Make up to 50 mL with Purified water."


def test_tablets_round_up(sources):
    prep = make(sources, "1", "60", "tablets")
    assert (prep.tablets, prep.final_volume_ml, prep.excess_ml) == (2, 100, 40)
    prep = make(sources, "0.5", "100", "tablets")
    assert (prep.tablets, prep.final_volume_ml, prep.excess_ml) == (1, 100, 0)


def test_100ml_from_powder_assay_and_water(sources):
    # 100 mg HCl / (0.992 x (1 - 0.008)) = 101.6194... mg, weighed up to 0.1 mg: 101.7 mg
    prep = make(
        sources,
        "1",
        "100",
        "powder",
        "fawcett-preserved",
        assay=Decimal("0.992"),
        water=Decimal("0.008"),
    )
    data = prep.to_dict()
    assert data["drug_mass_mg"] == "101.7"
    assert data["drug_mass_calculated_mg"] == "about 101.6194"
    assert prep.drug_mass_calculated == Fraction(100) / (Fraction("0.992") * Fraction("0.992"))
    assert data["final_volume_ml"] == "100"
    assert data["bud"] == "2027-01-04"


def test_100ml_from_base_powder(sources):
    # 100 mg HCl x 341.40/377.86 = 90.3509 mg base; / 0.984064 = 91.8141 mg; weigh 91.9 mg
    prep = make(sources, "1", "100", "base-powder", assay=Decimal("0.992"), water=Decimal("0.008"))
    assert prep.to_dict()["drug_mass_mg"] == "91.9"
    assert prep.to_dict()["drug_mass_calculated_mg"] == "about 91.8141"
    assert prep.drug_in_batch_mg >= 100


def test_powder_needs_certificate_values(sources):
    with pytest.raises(InputError, match="certificate of analysis"):
        make(sources, "1", "100", "powder")
    with pytest.raises(InputError, match="only with a powder source"):
        make(sources, "1", "30", "tablets", assay=Decimal("0.99"))


def test_weight_below_balance_minimum_refused(sources):
    with pytest.raises(
        SafetyError,
        match=r"below the balance's minimum weight of 10 mg; make at "
        r"least 10 mL",
    ):
        make(sources, "1", "5", "powder", assay=Decimal("1"), water=Decimal("0"))


@given(
    st.sampled_from(["0.5", "1", "2", "3"]),
    st.integers(1, 500),
    st.sampled_from(["tablets", "powder", "base-powder"]),
    st.integers(980, 1020),
    st.integers(0, 150),
)
def test_drug_made_is_never_less_than_needed(conc, volume, source, assay, water):
    sources = load_sources()
    kw = {}
    if source != "tablets":
        kw = {"assay": Decimal(assay) / 1000, "water": Decimal(water) / 1000}
    try:
        prep = make(sources, conc, volume, source, **kw)
    except SafetyError:
        return  # below the minimum weight: refused, nothing to check
    needed = Fraction(Decimal(conc)) * volume
    assert prep.drug_in_batch_mg >= needed
    assert prep.final_volume_ml >= volume
    if prep.tablets is not None:
        assert prep.final_volume_ml * Decimal(conc) == prep.tablets * 50
        assert (prep.tablets - 1) * 50 < needed  # not one tablet more than needed
