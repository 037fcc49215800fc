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

from compounder.core.datafiles import Table, display_name, load_toml, template_path
from compounder.core.units import format_quantity
from compounder.errors import DataFileError, InputError, SafetyError

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
MAX_STEPS = 60


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

    def check_dose(self, dose_mg: Decimal) -> Decimal:
        """Refuse a dose above the maximum or not on the protocol's steps."""
        shown = format_quantity(dose_mg, "mg")
        if dose_mg > self.max_mg:
            raise SafetyError(
                f"dose {shown} is above the {self.id} maximum of "
                f"{format_quantity(self.max_mg, 'mg')}",
                "check the prescription",
            )
        if dose_mg not in self.doses_mg:
            steps = ", ".join(format_quantity(d, "mg") for d in self.doses_mg)
            raise SafetyError(
                f"dose {shown} is not a step of protocol {self.id}",
                f"accepted doses: {steps}",
            )
        return dose_mg


def shipped_protocols() -> list[str]:
    """Ids of the protocols shipped in ``templates/protocols/``."""
    return sorted(p.stem for p in template_path("protocols").glob("*.toml"))


def load_protocol(name_or_path: str | Path = DEFAULT_PROTOCOL) -> Protocol:
    """A shipped protocol by id, or a user's protocol file by path."""
    text = str(name_or_path)
    if not (text.endswith(".toml") or "/" in text or "\\" in text):
        return _shipped_protocol(text)
    return _protocol_file(Path(text))


@cache
def _shipped_protocol(text: str) -> Protocol:
    return _protocol_file(Path(text))


def _protocol_file(name_or_path: Path) -> Protocol:
    text = str(name_or_path)
    if text.endswith(".toml") or "/" in text or "\\" in text:
        path = Path(text)
    else:
        path = template_path("protocols", f"{text}.toml")
        if not path.is_file():
            raise InputError(
                "protocol", text, "a protocol file path or one of " + ", ".join(shipped_protocols())
            )
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
    if len(protocol.doses_mg) > MAX_STEPS:
        raise table.error("increment", f"gives more than {MAX_STEPS} steps", "a larger increment")
    if steps != steps.to_integral_value() and not protocol.finish_at_max:
        raise table.error(
            "increment",
            "does not reach max_dose in whole steps",
            "an increment that divides (max_dose - start_dose), or finish_at_max = true",
        )
    return protocol
