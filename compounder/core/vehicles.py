"""Vehicles a preparation is made up with, from ``vehicles.toml``.

Each vehicle names its USP <795> category (see ``bud_rules.toml``), how it is stored,
the auxiliary warnings it needs and any stability study with its citation. A vehicle is
a sub-formula: its ingredients are quantities per volume ("0.5 g/100 mL",
"20 mL/100 mL") or "to volume", read by the unit engine, and ``vehicle_amounts`` works
them out exactly for a batch volume (weighed amounts rounded up to the balance's
readability, never down). Its preparation steps are data too; their text is filled in
by ``compounder.content.records``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

from compounder.core.datafiles import Table, display_name, load_toml, template_path
from compounder.core.units import fraction_to_decimal, parse_magnitude
from compounder.errors import InputError

STORAGE = ("refrigerator", "room")


@dataclass(frozen=True)
class StabilityStudy:
    """Published stability data: a BUD in days under one storage condition."""

    days: int
    storage: str
    citation: str


TO_VOLUME = "to volume"


@dataclass(frozen=True)
class VehicleIngredient:
    """One ingredient of a vehicle: an amount (mg or mL) per ``per_ml`` of vehicle, or
    None for the ingredient the vehicle is made up to volume with."""

    id: str
    name: str
    grade: str = ""
    amount: Decimal | None = None
    unit: str = ""  # "mg" (weighed) or "mL" (measured); "" for to volume
    per_ml: Decimal | None = None
    aliases: tuple[str, ...] = ()

    @property
    def to_volume(self) -> bool:
        return self.amount is None

    def names(self) -> tuple[str, ...]:
        """The names a lot may give for this ingredient (lower case)."""
        return tuple(n.lower() for n in (self.name, self.id.replace("-", " "), *self.aliases))


@dataclass(frozen=True)
class IngredientAmount:
    """An ingredient worked out for a volume of vehicle; ``amount`` None: to volume."""

    ingredient: VehicleIngredient
    amount: Decimal | None
    unit: str


@dataclass(frozen=True)
class VehicleBatch:
    """A vehicle worked out for a batch: how much to make, each ingredient's amount."""

    vehicle_id: str
    volume_ml: Decimal  # the vehicle to make
    needed_ml: Decimal  # the batch's volume (less when a weighing set a larger volume)
    amounts: tuple[IngredientAmount, ...]

    @property
    def weighed(self) -> bool:
        return any(a.unit == "mg" for a in self.amounts)


@dataclass(frozen=True)
class Vehicle:
    id: str
    name: str
    category: str
    storage: str
    container: str
    warnings: tuple[str, ...]
    studies: tuple[StabilityStudy, ...] = ()
    ingredients: tuple[VehicleIngredient, ...] = ()
    steps: tuple[str, ...] = ()
    equipment: tuple[str, ...] = ()
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
            {
                "id",
                "name",
                "category",
                "storage",
                "container",
                "warnings",
                "study",
                "ingredient",
                "steps",
                "equipment",
                "dosage_form",
            }
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
            ingredients=_ingredients(entry),
            steps=tuple(entry.text_list("steps", required=False)),
            equipment=tuple(entry.text_list("equipment", required=False)),
            dosage_form=entry.text("dosage_form", required=False),
        )
        if vehicle.id in vehicles:
            raise entry.error("id", f"{vehicle.id!r} appears twice", "a unique id")
        vehicles[vehicle.id] = vehicle
    return vehicles


def _ingredients(entry: Table) -> tuple[VehicleIngredient, ...]:
    """The vehicle's sub-formula (none: the vehicle is used as bought, to volume);
    exactly one ingredient is "to volume"."""
    if "ingredient" not in entry.data:
        return ()
    ingredients = []
    for item in entry.tables("ingredient"):
        item.check_keys({"id", "name", "grade", "amount", "aliases"})
        text = item.text("amount")
        common: dict[str, Any] = {
            "id": item.text("id"),
            "name": item.text("name"),
            "grade": item.text("grade", required=False),
            "aliases": tuple(a.lower() for a in item.text_list("aliases", required=False)),
        }
        if text.strip().lower() == TO_VOLUME:
            ingredients.append(VehicleIngredient(**common))
            continue
        amount, unit, per_ml = _per_volume(item, text)
        ingredients.append(VehicleIngredient(**common, amount=amount, unit=unit, per_ml=per_ml))
    if sum(i.to_volume for i in ingredients) != 1:
        raise entry.error("ingredient", "needs exactly one ingredient with amount = 'to volume'")
    return tuple(ingredients)


def _per_volume(item: Table, text: str) -> tuple[Decimal, str, Decimal]:
    """ "0.5 g/100 mL" -> (500, "mg", 100); "20 mL/100 mL" -> (20, "mL", 100)."""
    expected = "an amount per volume such as '0.5 g/100 mL' or '20 mL/100 mL', or 'to volume'"
    amount_text, slash, per_text = text.partition("/")
    if not slash:
        raise item.error("amount", f"{text!r} is not accepted", expected)
    try:
        per_ml = parse_magnitude(per_text, "volume", "mL")
    except InputError:
        raise item.error("amount", f"{text!r} is not accepted", expected) from None
    for kind, unit in (("mass", "mg"), ("volume", "mL")):
        try:
            return parse_magnitude(amount_text, kind, unit), unit, per_ml
        except InputError:
            continue
    raise item.error("amount", f"{text!r} is not accepted", expected)


def vehicle_amounts(
    vehicle: Vehicle,
    volume_ml: Decimal,
    readability_mg: Decimal,
    minimum_weight_mg: Decimal,
    volume_step_ml: Decimal = Decimal("0.1"),
) -> VehicleBatch:
    """The vehicle's ingredients for ``volume_ml`` of vehicle, exactly.

    A weighed amount below the balance's minimum weight makes the vehicle in a larger
    volume instead (the smallest whole number of mL at which every weighing reaches the
    minimum; the rest is not used). Weights are rounded up to the balance's readability
    and measured volumes up to ``volume_step_ml``, and only when not already exact.
    """
    make = volume_ml
    for ingredient in vehicle.ingredients:
        if ingredient.unit == "mg" and ingredient.amount and ingredient.per_ml:
            per_ml = Fraction(ingredient.amount) / Fraction(ingredient.per_ml)
            if per_ml * Fraction(make) < Fraction(minimum_weight_mg):
                make = Decimal(math.ceil(Fraction(minimum_weight_mg) / per_ml))
    amounts = []
    for ingredient in vehicle.ingredients:
        if ingredient.amount is None or ingredient.per_ml is None:
            amounts.append(IngredientAmount(ingredient, None, ""))
            continue
        exact = Fraction(ingredient.amount) * Fraction(make) / Fraction(ingredient.per_ml)
        step = readability_mg if ingredient.unit == "mg" else volume_step_ml
        count = math.ceil(exact / Fraction(step))
        amounts.append(
            IngredientAmount(
                ingredient, fraction_to_decimal(count * Fraction(step)), ingredient.unit
            )
        )
    return VehicleBatch(vehicle.id, make, volume_ml, tuple(amounts))


def find_vehicle(name: str, path: str | None = None) -> Vehicle:
    """A vehicle by id; InputError listing the known ones."""
    vehicles = load_vehicles(path)
    if name not in vehicles:
        raise InputError("vehicle", name, "one of " + ", ".join(vehicles))
    return vehicles[name]
