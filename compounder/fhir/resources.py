"""The pieces FHIR R4 resources are built from, shared by every direction (dispensings
out, orders in): UCUM quantities and ratios, concepts, references, dateTimes, a dosage
instruction, and exact JSON text.

Resources are plain dicts; a number is a ``Decimal`` until ``to_json`` writes it as
the exact decimal it is (never through a binary float). Code systems and codes are
named once here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from compounder.core.units import format_number

#: Unified Code for Units of Measure: what a Quantity's ``system`` is
UCUM = "http://unitsofmeasure.org"
#: whether a dose is as ordered or worked out from it (mg ordered, mL calculated)
DOSE_RATE_TYPE = "http://terminology.hl7.org/CodeSystem/dose-rate-type"
#: what a dispense's performer did (packager: prepared; checker: checked it)
PERFORMER_FUNCTION = "http://terminology.hl7.org/CodeSystem/medicationdispense-performer-function"
SNOMED = "http://snomed.info/sct"
#: SNOMED CT 26643006 |Oral route|
ORAL_ROUTE = {"system": SNOMED, "code": "26643006", "display": "Oral route"}
#: how an identifier that is a URI (a urn:uuid:...) is written
URI_SYSTEM = "urn:ietf:rfc:3986"

#: UCUM codes of the units Compounder writes (as printed -> UCUM code)
UCUM_CODES = {"mg": "mg", "mL": "mL", "day": "d", "days": "d"}


def quantity(value: Decimal | int, unit: str) -> dict[str, Any]:
    """A Quantity in UCUM: ``quantity(Decimal("1.5"), "mg")``."""
    return {
        "value": Decimal(value),
        "unit": unit,
        "system": UCUM,
        "code": UCUM_CODES[unit],
    }


def ratio(numerator: dict[str, Any], denominator: dict[str, Any]) -> dict[str, Any]:
    """A Ratio of two quantities (a strength: mg per 1 mL)."""
    return {"numerator": numerator, "denominator": denominator}


def strength_mg_per_ml(concentration_mg_ml: Decimal) -> dict[str, Any]:
    """A concentration as an ingredient's strength: N mg per 1 mL."""
    return ratio(quantity(concentration_mg_ml, "mg"), quantity(1, "mL"))


def concept(text: str, *codings: dict[str, str]) -> dict[str, Any]:
    """A CodeableConcept: its text, and codings when known (a code is never guessed)."""
    found: dict[str, Any] = {"coding": list(codings)} if codings else {}
    if text:
        found["text"] = text
    return found


def coded(system: str, code: str) -> dict[str, Any]:
    """A CodeableConcept of one code."""
    return {"coding": [{"system": system, "code": code}]}


def display_reference(display: str, kind: str | None = None) -> dict[str, Any]:
    """A Reference by name only (``kind``: the resource type it would be)."""
    found: dict[str, Any] = {"display": display}
    if kind:
        found["type"] = kind
    return found


def identifier_reference(value: str, system: str | None = None) -> dict[str, Any]:
    """A Reference by its identifier (an Rx number, say)."""
    ident: dict[str, Any] = {"value": value}
    if system:
        ident["system"] = system
    return {"identifier": ident}


def date_time(value: datetime | date) -> str:
    """A FHIR dateTime: a day alone as YYYY-MM-DD; a time with seconds and its offset
    (UTC as Z; a local time without one is this computer's local time)."""
    if not isinstance(value, datetime):
        return value.isoformat()
    aware = value if value.tzinfo is not None else value.astimezone()
    if aware.utcoffset() == UTC.utcoffset(None):
        return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return aware.isoformat(timespec="seconds")


def not_before(later: datetime | date, earlier: datetime | date) -> bool:
    """Whether ``later`` is not before ``earlier``, compared at the coarser precision
    when one is a day alone (a day, in this computer's local time)."""
    if isinstance(later, datetime) and isinstance(earlier, datetime):
        return _aware(later) >= _aware(earlier)
    return _day(later) >= _day(earlier)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.astimezone()


def _day(value: datetime | date) -> date:
    return _aware(value).astimezone().date() if isinstance(value, datetime) else value


def dosage(
    sequence: int,
    text: str,
    doses: Sequence[tuple[Decimal, Decimal]],
    bounds: tuple[date, date] | None = None,
) -> dict[str, Any]:
    """A Dosage taken by mouth once a day: ``text`` as printed, each dose as ordered
    (mg) and its volume (mL, calculated), and the days it covers when dated."""
    repeat: dict[str, Any] = {"frequency": 1, "period": 1, "periodUnit": "d"}
    if bounds is not None:
        repeat["boundsPeriod"] = {"start": bounds[0].isoformat(), "end": bounds[1].isoformat()}
    found: dict[str, Any] = {"sequence": sequence}
    if text:
        found["text"] = text
    found["timing"] = {"repeat": repeat}
    found["route"] = concept("by mouth", ORAL_ROUTE)
    found["doseAndRate"] = [
        item
        for mg, ml in doses
        for item in (
            {"type": coded(DOSE_RATE_TYPE, "ordered"), "doseQuantity": quantity(mg, "mg")},
            {"type": coded(DOSE_RATE_TYPE, "calculated"), "doseQuantity": quantity(ml, "mL")},
        )
    ]
    if not found["doseAndRate"]:
        del found["doseAndRate"]
    return found


# ---------------------------------------------------------------- JSON


def to_json(resource: Any, indent: int | None = None) -> str:
    """A resource as JSON text: every ``Decimal`` written as the exact decimal it is,
    keys in the order built, non-ASCII kept; one line unless ``indent``."""
    return _encode(resource, indent, 0)


def _encode(value: Any, indent: int | None, level: int) -> str:
    if isinstance(value, Decimal):
        return format_number(value)
    if isinstance(value, dict):
        colon = ":" if indent is None else ": "
        items = [
            f"{json.dumps(str(k))}{colon}{_encode(v, indent, level + 1)}" for k, v in value.items()
        ]
        return _joined(items, "{", "}", indent, level)
    if isinstance(value, list | tuple):
        return _joined([_encode(v, indent, level + 1) for v in value], "[", "]", indent, level)
    return json.dumps(value, ensure_ascii=False)


def _joined(items: list[str], start: str, end: str, indent: int | None, level: int) -> str:
    if not items:
        return start + end
    if indent is None:
        return start + ",".join(items) + end
    pad, inner = " " * indent * level, " " * indent * (level + 1)
    return start + "\n" + ",\n".join(inner + i for i in items) + "\n" + pad + end
