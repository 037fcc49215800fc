"""Orders in from HL7 FHIR R4: one MedicationRequest mapped to an order file's row.

``request_row`` reads a MedicationRequest (a plain JSON dict, numbers as exact
decimals) into the cells of an order-file row (``api.orders.FIELDS`` columns) and, for
each cell, the FHIR path it came from. It checks only what is FHIR's own (units, codes,
references, the shape of a titration); every rule about an order's values (the Rx
number's form, the dose on the protocol's steps, quantities, refills, dates) is the
row's (``api.orders.order_from_row``), which names the column at fault: the batch then
names that column's FHIR path. What cannot be mapped raises ``Unmappable`` with the
FHIR path and the reason, never a value of the patient.

The field map (docs/exchange.md):
- Rx: ``identifier``: the placer order number (type code PLAC), else the first with a
  value;
- patient: ``subject.display``, else the name of the Patient it references (contained,
  or in the Bundle); its ``birthDate`` (a full date) is the row's ``patient_dob``;
- prescriber: ``requester.display``, else the referenced Practitioner's name;
- drug: ``medicationCodeableConcept`` (RxNorm 1483744 or 7243, or text naming
  naltrexone) or ``medicationReference`` to a Medication whose ingredients name
  naltrexone; its strength in mg/mL is the concentration;
- dose and timing: ``dosageInstruction`` (``doseAndRate[0].doseQuantity`` in mg, or in
  mL at the order's concentration; ``timing`` HS: bedtime, MORN: morning); several
  instructions with ``sequence`` and ``timing.repeat.boundsPeriod``: a titration, which
  must follow a shipped protocol's steps;
- quantity and refills: ``dispenseRequest.quantity`` (mL) or
  ``expectedSupplyDuration`` (days), ``numberOfRepeatsAllowed``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from compounder.api.orders import TITRATE
from compounder.fhir.request_errors import Unmappable

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
#: RxNorm codes accepted as the drug: naltrexone hydrochloride 50 mg oral tablet, and
#: the ingredient naltrexone
RXNORM_NALTREXONE = {"1483744": "naltrexone HCl 50 mg oral tablet", "7243": "naltrexone"}
#: SNOMED CT: oral route
ORAL_ROUTE = "26643006"
#: names that make a naltrexone product something other than low-dose naltrexone
NOT_LDN = ("bupropion", "contrave", "vivitrol", "injection", "injectable", "extended-release")
#: timing.repeat.when (event timing) and timing.code codes, and the dose time each means
WHEN = {"HS": "bedtime", "MORN": "morning", "MORN.early": "morning", "MORN.late": "morning"}
TIMING_CODES = {"HS": "bedtime", "QHS": "bedtime", "AM": "morning", "QAM": "morning", "QD": ""}
#: statuses and intents of a request that may be dispensed
STATUSES = ("active",)
INTENTS = ("order", "original-order", "reflex-order", "filler-order", "instance-order")
PLACER = "PLAC"  # identifier type (v2-0203): the placer (prescriber's) order number
_MG = {"mg", "milligram", "milligrams"}
_ML = {"ml", "milliliter", "milliliters", "millilitre", "millilitres"}
_DAYS = {"d": 1, "day": 1, "days": 1, "wk": 7, "week": 7, "weeks": 7}
_CONCENTRATION_TEXT = re.compile(r"(\d+(?:\.\d+)?)\s*mg\s*/\s*(?:1\s*)?ml\b", re.IGNORECASE)


#: a reference resolved: the resource, or None where it cannot be found
Resolver = Callable[[str], dict[str, Any] | None]


@dataclass(frozen=True)
class MappedRow:
    """A MedicationRequest as an order file's row: its cells by column, and the FHIR
    path each came from (so the row's errors name FHIR's fields)."""

    values: dict[str, str]
    paths: dict[str, str]


def request_row(resource: Mapping[str, Any], resolve: Resolver, fill_date: date) -> MappedRow:
    """The row a MedicationRequest gives, filled on ``fill_date`` (the run's day);
    Unmappable naming the FHIR path of what cannot be mapped."""
    row = _Row()
    if resource.get("resourceType") != "MedicationRequest":
        raise Unmappable("resourceType", f"{_kind(resource)}; expected a MedicationRequest")
    _dispensable(resource, fill_date)
    row.put("fill_date", fill_date.isoformat(), "(the run's date)")
    _rx(resource, row)
    _patient(resource, resolve, row)
    _prescriber(resource, resolve, row)
    concentration = _drug(resource, resolve, row)
    _dosage(resource, row, concentration)
    _supply(resource, row)
    return MappedRow(row.values, row.paths)


class _Row:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.paths: dict[str, str] = {}

    def put(self, column: str, value: str, path: str) -> None:
        self.values[column] = value
        self.paths[column] = path


def _kind(resource: Mapping[str, Any]) -> str:
    kind = resource.get("resourceType")
    return f"a {kind[:40]}" if isinstance(kind, str) and kind else "no resourceType"


def _dispensable(resource: Mapping[str, Any], today: date) -> None:
    """Only an active order, valid today, with no modifier this reader does not know."""
    for path in ("modifierExtension", "implicitRules"):
        if resource.get(path):
            raise Unmappable(path, "is not understood here; expected none")
    status = resource.get("status")
    if status not in STATUSES:
        found = f"{str(status)[:20]!r}" if status else "missing"
        raise Unmappable("status", f"{found}; only an active request is dispensed")
    intent = resource.get("intent")
    if intent not in INTENTS:
        found = f"{str(intent)[:20]!r}" if intent else "missing"
        raise Unmappable("intent", f"{found} is not an order; expected {', '.join(INTENTS)}")
    if resource.get("doNotPerform") is True:
        raise Unmappable("doNotPerform", "true: the request says not to dispense")
    validity = _dict(resource, "dispenseRequest").get("validityPeriod") or {}
    start, end = validity.get("start"), validity.get("end")
    path = "dispenseRequest.validityPeriod"
    if start is not None and _day(start, f"{path}.start") > today:
        raise Unmappable(f"{path}.start", "is after the fill date: not yet valid")
    if end is not None and _day(end, f"{path}.end") < today:
        raise Unmappable(f"{path}.end", "is before the fill date: the prescription expired")


def _rx(resource: Mapping[str, Any], row: _Row) -> None:
    """The placer order number, else the first identifier with a value."""
    identifiers = _list(resource, "identifier")
    chosen = None
    for i, identifier in enumerate(identifiers):
        if not isinstance(identifier, dict) or not _text(identifier.get("value")):
            continue
        codes = {c.get("code") for c in _codings(identifier.get("type"))}
        if PLACER in codes:
            chosen = i
            break
        if chosen is None:
            chosen = i
    if chosen is None:
        raise Unmappable("identifier", "no identifier with a value; expected the Rx number")
    row.put("rx_number", str(identifiers[chosen]["value"]), f"identifier[{chosen}].value")


def _patient(resource: Mapping[str, Any], resolve: Resolver, row: _Row) -> None:
    subject = _dict(resource, "subject")
    patient = _resolved(subject, resolve, "Patient", "subject")
    display = _text(subject.get("display"))
    if display:
        row.put("patient_name", display, "subject.display")
    elif patient is not None and _person_name(patient):
        row.put("patient_name", _person_name(patient), "subject.resolve().name")
    else:
        raise Unmappable(
            "subject", "no patient name; expected subject.display or a Patient with a name "
            "(contained, or in the Bundle)",
        )  # fmt: skip
    born = patient.get("birthDate") if patient is not None else None
    if isinstance(born, str) and len(born) == 10:  # a partial date is not checked
        row.put("patient_dob", born, "subject.resolve().birthDate")


def _prescriber(resource: Mapping[str, Any], resolve: Resolver, row: _Row) -> None:
    requester = _dict(resource, "requester")
    display = _text(requester.get("display"))
    if display:
        row.put("prescriber", display, "requester.display")
        return
    practitioner = _resolved(requester, resolve, "Practitioner", "requester")
    if practitioner is not None and _person_name(practitioner):
        row.put("prescriber", _person_name(practitioner), "requester.resolve().name")
        return
    raise Unmappable(
        "requester", "no prescriber name; expected requester.display or a Practitioner with "
        "a name (contained, or in the Bundle)",
    )  # fmt: skip


def _resolved(
    reference: Mapping[str, Any], resolve: Resolver, kind: str, path: str
) -> dict[str, Any] | None:
    """The resource a reference names, if it can be found here (None if not); refused if
    it is of another kind."""
    target = reference.get("reference")
    if not isinstance(target, str) or not target:
        return None
    found = resolve(target)
    if found is not None and found.get("resourceType") != kind:
        raise Unmappable(f"{path}.reference", f"names {_kind(found)}; expected a {kind}")
    return found


def _person_name(resource: Mapping[str, Any]) -> str:
    """A Patient's or Practitioner's name: the official one (else the first), as its
    text or given names then family."""
    names = [n for n in _list(resource, "name") if isinstance(n, dict)]
    official = [n for n in names if n.get("use") == "official"]
    for name in official or names:
        if _text(name.get("text")):
            return _text(name.get("text"))
        given = [g for g in name.get("given") or [] if isinstance(g, str)]
        parts = [*given, name.get("family") if isinstance(name.get("family"), str) else ""]
        text = " ".join(p.strip() for p in parts if p and p.strip())
        if text:
            return text
    return ""


def _drug(resource: Mapping[str, Any], resolve: Resolver, row: _Row) -> Decimal | None:
    """Naltrexone, from the coded concept or a Medication; its concentration (mg/mL)
    where the request gives one, put in the row."""
    if "medicationCodeableConcept" in resource:
        concept = _dict(resource, "medicationCodeableConcept")
        _naltrexone(concept, "medicationCodeableConcept")
        return _text_strength(concept, "medicationCodeableConcept", row)
    reference = _dict(resource, "medicationReference")
    if not reference:
        raise Unmappable("medication[x]", "missing; expected naltrexone")
    medication = _resolved(reference, resolve, "Medication", "medicationReference")
    if medication is None:
        if _text(reference.get("display")):
            _naltrexone({"text": reference.get("display")}, "medicationReference.display")
            return _text_strength(
                {"text": reference.get("display")}, "medicationReference.display", row
            )
        raise Unmappable("medicationReference.reference", "not found in the resource or its Bundle")
    return _medication(medication, "medicationReference.resolve()", row)


def _medication(medication: Mapping[str, Any], path: str, row: _Row) -> Decimal | None:
    """A Medication: its code (if any) and its one active ingredient naming naltrexone,
    whose strength in mg/mL is the concentration."""
    code = _dict(medication, "code", path)
    if code:
        _naltrexone(code, f"{path}.code")
    found = None
    for i, ingredient in enumerate(_list(medication, "ingredient", path)):
        where = f"{path}.ingredient[{i}]"
        if not isinstance(ingredient, dict):
            continue
        item = ingredient.get("itemCodeableConcept")
        if not isinstance(item, dict):
            raise Unmappable(f"{where}.item[x]", "expected itemCodeableConcept")
        if _names_naltrexone(item):
            _naltrexone(item, f"{where}.itemCodeableConcept")
            if found is not None:
                raise Unmappable(where, "naltrexone is listed twice; expected it once")
            found = i
        elif ingredient.get("isActive") is True:
            raise Unmappable(
                where, "a second active ingredient; expected naltrexone hydrochloride alone "
                "(the vehicle's ingredients not active)",
            )  # fmt: skip
    if found is None:
        if code:
            return _text_strength(code, f"{path}.code", row)
        raise Unmappable(f"{path}.ingredient", "no ingredient names naltrexone hydrochloride")
    ingredient = _list(medication, "ingredient", path)[found]
    named = _text_strength(code, f"{path}.code", row) if code else None
    if "strength" not in ingredient:
        return named
    where = f"{path}.ingredient[{found}].strength"
    strength = _strength(ingredient["strength"], where)
    if named is not None and named != strength:
        raise Unmappable(where, "differs from the strength the Medication's code names")
    row.put("concentration", f"{_number(strength)} mg/mL", where)
    return strength


def _names_naltrexone(concept: Mapping[str, Any]) -> bool:
    codes = {c.get("code") for c in _codings(concept) if c.get("system") == RXNORM}
    return bool(codes & set(RXNORM_NALTREXONE)) or "naltrexone" in _names(concept)


def _naltrexone(concept: Mapping[str, Any], path: str) -> None:
    """The concept is low-dose naltrexone: an accepted RxNorm code, else text naming it;
    never another RxNorm drug, nor a combination or long-acting product."""
    for i, coding in enumerate(_codings(concept)):
        code = coding.get("code")
        if coding.get("system") == RXNORM and code not in RXNORM_NALTREXONE:
            raise Unmappable(
                f"{path}.coding[{i}].code",
                f"RxNorm {str(code)[:12]!r} is not naltrexone; expected "
                + " or ".join(f"{c} ({name})" for c, name in RXNORM_NALTREXONE.items()),
            )
    names = _names(concept)
    for word in NOT_LDN:
        if word in names:
            raise Unmappable(path, f"names {word}: not low-dose naltrexone")
    coded = any(
        c.get("system") == RXNORM and c.get("code") in RXNORM_NALTREXONE for c in _codings(concept)
    )
    if not coded and "naltrexone" not in names:
        raise Unmappable(
            path, "does not name naltrexone; expected RxNorm 1483744 or 7243, or text naming "
            "naltrexone",
        )  # fmt: skip


def _names(concept: Mapping[str, Any]) -> str:
    texts = [concept.get("text"), *(c.get("display") for c in _codings(concept))]
    return " ".join(t.lower() for t in texts if isinstance(t, str))


def _text_strength(concept: Mapping[str, Any], path: str, row: _Row) -> Decimal | None:
    """A strength written in the drug's text ("naltrexone 1 mg/mL"): the concentration;
    two different ones are refused."""
    found = {Decimal(m) for m in _CONCENTRATION_TEXT.findall(_names(concept))}
    if len(found) > 1:
        raise Unmappable(path, "names two strengths (mg/mL); expected one")
    if not found:
        return None
    strength = found.pop()
    row.put("concentration", f"{_number(strength)} mg/mL", f"{path}.text")
    return strength


def _strength(ratio: Any, path: str) -> Decimal:
    """An ingredient's strength as a Ratio of mg to mL (or mg/mL over nothing), in mg/mL."""
    if not isinstance(ratio, dict):
        raise Unmappable(path, "expected a Ratio (numerator in mg, denominator in mL)")
    numerator = _dict(ratio, "numerator", path)
    denominator = ratio.get("denominator")
    unit = _unit(numerator, f"{path}.numerator")
    if unit.lower() == "mg/ml" and (denominator is None or _is_one(denominator)):
        return _value(numerator, f"{path}.numerator")
    if unit.lower() not in _MG:
        raise Unmappable(f"{path}.numerator.unit", f"{unit[:20]!r}; expected mg")
    if not isinstance(denominator, dict):
        raise Unmappable(f"{path}.denominator", "missing; expected a volume in mL")
    if _unit(denominator, f"{path}.denominator").lower() not in _ML:
        raise Unmappable(f"{path}.denominator.unit", "expected mL (an oral liquid)")
    mg = _value(numerator, f"{path}.numerator")
    ml = _value(denominator, f"{path}.denominator")
    if ml == 0:
        raise Unmappable(f"{path}.denominator.value", "is zero; expected a volume")
    return _exact(mg / ml, path)


def _is_one(quantity: Any) -> bool:
    return (
        isinstance(quantity, dict)
        and quantity.get("value") == 1
        and quantity.get("unit", "1") in ("1", "")
        and quantity.get("code", "1") in ("1", "")
    )


def _dosage(resource: Mapping[str, Any], row: _Row, concentration: Decimal | None) -> None:
    """One dosage instruction: a dose; several with sequence: a titration's steps."""
    instructions = _list(resource, "dosageInstruction")
    if not instructions:
        raise Unmappable("dosageInstruction", "missing; expected the dose and when to take it")
    steps = []
    for i, instruction in enumerate(instructions):
        path = f"dosageInstruction[{i}]"
        if not isinstance(instruction, dict):
            raise Unmappable(path, "expected a Dosage")
        steps.append(_Step.read(instruction, path, concentration))
    times = {s.time for s in steps}
    if len(times) > 1:
        raise Unmappable(
            f"dosageInstruction[{len(instructions) - 1}].timing",
            "differs from the first instruction's time; expected one time of day",
        )
    time = times.pop()
    if time:
        row.put("dose_time", time, f"{steps[0].path}.timing")
    if len(steps) == 1:
        row.put("dose", f"{_number(steps[0].dose)} mg", steps[0].dose_path)
        return
    from compounder.fhir.request_steps import titration_row

    for column, (value, path) in titration_row(steps).items():
        row.put(column, value, path)


@dataclass(frozen=True)
class _Step:
    """One dosage instruction, read: its dose (mg), time of day, sequence and period."""

    path: str
    dose: Decimal
    dose_path: str
    time: str
    sequence: int | None
    start: date | None
    end: date | None

    @classmethod
    def read(
        cls, instruction: Mapping[str, Any], path: str, concentration: Decimal | None
    ) -> _Step:
        if instruction.get("modifierExtension"):
            raise Unmappable(f"{path}.modifierExtension", "is not understood here")
        if instruction.get("asNeededBoolean") is True or "asNeededCodeableConcept" in instruction:
            raise Unmappable(f"{path}.asNeeded[x]", "as needed; expected a daily dose")
        _oral(instruction, path)
        dose, dose_path = _dose(instruction, path, concentration)
        timing = instruction.get("timing") or {}
        bounds = _dict(timing, "repeat", f"{path}.timing").get("boundsPeriod") or {}
        where = f"{path}.timing.repeat.boundsPeriod"
        sequence = instruction.get("sequence")
        if sequence is not None and (type(sequence) is not int or sequence < 1):
            raise Unmappable(f"{path}.sequence", "expected a whole number from 1")
        return cls(
            path,
            dose,
            dose_path,
            _time(timing, f"{path}.timing"),
            sequence,
            _day(bounds["start"], f"{where}.start") if bounds.get("start") else None,
            _day(bounds["end"], f"{where}.end") if bounds.get("end") else None,
        )


def _oral(instruction: Mapping[str, Any], path: str) -> None:
    route = instruction.get("route")
    if route is None:
        return
    codes = {c.get("code") for c in _codings(route) if c.get("system") == SNOMED}
    names = _names(route) if isinstance(route, dict) else ""
    if ORAL_ROUTE not in codes and "oral" not in names and "mouth" not in names:
        raise Unmappable(f"{path}.route", f"expected by mouth (SNOMED CT {ORAL_ROUTE}, oral)")


def _dose(instruction: Mapping[str, Any], path: str, concentration: Decimal | None) -> Any:
    """The dose in mg (a dose in mL at the order's concentration) and its path."""
    rates = _list(instruction, "doseAndRate", path)
    if not rates:
        raise Unmappable(f"{path}.doseAndRate", "missing; expected a doseQuantity in mg")
    if len(rates) > 1:
        raise Unmappable(f"{path}.doseAndRate[1]", "a second dose; expected one")
    where = f"{path}.doseAndRate[0]"
    rate = rates[0] if isinstance(rates[0], dict) else {}
    for kind in ("rateRatio", "rateRange", "rateQuantity"):
        if kind in rate:
            raise Unmappable(f"{where}.{kind}", "a rate; expected a doseQuantity in mg")
    if "doseRange" in rate:
        raise Unmappable(f"{where}.doseRange", "a range; expected one doseQuantity in mg")
    if "doseQuantity" not in rate:
        raise Unmappable(f"{where}.doseQuantity", "missing; expected a dose in mg")
    where = f"{where}.doseQuantity"
    quantity = _dict(rate, "doseQuantity", where.rsplit(".", 1)[0])
    written = _unit(quantity, where)
    unit = written.lower()
    if unit == "mg/ml":
        raise Unmappable(f"{where}.unit", "mg/mL is a concentration, not a dose; expected mg")
    value = _value(quantity, where)
    if unit in _MG:
        return value, where
    if unit in _ML:
        if concentration is None:
            raise Unmappable(
                f"{where}.unit", "mL without the medication's strength; expected mg, or a "
                "Medication whose ingredient strength is in mg/mL",
            )  # fmt: skip
        return value * concentration, where
    raise Unmappable(f"{where}.unit", f"{written[:20]!r} is not accepted; expected mg or mL")


def _time(timing: Any, path: str) -> str:
    """bedtime, morning, or "" (not said: the settings' time); once a day only."""
    if not isinstance(timing, dict):
        return ""
    repeat = _dict(timing, "repeat", path)
    for key, allowed in (("frequency", 1), ("period", 1)):
        if key in repeat and repeat[key] != allowed:
            raise Unmappable(f"{path}.repeat.{key}", "expected once a day (LDN)")
    for key in ("frequencyMax", "periodMax", "timeOfDay", "dayOfWeek", "count", "countMax"):
        if key in repeat:
            raise Unmappable(f"{path}.repeat.{key}", "is not mapped; expected once a day")
    if repeat.get("periodUnit", "d") != "d":
        raise Unmappable(f"{path}.repeat.periodUnit", "expected d (once a day)")
    times = set()
    for i, code in enumerate(repeat.get("when") or []):
        if code not in WHEN:
            raise Unmappable(
                f"{path}.repeat.when[{i}]",
                f"{str(code)[:12]!r}; expected HS (bedtime) or MORN (morning)",
            )
        times.add(WHEN[code])
    for i, coding in enumerate(_codings(timing.get("code"))):
        code = coding.get("code")
        if code not in TIMING_CODES:
            raise Unmappable(
                f"{path}.code.coding[{i}].code",
                f"{str(code)[:12]!r}; expected once a day: HS, QHS, AM, QAM or QD",
            )
        if TIMING_CODES[code]:
            times.add(TIMING_CODES[code])
    if len(times) > 1:
        raise Unmappable(path, "names both bedtime and morning; expected one")
    return times.pop() if times else ""


def _supply(resource: Mapping[str, Any], row: _Row) -> None:
    """Quantity (mL) or days of supply, and refills."""
    path = "dispenseRequest"
    request = _dict(resource, path)
    if "quantity" in request:
        quantity = _dict(request, "quantity", path)
        unit = _unit(quantity, f"{path}.quantity")
        if unit.lower() not in _ML:
            raise Unmappable(f"{path}.quantity.unit", f"{unit[:20]!r}; expected mL")
        value = _value(quantity, f"{path}.quantity")
        row.put("quantity", f"{_number(value)} mL", f"{path}.quantity")
    elif "expectedSupplyDuration" in request and row.values.get("dose") != TITRATE:
        duration = _dict(request, "expectedSupplyDuration", path)
        where = f"{path}.expectedSupplyDuration"
        unit = _unit(duration, where)
        if unit not in _DAYS:
            raise Unmappable(f"{where}.unit", f"{unit[:20]!r}; expected d (days) or wk")
        days = _value(duration, where) * _DAYS[unit]
        row.put("days_supply", _number(days), where)
    repeats = request.get("numberOfRepeatsAllowed")
    if repeats is not None:
        row.put("refills", str(repeats)[:12], f"{path}.numberOfRepeatsAllowed")


# -- small readers ---------------------------------------------------------------------


def _dict(parent: Any, key: str, within: str = "") -> dict[str, Any]:
    """``parent[key]``, an object ({} if absent); ``within``: the parent's FHIR path."""
    value = parent.get(key) if isinstance(parent, Mapping) else None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Unmappable(f"{within}.{key}" if within else key, "expected a JSON object")
    return value


def _list(parent: Mapping[str, Any], key: str, within: str = "") -> list[Any]:
    """``parent[key]``, an array ([] if absent); ``within``: the parent's FHIR path."""
    value = parent.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise Unmappable(f"{within}.{key}" if within else key, "expected a JSON array")
    return value


def _codings(concept: Any) -> list[dict[str, Any]]:
    if not isinstance(concept, dict):
        return []
    return [c for c in concept.get("coding") or [] if isinstance(c, dict)]


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _unit(quantity: Mapping[str, Any], path: str) -> str:
    """A Quantity's unit: its UCUM code, else its unit text; refused if missing, if the
    two disagree, or with a comparator."""
    if "comparator" in quantity:
        raise Unmappable(f"{path}.comparator", "expected an exact quantity")
    code = _text(quantity.get("code")) if quantity.get("system") in (UCUM, None) else ""
    unit = _text(quantity.get("unit"))
    if not code and not unit:
        raise Unmappable(f"{path}.unit", "missing; expected a UCUM unit (mg, mL)")
    if code and unit and code.lower() != unit.lower() and not _same_unit(code, unit):
        raise Unmappable(f"{path}.unit", "differs from its code; expected the same unit")
    return code or unit


def _same_unit(code: str, unit: str) -> bool:
    for group in (_MG, _ML):
        if code.lower() in group and unit.lower() in group:
            return True
    return code in _DAYS and unit in _DAYS and _DAYS[code] == _DAYS[unit]


def _value(quantity: Mapping[str, Any], path: str) -> Decimal:
    value = quantity.get("value")
    if value is None:
        raise Unmappable(f"{path}.value", "missing; expected a number")
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise Unmappable(f"{path}.value", "not a JSON number; expected a number")
    if value <= 0:
        raise Unmappable(f"{path}.value", "expected a number above zero")
    return Decimal(value)


def _exact(value: Decimal, path: str) -> Decimal:
    """A quotient with a short exact decimal form (never a rounded one)."""
    try:
        exact = value.quantize(Decimal("0.000001"))
    except InvalidOperation:
        raise Unmappable(path, "is out of range") from None
    if exact != value:
        raise Unmappable(path, "is not an exact mg/mL strength; expected e.g. 1 mg/mL")
    return exact


def _number(value: Decimal) -> str:
    from compounder.core.units import format_number

    return format_number(value)


def _day(value: Any, path: str) -> date:
    """A FHIR date or dateTime's day."""
    text = value[:10] if isinstance(value, str) else ""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Unmappable(path, "expected a date (YYYY-MM-DD)") from None
