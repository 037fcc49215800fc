"""The log's dispensings out, as FHIR R4 MedicationDispense resources
(``compounder export fhir``).

One MedicationDispense per fill the log dispensed (``log.dispensings``): a contained
Medication for the compounded product (its ingredients, the naltrexone strength, and
each ingredient lot as a contained Medication with its own ``batch``), the preparation's
lot and BUD as the product's ``batch``, the patient and the Rx, when it was prepared
and handed over, who prepared and checked it, the quantity and days of supply in UCUM
units, and the directions as printed. Written as NDJSON (one resource a line) or one
``collection`` Bundle, to a file published with the export's own log entry, or to
standard output once that entry is committed.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compounder.errors import SafetyError
from compounder.fhir.resources import (
    PERFORMER_FUNCTION,
    URI_SYSTEM,
    coded,
    concept,
    date_time,
    display_reference,
    dosage,
    identifier_reference,
    not_before,
    quantity,
    strength_mg_per_ml,
    to_json,
)
from compounder.log.anchor import anchored_by_settings

if TYPE_CHECKING:
    from compounder.log.dispensings import Dispensing, Preparation

#: names a dispensing's resource id (a UUID made from its log entry's chained hash and
#: fill, so the same dispensing has the same id in every export and any copy of the log)
_NAMESPACE = uuid.UUID("5b0f3c2e-9f4a-5d7e-8a61-3c1d2b4e6f70")
#: what the active ingredient's strength is of (doses are of the hydrochloride salt)
ACTIVE_INGREDIENT = "naltrexone hydrochloride"


@dataclass(frozen=True)
class Export:
    """What an export wrote and logged."""

    dispensings: int  # resources written
    entered_in_error: int  # of them, dispensings whose entry a correction names
    entries: tuple[int, ...]  # the log entries they came from
    sha256: str  # of the bytes written
    entry_id: int  # the export's own log entry
    bundle: bool
    data: bytes  # what was written (the caller writes it to stdout when no file)
    output: str | None  # the file, or None: standard output


def resource_id(dispensing: Dispensing) -> str:
    """The MedicationDispense's id: stable across exports and copies of the log."""
    return str(uuid.uuid5(_NAMESPACE, f"{dispensing.entry_hash}/{dispensing.fill}"))


def check_handed_over(dispensing: Dispensing) -> None:
    """FHIR's mdd-1: a dispensing is not handed over before it was prepared."""
    from compounder.log.dispensings import handed_over

    prepared = when_prepared(dispensing)
    if not not_before(handed_over(dispensing), prepared):
        raise SafetyError(
            f"log entry {dispensing.entry_id} (Rx {dispensing.rx}) was handed over (label "
            f"printed {date_time(handed_over(dispensing))}) before it was prepared "
            f"({date_time(prepared)}), which a MedicationDispense cannot say (mdd-1)",
            "leave it out with --since or --rx, or log when it was handed over",
        )


def when_prepared(dispensing: Dispensing) -> Any:
    """When it was compounded: its preparation's time (or day), else its fill date."""
    prep = dispensing.preparation
    return prep.compounded if prep is not None else dispensing.fill_date


def medication_dispense(dispensing: Dispensing) -> dict[str, Any]:
    """The MedicationDispense of one dispensing (plain dict; numbers as Decimal)."""
    from compounder.log.dispensings import handed_over

    if dispensing.handed_over:
        check_handed_over(dispensing)
    product, ingredients = _medication(dispensing)
    found: dict[str, Any] = {
        "resourceType": "MedicationDispense",
        "id": resource_id(dispensing),
        "contained": [product, *ingredients],
        "identifier": [{"system": URI_SYSTEM, "value": f"urn:uuid:{resource_id(dispensing)}"}],
        "status": _status(dispensing),
        "medicationReference": {"reference": "#product", "display": dispensing.drug},
        "subject": display_reference(dispensing.patient, "Patient"),
        "performer": _performers(dispensing),
        "authorizingPrescription": [identifier_reference(dispensing.rx)],
        "quantity": quantity(dispensing.quantity_ml, "mL"),
    }
    if dispensing.days_supply:
        found["daysSupply"] = quantity(dispensing.days_supply, "days")
    found["whenPrepared"] = date_time(when_prepared(dispensing))
    if dispensing.handed_over:  # not yet: awaiting a pharmacist's final check
        found["whenHandedOver"] = date_time(handed_over(dispensing))
    found["dosageInstruction"] = _dosages(dispensing)
    if not dispensing.drug:
        del found["medicationReference"]["display"]
    if not dispensing.patient:
        del found["subject"]
    if not found["performer"]:
        del found["performer"]
    return found


def _status(dispensing: Dispensing) -> str:
    """entered-in-error (a correction names it), completed (handed over), or
    in-progress (its bottle awaits a pharmacist's final check)."""
    if dispensing.corrected:
        return "entered-in-error"
    return "completed" if dispensing.handed_over else "in-progress"


def _medication(dispensing: Dispensing) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The compounded product, and a Medication for each ingredient lot it was made from."""
    prep = dispensing.preparation
    ingredients: list[dict[str, Any]] = [
        {
            "itemCodeableConcept": concept(ACTIVE_INGREDIENT),
            "isActive": True,
            "strength": strength_mg_per_ml(dispensing.concentration_mg_ml),
        }
    ]
    lots: list[dict[str, Any]] = []
    for component in prep.components if prep is not None else ():
        if not component.lots:
            ingredients.append(
                {"itemCodeableConcept": concept(component.name), "isActive": component.active}
            )
        for lot in component.lots:
            lots.append(_ingredient_lot(f"ingredient-{len(lots) + 1}", component.name, lot))
            reference = {"reference": f"#{lots[-1]['id']}", "display": component.name}
            ingredients.append({"itemReference": reference, "isActive": component.active})
    batch: dict[str, Any] = {"lotNumber": prep.lot} if prep is not None else {}
    batch["expirationDate"] = dispensing.bud.isoformat()
    product: dict[str, Any] = {
        "resourceType": "Medication",
        "id": "product",
        "code": concept(dispensing.drug or _product_text(dispensing)),
    }
    form = (prep.dosage_form if prep is not None else "") or dispensing.dosage_form
    if form:
        product["form"] = concept(form)
    product["ingredient"] = ingredients
    product["batch"] = batch
    return product, lots


def _product_text(dispensing: Dispensing) -> str:
    from compounder.core.units import format_quantity

    return f"Naltrexone HCl {format_quantity(dispensing.concentration_mg_ml, 'mg/mL')}"


def _ingredient_lot(key: str, name: str, lot: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"resourceType": "Medication", "id": key, "code": concept(name)}
    if lot.manufacturer:
        found["manufacturer"] = display_reference(lot.manufacturer, "Organization")
    found["batch"] = {"lotNumber": lot.lot}
    if lot.expiry is not None:
        found["batch"]["expirationDate"] = lot.expiry.isoformat()
    return found


def _performers(dispensing: Dispensing) -> list[dict[str, Any]]:
    """The pharmacy (as its labels name it), who prepared and who checked the lot."""
    found = []
    if dispensing.pharmacy:
        found.append({"actor": display_reference(dispensing.pharmacy, "Organization")})
    prep: Preparation | None = dispensing.preparation
    for who, function in (
        (prep.prepared_by if prep else "", "packager"),
        (prep.checked_by if prep else "", "checker"),
    ):
        if who:
            found.append(
                {
                    "function": coded(PERFORMER_FUNCTION, function),
                    "actor": display_reference(who, "Practitioner"),
                }
            )
    return found


def _dosages(dispensing: Dispensing) -> list[dict[str, Any]]:
    """The directions as printed; a dosage per dose (with its days when dated)."""
    if not dispensing.steps:
        return [dosage(1, dispensing.directions, [])]
    return [
        dosage(
            number,
            dispensing.directions if number == 1 else "",
            [(step.dose_mg, step.volume_ml)],
            (step.first_day, step.last_day)
            if step.first_day is not None and step.last_day is not None
            else None,
        )
        for number, step in enumerate(dispensing.steps, start=1)
    ]


def bundle(resources: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A Bundle of type collection holding the resources."""
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }


def written(resources: Sequence[dict[str, Any]], as_bundle: bool) -> bytes:
    """NDJSON (one resource a line), or one Bundle (indented), as UTF-8."""
    if as_bundle:
        return (to_json(bundle(resources), indent=2) + "\n").encode("utf-8")
    return "".join(to_json(r) + "\n" for r in resources).encode("utf-8")


@anchored_by_settings
def export_dispenses(
    output: str | Path | None,
    *,
    since: str | date | None = None,
    rx: str | None = None,
    as_bundle: bool = False,
    db: str | Path | None = None,
    config: str | Path | None = None,
) -> Export:
    """Every fill the log dispensed (filled on or after ``since``, for ``rx``) as FHIR
    MedicationDispense resources, written to ``output`` together with an ``export``
    entry (counts, filters, the entries exported, the bytes' SHA-256: no patient data),
    or, with no ``output``, returned for the caller to write once the entry is
    committed. A dispensing that cannot be written truthfully (handed over before it
    was prepared) refuses the whole export (SafetyError): nothing written or logged."""
    from compounder.atomic import check_output_path
    from compounder.core.dates import parse_date
    from compounder.core.identity import check_rx
    from compounder.log.entries import publish_with_entry
    from compounder.log.location import log_location

    day = parse_date(since, "since") if since is not None else None
    rx = check_rx(rx) if rx is not None else None
    target = check_output_path(Path(output)) if output is not None else None
    location = log_location(db, config)

    def write(store: Any) -> Export:
        from compounder.log.dispensings import dispensings
        from compounder.log.kinds import Kind

        found = dispensings(store, day, rx)
        data = written([medication_dispense(d) for d in found], as_bundle)
        digest = hashlib.sha256(data).hexdigest()
        entries = tuple(dict.fromkeys(d.entry_id for d in found))
        wrong = sum(1 for d in found if d.corrected)
        payload = {
            "format": "fhir-r4",
            "resource": "MedicationDispense",
            "layout": "bundle" if as_bundle else "ndjson",
            "since": day.isoformat() if day else None,
            "rx": rx,
            "dispensings": len(found),
            "entered_in_error": wrong,
            "entries": list(entries),
            "output": "file" if target is not None else "stdout",
            "sha256": digest,
            **({"files_sha256": [digest]} if target is not None else {}),
        }
        entry_id = store.log(Kind.EXPORT, rx, None, payload)
        shown = str(output) if output is not None else None
        return Export(len(found), wrong, entries, digest, entry_id, as_bundle, data, shown)

    def files(done: Export) -> list[tuple[Path, bytes]]:
        return [(target, done.data)] if target is not None else []

    result: Export = publish_with_entry(location, files, write, "export", must_exist=True)
    return result
