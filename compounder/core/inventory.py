"""Received ingredient lots: their quantity on hand and their status, from their events.

A lot is received (``receive``), released by a pharmacist, put on hold, recalled, or
adjusted; each of these is an entry in the compounding log (``LotEvent``), and a
preparation that uses the lot deducts from it. ``received_lot`` folds a lot's events
into what it is now (``ReceivedLot``); ``check_usable`` is the one rule every entrance
that takes an ingredient lot applies: a lot quarantined, on hold, recalled, expired by
the compounding date, or short of what the preparation needs is refused (exit 3).

Quantities are exact decimals in the lot's unit: tablets, mg (a mass, shown in g from
1 g) or mL, to a millionth of the unit (``STOCK_SCALE``: the log keeps each lot's
running balance as a whole number of millionths, which the database checks).
``stock_needs`` says what a worked-out preparation takes of each
ingredient: its tablets, its powder at the weighed amount, each vehicle ingredient's
amount (the one made "to volume" counts the whole volume of vehicle made).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from compounder.core.limits import MAX_NUMBER_DIGITS
from compounder.core.units import format_number, parse_magnitude
from compounder.errors import InputError, SafetyError

if TYPE_CHECKING:
    from compounder.core.lots import IngredientExpiry
    from compounder.core.preparation import Preparation
    from compounder.core.vehicles import Vehicle, VehicleBatch


class LotStatus(StrEnum):
    QUARANTINED = "quarantined"
    RELEASED = "released"
    ON_HOLD = "on hold"
    RECALLED = "recalled"
    EXPIRED = "expired"


class LotEventKind(StrEnum):
    """What happened to a received lot; each is the kind of its log entry."""

    RECEIPT = "lot-receipt"
    RELEASE = "lot-release"
    HOLD = "lot-hold"
    RECALL = "lot-recall"
    ADJUST = "stock-adjust"


#: The units stock is counted in, by quantity kind.
COUNT_UNITS = ("tablets", "tablet", "tabs", "tab")
QUANTITY_FORMS = "a number and a unit: '100 tablets', '25 g', '500 mL' (mg, kg, L too)"
_NUMBER = re.compile(r"^\s*([+-]?)\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*$")

#: Stock is counted to a millionth of its unit (0.001 mg, 0.000001 mL); the log keeps
#: it as whole millionths (``millionths``).
STOCK_SCALE = 10**6
#: The most one quantity received or counted may be, in its unit (a million tablets;
#: 1,000 kg; 1,000 L): far beyond a pharmacy's, far within the log's 64-bit balance.
MAX_STOCK = Decimal(10**9)


def millionths(value: Decimal, field: str = "quantity", unit: str = "") -> int:
    """A quantity of stock as the log keeps it: whole millionths of its unit
    (InputError for a finer one)."""
    scaled = value * STOCK_SCALE
    if scaled != scaled.to_integral_value():
        shown = f"{value} {unit}".strip()
        raise InputError(field, shown, f"a quantity to a millionth of its unit ({unit or 'unit'})")
    return int(scaled)


@dataclass(frozen=True)
class StockAmount:
    """An exact quantity of stock: tablets, mg or mL."""

    value: Decimal
    unit: str  # "tablets", "mg" or "mL"

    def text(self) -> str:
        if self.unit == "mg" and abs(self.value) >= 1000:
            return f"{format_number(self.value / 1000)} g"
        if self.unit == "tablets":
            return f"{format_number(self.value)} tablet{'' if self.value == 1 else 's'}"
        return f"{format_number(self.value)} {self.unit}"

    def to_dict(self) -> dict[str, str]:
        return {"amount": str(self.value), "unit": self.unit, "text": self.text()}


def parse_stock_quantity(
    text: str, field: str = "quantity", *, signed: bool = False
) -> StockAmount:
    """A quantity of stock as typed: tablets, a mass or a volume (exact; a mass in mg,
    a volume in mL). ``signed``: an adjustment, "+5 tablets" or "-3 tablets" (not 0)."""
    raw = str(text)
    match = _NUMBER.match(raw) if len(raw) <= 64 else None
    expected = QUANTITY_FORMS + (", with a sign for an adjustment" if signed else "")
    if match is None or (match[1] and not signed):
        raise InputError(field, raw[:40], expected)
    sign, number, unit = match.groups()
    if sum(ch.isdigit() for ch in number) > MAX_NUMBER_DIGITS:
        raise InputError(field, raw[:40], f"{expected}, with at most {MAX_NUMBER_DIGITS} digits")
    value = Decimal(number)
    if value == 0:
        raise InputError(field, raw, f"{expected}, not zero")
    factor = Decimal(-1) if sign == "-" else Decimal(1)
    if unit.lower() in COUNT_UNITS:
        if value != value.to_integral_value():
            raise InputError(field, raw, "a whole number of tablets")
        return _in_range(StockAmount(factor * value, "tablets"), field, raw)
    for kind, shown in (("mass", "mg"), ("volume", "mL")):
        try:
            value = parse_magnitude(f"{number} {unit}", kind, field=field)
        except InputError:
            continue
        return _in_range(StockAmount(factor * value, shown), field, raw)
    raise InputError(field, raw, expected)


def _in_range(amount: StockAmount, field: str, raw: str) -> StockAmount:
    """A quantity the log can count: at most ``MAX_STOCK``, to a millionth of its unit."""
    if abs(amount.value) > MAX_STOCK:
        most = StockAmount(MAX_STOCK, amount.unit).text()
        raise InputError(field, raw, f"a quantity of at most {most}")
    millionths(amount.value, field, amount.unit)
    return amount


@dataclass(frozen=True)
class LotEvent:
    """One log entry about a received lot: its kind, what it says, when it was logged."""

    kind: LotEventKind
    payload: dict[str, Any]
    logged_at: str
    entry_id: int = 0


@dataclass(frozen=True)
class ReceivedLot:
    """A received ingredient lot as it is now."""

    lot: str
    ingredient: str  # the ingredient's id (sources.toml or vehicles.toml)
    name: str  # the ingredient's name
    form: str  # tablet, powder or liquid
    unit: str  # tablets, mg or mL
    expiry: date
    received: Decimal
    status: LotStatus  # as logged (``status_on`` adds expiry)
    adjusted: Decimal = Decimal(0)
    used: Decimal = Decimal(0)
    reason: str = ""  # of the last hold or recall
    released_by: str = ""
    supplier: str = ""
    gtin: str = ""
    ndc: str = ""
    assay: str = ""  # the certificate of analysis (powders), as given: "99.2%"
    water: str = ""
    received_at: str = ""

    @property
    def on_hand(self) -> Decimal:
        return self.received + self.adjusted - self.used

    def amount(self, value: Decimal) -> StockAmount:
        return StockAmount(value, self.unit)

    def status_on(self, day: date) -> LotStatus:
        """Its status on ``day``: recalled and on hold first, then expired (its expiry
        is before ``day``), then quarantined or released."""
        if self.status in (LotStatus.RECALLED, LotStatus.ON_HOLD):
            return self.status
        if self.expiry < day:
            return LotStatus.EXPIRED
        return self.status

    def to_dict(self, day: date) -> dict[str, Any]:
        return {
            "lot": self.lot,
            "ingredient": self.ingredient,
            "name": self.name,
            "expiry": self.expiry.isoformat(),
            "status": str(self.status_on(day)),
            "on_hand": self.amount(self.on_hand).to_dict(),
            "received": self.amount(self.received).to_dict(),
            "used": self.amount(self.used).to_dict(),
            "adjusted": self.amount(self.adjusted).to_dict(),
            "reason": self.reason,
            "supplier": self.supplier,
            "gtin": self.gtin,
            "ndc": self.ndc,
            "assay": self.assay,
            "water": self.water,
        }


def received_lot(lot: str, events: list[LotEvent], used: Decimal) -> ReceivedLot | None:
    """A lot's events (oldest first) and what preparations took from it, folded into
    the lot as it is now (None: never received)."""
    found: ReceivedLot | None = None
    for event in events:
        data = event.payload
        if event.kind is LotEventKind.RECEIPT:
            quantity = Decimal(data["quantity"])
            if found is None:
                found = ReceivedLot(
                    lot=lot,
                    ingredient=data["ingredient"],
                    name=data.get("name", ""),
                    form=data.get("form", ""),
                    unit=data["unit"],
                    expiry=date.fromisoformat(data["expiry"]),
                    received=quantity,
                    status=LotStatus.QUARANTINED if data.get("quarantined") else LotStatus.RELEASED,
                    supplier=data.get("supplier", ""),
                    gtin=data.get("gtin", ""),
                    ndc=data.get("ndc", ""),
                    assay=data.get("assay", ""),
                    water=data.get("water", ""),
                    received_at=event.logged_at,
                )
            else:
                found = replace(
                    found,
                    received=found.received + quantity,
                    assay=found.assay or data.get("assay", ""),
                    water=found.water or data.get("water", ""),
                    supplier=found.supplier or data.get("supplier", ""),
                )
        elif found is None:
            continue
        elif event.kind is LotEventKind.RELEASE:
            found = replace(found, status=LotStatus.RELEASED, released_by=data["pharmacist"])
        elif event.kind is LotEventKind.HOLD:
            found = replace(found, status=LotStatus.ON_HOLD, reason=data["reason"])
        elif event.kind is LotEventKind.RECALL:
            found = replace(found, status=LotStatus.RECALLED, reason=data["reason"])
        elif event.kind is LotEventKind.ADJUST:
            found = replace(found, adjusted=found.adjusted + Decimal(data["by"]))
    return None if found is None else replace(found, used=used)


REMEDIES = {
    LotStatus.QUARANTINED: "a pharmacist releases it first: compounder release LOT --pharmacist XX",
    LotStatus.ON_HOLD: "use another lot; a pharmacist may release it: compounder release LOT",
    LotStatus.RECALLED: "use another lot (see its recall worklist)",
    LotStatus.EXPIRED: "use a lot in date",
}


def check_usable(lot: ReceivedLot, day: date, needed: StockAmount | None = None) -> None:
    """The one rule for using a received lot on ``day``: released, in date, and holding
    ``needed`` (SafetyError, exit 3, naming the lot and its status otherwise)."""
    status = lot.status_on(day)
    if status is not LotStatus.RELEASED:
        why = f" ({lot.reason})" if lot.reason and status in REMEDIES else ""
        when = f" (expiry {lot.expiry.isoformat()}, compounding date {day.isoformat()})"
        raise SafetyError(
            f"ingredient lot {lot.lot} is {status}"
            + (when if status is LotStatus.EXPIRED else why),
            REMEDIES[status],
        )
    if needed is not None:
        if needed.unit != lot.unit:
            raise SafetyError(
                f"ingredient lot {lot.lot} is counted in {lot.unit}, the preparation needs "
                f"{needed.text()}",
                "receive the lot in the unit the formula uses",
            )
        if needed.value > lot.on_hand:
            raise SafetyError(
                f"ingredient lot {lot.lot} holds {lot.amount(lot.on_hand).text()}, the "
                f"preparation needs {needed.text()}",
                "use another lot, or log a count with compounder stock adjust",
            )


def stock_needs(prep: Preparation) -> dict[str, StockAmount]:
    """What a worked-out preparation takes of each ingredient (by ingredient id)."""
    needs: dict[str, StockAmount] = {}
    if prep.tablets is not None:
        needs[prep.source.id] = StockAmount(Decimal(prep.tablets), "tablets")
    else:
        needs[prep.source.id] = StockAmount(prep.drug_mass_mg, "mg")
    return {**needs, **vehicle_needs(prep.vehicle, prep.vehicle_batch, prep.final_volume_ml)}


def vehicle_needs(
    vehicle: Vehicle, batch: VehicleBatch | None, volume_ml: Decimal
) -> dict[str, StockAmount]:
    """What making ``volume_ml`` of a preparation takes of each of its vehicle's
    ingredients (``batch``: the vehicle made up for it, when it has a formula)."""
    needs: dict[str, StockAmount] = {}
    if batch is not None:
        for amount in batch.amounts:
            if amount.amount is None:
                needs[amount.ingredient.id] = StockAmount(batch.volume_ml, "mL")
            else:
                needs[amount.ingredient.id] = StockAmount(amount.amount, amount.unit)
    elif len(vehicle.ingredients) == 1:
        needs[vehicle.ingredients[0].id] = StockAmount(volume_ml, "mL")
    return needs


@dataclass(frozen=True)
class ResolvedLots:
    """The lots a preparation uses, and the received ones among them."""

    lots: tuple[IngredientExpiry, ...]
    received: tuple[ReceivedLot, ...] = ()

    def certificate(self, ingredient: str) -> tuple[str, str]:
        """The assay and water a received lot of ``ingredient`` was logged with."""
        for lot in self.received:
            if lot.ingredient == ingredient:
                return lot.assay, lot.water
        return "", ""


NO_LOTS = ResolvedLots(())
