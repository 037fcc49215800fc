"""Beyond-use dates (BUD), by the rule set in ``bud_rules.toml``.

The BUD is the earliest of: the USP <795> category limit of the vehicle (or a cited
stability study, as the rule set allows), and the expiry of every ingredient lot. A
pharmacist may ask for an earlier BUD, never a later one. The result always says which
limit set it. Day counting (is the compounding day day 1 or day 0?) is one setting.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from compounder.core.datafiles import Table, display_name, load_toml, template_path
from compounder.core.lots import IngredientExpiry
from compounder.core.vehicles import STORAGE, Vehicle
from compounder.errors import InputError, SafetyError

DAY_COUNTING = ("day-1", "day-0")


@dataclass(frozen=True)
class BudCategory:
    id: str
    name: str
    max_days: int
    storage: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class BudRules:
    day_counting: str
    studies_may_exceed_table: bool
    categories: dict[str, BudCategory]

    def bud_after(self, compounded: date, days: int) -> date:
        """The BUD of a limit of ``days`` days for a preparation made on ``compounded``."""
        offset = days - 1 if self.day_counting == "day-1" else days
        return compounded + timedelta(days=offset)

    def category(self, category_id: str) -> BudCategory:
        if category_id not in self.categories:
            raise InputError("category", category_id, "one of " + ", ".join(self.categories))
        return self.categories[category_id]


@dataclass(frozen=True)
class BudLimit:
    """One candidate limit on the BUD and what it rests on."""

    date: date
    kind: str  # "category", "study", "ingredient" or "requested"
    basis: str


@dataclass(frozen=True)
class BudResult:
    compounded: date
    bud: date
    basis: BudLimit
    limits: tuple[BudLimit, ...]
    storage: str  # a storage id ("refrigerator", "room"); content words it
    notes: tuple[str, ...] = ()

    @property
    def days_of_use(self) -> int:
        """Days of doses the preparation can supply, the compounding day included."""
        return (self.bud - self.compounded).days + 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "compounded": self.compounded.isoformat(),
            "bud": self.bud.isoformat(),
            "bud_basis": self.basis.basis,
            "bud_basis_kind": self.basis.kind,
            "days_of_use": self.days_of_use,
            "storage": self.storage,
            "limits": [
                {"date": lim.date.isoformat(), "kind": lim.kind, "basis": lim.basis}
                for lim in self.limits
            ],
            "notes": list(self.notes),
        }


@cache
def load_bud_rules(path: str | None = None) -> BudRules:
    file = Path(path) if path else template_path("bud_rules.toml")
    table = Table(load_toml(file), display_name(file))
    table.check_keys({"day_counting", "studies_may_exceed_table", "category"})
    counting = table.text("day_counting")
    if counting not in DAY_COUNTING:
        raise table.error(
            "day_counting", f"{counting!r} is not accepted", " or ".join(DAY_COUNTING)
        )
    categories = {}
    for entry in table.tables("category"):
        entry.check_keys({"id", "name", "max_days", "storage", "source"})
        storage = tuple(entry.text_list("storage"))
        for item in storage:
            if item not in STORAGE:
                raise entry.error("storage", f"{item!r} is not accepted", " or ".join(STORAGE))
        category = BudCategory(
            id=entry.text("id"),
            name=entry.text("name"),
            max_days=entry.integer("max_days"),
            storage=storage,
            source=entry.text("source"),
        )
        categories[category.id] = category
    return BudRules(
        day_counting=counting,
        studies_may_exceed_table=table.boolean("studies_may_exceed_table"),
        categories=categories,
    )


def expiry_basis(lot: IngredientExpiry) -> str:
    """What a BUD an ingredient lot caps rests on (the one wording of it: labels' log
    entries, records and a batch's manifest all carry it): the lot number, and the
    ingredient's name as it was entered, quoted as entered data, e.g.
    ``expiry of ingredient lot AB1234 ("naltrexone 50mg tab")``; for the recorded
    preparation a label is filled from, ``BUD of preparation lot 20261201-001``."""
    if lot.kind == "preparation":
        return f"BUD of preparation lot {lot.lot}"
    name = json.dumps(lot.ingredient, ensure_ascii=False) if lot.ingredient else ""
    if lot.lot:
        return f"expiry of ingredient lot {lot.lot}" + (f" ({name})" if name else "")
    return f"expiry of ingredient {name}" if name else "expiry of an ingredient"


def beyond_use_date(
    compounded: date,
    vehicle: Vehicle,
    rules: BudRules,
    lots: tuple[IngredientExpiry, ...] = (),
    requested: date | None = None,
    storage: str | None = None,
) -> BudResult:
    """The BUD of a preparation in ``vehicle`` made on ``compounded``.

    Raises InputError for a lot already expired or a requested BUD before the
    compounding date, and SafetyError for a requested BUD later than the computed one
    or a storage condition the category does not allow.
    """
    category = rules.category(vehicle.category)
    storage = storage or vehicle.storage
    if storage not in category.storage:
        raise SafetyError(
            f"a preparation that is {category.name} may not be stored at {storage}",
            "store it in the " + " or ".join(category.storage),
        )
    notes: list[str] = []
    limits = [
        BudLimit(
            rules.bud_after(compounded, category.max_days),
            "category",
            f"{category.source} ({category.max_days} days, {storage})",
        )
    ]
    study = vehicle.study_for(storage)
    if study is not None:
        study_limit = BudLimit(
            rules.bud_after(compounded, study.days),
            "study",
            f"stability study: {study.citation} ({study.days} days, {storage})",
        )
        if rules.studies_may_exceed_table:
            limits[0] = study_limit
        elif study.days < category.max_days:
            limits.append(study_limit)
        else:
            notes.append(
                f"a study supports {study.days} days ({study.citation}), but the rule set "
                f"does not let a study exceed the {category.max_days}-day USP <795> limit"
            )
    for lot in lots:
        if lot.expiry < compounded:
            raise InputError(
                "lot-expiry",
                f"{lot.label}: {lot.expiry.isoformat()}",
                f"an ingredient expiry on or after the compounding date {compounded.isoformat()}"
                " (this lot has expired: do not use it)",
            )
        limits.append(BudLimit(lot.expiry, "ingredient", expiry_basis(lot)))
    earliest = min(limits, key=lambda lim: lim.date)  # first listed wins a tie
    basis = earliest
    if requested is not None:
        if requested < compounded:
            raise InputError(
                "bud",
                requested.isoformat(),
                f"a date on or after the compounding date {compounded.isoformat()}",
            )
        if requested > earliest.date:
            raise SafetyError(
                f"requested BUD {requested.isoformat()} is later than the computed BUD "
                f"{earliest.date.isoformat()} ({earliest.basis})",
                "a BUD may be shortened, never extended",
            )
        if requested < earliest.date:
            basis = BudLimit(requested, "requested", "shortened by the pharmacist")
            limits.append(basis)
    return BudResult(
        compounded=compounded,
        bud=basis.date,
        basis=basis,
        limits=tuple(limits),
        storage=storage,
        notes=tuple(notes),
    )
