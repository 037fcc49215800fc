"""The verification queue, read from the log: each fill a label or batch order
dispensed, whether a pharmacist has checked it, and who.

A ``label`` or ``dispense`` entry logged with ``"check": "awaiting"`` (every one since
the queue began; ``kinds.CHECK_FIELD``) awaits a pharmacist's final check for each of
its fills until a ``verification`` entry names it (its key: ``verified:<entry>:<fill>``)
or a correction names the entry. Fills are numbered 1, 2... within their entry, as
``log.dispensings`` numbers them. What is checked, and how a check is logged, is
``api.verification``'s.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from compounder.log.kinds import (
    AWAITING_CHECK,
    CHECK_FIELD,
    DISPENSING,
    VERIFIED_PREFIX,
    Kind,
    fill_dates,
    verified_fill,
)

if TYPE_CHECKING:
    from compounder.log.store import Entry, Store


@dataclass(frozen=True)
class LoggedFill:
    """One fill a dispensing entry logged, as a final check compares it."""

    entry_id: int
    kind: str  # label, or dispense (a batch order)
    fill: int  # 1, 2... within the entry
    fills: int  # how many the entry dispensed
    rx: str
    fill_date: date
    bud: date
    quantity_ml: Decimal
    lot: str  # the preparation lot, or the label's reference
    lot_recorded: bool  # False: ``lot`` is only a reference (no preparation logged)
    logged_at: str  # when the entry was logged (UTC, ISO)
    awaiting: bool  # logged into the queue (False: logged before it began)


@dataclass(frozen=True)
class Check:
    """A fill's verification as the log holds it."""

    entry_id: int  # the verification entry
    pharmacist: str  # initials
    at: str  # when (UTC, ISO)


def entry_fills(entry: Entry) -> list[LoggedFill]:
    """Every fill a label or batch order entry dispensed (a titration's labels printed
    at once: several; a batch order or an older label: one)."""
    payload = entry.payload
    given = payload.get("fills")
    if isinstance(given, list) and given:
        rows = [(f["fill_date"], f["bud"], f["quantity_ml"]) for f in given]
    else:
        quantities = payload.get("quantity_ml") or []
        if isinstance(quantities, str):
            quantity = Decimal(quantities)
        else:
            quantity = sum((Decimal(q) for q in quantities), Decimal(0))
        rows = [(fill_dates(payload)[0], payload["bud"], str(quantity))]
    return [
        LoggedFill(
            entry.id,
            entry.kind,
            number,
            len(rows),
            entry.rx or "",
            date.fromisoformat(day),
            date.fromisoformat(bud),
            Decimal(quantity),
            entry.lot or "",
            bool(payload.get("lot_recorded", True)),
            entry.created_at,
            payload.get(CHECK_FIELD) == AWAITING_CHECK,
        )
        for number, (day, bud, quantity) in enumerate(rows, start=1)
    ]


def checks(store: Store) -> dict[tuple[int, int], Check]:
    """Every fill verified: (dispensing entry, fill) -> its verification (one a
    correction names is no verification)."""
    wrong = corrected(store)
    found = {}
    for entry_id, key, payload, at in _verification_rows(store):
        fill = verified_fill(key)
        if fill is not None and entry_id not in wrong:
            found[fill] = Check(entry_id, str(json.loads(payload).get("by", "")), at)
    return found


def next_attempt(store: Store, entry_id: int, fill: int) -> int:
    """The attempt a new verification of a fill is (1, or one past every earlier
    verification of it, each since named by a correction): its key's last part."""
    return 1 + sum(
        verified_fill(key) == (entry_id, fill) for _, key, _, _ in _verification_rows(store)
    )


def _verification_rows(store: Store) -> list[tuple[int, str, str, str]]:
    with store.faults():
        rows = store.db.execute(
            "SELECT id, batch_key, payload, created_at FROM entries "
            "WHERE batch_key >= ? AND batch_key < ?",
            (VERIFIED_PREFIX, VERIFIED_PREFIX[:-1] + ";"),
        ).fetchall()
    return [
        (int(r["id"]), str(r["batch_key"]), str(r["payload"]), str(r["created_at"])) for r in rows
    ]


def corrected(store: Store) -> set[int]:
    """The entries a correction names."""
    return set(corrections(store))


def corrections(store: Store) -> dict[int, int]:
    """Each entry a correction names -> the (first) correction naming it."""
    with store.faults():
        rows = store.db.execute(
            "SELECT corrects, id FROM entries WHERE kind = ? AND corrects IS NOT NULL ORDER BY id",
            (Kind.CORRECTION.value,),
        ).fetchall()
    found: dict[int, int] = {}
    for row in rows:
        found.setdefault(int(row[0]), int(row[1]))
    return found


def awaiting(store: Store) -> list[LoggedFill]:
    """The queue: every fill logged to await a check that no verification names and
    whose entry no correction names, oldest first."""
    entries = store.entries_with(CHECK_FIELD, AWAITING_CHECK)
    done = checks(store)
    wrong = corrected(store)
    return [
        fill
        for entry in entries
        if entry.id not in wrong
        for fill in entry_fills(entry)
        if fill.awaiting and (fill.entry_id, fill.fill) not in done
    ]


def rx_fills(store: Store, rx: str) -> list[LoggedFill]:
    """Every fill of ``rx`` dispensed whose entry no correction names."""
    wrong = corrected(store)
    return [
        fill
        for entry in store.history(rx)
        if entry.kind in DISPENSING and entry.rx == rx and entry.id not in wrong
        for fill in entry_fills(entry)
    ]


def fills_of(store: Store, rx: str, fill_date: date) -> list[LoggedFill]:
    """The fills of ``rx`` dispensed for ``fill_date`` whose entry no correction names
    (a label and its continuation labels, or a batch order: normally one)."""
    return [fill for fill in rx_fills(store, rx) if fill.fill_date == fill_date]


def batch_orders(store: Store, lot: str) -> list[LoggedFill]:
    """A batch's orders drawn from preparation ``lot`` whose entry no correction names."""
    wrong = corrected(store)
    return [
        fill
        for entry in store.entries_for_lot(lot)
        if entry.kind == Kind.DISPENSE and entry.id not in wrong
        for fill in entry_fills(entry)
    ]


def check_states(store: Store, entries: list[Any]) -> dict[int, str]:
    """For a history: each dispensing entry's state ("awaiting check", "verified",
    "2 of 4 fills verified"); entries logged before the queue began, and entries a
    correction names, are left out (the correction is in the history)."""
    done = checks(store)
    wrong = corrected(store)
    states = {}
    for entry in entries:
        if entry.kind not in DISPENSING or entry.payload.get(CHECK_FIELD) != AWAITING_CHECK:
            continue
        if entry.id in wrong:
            continue  # a correction names it: no longer awaiting anything
        fills = entry_fills(entry)
        count = sum((entry.id, f.fill) in done for f in fills)
        if count == len(fills):
            states[entry.id] = "verified"
        elif count == 0:
            states[entry.id] = "awaiting check"
        else:
            states[entry.id] = f"{count} of {len(fills)} fills verified"
    return states
