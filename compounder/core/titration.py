"""The dose plan: every titration step worked out exactly at one concentration.

For each step of a protocol: the dose (mg), the volume (dose / concentration, exact),
the syringe that measures it and the days (and, with a start date, the dates) on the
step. A volume with no exact decimal form, or off every syringe's marks, makes the
step not measurable: the plan says so and ``require_measurable`` refuses it. Nothing
here rounds a volume.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from compounder.core.protocols import Protocol
from compounder.core.syringes import Catalogue, Syringe, choose_syringe, describe_volume
from compounder.core.units import format_number, format_quantity, fraction_to_decimal
from compounder.errors import NotMeasurableError


@dataclass(frozen=True)
class Step:
    """One titration step at one concentration."""

    number: int
    dose_mg: Decimal
    volume: Fraction
    syringe: Syringe | None
    days: int
    start_date: date | None = None
    warnings: tuple[str, ...] = field(default=())
    problem: str = ""

    @property
    def measurable(self) -> bool:
        return self.syringe is not None and not self.problem

    @property
    def volume_ml(self) -> Decimal:
        """The exact volume; ValueError if the step is not measurable."""
        return fraction_to_decimal(self.volume)

    @property
    def end_date(self) -> date | None:
        if self.start_date is None:
            return None
        return self.start_date + timedelta(days=self.days - 1)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: numbers as decimal strings exactly as a label prints them."""
        result: dict[str, Any] = {
            "step": self.number,
            "dose_mg": format_number(self.dose_mg),
            "volume_ml": format_number(self.volume_ml) if self.measurable else None,
            "syringe_ml": None,
            "graduation_ml": None,
            "syringe": None,
            "days": self.days,
            "start_date": self.start_date.isoformat() if self.start_date else None,
            "end_date": self.end_date.isoformat() if self.end_date else None,
            "measurable": self.measurable,
            "warnings": list(self.warnings),
        }
        if self.syringe is not None:
            result.update(
                syringe_ml=format_number(self.syringe.capacity_ml),
                graduation_ml=format_number(self.syringe.graduation_ml),
                syringe=self.syringe.id,
            )
        if self.problem:
            result["problem"] = self.problem
        return result


@dataclass(frozen=True)
class Plan:
    """A protocol's steps at one concentration."""

    protocol: Protocol
    concentration_mg_ml: Decimal
    steps: tuple[Step, ...]
    start_date: date | None = None

    @property
    def measurable(self) -> bool:
        return all(step.measurable for step in self.steps)

    @property
    def syringes(self) -> list[Syringe]:
        """The different syringes the patient needs, in order of first use."""
        seen: dict[str, Syringe] = {}
        for step in self.steps:
            if step.syringe is not None:
                seen.setdefault(step.syringe.id, step.syringe)
        return list(seen.values())

    @property
    def warnings(self) -> list[str]:
        return [f"step {s.number}: {w}" for s in self.steps for w in s.warnings]

    @property
    def total_days(self) -> int:
        return sum(step.days for step in self.steps)

    @property
    def concentration_text(self) -> str:
        return format_quantity(self.concentration_mg_ml, "mg/mL")

    def require_measurable(self) -> Plan:
        """The plan itself, or NotMeasurableError naming every step that is not."""
        bad = [s for s in self.steps if not s.measurable]
        if bad:
            details = "; ".join(
                f"step {s.number} ({format_quantity(s.dose_mg, 'mg')}): {s.problem}" for s in bad
            )
            raise NotMeasurableError(
                f"at {self.concentration_text}, {details}",
                "choose a concentration from 'compounder strengths'",
                steps=[str(s.number) for s in bad],
            )
        return self

    def to_dict(self) -> dict[str, Any]:
        return {
            "protocol": self.protocol.id,
            "concentration": self.concentration_text,
            "concentration_mg_ml": format_number(self.concentration_mg_ml),
            "start_date": self.start_date.isoformat() if self.start_date else None,
            "total_days": self.total_days,
            "measurable": self.measurable,
            "syringes": [s.id for s in self.syringes],
            "steps": [step.to_dict() for step in self.steps],
            "warnings": self.warnings,
        }


def plan_step(
    number: int,
    dose_mg: Decimal,
    concentration_mg_ml: Decimal,
    catalogue: Catalogue,
    days: int,
    start_date: date | None = None,
) -> Step:
    """Work out one step: exact volume, and the syringe that measures it."""
    volume = Fraction(dose_mg) / Fraction(concentration_mg_ml)
    choice = choose_syringe(volume, catalogue)
    problem = choice.problem
    if not problem:
        try:
            fraction_to_decimal(volume)
        except ValueError:  # pragma: no cover - on-scale volumes always have a decimal form
            problem = f"{describe_volume(volume)} has no exact decimal form"
    return Step(
        number=number,
        dose_mg=dose_mg,
        volume=volume,
        syringe=choice.syringe,
        days=days,
        start_date=start_date,
        warnings=choice.warnings,
        problem=problem,
    )


def make_plan(
    protocol: Protocol,
    concentration_mg_ml: Decimal,
    catalogue: Catalogue,
    start_date: date | None = None,
    dose_mg: Decimal | None = None,
) -> Plan:
    """Every step of ``protocol`` (or only the step at ``dose_mg``) at a concentration.

    A dose that is above the maximum or not a protocol step is refused (SafetyError).
    """
    doses = protocol.doses_mg
    if dose_mg is not None:
        doses = [protocol.check_dose(dose_mg)]
    steps = []
    day = start_date
    for index, dose in enumerate(doses, start=1):
        number = protocol.doses_mg.index(dose) + 1 if dose_mg is not None else index
        steps.append(
            plan_step(number, dose, concentration_mg_ml, catalogue, protocol.days_per_step, day)
        )
        if day is not None:
            day += timedelta(days=protocol.days_per_step)
    return Plan(protocol, concentration_mg_ml, tuple(steps), start_date)
