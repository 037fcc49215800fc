"""Fill planning: a whole titration turned into the fills a pharmacy dispenses.

Each fill is compounded on the day its first dose is taken and holds no more days of
doses than its BUD allows (``BudResult.days_of_use``). A fill that spans two steps
carries both steps' directions. The volume dispensed is what the doses need plus the
overage for bottle and syringe loss, rounded up (``dispensing.toml``). Fills cover every
day of the titration once: no gap and no overlap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

from compounder.core.bud import BudResult, BudRules, beyond_use_date
from compounder.core.datafiles import Table, display_name, load_toml, template_path
from compounder.core.titration import Plan, Step
from compounder.core.units import format_number, fraction_to_decimal
from compounder.core.vehicles import Vehicle
from compounder.errors import SafetyError


@dataclass(frozen=True)
class DispensingRules:
    overage: Decimal  # a fraction: 0.1 is 10%
    round_up_to_ml: Decimal
    max_container_ml: Decimal = Decimal(120)

    def containers(self, quantity_ml: Decimal) -> list[Decimal]:
        """The quantity split into containers no larger than the largest bottle."""
        full, rest = divmod(quantity_ml, self.max_container_ml)
        parts = [self.max_container_ml] * int(full)
        if rest:
            parts.append(rest)
        return parts


@cache
def load_dispensing(path: str | None = None) -> DispensingRules:
    file = Path(path) if path else template_path("dispensing.toml")
    table = Table(load_toml(file), display_name(file))
    table.check_keys({"overage", "round_up_to", "max_container"})
    overage = table.decimal("overage")
    if not 0 <= overage <= 1:
        raise table.error("overage", f"{overage} is not accepted", "a fraction from 0 to 1")
    return DispensingRules(
        overage,
        table.magnitude("round_up_to", "volume", "mL"),
        table.magnitude("max_container", "volume", "mL"),
    )


@dataclass(frozen=True)
class FillSegment:
    """The part of one titration step that a fill covers."""

    step: Step
    first_day: date
    last_day: date

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def volume_needed_ml(self) -> Decimal:
        return self.step.volume_ml * self.days

    def to_dict(self) -> dict[str, Any]:
        syringe = self.step.syringe
        return {
            "step": self.step.number,
            "dose_mg": format_number(self.step.dose_mg),
            "volume_ml": format_number(self.step.volume_ml),
            "syringe_ml": format_number(syringe.capacity_ml) if syringe else None,
            "graduation_ml": format_number(syringe.graduation_ml) if syringe else None,
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "days": self.days,
        }


@dataclass(frozen=True)
class Fill:
    number: int
    segments: tuple[FillSegment, ...]
    bud: BudResult
    dispense_ml: Decimal

    @property
    def fill_date(self) -> date:
        return self.segments[0].first_day

    @property
    def last_day(self) -> date:
        return self.segments[-1].last_day

    @property
    def days(self) -> int:
        return sum(s.days for s in self.segments)

    @property
    def volume_needed_ml(self) -> Decimal:
        return sum((s.volume_needed_ml for s in self.segments), Decimal(0))

    @property
    def drug_needed_mg(self) -> Decimal:
        return sum((s.step.dose_mg * s.days for s in self.segments), Decimal(0))

    def to_dict(self) -> dict[str, Any]:
        return {
            "fill": self.number,
            "fill_date": self.fill_date.isoformat(),
            "first_day": self.fill_date.isoformat(),
            "last_day": self.last_day.isoformat(),
            "days": self.days,
            "steps": [s.to_dict() for s in self.segments],
            "volume_needed_ml": format_number(self.volume_needed_ml),
            "dispense_ml": format_number(self.dispense_ml),
            "bud": self.bud.bud.isoformat(),
            "bud_basis": self.bud.basis.basis,
        }


@dataclass(frozen=True)
class FillPlan:
    plan: Plan
    vehicle: Vehicle
    overage: Decimal
    fills: tuple[Fill, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "protocol": self.plan.protocol.id,
            "concentration": self.plan.concentration_text,
            "vehicle": self.vehicle.id,
            "start_date": self.plan.start_date.isoformat() if self.plan.start_date else None,
            "total_days": self.plan.total_days,
            "overage": format_number(self.overage * 100) + "%",
            "fills": [f.to_dict() for f in self.fills],
        }


def dispense_volume(needed_ml: Decimal, rules: DispensingRules) -> Decimal:
    """Needed volume plus overage, rounded up to ``round_up_to``."""
    with_overage = Fraction(needed_ml) * (1 + Fraction(rules.overage))
    count = math.ceil(with_overage / Fraction(rules.round_up_to_ml))
    return fraction_to_decimal(count * Fraction(rules.round_up_to_ml))


def plan_fills(
    plan: Plan,
    vehicle: Vehicle,
    rules: BudRules,
    dispensing: DispensingRules,
    first_compounded: date | None = None,
) -> FillPlan:
    """Split a dated, measurable titration plan into fills (module docstring).

    ``first_compounded``: when the first fill is compounded before the start date, its
    BUD counts from that day (so it covers fewer days of doses)."""
    plan.require_measurable()
    if plan.start_date is None:
        raise ValueError("fills need a plan with a start date")
    days: list[tuple[date, Step]] = []
    for step in plan.steps:
        assert step.start_date is not None
        days += [(step.start_date + timedelta(days=i), step) for i in range(step.days)]
    fills: list[Fill] = []
    index = 0
    while index < len(days):
        fill_date = days[index][0]
        compounded = first_compounded if (first_compounded and not fills) else fill_date
        if compounded > fill_date:
            raise SafetyError(
                f"the first fill would be compounded ({compounded.isoformat()}) after the "
                f"titration starts ({fill_date.isoformat()})",
                "start the titration on or after the fill date",
            )
        bud = beyond_use_date(compounded, vehicle, rules)
        chunk = [d for d in days[index : index + bud.days_of_use] if d[0] <= bud.bud]
        if not chunk:
            raise SafetyError(
                f"a fill compounded on {compounded.isoformat()} is past its BUD "
                f"({bud.bud.isoformat()}) before the start on {fill_date.isoformat()}",
                "fill it closer to the start date",
            )
        segments: list[FillSegment] = []
        for day, step in chunk:
            if segments and segments[-1].step is step:
                segments[-1] = FillSegment(step, segments[-1].first_day, day)
            else:
                segments.append(FillSegment(step, day, day))
        needed = sum((s.volume_needed_ml for s in segments), Decimal(0))
        fills.append(
            Fill(len(fills) + 1, tuple(segments), bud, dispense_volume(needed, dispensing))
        )
        index += len(chunk)
    return FillPlan(plan, vehicle, dispensing.overage, tuple(fills))
