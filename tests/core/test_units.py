"""The unit engine: parsing what people type, exact decimals, ISMP formatting."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compounder.core.units import (
    KINDS,
    format_number,
    format_quantity,
    fraction_to_decimal,
    magnitude_in,
    parse_quantity,
    registry,
)
from compounder.errors import InputError


@pytest.mark.parametrize(
    ("text", "kind", "unit", "expected"),
    [
        ("1.5 mg", "mass", "mg", "1.5"),
        ("1.5mg", "mass", "mg", "1.5"),
        ("1500 mcg", "mass", "mg", "1.5"),
        ("1500 µg", "mass", "mg", "1.5"),
        ("0.05 g", "mass", "mg", "50"),
        ("1 mg/mL", "concentration", "mg/mL", "1"),
        ("1mg/ml", "concentration", "mg/mL", "1"),
        ("500 mcg/mL", "concentration", "mg/mL", "0.5"),
        ("1 g/L", "concentration", "mg/mL", "1"),
        ("30 mL", "volume", "mL", "30"),
        ("0.1 L", "volume", "mL", "100"),
        ("52 mm", "length", "mm", "52"),
        ("2 in", "length", "mm", "50.8"),
        ("14 days", "time", "day", "14"),
    ],
)
def test_parse_typed_quantities(text, kind, unit, expected):
    quantity = parse_quantity(text, kind)
    value = magnitude_in(quantity, unit)
    assert isinstance(value, Decimal)
    assert format_number(value) == expected


def test_magnitudes_are_decimal_never_float():
    quantity = parse_quantity("0.1 mg", "mass")
    assert isinstance(quantity.magnitude, Decimal)
    # 0.1 + 0.2 is 0.30000000000000004 in binary floats; exact here.
    total = quantity + parse_quantity("0.2 mg", "mass")
    assert format_number(magnitude_in(total, "mg")) == "0.3"


def test_registry_is_built_once_and_small():
    assert registry() is registry()
    with pytest.raises(Exception):  # noqa: B017 - pint's own error type
        registry().Quantity(1, "furlong")


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("1 cc", "write mL, not cc"),
        ("1 gr", "gr is ambiguous (grain or gram)"),
        ("1 U", "U is an error-prone abbreviation"),
        ("1 IU", "IU is an error-prone abbreviation"),
    ],
)
def test_error_prone_symbols_are_refused_with_the_spelling_to_use(text, hint):
    kind = "volume" if "cc" in text else "mass"
    with pytest.raises(InputError) as caught:
        parse_quantity(text, kind, field="dose")
    assert hint in str(caught.value)


def test_mcg_is_microgram():
    assert magnitude_in(parse_quantity("1 mcg", "mass"), "mg") == Decimal("0.001")


MASS = "a mass such as '1.5 mg' or '1500 mcg'"
CONC = "a concentration such as '1 mg/mL'"


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [
        ("1 mL", "mass", f"dose: '1 mL' is not accepted; expected {MASS}"),
        ("1 mg", "concentration", "dose: '1 mg' is not accepted; expected " + CONC),
        ("abc", "mass", f"dose: 'abc' is not accepted; expected {MASS}"),
        ("1.5", "mass", f"dose: '1.5' is not accepted; expected {MASS}"),
        ("0 mg", "mass", f"dose: '0 mg' is not accepted; expected {MASS}, greater than zero"),
        ("-2 mg", "mass", f"dose: '-2 mg' is not accepted; expected {MASS}, greater than zero"),
        ("1e3 mg", "mass", f"dose: '1e3 mg' is not accepted; expected {MASS}"),
        ("nan mg", "mass", f"dose: 'nan mg' is not accepted; expected {MASS}"),
        ("2*3 mg", "mass", f"dose: '2*3 mg' is not accepted; expected {MASS}"),
    ],
)
def test_bad_input_messages_are_exact(text, kind, message):
    with pytest.raises(InputError) as caught:
        parse_quantity(text, kind, field="dose")
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("1.0"), "1"),
        (Decimal("2.50"), "2.5"),
        (Decimal(".5"), "0.5"),
        (Decimal("1E+2"), "100"),
        (Decimal("0.010"), "0.01"),
        (Decimal("-0"), "0"),
        (Fraction(3, 2), "1.5"),
        (7, "7"),
    ],
)
def test_format_number_ismp(value, text):
    assert format_number(value) == text


def test_format_number_refuses_repeating_fractions_and_floats():
    with pytest.raises(ValueError):
        format_number(Fraction(2, 3))
    with pytest.raises(TypeError):
        format_number(0.5)  # type: ignore[arg-type]


def test_format_quantity_symbols():
    assert format_quantity(Decimal("1.50"), "mg") == "1.5 mg"
    assert format_quantity(Decimal("0.5"), "mL") == "0.5 mL"
    assert format_quantity(Decimal("0.5"), "microgram") == "0.5 mcg"
    assert format_quantity(Decimal("1"), "mg/mL") == "1 mg/mL"


ISMP_NUMBER = r"^(0|[1-9]\d*)(\.\d*[1-9])?$"


@given(st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("100000"), places=4))
def test_formatted_numbers_never_have_trailing_zero_or_naked_decimal(value):
    text = format_number(value)
    import re

    assert re.match(ISMP_NUMBER, text), text
    assert Decimal(text) == value


@given(st.integers(1, 10**6), st.integers(0, 6), st.integers(0, 6))
def test_fraction_to_decimal_is_exact(numerator, twos, fives):
    value = Fraction(numerator, 2**twos * 5**fives)
    assert Fraction(fraction_to_decimal(value)) == value


@given(st.integers(1, 1000), st.sampled_from([3, 6, 7, 9, 11, 12, 13]))
def test_fraction_to_decimal_refuses_repeating(numerator, denominator):
    value = Fraction(numerator, denominator)
    if value.denominator in (1, 2, 4, 5):
        return
    with pytest.raises(ValueError):
        fraction_to_decimal(value)


@settings(max_examples=500, deadline=None)
@given(
    text=st.one_of(
        st.text(max_size=80),
        st.from_regex(r"-?[0-9]{0,60}(\.[0-9]{0,40})? ?[a-zA-Zµ%/ ]{0,12}", fullmatch=True),
    ),
    kind=st.sampled_from(sorted(KINDS)),
)
def test_the_parser_returns_a_quantity_or_an_input_error(text, kind):
    """Fuzzed: whatever is typed, a Quantity of the kind or an InputError, nothing else."""
    try:
        quantity = parse_quantity(text, kind)
    except InputError as exc:
        assert len(str(exc)) < 400  # one readable line, even for 5,000-character input
    else:
        assert quantity.magnitude > 0
