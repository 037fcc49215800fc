"""Checks of the FHIR resources Compounder writes, with a real FHIR library.

Every resource is validated by ``fhir.resources`` (its R4B models: types, cardinality,
value patterns, no unknown fields); the rules those models do not check are checked
here: every contained resource is referenced from the resource (dom-3), every local
reference names a contained resource, and a dispensing is not handed over before it
was prepared (mdd-1).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any


def validate_dispense(resource: dict[str, Any]) -> None:
    """A MedicationDispense as R4B's model reads it, and the invariants it leaves out."""
    from fhir.resources.R4B.medicationdispense import MedicationDispense

    MedicationDispense.model_validate(resource)
    check_contained(resource)
    check_mdd1(resource)


def validate_bundle(bundle: dict[str, Any]) -> None:
    from fhir.resources.R4B.bundle import Bundle

    Bundle.model_validate(bundle)
    for entry in bundle["entry"]:
        assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"
        validate_dispense(entry["resource"])


def check_contained(resource: dict[str, Any]) -> None:
    """dom-3: each contained resource is referenced; each '#id' is a contained one."""
    contained = {r["id"] for r in resource.get("contained", [])}
    text = json.dumps(resource)
    for key in contained:
        assert f'"#{key}"' in text, f"contained {key} is referenced from nowhere"
    for found in _references(resource):
        if found.startswith("#"):
            assert found[1:] in contained, f"{found} names no contained resource"


def _references(value: Any) -> list[str]:
    if isinstance(value, dict):
        here = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return here + [r for v in value.values() for r in _references(v)]
    if isinstance(value, list):
        return [r for v in value for r in _references(v)]
    return []


def when(text: str) -> datetime | date:
    return datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)


def check_mdd1(resource: dict[str, Any]) -> None:
    """mdd-1: whenHandedOver not before whenPrepared (by day when one is a day)."""
    prepared, handed = resource.get("whenPrepared"), resource.get("whenHandedOver")
    if prepared is None or handed is None:
        return
    earlier, later = when(prepared), when(handed)
    if isinstance(earlier, datetime) and isinstance(later, datetime):
        assert later >= earlier, (prepared, handed)
    else:
        day = later.astimezone().date() if isinstance(later, datetime) else later
        start = earlier.astimezone().date() if isinstance(earlier, datetime) else earlier
        assert day >= start, (prepared, handed)


def read_ndjson(data: bytes | str) -> list[dict[str, Any]]:
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    assert text == "" or text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]
