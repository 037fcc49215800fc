"""The log's hash chain, and ``verify``: the walk that checks a whole log.

Each entry carries a SHA-256 hash over its fields and the previous entry's hash (a
chain, as an audit ledger keeps); every label snapshot is stored under the hash of its
text. ``verify`` walks the entries in order and names the first that does not match:
its hash, its place in the chain, the rows written with it (ingredient lots, looked-up
fields), its lot's uniqueness; then the snapshots, and the append-only triggers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from compounder.log.kinds import Kind, ingredient_uses, looked_up, snapshot_of

if TYPE_CHECKING:
    from compounder.log.store import Store

GENESIS = "0" * 64  # the "previous hash" of the first entry


def content_hash(
    kind: str,
    rx: str | None,
    lot: str | None,
    corrects: int | None,
    batch_key: str | None,
    payload: str,
) -> str:
    """SHA-256 over what an entry says, as stored, each field written with its length
    (so no two entries read the same). A batch's workers work it out for their orders."""
    fields = (str(kind), rx, lot, None if corrects is None else str(corrects), batch_key, payload)
    text = "".join(["-;" if f is None else f"{len(f)}:{f};" for f in fields])
    return hashlib.sha256(text.encode()).hexdigest()


def hash_rule(created_at: str) -> int:
    """Which rule an entry's hash follows, by how its time is written: 2 for a UTC time
    (``2026-12-07T16:41:29Z``, every entry written since times are UTC), 1 for the
    local times without an offset of older entries (they keep their hashes)."""
    return 2 if created_at.endswith("Z") else 1


def chain_hash(
    prev: str, entry_id: int, created_at: str, content: str, prev_id: int | None = None
) -> str:
    """The hash an entry carries: its place (the previous hash, its id and time) and
    its content hash. Rule 2 also covers the previous entry's id (``prev_id``, by
    default the id before), so the highest id given out is kept in the chain itself."""
    if hash_rule(created_at) == 1:
        return hashlib.sha256(f"{prev};{entry_id};{created_at};{content}".encode()).hexdigest()
    before = entry_id - 1 if prev_id is None else prev_id
    text = f"2;{prev};{before};{entry_id};{created_at};{content}"
    return hashlib.sha256(text.encode()).hexdigest()


def utc_stamp(at: datetime | None = None) -> str:
    """An entry's time as stored: UTC with an explicit offset (``2026-12-07T16:41:29Z``);
    ``at`` (now by default; one without a zone is local time) converted to UTC."""
    moment = (at or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_hash(
    prev: str,
    entry_id: int,
    kind: str,
    rx: str | None,
    lot: str | None,
    created_at: str,
    corrects: int | None,
    batch_key: str | None,
    payload: str,
    prev_id: int | None = None,
) -> str:
    """The hash an entry carries, from its fields as stored and the previous hash (and,
    under rule 2, the previous entry's id: by default the id before)."""
    content = content_hash(kind, rx, lot, corrects, batch_key, payload)
    return chain_hash(prev, entry_id, created_at, content, prev_id)


def snapshot_json(body: dict[str, Any]) -> tuple[str, str]:
    """A snapshot as stored (JSON, keys sorted) and its hash, the key it is stored under."""
    text = json.dumps(body, sort_keys=True)
    return text, snapshot_hash(text)


def snapshot_hash(text: str) -> str:
    """The hash a snapshot's JSON text is stored under."""
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Verification:
    """What ``verify`` found: how many entries matched, and the first problem (if any)."""

    entries: int
    head: str
    problem: str | None = None
    entry_id: int | None = None
    #: further problems found (the guards, the anchors), after ``problem``
    also: tuple[str, ...] = ()
    #: what verify could not prove (a role that could turn the guards off, no anchor)
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def problems(self) -> tuple[str, ...]:
        return () if self.problem is None else (self.problem, *self.also)

    def adding(self, problems: Iterable[str] = (), warnings: Iterable[str] = ()) -> Verification:
        """This verification with more problems and warnings (after its own)."""
        found = [*self.problems, *problems]
        return replace(
            self,
            problem=found[0] if found else None,
            also=tuple(found[1:]),
            warnings=(*self.warnings, *warnings),
        )


class Problem(Exception):
    """The first thing a walk found wrong (ends the walk)."""

    def __init__(self, problem: str, entry_id: int | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.entry_id = entry_id


ENTRY_COLUMNS = "id, kind, rx, lot, created_at, corrects, payload, batch_key, hash, prev_hash"


class Walk:
    """A walk over a log's rows, in order: what it has checked so far."""

    def __init__(self, store: Store, anchor: str | None) -> None:
        self.store = store
        self.noted = anchor
        anchor_id, _, anchor_hash = (anchor or "").rpartition(":")
        #: a noted head: its hash (a prefix) and, if given, the entry it is
        self.anchor = anchor_hash.lower() if anchor is not None else None
        self.anchor_id = int(anchor_id) if anchor_id else None
        self.anchored = self.anchor is None or (
            self.anchor_id is None and self.anchor == GENESIS[: len(self.anchor)]
        )
        self.count = 0
        self.prev = GENESIS
        self.rule = 1
        self.lots: set[str] = set()
        self.referenced: set[str] = set()
        self.written: dict[int, list[tuple[Any, ...]]] = {}
        from compounder.log.receipts import StockLedger, StockRows

        self.stock = StockLedger()  # received lots' stock, entry by entry
        self.moves = StockRows(lambda lot: None)  # the stock rows each entry writes
        self.stock_written: dict[int, list[tuple[Any, ...]]] = {}
        self.balanced = True  # the log keeps stock rows (schema 6 on)

    def rows(self, sql: str) -> Iterable[Any]:
        return self.store.backend.rows(self.store.db, sql)

    def rows_written_with_entries(self) -> None:
        """The rows each entry's payload is written out to (ingredient lots, fields)."""
        uses = "SELECT entry_id, ingredient, lot, expiry, quantity FROM ingredient_uses"
        for row in self.rows(uses):
            self.written.setdefault(int(row[0]), []).append(("uses", *row[1:]))
        for row in self.rows("SELECT entry_id, field, value FROM entry_fields"):
            self.written.setdefault(int(row[0]), []).append(("field", *row[1:]))
        self.balanced = self.store.schema_has("stock_moves")
        if not self.balanced:
            return  # a log of an older schema, read as it is
        moves = "SELECT entry_id, lot, seq, unit, change, balance FROM stock_moves"
        for row in self.rows(moves):
            self.stock_written.setdefault(int(row[0]), []).append(tuple(row))

    def entry(self, row: Any) -> None:
        entry_id = int(row["id"])
        if entry_id != self.count + 1:
            expected = self.count + 1
            raise Problem(f"entry {expected} is missing (the next is {entry_id})", expected)
        if row["prev_hash"] != self.prev:
            raise Problem(f"entry {entry_id} does not follow the entry before it", entry_id)
        if hash_rule(row["created_at"]) < self.rule:
            raise Problem(
                f"entry {entry_id} is written as an older entry after newer ones (it was altered)",
                entry_id,
            )
        self.rule = hash_rule(row["created_at"])
        digest = entry_hash(
            self.prev, entry_id, row["kind"], row["rx"], row["lot"], row["created_at"],
            row["corrects"], row["batch_key"], row["payload"], entry_id - 1,
        )  # fmt: skip
        if digest != row["hash"]:
            raise Problem(f"entry {entry_id} does not match its hash (it was altered)", entry_id)
        if self.anchor is not None and digest.startswith(self.anchor):
            self.anchored = self.anchored or self.anchor_id in (None, entry_id)
        try:
            payload = json.loads(row["payload"])
        except ValueError:
            raise Problem(f"entry {entry_id} is not readable", entry_id) from None
        self.written_rows(entry_id, row["kind"], payload)
        stock = self.stock.entry(row["kind"], row["lot"], payload)
        if stock is not None:
            raise Problem(f"entry {entry_id} {stock}", entry_id)
        self.stock_rows(entry_id, row["kind"], row["lot"], row["payload"], payload)
        if row["kind"] == Kind.PREPARATION:
            if row["lot"] in self.lots:
                raise Problem(f"entry {entry_id} reuses lot {row['lot']}", entry_id)
            self.lots.add(row["lot"])
        snapshot = snapshot_of(payload)
        if snapshot is not None:
            self.referenced.add(snapshot)
        self.prev = digest
        self.count += 1

    def written_rows(self, entry_id: int, kind: str, payload: Any) -> None:
        found = self.written.pop(entry_id, [])
        uses = sorted(((entry_id, *u[1:]) for u in found if u[0] == "uses"), key=repr)
        if uses != sorted(ingredient_uses(entry_id, payload), key=repr):
            raise Problem(f"entry {entry_id}'s ingredient lots were altered", entry_id)
        fields = sorted((entry_id, *f[1:]) for f in found if f[0] == "field")
        if fields != sorted(looked_up(entry_id, kind, payload)):
            raise Problem(f"entry {entry_id}'s looked-up fields were altered", entry_id)

    def stock_rows(
        self, entry_id: int, kind: str, lot: str | None, text: str, payload: Any
    ) -> None:
        """The running balance's rows written with the entry: the lots it changes, each
        numbered after, and balanced from, the lot's rows before."""
        from compounder.log.receipts import may_change_stock

        if not self.balanced:
            return
        found = sorted(self.stock_written.pop(entry_id, []))
        changes = may_change_stock(kind, text) and isinstance(payload, dict)
        expected = self.moves.rows(entry_id, kind, lot, payload) if changes else []
        if found != sorted(expected):
            raise Problem(f"entry {entry_id}'s stock rows were altered", entry_id)

    def after_entries(self) -> None:
        if self.stock_written:
            first = min(self.stock_written)
            raise Problem(f"stock rows were added for entry {first}, not by the log")
        if self.written:
            first = min(self.written)
            what = {k for k, *_ in self.written[first]}
            named = "ingredient lots" if "uses" in what else "looked-up fields"
            raise Problem(f"{named} were added for entry {first}, not by the log")
        highest = self.store.backend.highest_entry_id(self.store.db)
        if highest is not None and highest > self.count:
            raise Problem(f"entries after entry {self.count} were removed", self.count + 1)
        if not self.anchored:
            raise Problem(f"the noted chain head {self.noted} is not in the log (it was rewritten)")

    def snapshots(self) -> None:
        frames: set[str] = set()
        for row in self.rows("SELECT hash, body FROM snapshots"):
            if snapshot_hash(row["body"]) != row["hash"]:
                raise Problem(f"snapshot {row['hash'][:12]} does not match its hash")
            self.referenced.discard(row["hash"])
            frame = json.loads(row["body"]).get("frame")
            if isinstance(frame, str):
                frames.add(frame)
        absent = sorted(self.referenced | {f for f in frames if not self.store.has_snapshot(f)})
        if absent:
            raise Problem(f"snapshot {absent[0][:12]} is missing")


def verify(store: Store, anchor: str | None = None) -> Verification:
    """Walk the log: every entry's hash against its fields and the previous hash,
    every snapshot against its hash, the rows written with each entry, the lots
    unique, received lots' stock never used unreleased or below zero
    (``receipts.StockLedger``); the first problem is named. Before it, every
    append-only guard that is not as the schema makes it (``guards``); a role that
    could turn them off is a warning.

    ``anchor``: a chain head noted earlier (kept outside the log; ``ID:HASH`` or a
    hash); it must still be in the chain, so even an attacker who rewrites every hash
    after an edit is caught.
    """
    guards, warning = store.guard_report()
    walk = Walk(store, anchor)
    try:
        walk.rows_written_with_entries()
        for row in walk.rows(f"SELECT {ENTRY_COLUMNS} FROM entries ORDER BY id"):
            walk.entry(row)
        walk.after_entries()
        walk.snapshots()
    except Problem as found:
        chain = Verification(walk.count, walk.prev, found.problem, found.entry_id)
    else:
        chain = Verification(walk.count, walk.prev)
    warnings = [warning] if warning else []
    if not guards:
        return chain.adding(warnings=warnings)
    return replace(chain, problem=guards[0], also=(*guards[1:], *chain.problems)).adding(
        warnings=warnings
    )
