"""Fill planning: every order turned into the fills a pharmacy dispenses.

The one place where an order's quantity, days, BUD and containers are decided, for
every entrance (label, label --titration, fills, batch): a titration becomes a fill
per BUD period (``plan_fills``), a single dose one fill (``dose_fill``).

Each fill of a titration is compounded on the day its first dose is taken, or up to
``lead_days`` before it (``dispensing.toml``), and holds no more days of doses than its
BUD allows (``BudResult.days_of_use``): the BUD is the earliest of every limit, the
ingredient lots' expiry and a recorded preparation's BUD included. A fill that spans
two steps carries both steps' directions. The volume dispensed is what the doses need
plus the overage for bottle and syringe loss, rounded up; a volume over the largest
container is split into containers, each opened before its BUD (a titration fill drops
a last container that would hold only overage; a single dose's quantity that would
need one opened after the BUD is refused, as is one beyond what the patient can use
before the BUD unless the pharmacist gives a reason). Fills cover every day of the
titration once: no gap and no overlap.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

from compounder.core.bud import BudResult, BudRules, beyond_use_date
from compounder.core.datafiles import Table, display_name, load_toml, template_path
from compounder.core.lots import IngredientExpiry
from compounder.core.titration import Plan, Step
from compounder.core.units import format_number, fraction_to_decimal
from compounder.core.vehicles import Vehicle
from compounder.errors import EXIT_SAFETY, CompounderError, InputError, SafetyError


@dataclass(frozen=True)
class DispensingRules:
    overage: Decimal  # a fraction: 0.1 is 10%
    round_up_to_ml: Decimal
    max_container_ml: Decimal = Decimal(120)
    lead_days: int = 0  # a fill may be compounded this many days before its first dose
    maintenance_days: int = 28
    bottles: tuple[Decimal, ...] = ()  # the bottle sizes stocked, smallest first

    def bottle_for(self, volume_ml: Decimal) -> Decimal:
        """The smallest stocked bottle that holds ``volume_ml`` (the volume itself when
        none is listed or none is large enough)."""
        return next((b for b in self.bottles if b >= volume_ml), volume_ml)

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
    table.check_keys(
        {"overage", "round_up_to", "max_container", "lead_days", "maintenance_days", "bottles"}
    )
    overage = table.decimal("overage")
    if not 0 <= overage <= 1:
        raise table.error("overage", f"{overage} is not accepted", "a fraction from 0 to 1")
    return DispensingRules(
        overage,
        table.magnitude("round_up_to", "volume", "mL"),
        table.magnitude("max_container", "volume", "mL"),
        table.integer("lead_days", required=False, default=0, minimum=0),
        table.integer("maintenance_days", required=False, default=28),
        _bottles(table),
    )


def _bottles(table: Table) -> tuple[Decimal, ...]:
    from compounder.core.units import parse_magnitude

    sizes = []
    for text in table.text_list("bottles", required=False):
        try:
            sizes.append(parse_magnitude(text, "volume", "mL", field="bottles"))
        except InputError:
            raise table.error(
                "bottles", f"{text!r} is not accepted", "volumes such as '30 mL'"
            ) from None
    return tuple(sorted(sizes))


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
            "maintenance": self.step.maintenance,
        }


#: A titration fill covering fewer days of use than this carries a note (and is logged).
SHORT_FILL_DAYS = 7


@dataclass(frozen=True)
class Fill:
    number: int
    segments: tuple[FillSegment, ...]
    bud: BudResult
    dispense_ml: Decimal
    containers: tuple[Decimal, ...] = ()  # the dispensed volume, bottle by bottle

    @property
    def fill_date(self) -> date:
        """The day it is compounded and dispensed (its BUD counts from it)."""
        return self.bud.compounded

    @property
    def first_day(self) -> date:
        return self.segments[0].first_day

    @property
    def last_day(self) -> date:
        return self.segments[-1].last_day

    @property
    def days(self) -> int:
        return sum(s.days for s in self.segments)

    @property
    def short(self) -> bool:
        """Fewer than SHORT_FILL_DAYS days of use (a start far from the fill, a lot or
        BUD that ends early)."""
        return self.days < SHORT_FILL_DAYS

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
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "days": self.days,
            "steps": [s.to_dict() for s in self.segments],
            "volume_needed_ml": format_number(self.volume_needed_ml),
            "dispense_ml": format_number(self.dispense_ml),
            "containers_ml": [format_number(c) for c in self.containers],
            "bud": self.bud.bud.isoformat(),
            "bud_basis": self.bud.basis.basis,
        }


@dataclass(frozen=True)
class FillPlan:
    plan: Plan
    vehicle: Vehicle
    overage: Decimal
    fills: tuple[Fill, ...]
    # planned around lots that expire: (the fill from which a new lot is needed, the
    # lot that cannot make it), in order
    new_lots: tuple[tuple[int, IngredientExpiry], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "new_lots": [
                {"from_fill": number, "expired": lot.label, "expiry": lot.expiry.isoformat()}
                for number, lot in self.new_lots
            ],
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
    lots: tuple[IngredientExpiry, ...] = (),
    lot_fills: frozenset[int] | None = None,
    renew_lots: bool = False,
) -> FillPlan:
    """Split a dated, measurable titration plan into fills (module docstring).

    ``first_compounded``: when the first fill is compounded before the start date, its
    BUD counts from that day (so it covers fewer days of doses). ``lots``: ingredient
    lots (and a recorded preparation) whose expiry caps the BUD of the fills made from
    them: ``lot_fills`` (their numbers; every fill when None). A fill compounded after
    a lot expires is refused, unless ``renew_lots`` (a plan, not labels): that fill and
    those after it are then made from a new lot (``FillPlan.new_lots``)."""
    plan.require_measurable()
    if plan.start_date is None:
        raise ValueError("fills need a plan with a start date")
    days: list[tuple[date, Step]] = []
    for step in plan.steps:
        assert step.start_date is not None
        days += [(step.start_date + timedelta(days=i), step) for i in range(step.days)]
    fills: list[Fill] = []
    new_lots: list[tuple[int, IngredientExpiry]] = []
    index = 0
    lead = timedelta(days=dispensing.lead_days)
    while index < len(days):
        first_dose = days[index][0]
        if first_compounded and not fills:
            compounded = first_compounded
        else:  # up to lead_days ahead, never before the fill before it
            compounded = first_dose - lead
            if fills:
                compounded = max(compounded, fills[-1].fill_date)
        if compounded > first_dose:
            raise SafetyError(
                f"the first fill would be compounded ({compounded.isoformat()}) after the "
                f"titration starts ({first_dose.isoformat()})",
                "start the titration on or after the fill date",
            )
        number = len(fills) + 1
        used = lots if lot_fills is None or number in lot_fills else ()
        expired = [lot for lot in used if lot.expiry < compounded]
        if expired and renew_lots:
            new_lots += [(number, lot) for lot in expired]
            lots = tuple(lot for lot in lots if lot not in expired)
            used = tuple(lot for lot in used if lot not in expired)
            expired = []
        if expired:
            raise SafetyError(
                f"fill {number} is compounded on {compounded.isoformat()}, after "
                f"{expired[0].label} ({expired[0].expiry.isoformat()}) it would be made from",
                "print the fills these lots can make (--fill N), and later fills from newer lots",
            )
        bud = beyond_use_date(compounded, vehicle, rules, used)
        chunk = [d for d in days[index:] if d[0] <= bud.bud]
        if not chunk:
            set_by = f", set by the {bud.basis.basis}" if bud.basis.kind != "category" else ""
            raise SafetyError(
                f"a fill compounded on {compounded.isoformat()} is past its BUD "
                f"({bud.bud.isoformat()}{set_by}) before its first dose on "
                f"{first_dose.isoformat()}",
                "fill it closer to its first dose, or use ingredient lots that expire later",
            )
        segments: list[FillSegment] = []
        for day, step in chunk:
            if segments and segments[-1].step is step:
                segments[-1] = FillSegment(step, segments[-1].first_day, day)
            else:
                segments.append(FillSegment(step, day, day))
        needed = sum((s.volume_needed_ml for s in segments), Decimal(0))
        containers = _opened_in_time(
            tuple(dispensing.containers(dispense_volume(needed, dispensing))), needed
        )
        check_containers(containers, _doses(segments), bud, "use a larger max_container")
        fills.append(Fill(number, tuple(segments), bud, sum(containers, Decimal(0)), containers))
        index += len(chunk)
    return FillPlan(plan, vehicle, dispensing.overage, tuple(fills), tuple(new_lots))


def _opened_in_time(containers: tuple[Decimal, ...], needed: Decimal) -> tuple[Decimal, ...]:
    """A titration fill's containers without a last one that would hold only overage
    (the doses are used up before it is opened, after the fill's last day)."""
    while len(containers) > 1 and sum(containers[:-1], Decimal(0)) >= needed:
        containers = containers[:-1]
    return containers


def _doses(segments: list[FillSegment]) -> Iterator[tuple[date, Decimal]]:
    """A fill's days and their dose volumes, then its last dose on, past the fill."""
    for seg in segments:
        for i in range(seg.days):
            yield seg.first_day + timedelta(days=i), seg.step.volume_ml
    last = segments[-1]
    for i in itertools.count(1):
        yield last.last_day + timedelta(days=i), last.step.volume_ml


@dataclass(eq=False)
class DaysBeyondBudError(CompounderError):
    """A days' supply longer than the preparation's BUD allows."""

    days: int
    allowed: int
    vehicle: str
    field: str = "days_supply"

    exit_code = EXIT_SAFETY

    def __str__(self) -> str:
        return (
            f"{self.days} days is more than the BUD allows ({self.allowed} days in "
            f"{self.vehicle}); dispense at most {self.allowed} days"
        )


@dataclass(eq=False)
class BeyondBudError(SafetyError):
    """A quantity the patient cannot use before its BUD, or a container that would be
    opened after it."""

    field: str = "quantity"


def usable_ml(step: Step, bud: BudResult, dispensing: DispensingRules) -> Decimal:
    """The most a fill of one dose may hold: the days to its BUD times the daily volume,
    plus the overage, rounded up as every fill is, then up to the bottle that holds it
    (``bottles`` in ``dispensing.toml``)."""
    return dispensing.bottle_for(dispense_volume(step.volume_ml * bud.days_of_use, dispensing))


def check_usable(
    step: Step,
    compounded: date,
    bud: BudResult,
    quantity_ml: Decimal,
    containers: tuple[Decimal, ...],
    dispensing: DispensingRules,
    beyond_bud_reason: str = "",
) -> None:
    """BeyondBudError for a quantity beyond what the patient can use before the BUD
    (unless the pharmacist gives ``beyond_bud_reason``), and, always, for a container
    of a split fill that would be opened after its BUD (each is opened when the one
    before it is used up, one dose a day). A ``beyond_bud_reason`` for a quantity the
    patient uses up before the BUD is InputError: a reason not needed is not noted on
    the label or the record as if it were."""
    usable = usable_ml(step, bud, dispensing)
    daily = format_number(step.volume_ml)
    # a BUD an ingredient lot or a preparation shortened names it
    set_by = f", set by the {bud.basis.basis}" if bud.basis.kind != "category" else ""
    if quantity_ml > usable and not beyond_bud_reason:
        raise BeyondBudError(
            f"{format_number(quantity_ml)} mL is more than the patient can use before the "
            f"BUD ({bud.bud.isoformat()}{set_by}): {bud.days_of_use} days x {daily} mL a day plus "
            f"{format_number(dispensing.overage * 100)}% overage is {format_number(usable)} mL",
            f"dispense at most {format_number(usable)} mL, or give {{beyond-bud-reason}}",
        )
    if quantity_ml <= usable and beyond_bud_reason:
        raise InputError(
            "beyond-bud-reason", "not needed",
            f"no reason: {format_number(quantity_ml)} mL is used up before the BUD "
            f"({bud.bud.isoformat()}; up to {format_number(usable)} mL is)",
        )  # fmt: skip
    days = ((compounded + timedelta(days=i), step.volume_ml) for i in itertools.count())
    check_containers(containers, days, bud, f"dispense at most {format_number(usable)} mL")


def check_containers(
    containers: tuple[Decimal, ...],
    doses: Iterator[tuple[date, Decimal]],
    bud: BudResult,
    remedy: str,
) -> None:
    """BeyondBudError for a container of a split fill that would be opened after its
    BUD: each is opened on the day a dose needs more than the containers before it hold
    (``doses``: each day's date and volume, from the first, going on past the fill)."""
    set_by = f", set by the {bud.basis.basis}" if bud.basis.kind != "category" else ""
    held = Decimal(0)
    used = Decimal(0)
    for number, container in enumerate(containers, 1):
        if number > 1:
            opened = None
            for day, volume in doses:
                used += volume
                if used > held:
                    opened = day
                    break
            if opened is not None and opened > bud.bud:
                raise BeyondBudError(
                    f"container {number} of {len(containers)} would be opened on "
                    f"{opened.isoformat()}, after its BUD ({bud.bud.isoformat()}{set_by})",
                    remedy,
                )
        held += container


def dose_fill(
    step: Step,
    compounded: date,
    vehicle: Vehicle,
    rules: BudRules,
    dispensing: DispensingRules,
    lots: tuple[IngredientExpiry, ...] = (),
    *,
    quantity_ml: Decimal | None = None,
    days: int | None = None,
    beyond_bud_reason: str = "",
) -> tuple[Fill, int]:
    """One fill of a single dose, from a quantity or a days' supply; with the days of
    doses the quantity holds. A days' supply beyond the BUD is refused; so is a
    quantity beyond what can be used before it (``check_usable``) unless the pharmacist
    gives ``beyond_bud_reason`` (the patient then discards the rest at the BUD)."""
    bud = beyond_use_date(compounded, vehicle, rules, lots)
    if days is not None:
        if days > bud.days_of_use:
            raise DaysBeyondBudError(days, bud.days_of_use, vehicle.id)
        quantity_ml = dispense_volume(step.volume_ml * days, dispensing)
        held = days
    else:
        if quantity_ml is None:
            raise ValueError("a dose fill needs a quantity or days")
        if quantity_ml < step.volume_ml:
            raise InputError(
                "quantity",
                format_number(quantity_ml) + " mL",
                f"at least one dose ({format_number(step.volume_ml)} mL)",
            )
        held = int(quantity_ml // step.volume_ml)
    covered = min(held, bud.days_of_use)
    segment = FillSegment(step, compounded, compounded + timedelta(days=covered - 1))
    containers = tuple(dispensing.containers(quantity_ml))
    check_usable(step, compounded, bud, quantity_ml, containers, dispensing, beyond_bud_reason)
    return Fill(1, (segment,), bud, quantity_ml, containers), held
