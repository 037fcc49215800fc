"""Master formulation records (USP <795>), from ``formulations.toml``.

One master formulation per preparation: drug source x vehicle x strength, each with an
id and a version (and the date that version took effect). ``find_formulation`` is the
one place a preparation is matched to its master formulation; a preparation without
one is refused wherever a compounding record would be written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from compounder.core.datafiles import Table, display_name, load_toml, template_path
from compounder.core.units import format_quantity
from compounder.errors import SafetyError


@dataclass(frozen=True)
class MasterFormulation:
    id: str
    version: int
    effective: date
    source: str
    vehicle: str
    strength_mg_ml: Decimal
    dosage_form: str
    quality_checks: tuple[str, ...]


@cache
def load_formulations(path: str | None = None) -> tuple[MasterFormulation, ...]:
    """Every master formulation in the shipped file or a user's own."""
    file = Path(path) if path else template_path("formulations.toml")
    table = Table(load_toml(file), display_name(file))
    table.check_keys({"quality_checks", "formulation"})
    checks = tuple(table.text_list("quality_checks"))
    found: list[MasterFormulation] = []
    ids: set[str] = set()
    for entry in table.tables("formulation"):
        entry.check_keys(
            {"id", "version", "effective", "source", "vehicle", "strength", "dosage_form"}
        )
        effective = entry.date("effective")
        assert effective is not None
        formulation = MasterFormulation(
            id=entry.text("id"),
            version=entry.integer("version"),
            effective=effective,
            source=entry.text("source"),
            vehicle=entry.text("vehicle"),
            strength_mg_ml=entry.magnitude("strength", "concentration", "mg/mL"),
            dosage_form=entry.text("dosage_form"),
            quality_checks=checks,
        )
        if formulation.id in ids:
            raise entry.error("id", f"{formulation.id!r} appears twice", "a unique id")
        key = (formulation.source, formulation.vehicle, formulation.strength_mg_ml)
        if any((f.source, f.vehicle, f.strength_mg_ml) == key for f in found):
            raise entry.error("strength", "a second formulation for the same preparation")
        ids.add(formulation.id)
        found.append(formulation)
    return tuple(found)


def find_formulation(
    source_id: str, vehicle_id: str, strength_mg_ml: Decimal, path: str | None = None
) -> MasterFormulation:
    """The master formulation of a preparation; SafetyError if there is none."""
    for formulation in load_formulations(path):
        if (formulation.source, formulation.vehicle) == (source_id, vehicle_id) and (
            formulation.strength_mg_ml == strength_mg_ml
        ):
            return formulation
    raise SafetyError(
        f"no master formulation record for {format_quantity(strength_mg_ml, 'mg/mL')} "
        f"from {source_id} in {vehicle_id}",
        "add one to formulations.toml (USP <795>: every preparation follows a master formulation)",
    )
