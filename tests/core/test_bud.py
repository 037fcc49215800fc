"""Beyond-use dates: category limits, studies, lot expiries, requests, day counting."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compounder.core.bud import beyond_use_date, expiry_basis, load_bud_rules
from compounder.core.lots import IngredientExpiry
from compounder.core.vehicles import find_vehicle, load_vehicles
from compounder.errors import DataFileError, InputError, SafetyError

DAY = date(2026, 12, 1)


@pytest.fixture(scope="module")
def rules():
    return load_bud_rules()


def test_water_is_14_days_refrigerated(rules):
    result = beyond_use_date(DAY, find_vehicle("water"), rules)
    assert result.bud == date(2026, 12, 14)  # day-1 counting: 1 Dec is day 1
    assert result.days_of_use == 14
    assert result.basis.kind == "category"
    assert "not preserved (14 days, refrigerator)" in result.basis.basis
    assert result.storage == "refrigerator"


def test_day_zero_counting_is_one_setting(rules):
    day0 = replace(rules, day_counting="day-0")
    result = beyond_use_date(DAY, find_vehicle("water"), day0)
    assert result.bud == date(2026, 12, 15)
    assert result.days_of_use == 15


def test_preserved_vehicle_study_does_not_extend_by_default(rules):
    result = beyond_use_date(DAY, find_vehicle("fawcett-preserved"), rules)
    assert result.bud == date(2027, 1, 4)  # 35 days, day 1 = 1 Dec
    assert result.basis.kind == "category"
    assert "Ann Pharmacother 1997;31:1291-5" in result.notes[0]


def test_study_may_exceed_when_the_rule_set_says_so(rules):
    result = beyond_use_date(
        DAY, find_vehicle("fawcett-preserved"), replace(rules, studies_may_exceed_table=True)
    )
    assert result.bud == date(2027, 1, 29)  # 60 days
    assert result.basis.kind == "study"
    assert "Fawcett" in result.basis.basis


def test_room_temperature_study_is_shorter_and_applies(rules):
    result = beyond_use_date(DAY, find_vehicle("fawcett-preserved"), rules, storage="room")
    assert result.bud == date(2026, 12, 30)  # 30 days at 25 °C
    assert result.basis.kind == "study"


def test_unpreserved_at_room_temperature_is_refused(rules):
    with pytest.raises(SafetyError, match="may not be stored at room"):
        beyond_use_date(DAY, find_vehicle("water"), rules, storage="room")


def test_lot_expiry_sets_the_bud(rules):
    lots = (IngredientExpiry("naltrexone 50 mg tab", "AB1234", date(2026, 12, 9)),)
    result = beyond_use_date(DAY, find_vehicle("water"), rules, lots)
    assert result.bud == date(2026, 12, 9)
    assert result.basis.basis == 'expiry of ingredient lot AB1234 ("naltrexone 50 mg tab")'


def test_expired_lot_is_refused(rules):
    lots = (IngredientExpiry("", "AB1", date(2026, 11, 30)),)
    with pytest.raises(InputError, match="this lot has expired"):
        beyond_use_date(DAY, find_vehicle("water"), rules, lots)


def test_requested_bud_shorter_accepted_longer_refused(rules):
    water = find_vehicle("water")
    shorter = beyond_use_date(DAY, water, rules, requested=date(2026, 12, 7))
    assert shorter.bud == date(2026, 12, 7)
    assert shorter.basis.basis == "shortened by the pharmacist"
    with pytest.raises(SafetyError, match="a BUD may be shortened, never extended"):
        beyond_use_date(DAY, water, rules, requested=date(2026, 12, 15))
    with pytest.raises(InputError):
        beyond_use_date(DAY, water, rules, requested=date(2026, 11, 1))


@given(
    st.sampled_from(["water", "fawcett-preserved"]),
    st.booleans(),
    st.sampled_from(["day-1", "day-0"]),
    st.lists(st.integers(0, 400), max_size=4),
    st.integers(0, 30),
)
def test_bud_never_later_than_any_limit(vehicle_id, exceed, counting, expiries, shift):
    rules = replace(load_bud_rules(), studies_may_exceed_table=exceed, day_counting=counting)
    vehicle = load_vehicles()[vehicle_id]
    compounded = DAY + timedelta(days=shift)
    lots = tuple(
        IngredientExpiry("x", str(i), compounded + timedelta(days=d))
        for i, d in enumerate(expiries)
    )
    result = beyond_use_date(compounded, vehicle, rules, lots)
    category = rules.categories[vehicle.category]
    study_days = [s.days for s in vehicle.studies if s.storage == result.storage]
    allowed = max([category.max_days, *study_days]) if exceed else category.max_days
    assert result.bud <= rules.bud_after(compounded, allowed)
    for lot in lots:
        assert result.bud <= lot.expiry
    assert result.bud >= compounded
    assert result.basis.date == result.bud


def test_malformed_rules_file(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text('day_counting = "day-2"\n')
    with pytest.raises(DataFileError, match=r"day_counting: 'day-2' is not accepted; expected"):
        load_bud_rules(str(path))


def test_expiry_basis_quotes_the_name_as_entered():
    def basis(ingredient: str, lot: str) -> str:
        return expiry_basis(IngredientExpiry(ingredient, lot, date(2026, 12, 9)))

    assert basis("naltrexone 50mg tab", "TB77") == (
        'expiry of ingredient lot TB77 ("naltrexone 50mg tab")'
    )
    assert basis('glycerol "USP"', "G1") == 'expiry of ingredient lot G1 ("glycerol \\"USP\\"")'
    assert basis("", "TB77") == "expiry of ingredient lot TB77"
    assert basis("", "") == "expiry of an ingredient"
