"""Vehicles a preparation is made up with, from ``vehicles.toml``.

Each vehicle names its USP <795> category (see ``bud_rules.toml``), how it is stored,
the auxiliary warnings it needs and any stability study with its citation.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from compounder.core.datafiles import Table, display_name, load_toml, template_path
from compounder.errors import InputError

STORAGE = ("refrigerator", "room")


@dataclass(frozen=True)
class StabilityStudy:
    """Published stability data: a BUD in days under one storage condition."""

    days: int
    storage: str
    citation: str


@dataclass(frozen=True)
class Vehicle:
    id: str
    name: str
    category: str
    storage: str
    container: str
    warnings: tuple[str, ...]
    studies: tuple[StabilityStudy, ...] = ()
    dosage_form: str = ""  # a wording id that overrides the source's (e.g. a suspending base)

    def study_for(self, storage: str) -> StabilityStudy | None:
        for study in self.studies:
            if study.storage == storage:
                return study
        return None


@cache
def load_vehicles(path: str | None = None) -> dict[str, Vehicle]:
    """Vehicles by id, from the shipped file or a user's own."""
    file = Path(path) if path else template_path("vehicles.toml")
    table = Table(load_toml(file), display_name(file))
    table.check_keys({"vehicle"})
    vehicles: dict[str, Vehicle] = {}
    for entry in table.tables("vehicle"):
        entry.check_keys(
            {"id", "name", "category", "storage", "container", "warnings", "study", "dosage_form"}
        )
        storage = entry.text("storage")
        if storage not in STORAGE:
            raise entry.error("storage", f"{storage!r} is not accepted", " or ".join(STORAGE))
        studies = []
        if "study" in entry.data:
            for study in entry.tables("study"):
                study.check_keys({"days", "storage", "citation"})
                study_storage = study.text("storage")
                if study_storage not in STORAGE:
                    raise study.error(
                        "storage", f"{study_storage!r} is not accepted", " or ".join(STORAGE)
                    )
                studies.append(
                    StabilityStudy(study.integer("days"), study_storage, study.text("citation"))
                )
        vehicle = Vehicle(
            id=entry.text("id"),
            name=entry.text("name"),
            category=entry.text("category"),
            storage=storage,
            container=entry.text("container", required=False),
            warnings=tuple(entry.text_list("warnings", required=False)),
            studies=tuple(studies),
            dosage_form=entry.text("dosage_form", required=False),
        )
        if vehicle.id in vehicles:
            raise entry.error("id", f"{vehicle.id!r} appears twice", "a unique id")
        vehicles[vehicle.id] = vehicle
    return vehicles


def find_vehicle(name: str, path: str | None = None) -> Vehicle:
    """A vehicle by id; InputError listing the known ones."""
    vehicles = load_vehicles(path)
    if name not in vehicles:
        raise InputError("vehicle", name, "one of " + ", ".join(vehicles))
    return vehicles[name]
