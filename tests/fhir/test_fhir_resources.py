"""The FHIR field builders: exact numbers, UCUM, dateTimes, a dosage (validated)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from compounder.fhir.resources import (
    date_time,
    dosage,
    not_before,
    quantity,
    strength_mg_per_ml,
    to_json,
)


def test_numbers_are_written_as_the_exact_decimals_they_are():
    value = {"a": Decimal("0.10"), "b": Decimal("1E+2"), "c": [Decimal("2.25"), "é", None]}
    assert to_json(value) == '{"a":0.1,"b":100,"c":[2.25,"é",null]}'
    assert json.loads(to_json(value, indent=2)) == json.loads(to_json(value))


def test_quantities_are_ucum():
    assert quantity(Decimal("1.5"), "mg") == {
        "value": Decimal("1.5"),
        "unit": "mg",
        "system": "http://unitsofmeasure.org",
        "code": "mg",
    }
    assert quantity(14, "days")["code"] == "d"
    with pytest.raises(KeyError):
        quantity(1, "cc")  # no unit is guessed


def test_date_times_carry_seconds_and_an_offset():
    assert date_time(date(2026, 12, 1)) == "2026-12-01"
    assert date_time(datetime(2026, 12, 1, 14, 5, tzinfo=UTC)) == "2026-12-01T14:05:00Z"
    east = timezone(timedelta(hours=2))
    assert date_time(datetime(2026, 12, 1, 14, 5, tzinfo=east)) == "2026-12-01T14:05:00+02:00"
    local = date_time(datetime(2026, 12, 1, 14, 5))  # local: this computer's offset
    assert local.startswith("2026-12-01T14:05:00") and len(local) > 19


def test_not_before_compares_a_day_by_the_day():
    noon = datetime(2026, 12, 1, 12, tzinfo=UTC)
    assert not_before(noon, noon) and not not_before(noon, noon + timedelta(seconds=1))
    assert not_before(noon.astimezone(), noon.astimezone().date())
    assert not not_before(noon.astimezone(), noon.astimezone().date() + timedelta(days=1))


def test_a_dosage_and_a_strength_validate():
    from fhir.resources.R4B.dosage import Dosage
    from fhir.resources.R4B.ratio import Ratio

    made = dosage(
        2,
        "Take 2 mL (2 mg) by mouth at bedtime",
        [(Decimal(2), Decimal(2))],
        (date(2026, 12, 15), date(2026, 12, 28)),
    )
    Dosage.model_validate(json.loads(to_json(made)))
    assert made["timing"]["repeat"]["boundsPeriod"] == {"start": "2026-12-15", "end": "2026-12-28"}
    assert [d["type"]["coding"][0]["code"] for d in made["doseAndRate"]] == [
        "ordered",
        "calculated",
    ]
    Ratio.model_validate(json.loads(to_json(strength_mg_per_ml(Decimal("0.5")))))
    assert "text" not in dosage(1, "", [])  # an empty string is no FHIR value
