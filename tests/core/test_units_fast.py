"""The exact-factor fast path of the unit engine agrees with pint, errors included."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compounder.core.units import (
    _EXACT,
    DISPLAY_UNIT,
    magnitude_in,
    parse_magnitude,
    parse_quantity,
)
from compounder.errors import InputError

SPELLINGS = [(kind, unit) for kind, units in _EXACT.items() for unit in units]


@pytest.mark.parametrize(("kind", "unit"), SPELLINGS)
def test_every_factor_is_pints(kind, unit):
    text = f"3.25 {unit}"
    assert parse_magnitude(text, kind) == magnitude_in(
        parse_quantity(text, kind), DISPLAY_UNIT[kind]
    )


@given(
    st.sampled_from(SPELLINGS),
    st.decimals(min_value="0.001", max_value="10000", places=3, allow_nan=False),
    st.sampled_from(["", " "]),
)
def test_any_number_agrees(spelling, number, space):
    kind, unit = spelling
    text = f"{number}{space}{unit}"
    expected = magnitude_in(parse_quantity(text, kind), DISPLAY_UNIT[kind])
    assert parse_magnitude(text, kind) == expected


@pytest.mark.parametrize(
    ("text", "kind"),
    [("0 mg", "mass"), ("-1 mg", "mass"), ("3 mL", "mass"), ("2 cc", "volume"), ("x mg", "mass")],
)
def test_same_errors_as_pint(text, kind):
    with pytest.raises(InputError) as fast:
        parse_magnitude(text, kind, field="dose")
    with pytest.raises(InputError) as slow:
        parse_quantity(text, kind, field="dose")
    assert str(fast.value) == str(slow.value)


def test_other_units_and_spellings_go_through_pint():
    assert parse_magnitude("1500 µg", "mass") == Decimal("1.5")
    assert parse_magnitude("2 in", "length", "in") == Decimal(2)
    assert parse_magnitude("1 L", "volume", "L") == Decimal(1)
