"""Received ingredient lots in the compounding log: their events and what was used.

Receiving, releasing, holding, recalling and adjusting a lot are entries of the log
(kinds ``core.inventory.LotEventKind``), appended and chained like every other entry,
with the lot number in the entry's ``lot`` column; a preparation that takes stock from
a received lot says so in its payload (``stock_used``: lot, amount, unit) and names the
lot among its ingredients (``ingredient_uses``, by which it is found). So a lot's state
is read, inside the write transaction of whatever uses it, from the log alone, and
``log verify`` and ``log copy`` cover it as they cover every entry.

That a lot never holds less than nothing is held by the database itself: every entry
that changes a lot's stock (a receipt, a count, a preparation's ``stock_used``) is
written out, in the entry's own INSERT, to rows of ``stock_moves`` (``StockRows``):
the lot's change and its balance after it, numbered per lot. The table is
append-only, and a trigger refuses a row that does not follow the lot's last one
(its number, its balance, its unit) or leaves the balance below zero, whatever
wrote it (``Backend.running_balance``). ``verify`` checks the rows against the
entries (``StockLedger``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from compounder.core.inventory import (
    STOCK_SCALE,
    LotEvent,
    LotEventKind,
    ReceivedLot,
    millionths,
    received_lot,
)
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
    return _as_held(store, lot, events)


def _as_held(store: Store, lot: str, events: list[LotEvent]) -> ReceivedLot | None:
    """A received lot from its events, holding what the database's running balance
    says (what preparations used: received and counted, less that balance)."""
    found = received_lot(lot, events, Decimal(0))
    held = balance_of(store, lot)
    if found is None or held is None:
        return received_lot(lot, events, used_from(store, lot))
    return received_lot(lot, events, found.on_hand - held)


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
            made = _as_held(store, lot, its)
            if made is not None:
                found.append(made)
    return found


def log_event(store: Store, kind: LotEventKind, lot: str, payload: dict[str, Any]) -> int:
    """Append one event of a lot (call inside a transaction)."""
    return store.append(LOT_KINDS[kind], None, lot, payload)


#: A row of ``stock_moves``: entry id, lot, its number in the lot, unit, change, balance.
StockRow = tuple[int, str, int, str, int, int]
#: A lot's last row as far as known: its number, balance (millionths) and unit.
LastMove = tuple[int, int, str]


def stock_changes(kind: str, lot: str | None, payload: Any) -> list[tuple[str, Decimal, str]]:
    """What an entry changes of received lots' stock: (lot, change, unit) for a receipt
    (+), a count (+ or -; unit "": the lot's own) and each of its ``stock_used`` (-)."""
    if not isinstance(payload, dict):
        return []
    found: list[tuple[str, Decimal, str]] = []
    if kind == Kind.LOT_RECEIPT and lot:
        found.append((lot, Decimal(payload["quantity"]), str(payload["unit"])))
    elif kind == Kind.STOCK_ADJUST and lot:
        found.append((lot, Decimal(payload["by"]), str(payload.get("unit", ""))))
    for use in payload.get("stock_used", []):
        found.append((str(use["lot"]), -Decimal(use["amount"]), str(use["unit"])))
    return found


def may_change_stock(kind: str, payload: str) -> bool:
    """Whether an entry (its payload as JSON text) may change stock: False only if it
    certainly does not, so a batch's thousands of orders are not parsed again."""
    return kind in (Kind.LOT_RECEIPT, Kind.STOCK_ADJUST) or '"stock_used"' in payload


class StockRows:
    """The ``stock_moves`` rows entries are written out to, in order: each lot's rows
    numbered from 1, its balance carried from its last row (``last_of(lot)``: the row
    the log holds, None for a lot without one)."""

    def __init__(self, last_of: Callable[[str], LastMove | None]) -> None:
        self.last_of = last_of
        self.last: dict[str, LastMove | None] = {}

    def rows(self, entry_id: int, kind: str, lot: str | None, payload: Any) -> list[StockRow]:
        rows = []
        for name, change, unit in stock_changes(kind, lot, payload):
            if name not in self.last:
                self.last[name] = self.last_of(name)
            last = self.last[name]
            if last is None and not unit:
                continue  # a count of a lot never received (verify names it)
            seq, balance, kept = last or (0, 0, unit)
            row = (
                entry_id,
                name,
                seq + 1,
                unit or kept,
                millionths(change, "stock", unit or kept),
                balance + millionths(change, "stock", unit or kept),
            )
            self.last[name] = (row[2], row[5], row[3])
            rows.append(row)
        return rows


def last_move(store: Store, lot: str) -> LastMove | None:
    """A lot's last ``stock_moves`` row (None: it has none)."""
    row = store.db.execute(
        "SELECT seq, balance, unit FROM stock_moves WHERE lot = ? ORDER BY seq DESC LIMIT 1",
        (lot,),
    ).fetchone()
    return None if row is None else (int(row[0]), int(row[1]), str(row[2]))


def balance_of(store: Store, lot: str) -> Decimal | None:
    """What a lot holds as the database keeps it (None: no stock row)."""
    with store.faults():
        last = last_move(store, lot)
    return None if last is None else Decimal(last[1]) / STOCK_SCALE


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
