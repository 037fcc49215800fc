"""The dose plan: every titration step worked out exactly at one concentration.

For each step of a protocol: the dose (mg), the volume (dose / concentration, exact),
the syringe that measures it and the days (and, with a start date, the dates) on the
step. A volume with no exact decimal form, or off every syringe's marks, makes the
step not measurable: the plan says so and ``require_measurable`` refuses it. Nothing
here rounds a volume.

Titration to the dose that suits the patient is worked out here, once
(``titration_doses``): a plan may start (or restart, or step back) at any step
(``start_mg``) and stop rising at a target (``target_mg``); the target step is then
maintenance and lasts ``maintenance_days``. A prescribed dose must be one of the
protocol's steps; a dose off the steps but within the protocol's range is accepted only
with the pharmacist's reason (``off_protocol_reason``); a dose above the maximum (every
protocol's is at most the 4.5 mg a day ceiling) only with the reason and the
pharmacist's initials (``prescribed_dose``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from compounder.core.limits import MAX_DAILY_DOSE_MG
from compounder.core.protocols import Protocol
from compounder.core.syringes import Catalogue, Syringe, choose_syringe, describe_volume
from compounder.core.units import format_number, format_quantity, fraction_to_decimal
from compounder.errors import InputError, NotMeasurableError, SafetyError


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
    maintenance: bool = False  # the dose the patient stays at (the target)
    off_protocol: bool = False  # a dose between the protocol's steps

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
            "maintenance": self.maintenance,
            "off_protocol": self.off_protocol,
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
    off_protocol_reason: str = ""

    @property
    def maintenance(self) -> Step | None:
        """The step the patient stays at, when the plan has a target."""
        last = self.steps[-1] if self.steps else None
        return last if last is not None and last.maintenance else None

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
            "maintenance_dose_mg": (
                format_number(self.maintenance.dose_mg) if self.maintenance else None
            ),
            "off_protocol_reason": self.off_protocol_reason or None,
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


def prescribed_dose(
    protocol: Protocol, dose_mg: Decimal, off_protocol_reason: str = "", pharmacist: str = ""
) -> bool:
    """Check a prescribed dose against the protocol; True when it is off the steps.

    Not above zero: always refused (SafetyError). Above the protocol's maximum (and so
    above the 4.5 mg ceiling of every protocol, or at it): refused unless the
    pharmacist gives ``off_protocol_reason`` and their initials (``pharmacist``); the
    reason without the initials is InputError "pharmacist: missing" (as an override or
    an acknowledgement without them). Off the steps but within the range: refused
    unless ``off_protocol_reason``.
    """
    shown = format_quantity(dose_mg, "mg")
    if dose_mg > protocol.max_mg:
        if off_protocol_reason and pharmacist:
            return True
        if off_protocol_reason:
            raise InputError(
                "pharmacist", "missing", "{pharmacist} with {off-protocol-reason} for a dose "
                f"above the protocol's maximum of {format_quantity(protocol.max_mg, 'mg')}",
            )  # fmt: skip
        above = (
            f"the ceiling of {format_quantity(MAX_DAILY_DOSE_MG, 'mg')} a day"
            if dose_mg > MAX_DAILY_DOSE_MG
            else f"the {protocol.id} maximum of {format_quantity(protocol.max_mg, 'mg')}"
        )
        raise SafetyError(
            f"dose {shown} is above {above}",
            "check the prescription; if the prescriber wrote it, give {off-protocol-reason} "
            "and {pharmacist}",
        )
    if dose_mg <= 0:
        raise SafetyError(f"dose {shown} is not above zero", "check the prescription")
    if dose_mg in protocol.doses_mg:
        return False
    if not off_protocol_reason:
        steps = ", ".join(format_quantity(d, "mg") for d in protocol.doses_mg)
        raise SafetyError(
            f"dose {shown} is not a step of protocol {protocol.id}",
            f"accepted doses: {steps}; or, if the prescriber wrote it, give "
            "{off-protocol-reason}",
        )
    return True


@dataclass(frozen=True)
class Titration:
    """The doses of a titration from its start to its target, in order."""

    doses: tuple[Decimal, ...]
    off_protocol: frozenset[Decimal]
    maintenance: bool  # a target was given: the last dose is kept as maintenance


def titration_doses(
    protocol: Protocol,
    start_mg: Decimal | None = None,
    target_mg: Decimal | None = None,
    off_protocol_reason: str = "",
    pharmacist: str = "",
) -> Titration:
    """The doses from ``start_mg`` (default: the protocol's start) up the protocol's
    steps to ``target_mg`` (default: its maximum). Each end is checked as a prescribed
    dose; the steps between are the protocol's."""
    start = protocol.start_mg if start_mg is None else start_mg
    target = protocol.max_mg if target_mg is None else target_mg
    off = {
        dose
        for dose in {start, target}
        if prescribed_dose(protocol, dose, off_protocol_reason, pharmacist)
    }
    if target < start:
        raise InputError(
            "target-dose",
            format_quantity(target, "mg"),
            f"a target at or above the start dose ({format_quantity(start, 'mg')}); to step "
            "back, start at the lower dose",
        )
    doses = [start] + [d for d in protocol.doses_mg if start < d < target]
    if target != start:
        doses.append(target)
    return Titration(tuple(doses), frozenset(off), target_mg is not None)


def make_plan(
    protocol: Protocol,
    concentration_mg_ml: Decimal,
    catalogue: Catalogue,
    start_date: date | None = None,
    dose_mg: Decimal | None = None,
    *,
    start_mg: Decimal | None = None,
    target_mg: Decimal | None = None,
    off_protocol_reason: str = "",
    maintenance_days: int = 28,
    pharmacist: str = "",
) -> Plan:
    """Every step of ``protocol`` (or only the step at ``dose_mg``) at a concentration.

    ``start_mg`` and ``target_mg`` choose the part of the titration (module docstring):
    steps are then numbered from 1 in the plan, and a target step lasts
    ``maintenance_days``. A dose refused by ``prescribed_dose`` raises SafetyError.
    """
    if dose_mg is not None:
        if start_mg is not None or target_mg is not None:
            raise InputError("dose", format_quantity(dose_mg, "mg"), "a dose, or a start/target")
        off = prescribed_dose(protocol, dose_mg, off_protocol_reason, pharmacist)
        number = (
            protocol.doses_mg.index(dose_mg) + 1
            if not off
            else sum(1 for d in protocol.doses_mg if d < dose_mg) + 1
        )
        step = plan_step(
            number, dose_mg, concentration_mg_ml, catalogue, protocol.days_per_step, start_date
        )
        step = replace(step, off_protocol=off)
        return Plan(
            protocol, concentration_mg_ml, (step,), start_date, off_protocol_reason if off else ""
        )
    if maintenance_days < 1:
        raise InputError("maintenance-days", str(maintenance_days), "a whole number of days >= 1")
    titration = titration_doses(protocol, start_mg, target_mg, off_protocol_reason, pharmacist)
    steps = []
    day = start_date
    for index, dose in enumerate(titration.doses, start=1):
        last = index == len(titration.doses)
        keep = last and titration.maintenance
        days = maintenance_days if keep else protocol.days_per_step
        step = plan_step(index, dose, concentration_mg_ml, catalogue, days, day)
        steps.append(replace(step, maintenance=keep, off_protocol=dose in titration.off_protocol))
        if day is not None:
            day += timedelta(days=days)
    reason = off_protocol_reason if titration.off_protocol else ""
    return Plan(protocol, concentration_mg_ml, tuple(steps), start_date, reason)
