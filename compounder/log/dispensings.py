"""What the log says was dispensed: one ``Dispensing`` per fill of a label or batch
order, with the preparation it was drawn from, as values (for an export to another
system: ``compounder.fhir``).

A ``label`` entry may dispense several fills (a titration's labels printed at once);
it keeps each fill's date, BUD, quantity and doses in its ``fills`` field, written here
(``label_fills``) and read back here. A ``dispense`` entry (a batch order) is one fill:
its doses are in ``dose_mg`` (``kinds.doses_mg``), its strength in the planned
preparation's group. What the label printed (patient, drug, directions, pharmacy) is
read from the entry's snapshot, by each block's role.

When a dispensing was handed over is ``handed_over``: the time a verification entry
gives (a kind in ``VERIFYING``), else the time the label was printed (the entry's),
for a dispensing logged before the verification queue began; one logged into the queue
and not verified yet has not been handed over (``Dispensing.handed_over``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from compounder.core.units import format_number
from compounder.errors import SafetyError
from compounder.log.kinds import (
    AWAITING_CHECK,
    CHECK_FIELD,
    DISPENSING,
    Kind,
    PlannedGroup,
    doses_mg,
    fill_dates,
)

if TYPE_CHECKING:
    from compounder.log.store import Entry, Store

#: the kinds of entry that say a dispensing was verified and handed over (a
#: pharmacist's final check, ``log.checks``). Such an entry names the entry it verifies
#: in its payload's ``verifies`` (an entry id) and which fill in ``fill`` (1...); its
#: own time is the handover's
VERIFYING: tuple[Kind, ...] = (Kind.VERIFICATION,)

#: what a record holds where nobody has signed yet (a batch's blank lines)
_UNSIGNED = frozenset({"", "________"})


@dataclass(frozen=True)
class DoseStep:
    """One dose of a fill's directions (a fill spanning titration steps has several)."""

    dose_mg: Decimal
    volume_ml: Decimal
    first_day: date | None = None  # dated when the fill spans steps
    last_day: date | None = None


@dataclass(frozen=True)
class IngredientLot:
    """A lot of an ingredient used in a preparation."""

    lot: str
    expiry: date | None
    manufacturer: str = ""


@dataclass(frozen=True)
class Component:
    """An ingredient of a preparation's formula (the drug, or part of the vehicle)."""

    name: str
    active: bool
    lots: tuple[IngredientLot, ...] = ()


@dataclass(frozen=True)
class Preparation:
    """The compounded lot a dispensing was drawn from, as its record says."""

    lot: str
    compounded: datetime | date  # local time, or the day alone when no time was written
    bud: date
    dosage_form: str
    components: tuple[Component, ...]
    prepared_by: str = ""
    checked_by: str = ""


@dataclass(frozen=True)
class Dispensing:
    """One fill dispensed: a label entry's fill, or a batch order."""

    entry_id: int
    entry_hash: str
    fill: int  # 1, 2... within the entry
    rx: str
    fill_date: date
    bud: date
    quantity_ml: Decimal
    concentration_mg_ml: Decimal
    steps: tuple[DoseStep, ...]  # empty: the entry does not say (an older label entry)
    days_supply: int | None
    printed_at: datetime  # when its label was logged (UTC)
    patient: str  # as printed
    drug: str
    directions: str
    pharmacy: str
    dosage_form: str = ""
    reference: str = ""  # the label's lot or reference
    preparation: Preparation | None = None
    verified_at: datetime | None = None
    corrected: bool = False  # a correction names its entry
    awaits_check: bool = False  # logged into the verification queue (``log.verifications``)

    @property
    def handed_over(self) -> bool:
        """Whether it left the pharmacy as far as the log knows: verified, or logged
        before the verification queue began (its label's printing was its handover)."""
        return self.verified_at is not None or not self.awaits_check


def handed_over(dispensing: Dispensing) -> datetime:
    """When a dispensing was handed over: its verification's time if the log holds one,
    else the time its label was printed (logged)."""
    return dispensing.verified_at or dispensing.printed_at


# ---------------------------------------------------------------- writing


def label_fills(orders: Sequence[Any]) -> list[dict[str, Any]]:
    """A label entry's ``fills`` field: per fill (its containers together), the fill
    date, BUD, quantity, days of use when dated, and each dose; ``label`` is the index
    of the fill's first label among the entry's labels (``content.labels.LabelOrder``)."""
    fills: dict[Any, dict[str, Any]] = {}
    for index, order in enumerate(orders):
        key = order.fill_number or order.fill_date
        if key in fills:
            total = Decimal(fills[key]["quantity_ml"]) + order.quantity_ml
            fills[key]["quantity_ml"] = format_number(total)
            continue
        steps = [_step_dict(d) for d in order.directions]
        dated = all(d.first_day is not None for d in order.directions)
        fills[key] = {
            "label": index,
            "fill_date": order.fill_date.isoformat(),
            "bud": order.bud.bud.isoformat(),
            "quantity_ml": format_number(order.quantity_ml),
            "days": sum(s["days"] for s in steps) if dated else None,
            "steps": steps,
            "dosage_form": order.dosage_form,
        }
    return list(fills.values())


def _step_dict(direction: Any) -> dict[str, Any]:
    first, last = direction.first_day, direction.last_day
    return {
        "dose_mg": format_number(direction.step.dose_mg),
        "volume_ml": format_number(direction.step.volume_ml),
        "first_day": first.isoformat() if first else None,
        "last_day": last.isoformat() if last else None,
        "days": (last - first).days + 1 if first and last else None,
    }


# ---------------------------------------------------------------- reading


def dispensings(store: Store, since: date | None = None, rx: str | None = None) -> list[Dispensing]:
    """Every fill the log dispensed (labels and batch orders, oldest first), those
    filled on or after ``since`` and for ``rx`` when given. A label's or batch's
    reprint dispenses nothing new and is not one."""
    if rx is not None:
        entries = [e for e in store.history(rx) if e.kind in DISPENSING and e.rx == rx]
    else:
        entries = sorted(
            (e for kind in DISPENSING for e in store.entries_of_kind(kind)), key=lambda e: e.id
        )
    corrected = {e.corrects for e in store.entries_of_kind(Kind.CORRECTION) if e.corrects}
    verified = _verifications(store, corrected)
    hashes = _hashes(store, [e.id for e in entries])
    preparations: dict[str, Preparation | None] = {}
    strengths: dict[str, Decimal] = {}  # a batch's planned lots
    found = []
    for entry in entries:
        if since is not None and all(day < since.isoformat() for day in fill_dates(entry.payload)):
            continue
        lot = entry.lot or ""
        if lot not in preparations:
            preparations[lot] = preparation_of(store, lot)
        base = {
            "entry_id": entry.id,
            "entry_hash": hashes[entry.id],
            "rx": entry.rx or "",
            "printed_at": datetime.fromisoformat(entry.created_at).astimezone(UTC),
            "reference": entry.lot or "",
            "preparation": preparations[lot],
            "corrected": entry.id in corrected,
            "awaits_check": entry.payload.get(CHECK_FIELD) == AWAITING_CHECK,
        }
        if entry.kind == Kind.DISPENSE and lot not in strengths:
            strengths[lot] = _planned_strength(store, lot)
        snapshot = _snapshot(store, entry)
        for fill in _fills(entry, snapshot, base, strengths.get(lot)):
            if since is None or fill.fill_date >= since:
                key = (entry.id, fill.fill)
                found.append(_with(fill, verified.get(key) or verified.get((entry.id, 0))))
    return found


def _with(fill: Dispensing, verified_at: datetime | None) -> Dispensing:
    from dataclasses import replace

    return fill if verified_at is None else replace(fill, verified_at=verified_at)


def _verifications(store: Store, corrected: set[Any]) -> dict[tuple[int, int], datetime]:
    """(entry verified, fill or 0 for all) -> when: the latest verification of each."""
    found: dict[tuple[int, int], datetime] = {}
    for kind in VERIFYING:
        for entry in store.entries_of_kind(kind):
            if entry.id in corrected:
                continue  # a correction names the verification: the fill was not checked
            verifies = entry.payload.get("verifies")
            if isinstance(verifies, int):
                key = (verifies, int(entry.payload.get("fill") or 0))
                found[key] = datetime.fromisoformat(entry.created_at).astimezone(UTC)
    return found


def _hashes(store: Store, ids: list[int]) -> dict[int, str]:
    """The chained hash of each entry (what names it in any copy of the log)."""
    if not ids:
        return {}
    with store.faults():
        rows = store.db.execute(
            "SELECT id, hash FROM entries WHERE id >= ? AND id <= ?", (min(ids), max(ids))
        ).fetchall()
    return {int(r["id"]): str(r["hash"]) for r in rows}


def _snapshot(store: Store, entry: Entry) -> dict[str, Any]:
    digest = entry.payload.get("snapshot")
    return store.snapshot(digest) if isinstance(digest, str) else {}


def _printed(snapshot: dict[str, Any], label: int, role: str) -> str:
    """The text of a block of one of the labels (by its role), as printed."""
    contents = snapshot.get("contents") or []
    if not contents:
        return ""
    content = contents[min(label, len(contents) - 1)]
    for block in [*content.get("blocks", []), *content.get("footer", [])]:
        if block.get("role") == role:
            return str(block.get("text", ""))
    return ""


def _fills(
    entry: Entry, snapshot: dict[str, Any], base: dict[str, Any], strength: Decimal | None
) -> list[Dispensing]:
    payload = entry.payload
    if entry.kind == Kind.DISPENSE and strength is not None:
        fills = [_batch_fill(entry, strength)]
    elif isinstance(payload.get("fills"), list):
        fills = [_label_fill(payload, fill) for fill in payload["fills"]]
    elif len(fill_dates(payload)) == 1:  # a label logged before entries held their fills
        fills = [_older_label_fill(payload)]
    else:
        raise SafetyError(
            f"log entry {entry.id} (Rx {entry.rx}) dispensed {len(fill_dates(payload))} fills "
            "but does not say each one's BUD and quantity (logged by an older Compounder)",
            "leave it out with --since or --rx",
        )
    return [
        Dispensing(
            **base,
            fill=number,
            **values,
            patient=_printed(snapshot, label, "patient"),
            drug=_printed(snapshot, label, "drug"),
            directions=_printed(snapshot, label, "directions"),
            pharmacy=_printed(snapshot, label, "pharmacy").split("\n")[0],
        )
        for number, (label, values) in enumerate(fills, start=1)
    ]


def _label_fill(payload: dict[str, Any], fill: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    steps = tuple(
        DoseStep(
            Decimal(s["dose_mg"]),
            Decimal(s["volume_ml"]),
            date.fromisoformat(s["first_day"]) if s.get("first_day") else None,
            date.fromisoformat(s["last_day"]) if s.get("last_day") else None,
        )
        for s in fill["steps"]
    )
    return int(fill["label"]), {
        "fill_date": date.fromisoformat(fill["fill_date"]),
        "bud": date.fromisoformat(fill["bud"]),
        "quantity_ml": Decimal(fill["quantity_ml"]),
        "concentration_mg_ml": Decimal(payload["concentration_mg_ml"]),
        "steps": steps,
        "days_supply": fill.get("days"),
        "dosage_form": str(fill.get("dosage_form", "")).replace("-", " "),
    }


def _older_label_fill(payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    quantities = payload.get("quantity_ml") or []
    return 0, {
        "fill_date": date.fromisoformat(fill_dates(payload)[0]),
        "bud": date.fromisoformat(payload["bud"]),
        "quantity_ml": sum((Decimal(q) for q in quantities), Decimal(0)),
        "concentration_mg_ml": Decimal(payload["concentration_mg_ml"]),
        "steps": (),
        "days_supply": None,
    }


def _batch_fill(entry: Entry, strength: Decimal) -> tuple[int, dict[str, Any]]:
    payload = entry.payload
    doses = [Decimal(d) for d in doses_mg(payload)]
    return 0, {
        "fill_date": date.fromisoformat(payload["fill_date"]),
        "bud": date.fromisoformat(payload["bud"]),
        "quantity_ml": Decimal(payload["quantity_ml"]),
        "concentration_mg_ml": strength,
        "steps": tuple(DoseStep(d, d / strength) for d in doses),
        "days_supply": int(payload["days"]) if payload.get("days") else None,
    }


def _planned_strength(store: Store, lot: str | None) -> Decimal:
    """The strength a batch planned its lot at (its group's)."""
    for entry in store.entries_for_lot(lot or ""):
        if entry.kind == Kind.PREPARATION and "preparation_key" in entry.payload:
            return Decimal(PlannedGroup.parse(entry.payload["preparation_key"]).concentration)
    raise SafetyError(
        f"the log holds no planned preparation for batch lot {lot}",
        "run 'compounder log verify'",
    )


def compounding_record_of(store: Store, lot: str) -> Entry | None:
    """The entry holding preparation ``lot``'s compounding record: a recorded
    preparation's (``record``), else a batch's record; None if the log holds neither
    (a label's reference, or no such lot)."""
    entries = store.entries_for_lot(lot)
    found = [e for e in entries if e.kind == Kind.PREPARATION and "bud" in e.payload]
    found += [e for e in entries if e.kind == Kind.BATCH_RECORD]
    return found[0] if found else None


def preparation_of(store: Store, lot: str | None) -> Preparation | None:
    """The preparation ``lot`` names (a recorded one, or a batch's record), None if the
    log holds none (a label's reference)."""
    if not lot:
        return None
    found = compounding_record_of(store, lot)
    if found is None:
        return None
    record = found.payload
    when = str(record.get("compounded_at") or record.get("compounded_date") or "")
    return Preparation(
        lot=lot,
        compounded=datetime.fromisoformat(when) if "T" in when else date.fromisoformat(when),
        bud=date.fromisoformat(record["bud"]),
        dosage_form=str((record.get("master_formulation") or {}).get("dosage_form", "")),
        components=tuple(_components(record.get("components") or [])),
        prepared_by=_signed(record.get("prepared_by")),
        checked_by=_signed(record.get("checked_by")),
    )


def _components(given: Iterable[dict[str, Any]]) -> list[Component]:
    return [
        Component(
            str(c.get("ingredient", "")),
            c.get("role") == "drug",
            tuple(
                IngredientLot(
                    str(lot.get("lot", "")),
                    date.fromisoformat(lot["expiry"]) if lot.get("expiry") else None,
                    str(lot.get("manufacturer") or ""),
                )
                for lot in c.get("lots") or []
                if lot.get("lot")
            ),
        )
        for c in given
    ]


def _signed(initials: Any) -> str:
    text = str(initials or "").strip()
    return "" if text in _UNSIGNED else text
