"""Titration protocols: data files describing how a dose is stepped up.

A protocol is a TOML file in ``templates/protocols/`` (or a user's own file): a
starting dose, an increment, the maximum dose and the days spent on each step. The
steps are worked out here, exactly (Decimal), and checked: the increment must reach the
maximum in whole steps unless ``finish_at_max`` says a last, smaller step ends there.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from compounder.core.datafiles import (
    Table,
    display_name,
    id_or_file,
    is_file_path,
    load_toml,
    shipped_ids,
)
from compounder.core.limits import MAX_DAILY_DOSE_MG, MAX_PROTOCOL_STEPS, MAX_STEP_DAYS
from compounder.errors import DataFileError

DEFAULT_PROTOCOL = "ldn-standard"
_KEYS = {
    "id",
    "name",
    "source",
    "start_dose",
    "increment",
    "max_dose",
    "days_per_step",
    "finish_at_max",
    "notes",
}
#: A protocol file may not produce more steps than this (a typo guard).


@dataclass(frozen=True)
class Protocol:
    """A titration protocol; every dose in mg as an exact Decimal."""

    id: str
    name: str
    source: str
    start_mg: Decimal
    increment_mg: Decimal
    max_mg: Decimal
    days_per_step: int
    finish_at_max: bool = False
    notes: str = ""

    def __post_init__(self) -> None:
        if not (0 < self.start_mg <= self.max_mg):
            raise ValueError("start dose must be above zero and at most the maximum")
        if self.increment_mg <= 0 or self.days_per_step < 1:
            raise ValueError("increment and days per step must be positive")

    @property
    def doses_mg(self) -> list[Decimal]:
        """Every step's dose in mg, from the start to the maximum."""
        doses = []
        dose = self.start_mg
        while dose <= self.max_mg:
            doses.append(dose)
            dose += self.increment_mg
        if doses[-1] != self.max_mg and self.finish_at_max:
            doses.append(self.max_mg)
        return doses


def shipped_protocols() -> list[str]:
    """Ids of the protocols shipped in ``templates/protocols/``."""
    return shipped_ids("protocols")


def load_protocol(name_or_path: str | Path = DEFAULT_PROTOCOL) -> Protocol:
    """A shipped protocol by id, or a user's protocol file by path."""
    text = str(name_or_path)
    if not is_file_path(text):
        return _shipped_protocol(text)
    return _protocol_file(text)


@cache
def _shipped_protocol(text: str) -> Protocol:
    return _protocol_file(text)


def _protocol_file(text: str) -> Protocol:
    path = id_or_file(text, "protocols", "protocol")
    return protocol_from_table(Table(load_toml(path), display_name(path)))


def protocol_from_table(table: Table) -> Protocol:
    """Build and check a Protocol from a parsed TOML table."""
    table.check_keys(_KEYS)
    start = table.magnitude("start_dose", "mass", "mg")
    increment = table.magnitude("increment", "mass", "mg")
    maximum = table.magnitude("max_dose", "mass", "mg")
    protocol_id = table.text("id")
    if maximum < start:
        raise table.error("max_dose", "is below start_dose", "a maximum at least the start dose")
    if maximum > MAX_DAILY_DOSE_MG:
        raise table.error(
            "max_dose",
            f"{maximum.normalize():f} mg is above the ceiling for low-dose naltrexone",
            f"at most {MAX_DAILY_DOSE_MG} mg a day (LDN Research Trust fact sheet)",
        )
    try:
        protocol = Protocol(
            id=protocol_id,
            name=table.text("name"),
            source=table.text("source"),
            start_mg=start,
            increment_mg=increment,
            max_mg=maximum,
            days_per_step=table.integer("days_per_step"),
            finish_at_max=table.boolean("finish_at_max"),
            notes=table.text("notes", required=False),
        )
    except ValueError as exc:
        raise DataFileError(table.path, "", str(exc)) from None
    steps = (protocol.max_mg - protocol.start_mg) / protocol.increment_mg
    if steps >= MAX_PROTOCOL_STEPS:  # checked before the steps are listed
        raise table.error(
            "increment", f"gives more than {MAX_PROTOCOL_STEPS} steps", "a larger increment"
        )
    if protocol.days_per_step > MAX_STEP_DAYS:
        raise table.error("days_per_step", "is too long", f"at most {MAX_STEP_DAYS} days")
    if steps != steps.to_integral_value() and not protocol.finish_at_max:
        raise table.error(
            "increment",
            "does not reach max_dose in whole steps",
            "an increment that divides (max_dose - start_dose), or finish_at_max = true",
        )
    return protocol
