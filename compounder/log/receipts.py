"""Received ingredient lots in the compounding log: their events and what was used.

Receiving, releasing, holding, recalling and adjusting a lot are entries of the log
(kinds ``core.inventory.LotEventKind``), appended and chained like every other entry,
with the lot number in the entry's ``lot`` column; a preparation that takes stock from
a received lot says so in its payload (``stock_used``: lot, amount, unit) and names the
lot among its ingredients (``ingredient_uses``, by which it is found). So a lot's state
is read, inside the write transaction of whatever uses it, from the log alone: no
table to keep in step, and ``log verify`` and ``log copy`` cover it as they cover
every entry.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from compounder.core.inventory import LotEvent, LotEventKind, ReceivedLot, received_lot
from compounder.log.kinds import Kind

if TYPE_CHECKING:
    from compounder.log.store import Store

#: the log's kind of each event (the same names: ``Kind`` refuses one it lacks)
LOT_KINDS = {event: Kind(event.value) for event in LotEventKind}
_KINDS_SQL = ", ".join(f"'{kind.value}'" for kind in LOT_KINDS.values())


def lot_events(store: Store, lot: str) -> list[LotEvent]:
    """Every event of a received lot, oldest first."""
    with store.faults():
        rows = store.db.execute(
            f"SELECT id, kind, created_at, payload FROM entries WHERE lot = ? AND kind IN "
            f"({_KINDS_SQL}) ORDER BY id",
            (lot,),
        ).fetchall()
    return [_event(row) for row in rows]


def _event(row: Any) -> LotEvent:
    return LotEvent(LotEventKind(row[1]), json.loads(row[3]), str(row[2]), int(row[0]))


def used_from(store: Store, lot: str) -> Decimal:
    """What the preparations in the log took from a received lot."""
    with store.faults():
        rows = store.db.execute(
            "SELECT payload FROM entries WHERE id IN "
            "(SELECT entry_id FROM ingredient_uses WHERE lot = ?)",
            (lot,),
        ).fetchall()
    total = Decimal(0)
    for row in rows:
        for use in json.loads(row[0]).get("stock_used", []):
            if use.get("lot") == lot:
                total += Decimal(use["amount"])
    return total


def find_received(store: Store, lot: str) -> ReceivedLot | None:
    """A received lot as it is now (None: the log never received it)."""
    events = lot_events(store, lot)
    if not any(e.kind is LotEventKind.RECEIPT for e in events):
        return None
    return received_lot(lot, events, used_from(store, lot))


def recall_of(store: Store, lot: str) -> str | None:
    """The reason a lot was recalled (received or not), or None."""
    recalls = [e for e in lot_events(store, lot) if e.kind is LotEventKind.RECALL]
    return str(recalls[-1].payload.get("reason", "")) if recalls else None


def all_received(store: Store) -> list[ReceivedLot]:
    """Every lot the log received, in the order received."""
    with store.faults():
        rows = store.db.execute(
            f"SELECT id, kind, created_at, payload, lot FROM entries WHERE kind IN "
            f"({_KINDS_SQL}) ORDER BY id"
        ).fetchall()
    events: dict[str, list[LotEvent]] = {}
    for row in rows:
        events.setdefault(str(row[4]), []).append(_event(row))
    found = []
    for lot, its in events.items():
        if any(e.kind is LotEventKind.RECEIPT for e in its):
            made = received_lot(lot, its, used_from(store, lot))
            if made is not None:
                found.append(made)
    return found


def log_event(store: Store, kind: LotEventKind, lot: str, payload: dict[str, Any]) -> int:
    """Append one event of a lot (call inside a transaction)."""
    return store.append(LOT_KINDS[kind], None, lot, payload)


class StockLedger:
    """Received lots' stock as ``log verify`` walks the entries in order: every
    deduction (``stock_used``) names a lot received and released before it and leaves
    it at or above zero, and no count takes a lot below zero. ``entry`` returns the
    problem found (None: none)."""

    def __init__(self) -> None:
        self.held: dict[str, Decimal] = {}
        self.usable: dict[str, bool] = {}

    def entry(self, kind: str, lot: str | None, payload: Any) -> str | None:
        if not isinstance(payload, dict):
            return None
        if kind == Kind.LOT_RECEIPT and lot:
            first = lot not in self.held
            self.held[lot] = self.held.get(lot, Decimal(0)) + Decimal(payload["quantity"])
            if first:
                self.usable[lot] = not payload.get("quarantined")
        elif kind == Kind.LOT_RELEASE and lot:
            self.usable[lot] = True
        elif kind in (Kind.LOT_HOLD, Kind.LOT_RECALL) and lot:
            self.usable[lot] = False
        elif kind == Kind.STOCK_ADJUST and lot:
            return self._take(lot, -Decimal(payload["by"]), "a count takes")
        for use in payload.get("stock_used", []):
            name = str(use.get("lot", ""))
            if not self.usable.get(name, False):
                return f"uses ingredient lot {name}, not received and released before it"
            problem = self._take(name, Decimal(use["amount"]), "takes")
            if problem:
                return problem
        return None

    def _take(self, lot: str, amount: Decimal, what: str) -> str | None:
        if lot not in self.held:
            return f"{what} stock of ingredient lot {lot}, never received"
        self.held[lot] -= amount
        if self.held[lot] < 0:
            return f"{what} more of ingredient lot {lot} than it held"
        return None
