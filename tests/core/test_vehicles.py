"""Vehicles as sub-formulas: amounts per volume worked out for a batch, by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compounder.core.vehicles import find_vehicle, load_vehicles, vehicle_amounts
from compounder.errors import DataFileError

READABILITY, MINIMUM = Decimal("0.1"), Decimal(10)


def amounts(volume: str, vehicle: str = "fawcett-preserved") -> dict[str, tuple]:
    batch = vehicle_amounts(find_vehicle(vehicle), Decimal(volume), READABILITY, MINIMUM)
    return {a.ingredient.id: (a.amount, a.unit) for a in batch.amounts}


@pytest.mark.parametrize(
    ("volume", "ascorbic_mg", "benzoate_mg", "glycerol_ml"),
    [
        # 0.5 g/100 mL = 5 mg/mL; 0.1 g/100 mL = 1 mg/mL; 20 mL/100 mL = 0.2 mL/mL
        ("30", "150", "30", "6"),  # 30 x 5 = 150; 30 x 1 = 30; 30 x 0.2 = 6
        ("100", "500", "100", "20"),  # the check: 500 mg, 100 mg, 20 mL
        ("250", "1250", "250", "50"),  # 250 x 5 = 1250 mg (printed 1.25 g)
    ],
)
def test_fawcett_preserved_by_hand(volume, ascorbic_mg, benzoate_mg, glycerol_ml):
    assert amounts(volume) == {
        "ascorbic-acid": (Decimal(ascorbic_mg), "mg"),
        "sodium-benzoate": (Decimal(benzoate_mg), "mg"),
        "glycerol": (Decimal(glycerol_ml), "mL"),
        "purified-water": (None, ""),
    }


def test_amounts_are_rounded_up_only_when_not_exact():
    # 33.33 mL: 166.65 mg -> 166.7 mg; 33.33 mg -> 33.4 mg; 6.666 mL -> 6.7 mL
    assert amounts("33.33") == {
        "ascorbic-acid": (Decimal("166.7"), "mg"),
        "sodium-benzoate": (Decimal("33.4"), "mg"),
        "glycerol": (Decimal("6.7"), "mL"),
        "purified-water": (None, ""),
    }


def test_a_weighing_below_the_balance_minimum_makes_more_vehicle():
    # 5 mL needs 5 mg of sodium benzoate (< 10 mg): make 10 mL (10 mg), use 5 mL
    batch = vehicle_amounts(find_vehicle("fawcett-preserved"), Decimal(5), READABILITY, MINIMUM)
    assert (batch.volume_ml, batch.needed_ml) == (10, 5)
    assert [a.amount for a in batch.amounts] == [50, 10, 2, None]


def test_water_is_made_up_to_volume_and_weighs_nothing():
    batch = vehicle_amounts(find_vehicle("water"), Decimal(50), READABILITY, MINIMUM)
    assert [(a.ingredient.name, a.amount) for a in batch.amounts] == [("Purified water", None)]
    assert not batch.weighed


@given(st.integers(10, 5000), st.sampled_from(["0.1", "1"]))
def test_never_less_than_the_formula(tenths, readability):
    volume = Decimal(tenths) / 10
    batch = vehicle_amounts(
        find_vehicle("fawcett-preserved"), volume, Decimal(readability), Decimal(10)
    )
    for amount in batch.amounts:
        ingredient = amount.ingredient
        if amount.amount is None:
            continue
        assert ingredient.amount is not None and ingredient.per_ml is not None
        exact = ingredient.amount * batch.volume_ml / ingredient.per_ml
        assert exact <= amount.amount < exact + max(Decimal(readability), Decimal("0.1"))


@pytest.mark.parametrize(
    ("amount", "problem"),
    [
        ('"0.5 g"', "is not accepted; expected an amount per volume"),
        ('"0.5 g/100 mg"', "is not accepted; expected an amount per volume"),
        ('"5 days/100 mL"', "is not accepted; expected an amount per volume"),
        ('"0.5 g/100 cc"', "is not accepted; expected an amount per volume"),
    ],
)
def test_bad_amounts_name_the_key(tmp_path, amount, problem):
    path = tmp_path / "vehicles.toml"
    path.write_text(
        '[[vehicle]]\nid = "v"\nname = "V"\ncategory = "aqueous-preserved"\n'
        'storage = "room"\nwarnings = []\n'
        f'[[vehicle.ingredient]]\nid = "x"\nname = "X"\namount = {amount}\n'
        '[[vehicle.ingredient]]\nid = "w"\nname = "Water"\namount = "to volume"\n'
    )
    with pytest.raises(DataFileError, match=r"vehicle\[0\]\.ingredient\[0\]\.amount") as err:
        load_vehicles(str(path))
    assert problem in str(err.value)


def test_exactly_one_ingredient_to_volume(tmp_path):
    path = tmp_path / "vehicles.toml"
    path.write_text(
        '[[vehicle]]\nid = "v"\nname = "V"\ncategory = "aqueous-preserved"\n'
        'storage = "room"\nwarnings = []\n'
        '[[vehicle.ingredient]]\nid = "x"\nname = "X"\namount = "1 g/100 mL"\n'
    )
    with pytest.raises(DataFileError, match="exactly one ingredient"):
        load_vehicles(str(path))


def test_a_vehicle_without_a_sub_formula_is_used_as_bought(tmp_path):
    path = tmp_path / "vehicles.toml"
    path.write_text(
        '[[vehicle]]\nid = "syrup"\nname = "Ready-made syrup"\ncategory = "aqueous-preserved"\n'
        'storage = "room"\nwarnings = []\n'
    )
    assert load_vehicles(str(path))["syrup"].ingredients == ()
