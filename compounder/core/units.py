"""The unit engine: one pint registry, exact decimals, ISMP-clean formatting.

The registry is built once per process from ``units.txt`` beside this module (a few
milliseconds), never from pint's full default registry. Every magnitude is a
``decimal.Decimal``: text is parsed straight into a Decimal, conversions use the
exact decimal factors of ``units.txt``, and nothing is ever a binary float.

``parse_quantity`` reads what people type ("1.5 mg", "1.5mg", "1500 mcg", "1 mg/mL",
"1mg/ml") and checks the kind (mass, volume, concentration...). ``format_quantity``
and ``format_number`` write by the ISMP rules: a leading zero, no trailing zero,
"mL" and "mcg", and a space between number and unit.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from compounder.core.limits import MAX_NUMBER_DIGITS
from compounder.errors import InputError

#: Quantity kinds and the pint dimensionality each must have.
KINDS: dict[str, str] = {
    "mass": "[mass]",
    "volume": "[volume]",
    "concentration": "[mass] / [volume]",
    "time": "[time]",
    "length": "[length]",
}

#: What a user may type for each kind, for error messages.
EXAMPLES: dict[str, str] = {
    "mass": "a mass such as '1.5 mg' or '1500 mcg'",
    "volume": "a volume such as '30 mL'",
    "concentration": "a concentration such as '1 mg/mL'",
    "time": "a duration such as '14 days'",
    "length": "a length such as '52 mm' or '2 in'",
}

#: Units in which each kind is written on labels and in JSON.
DISPLAY_UNIT: dict[str, str] = {
    "mass": "mg",
    "volume": "mL",
    "concentration": "mg/mL",
    "time": "day",
    "length": "mm",
}

# A number (no sign, no exponent), optional space, then a unit expression.
_QUANTITY = re.compile(
    r"^\s*(?P<number>-?\d+(?:\.\d*)?|-?\.\d+)\s*(?P<unit>[A-Za-zµμ%]+(?:\s*/\s*[A-Za-zµμ]+)?)\s*$"
)
# Unit spellings refused outright, with the spelling to use instead.
_REFUSED_UNITS = {
    "cc": "write mL, not cc",
    "gr": "write mg or g; gr is ambiguous (grain or gram)",
    "u": "U is an error-prone abbreviation; write the unit in full",
    "iu": "IU is an error-prone abbreviation; write the unit in full",
}
# How units are written in output, by pint's canonical name.
_SYMBOLS = {
    "milligram": "mg",
    "microgram": "mcg",
    "gram": "g",
    "kilogram": "kg",
    "milliliter": "mL",
    "liter": "L",
    "microliter": "mcL",
    "day": "day",
    "week": "week",
    "millimeter": "mm",
    "inch": "in",
}


@cache
def registry() -> Any:
    """The process's one unit registry (built on first use)."""
    import pint

    path = Path(__file__).with_name("units.txt")
    return pint.UnitRegistry(
        str(path),
        non_int_type=Decimal,
        cache_folder=None,
        autoconvert_offset_to_baseunit=False,
    )


def _read(text: str, kind: str, field: str, where: str) -> tuple[Decimal, str]:
    """The number and the unit spelling of ``text``, with every check that needs no
    unit registry (the form, the number of digits, the refused units)."""
    expected = EXAMPLES[kind]
    raw = str(text)
    match = _QUANTITY.match(raw) if len(raw) <= 64 else None
    if match is None:
        raise InputError(field, raw[:40], expected, where)
    digits = sum(ch.isdigit() for ch in match["number"])
    if digits > MAX_NUMBER_DIGITS:
        raise InputError(
            field, raw[:40], f"{expected}, with at most {MAX_NUMBER_DIGITS} digits", where
        )
    unit_text = match["unit"].replace(" ", "")
    for part in re.split(r"/", unit_text):
        if part.lower() in _REFUSED_UNITS:
            raise InputError(field, raw, f"{expected}; {_REFUSED_UNITS[part.lower()]}", where)
    try:
        return Decimal(match["number"]), unit_text
    except InvalidOperation:
        raise InputError(field, raw, expected, where) from None


def parse_quantity(text: str, kind: str, *, field: str = "value", where: str = "") -> Any:
    """Parse ``text`` into a pint Quantity of ``kind``, with a Decimal magnitude.

    Raises InputError naming ``field`` when the text is not a number with a unit of the
    right kind, or when the number is zero or negative.
    """
    import pint

    expected = EXAMPLES[kind]
    raw = str(text)
    magnitude, unit_text = _read(raw, kind, field, where)
    try:
        factor = _factor_to_display(unit_text, kind)
    except (pint.errors.PintError, InvalidOperation, AttributeError, TypeError, ValueError):
        raise InputError(field, raw, expected, where) from None
    if factor is None:
        raise InputError(field, raw, expected, where)
    if magnitude <= 0:
        raise InputError(field, raw, f"{expected}, greater than zero", where)
    return registry().Quantity(magnitude * factor, _unit(DISPLAY_UNIT[kind]))


#: Exact factors to the display unit for the spellings orders and data files use, so
#: the common case is read without building the pint registry (about 150 ms of a cold
#: one-label run). Anything else goes through pint; the tests check every factor here
#: against pint's.
_EXACT: dict[str, dict[str, Decimal]] = {
    "mass": {"mg": Decimal(1), "mcg": Decimal("0.001"), "g": Decimal(1000)},
    "volume": {"mL": Decimal(1), "ml": Decimal(1), "L": Decimal(1000)},
    "concentration": {"mg/mL": Decimal(1), "mg/ml": Decimal(1), "mcg/mL": Decimal("0.001")},
    "time": {"day": Decimal(1), "days": Decimal(1), "week": Decimal(7), "weeks": Decimal(7)},
    "length": {"mm": Decimal(1), "in": Decimal("25.4")},
}


def parse_magnitude(
    text: str, kind: str, unit: str | None = None, *, field: str = "value", where: str = ""
) -> Decimal:
    """The exact magnitude of ``text`` in ``unit`` (default: the kind's display unit);
    the same checks and errors as ``parse_quantity``."""
    number, unit_text = _read(text, kind, field, where)
    factor = _EXACT[kind].get(unit_text)
    if factor is not None and number > 0 and (unit is None or unit == DISPLAY_UNIT[kind]):
        return number * factor
    if factor is None and any(unit_text in units for units in _EXACT.values()):
        raise InputError(field, str(text), EXAMPLES[kind], where)  # a unit of another kind
    parsed = parse_quantity(text, kind, field=field, where=where)
    return magnitude_in(parsed, unit or DISPLAY_UNIT[kind])


@cache
def _unit(text: str) -> Any:
    """A parsed unit, kept (parsing a unit string is the slow part of building one)."""
    return registry().Unit(text)


@cache
def _factor_to_display(unit_text: str, kind: str) -> Decimal | None:
    """Exact factor from ``unit_text`` to the display unit of ``kind``; None if wrong kind."""
    ureg = registry()
    one = ureg.Quantity(Decimal(1), unit_text)
    if one.dimensionality != ureg.get_dimensionality(KINDS[kind]):
        return None
    return Decimal(one.to(DISPLAY_UNIT[kind]).magnitude)


def quantity(value: Decimal | int | str, unit: str) -> Any:
    """Build an exact quantity from a decimal value and a unit."""
    return registry().Quantity(Decimal(value), _unit(unit))


def magnitude_in(quantity: Any, unit: str) -> Decimal:
    """The Decimal magnitude of ``quantity`` in ``unit``."""
    target = _unit(unit)
    value = quantity.magnitude if quantity.units == target else quantity.to(target).magnitude
    return value if isinstance(value, Decimal) else Decimal(value)


def format_number(value: Decimal | int | Fraction) -> str:
    """Write a number by the ISMP rules: leading zero, no trailing zero, no exponent.

    Raises ValueError if the number has no exact short decimal form (a repeating
    fraction such as 2/3), so a rounded value can never be printed as if exact.
    """
    if type(value) is Decimal:
        return _format_decimal(value)
    return _format_number(value)


@lru_cache(maxsize=4096)
def _format_decimal(value: Decimal) -> str:
    return _format_number(value)


def _format_number(value: Decimal | int | Fraction) -> str:
    if isinstance(value, Fraction):
        value = fraction_to_decimal(value)
    elif not isinstance(value, Decimal):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"format_number takes Decimal, int or Fraction, not {type(value)}")
        value = Decimal(value)
    if not value.is_finite():
        raise ValueError("not a finite number")
    text = format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text


def format_quantity(value: Decimal | int | Fraction, unit: str) -> str:
    """``format_number`` followed by a space and the unit as labels write it."""
    return f"{format_number(value)} {_SYMBOLS.get(unit, unit)}"


def fraction_to_decimal(value: Fraction) -> Decimal:
    """The exact Decimal equal to ``value``; ValueError if it has none (e.g. 2/3)."""
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    if denominator != 1:
        raise ValueError(f"{value} has no exact decimal form")
    digits = 0
    scaled = value
    while scaled.denominator != 1:
        scaled *= 10
        digits += 1
    return Decimal(scaled.numerator).scaleb(-digits)


_PERCENT = re.compile(r"^\s*(?P<number>-?\d+(?:\.\d*)?|-?\.\d+)\s*%\s*$")


def parse_percent(
    text: str, field: str, *, allow_zero: bool, maximum: Decimal = Decimal(100), where: str = ""
) -> Decimal:
    """A percentage such as "99.2%" as an exact fraction (0.992), within its range."""
    lowest = "0%" if allow_zero else "above 0%"
    expected = f"a percentage such as '99.2%', {lowest} and at most {format_number(maximum)}%"
    if not allow_zero and maximum < 100:
        expected = f"a percentage above 0% and below {format_number(maximum)}%"
    match = _PERCENT.match(str(text)) if len(str(text)) <= 32 else None
    if match is None:
        raise InputError(field, str(text)[:40], expected, where)
    value = Decimal(match["number"])
    if value < 0 or (value == 0 and not allow_zero) or value > maximum:
        raise InputError(field, str(text), expected, where)
    return value / 100


MM_PER_INCH = Decimal("25.4")
POINTS_PER_INCH = 72
PT_PER_MM = POINTS_PER_INCH / 25.4


@lru_cache(maxsize=256)  # a stock's few lengths, asked for on every label
def mm_to_pt(mm: Decimal) -> float:
    """Millimetres to PDF points (1/72 in), for drawing (never for a printed number)."""
    return float(mm / MM_PER_INCH * POINTS_PER_INCH)
