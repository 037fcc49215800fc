"""Entries of the compounding log: what a recorded lot allows, a printed label's entry,
trace, history and corrections. The SQL is in ``store`` and its neighbours; this module
turns checked values into their calls and their rows into what the API needs."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compounder.core.limits import MAX_ENTRY_ID, MAX_TEXT_LENGTH
from compounder.core.units import format_quantity
from compounder.log.kinds import DISPENSING, LABELLED, Kind, PlannedGroup

if TYPE_CHECKING:
    from compounder.core.lots import IngredientExpiry
    from compounder.log.store import Store
from compounder.errors import DataFileError, InputError, SafetyError


@dataclass(frozen=True)
class RecordedLot:
    """A preparation in the log, as a label printed from it must respect it."""

    lot: str
    bud: date
    made_ml: Decimal
    labelled_ml: Decimal  # already on labels and dispensed orders
    # what it was made from, and when: a label from it keeps to them (ids; not compared)
    compounded: date | None = field(default=None, compare=False)
    vehicle: str = field(default="", compare=False)
    source: str = field(default="", compare=False)

    @property
    def limit(self) -> IngredientExpiry:
        """The preparation's BUD, as a limit no label from it may pass."""
        from compounder.core.lots import IngredientExpiry

        return IngredientExpiry("", self.lot, self.bud, kind="preparation")

    def check_quantity(self, quantities: list[Decimal]) -> None:
        """Labels from a recorded lot never add up to more than was made."""
        asked = sum(quantities, Decimal(0))
        if self.labelled_ml + asked > self.made_ml:
            raise SafetyError(
                f"lot {self.lot} made {format_quantity(self.made_ml, 'mL')}; "
                f"{format_quantity(self.labelled_ml, 'mL')} is already labelled and this label "
                f"asks for {format_quantity(asked, 'mL')}",
                "label a quantity the lot still holds, or compound a new lot",
            )


def recorded_lot(lot: str, concentration: Decimal, db: str | Path | None) -> RecordedLot | None:
    """The recorded preparation ``lot`` (None if the log has none): a label must be at
    the strength it was made (SafetyError otherwise)."""
    with open_store(db) as store:
        return recorded_lot_in(store, lot, concentration)


def recorded_lot_in(store: Store, lot: str, concentration: Decimal | None) -> RecordedLot | None:
    """``recorded_lot`` read from an open log (inside a transaction: as it is now): a
    preparation recorded with ``record``, or one a batch run planned and recorded.
    ``concentration`` None: the strength is not compared (a final check of a bottle)."""
    entries = store.entries_for_lot(lot)
    prepared = [e for e in entries if e.kind == Kind.PREPARATION and "bud" in e.payload]
    planned = [e for e in entries if e.kind == Kind.PREPARATION and "preparation_key" in e.payload]
    batch_records = [e for e in entries if e.kind == Kind.BATCH_RECORD]
    if prepared:
        record = prepared[0].payload
        made = Decimal(record["preparation"]["concentration"].split()[0])
        vehicle, source = record["preparation"]["vehicle"], record["preparation"]["source"]
    elif planned and batch_records:
        record = batch_records[0].payload
        group = PlannedGroup.parse(planned[0].payload["preparation_key"])
        made, vehicle, source = Decimal(group.concentration), group.vehicle, group.source
    else:
        return None
    _refuse_stopped_ingredients(store, lot, record)
    day = record.get("compounded_date") or str(record.get("compounded_at", ""))[:10]
    if concentration is not None and made != concentration:
        raise SafetyError(
            f"lot {lot} was compounded at {format_quantity(made, 'mg/mL')}, not at "
            f"{format_quantity(concentration, 'mg/mL')}",
            "label it at the strength it was made",
        )

    def quantities(entry: Any) -> list[str]:
        given = entry.payload.get("quantity_ml", [])
        return [given] if isinstance(given, str) else list(given)  # a batch order: one

    labelled = sum(
        (Decimal(q) for e in entries if e.kind in DISPENSING for q in quantities(e)),
        Decimal(0),
    )
    return RecordedLot(
        lot,
        date.fromisoformat(record["bud"]),
        Decimal(record["quantity_made_ml"]),
        labelled,
        date.fromisoformat(day) if day else None,
        vehicle,
        source,
    )


RECALL_REMEDY = "do not dispense it; see the recall worklist (compounder recall)"


def refuse_recalled_preparation(store: Store, lot: str | None) -> None:
    """SafetyError if ``lot`` is a preparation made from an ingredient lot since
    recalled or put on hold (a reprint of its label is refused as a new label is)."""
    if not lot:
        return
    _refuse_recalled_lot(store, lot)
    for entry in store.entries_for_lot(lot):
        if entry.kind in (Kind.PREPARATION, Kind.BATCH_RECORD) and "ingredients" in entry.payload:
            _refuse_stopped_ingredients(store, lot, entry.payload)


def _refuse_recalled_lot(store: Store, lot: str) -> None:
    """A preparation lot recalled itself (``compounder recall`` of its number)."""
    from compounder.log.receipts import recall_of

    if (reason := recall_of(store, lot)) is not None:
        raise SafetyError(f"preparation lot {lot} is recalled ({reason})", RECALL_REMEDY)


def _refuse_stopped_ingredients(store: Store, lot: str, record: dict[str, Any]) -> None:
    """A preparation recalled itself, or made from an ingredient lot since recalled (or
    put on hold), is not dispensed: no label is printed from it (SafetyError, exit 3)."""
    from compounder.core.inventory import LotStatus
    from compounder.log.receipts import find_received, recall_of

    _refuse_recalled_lot(store, lot)
    for use in record.get("ingredients", []):
        name = str(use.get("lot", ""))
        received = find_received(store, name) if name else None
        status = received.status if received is not None else None
        reason = received.reason if received is not None else recall_of(store, name)
        if received is None and reason is not None:
            status = LotStatus.RECALLED
        if status in (LotStatus.RECALLED, LotStatus.ON_HOLD):
            raise SafetyError(
                f"preparation lot {lot} was made from ingredient lot {name}, which is "
                f"{status} ({reason})",
                RECALL_REMEDY
                if status is LotStatus.RECALLED
                else "wait until a pharmacist releases the ingredient lot",
            )


def dispensed_from_preparation(store: Store, entry: Any) -> dict[str, Any]:
    """A preparation (its record's entry) and every label and batch order dispensed
    from it: Rx, fill dates, BUD, quantities, the patient (from the label's snapshot),
    and whether a correction was logged against it."""
    record = entry.payload
    corrected = {
        e.corrects for e in store.entries_of_kind(Kind.CORRECTION) if e.corrects is not None
    }
    fills = []
    for dispensed in store.entries_for_lot(entry.lot):
        if dispensed.kind not in LABELLED:
            continue
        payload = dispensed.payload
        fills.append(
            {
                "entry_id": dispensed.id,
                "rx": dispensed.rx or "",
                "fill_dates": payload.get("fill_dates") or [payload.get("fill_date", "")],
                "bud": payload.get("bud", ""),
                "patient": _patient(store, payload.get("snapshot")),
                "corrected": dispensed.id in corrected,
                "reprint": dispensed.kind == Kind.BATCH_REPRINT,
            }
        )
    return {
        "preparation_lot": entry.lot,
        "entry_id": entry.id,
        "rx": entry.rx or "",
        "bud": str(record.get("bud", "")),
        "compounded": str(record.get("compounded_date") or record.get("compounded_at", ""))[:10],
        "fills": fills,
    }


def _patient(store: Store, digest: Any) -> str:
    """The patient's name on a logged label (its snapshot's patient line)."""
    if not isinstance(digest, str):
        return ""
    snapshot = store.snapshot(digest)
    for content in snapshot.get("contents", []):
        for block in content.get("blocks", []):
            if block.get("role") == "patient":
                return str(block.get("text", ""))
    return ""


def open_store(
    db: str | Path | None, *, read_only: bool = False, must_exist: bool = False
) -> Store:
    """The log at ``db`` (a file or sqlite:/// URL; None: the user's default log);
    ``read_only``/``must_exist`` as ``Store`` takes them (never creating a log)."""
    from compounder.log.store import Store

    return Store(db, read_only=read_only, must_exist=must_exist)


def log_labels(
    run: Any,
    stock: Any,
    db: str | Path | None,
    output: Path | None,
    kind: Kind = Kind.LABEL,
    extra: dict[str, Any] | None = None,
    recorded: tuple[str, Decimal] | None = None,
    files: list[tuple[Path, bytes]] | None = None,
    repeats: list[tuple[str, int]] | None = None,
) -> int:
    """Write a printed label to ``output`` and its log entry (with the snapshot that
    reprints it), together: the file is published inside the entry's transaction and
    taken back if it does not commit. ``repeats``, if given, is told the fills of the
    Rx the log held already (fill date, entry id), as the entry is written.
    ``recorded`` (lot, concentration): a recorded lot whose quantity is checked in that
    same transaction, so two labels printed at once cannot both take the lot's last
    millilitres.

    ``files`` (path, bytes) replaces the one PDF at ``output`` (ZPL, PNG previews; none
    when the label only goes to a printer, which it is sent to once this has committed).
    The entry's id."""
    from compounder.atomic import checkpoint
    from compounder.log.batches import dispensed
    from compounder.log.dispensings import label_fills
    from compounder.log.kinds import AWAITING_CHECK, CHECK_FIELD
    from compounder.log.snapshots import label_snapshot, pdf_hash
    from compounder.render.textfit import load_layout

    if files is None:
        files = [(output, run.pdf)] if output is not None else []

    def write(store: Store) -> int:
        checkpoint("label: transaction begun")
        if recorded is not None:
            found = recorded_lot_in(store, *recorded)
            if found is not None:
                found.check_quantity([o.quantity_ml for o in run.orders])
        layout = getattr(run, "layout", None) or load_layout()  # the run's print-size profile
        digest = store.put_snapshot(label_snapshot(run.contents, stock, layout))
        first = run.orders[0]
        payload = {
            "snapshot": digest,
            "pdf_sha256": pdf_hash(run.pdf),
            "labels": len(run.contents),
            "fill_date": first.fill_date.isoformat(),
            "fill_dates": sorted({o.fill_date.isoformat() for o in run.orders}),
            "bud": first.bud.bud.isoformat(),
            "bud_basis": first.bud.basis.basis,
            "quantity_ml": [str(o.quantity_ml) for o in run.orders],
            "concentration_mg_ml": str(first.concentration_mg_ml),
            "fills": label_fills(run.orders),
            "lot_recorded": first.lot_recorded,  # False: the lot is only a reference
            CHECK_FIELD: AWAITING_CHECK,  # in the verification queue until checked
            **(extra or {}),
        }
        if repeats is not None:
            dates = set(payload["fill_dates"])
            held = dispensed(store, [first.rx], only_dates=dates)
            repeats.extend(sorted({(f, i) for _, f, i in held if f in dates}))
        entry_id: int = store.log(kind, first.rx, first.lot, payload)
        return entry_id

    entry_id: int = publish_with_entry(db, files, write, "label")
    return entry_id


def repeat_message(fill_date: str, entry_id: int) -> str:
    """Why an order is a repeat, and what to do (batch rows and labels say the same)."""
    return (
        f"this Rx was dispensed for {fill_date} already (log entry {entry_id}): to print "
        "that label again use 'compounder reprint'; if that entry was wrong, log it with "
        f"'compounder correct --entry {entry_id}' first"
    )


def publish_with_entry(
    db: str | Path | None,
    files: list[tuple[Path, bytes]] | Callable[[Any], list[tuple[Path, bytes]]],
    write: Callable[[Store], Any],
    what: str = "entry",
    must_exist: bool = False,
) -> Any:
    """Files and the log entry ``write`` makes, together: each file staged beside its
    target, published inside the entry's transaction and taken back if it does not
    commit. From just before the commit until the files are final, SIGINT and SIGTERM
    wait (``atomic.SignalsHeld``): once committed, the outcome is success; before, a
    signal takes everything back. What ``write`` returns.

    ``files`` may be a function of what ``write`` returns: files made from what the
    log holds, read in the entry's own transaction (an export of it). ``must_exist``:
    a missing log is an error, none is created."""
    from compounder.atomic import SignalsHeld, StagedFile, checkpoint

    staged: list[StagedFile] = []
    signals = SignalsHeld()
    try:
        given = [] if callable(files) else files
        for path, data in given:
            staged.append(StagedFile(path, data))
        with open_store(db, must_exist=must_exist) as store, store.transaction():
            for folder in dict.fromkeys(path.parent for path, _ in given):
                settle_folder(store, folder)
            result = write(store)
            for path, data in files(result) if callable(files) else []:
                settle_folder(store, path.parent)
                staged.append(StagedFile(path, data))
            for one in staged:
                one.publish(log_identity(store))
            checkpoint(f"{what}: about to commit")
            signals.hold()  # from here the entry may be committing: no taking back
    except BaseException:
        for one in staged:
            one.undo()
        signals.release(deliver=True)
        raise
    for one in staged:
        one.finish()
    checkpoint(f"{what}: committed")
    signals.release()
    return result


def trace_lot(ingredient_lot: str, db: str | Path | None = None) -> list[Any]:
    """Every preparation that used an ingredient lot, and the Rx numbers they served."""
    if not ingredient_lot.strip() or len(ingredient_lot) > 64 or not ingredient_lot.isprintable():
        raise InputError("ingredient-lot", ingredient_lot, "a lot number of 1 to 64 characters")
    with open_store(db, read_only=True) as store:
        found = []
        for entry in store.trace(ingredient_lot):
            served = sorted({e.rx for e in store.entries_for_lot(entry.lot or "") if e.rx})
            found.append((entry, served))
        return found


def rx_history(rx: str, db: str | Path | None = None) -> list[Any]:
    from compounder.core.identity import check_rx

    rx = check_rx(rx)  # (the Rx is checked before the log is opened)
    with open_store(db, read_only=True) as store:
        return store.history(rx)


def rx_history_lots(
    rx: str, db: str | Path | None = None
) -> tuple[list[Any], set[str], dict[int, str]]:
    """``rx_history`` (with the ``batch-print`` entries that sent a batch's labels of
    the Rx to a printer), which of its entries' lots are lots (a preparation in the
    log holds them; the others are a label's reference, fill date and Rx, "Ref:"), and
    each dispensing's final check ("awaiting check", "verified": ``log.verifications``)."""
    from compounder.core.identity import check_rx
    from compounder.log.batches import batch_prints_for, preparation_lots
    from compounder.log.verifications import check_states

    rx = check_rx(rx)
    with open_store(db, read_only=True) as store:
        entries = store.history(rx)
        printed = batch_prints_for(store, entries)  # a batch's labels sent after its run
        entries = sorted([*entries, *printed], key=lambda e: e.id)
        lots = preparation_lots(store, (e.lot for e in entries if e.lot))
        return entries, lots, check_states(store, entries)


def correct_entry(
    entry_id: int,
    reason: str,
    db: str | Path | None = None,
    *,
    by: str,
    config: str | Path | None = None,
) -> int:
    """Append a correction that references an earlier entry (nothing is rewritten),
    authored by ``by``: the initials of an active person of the staff register (the
    settings' ``[staff]``, ``config`` or found as every command finds them), logged
    with the register's name for them."""
    from compounder.core.settings import load_register

    if not reason.strip():
        raise InputError("reason", reason, "a reason for the correction")
    if len(reason) > MAX_TEXT_LENGTH or not reason.isprintable():
        raise InputError(
            "reason", reason, f"a reason of at most {MAX_TEXT_LENGTH} printable characters"
        )
    if not 1 <= entry_id <= MAX_ENTRY_ID:
        raise InputError("entry", str(entry_id)[:40], "the id of an entry in the log")
    author = load_register(config).person(by, "by")
    payload = {"reason": reason, "by": author.initials, "by_name": author.name}
    with open_store(db, must_exist=True) as store:
        original = store.entry(entry_id)
        if original is None:
            raise InputError("entry", str(entry_id), "the id of an entry in the log")
        return store.log(Kind.CORRECTION, original.rx, original.lot, payload, corrects=entry_id)


def verify_log(
    db: str | Path | None = None,
    anchor: str | None = None,
    anchors: Iterable[str | Path] = (),
) -> Any:
    """Walk the whole log: every entry against its chained hash, every snapshot against
    its own, the ingredient rows, unique lots and the append-only triggers by their
    definitions; then every head the anchors hold (``log.anchor``: the settings' anchor
    and ``anchors``). Returns a ``chain.Verification`` (``ok``, ``entries``,
    ``problems``, ``warnings``, ``entry_id``, ``head``). ``anchor``: a chain head noted
    earlier (``ID:HASH`` or a hash), which must still be in the chain."""
    from compounder.log.anchor import audit, parse_head

    noted = None if anchor is None else parse_head(anchor)
    with open_store(db, read_only=True) as store:
        return audit(store, store.verify(noted), anchors)


def copy_log(source: str | Path, target: str | Path) -> dict[str, Any]:
    """Copy a whole log (a file or a server's) into a new, empty one (``log copy``):
    the source must verify; the copy is committed only if it verifies to the same chain
    head and holds as many rows in each table. The source's write lock is held
    throughout, so nothing is logged there meanwhile. Returns what was copied."""
    from compounder.log.copying import copy_into, is_empty
    from compounder.log.location import log_location

    if str(log_location(source)) == str(log_location(target)):
        raise InputError("to", "the same log", "another log than --from")
    where = log_location(source)
    if isinstance(where, Path) and not where.is_file():
        raise DataFileError(str(where), "", "no log file here", "the log to copy (--from)")
    with open_store(source, must_exist=True) as original:
        if is_empty(original):
            raise DataFileError(
                str(original.path), "", "holds nothing to copy", "a log with entries"
            )
        with original.transaction():
            found = original.verify()
            if not found.ok:
                raise SafetyError(
                    f"the log to copy does not verify: {found.problem}",
                    "run 'compounder log verify' and settle it before moving the log",
                )
            from compounder.log.anchor import witness

            with open_store(target) as copy:
                counts = copy_into(copy, original, found)
                witness(copy, found.entries, found.head)  # the copy's head, where it is now
                return {
                    "from": str(original.path),
                    "to": str(copy.path),
                    "counts": counts,
                    "head": found.head,
                }


def log_identity(store: Store) -> dict[str, Any]:
    """What a staged file notes about its entry as it is published inside the entry's
    transaction: which log (the SQLite file's full path, or the server's redacted URL)
    and the entry (its id and chained hash), so that only a command of the same log
    settles it, by that very entry."""
    import os

    where = os.path.realpath(store.path) if isinstance(store.path, Path) else str(store.path)
    appended = store.last_appended
    return {"log": where, "entry": list(appended) if appended else None}


def settle_folder(store: Store, folder: Path) -> int:
    """Finish what commands killed outright left in ``folder`` (``atomic.settle_orphans``):
    a file published for this log whose entry never committed is taken back out, one
    whose entry committed is kept, a file never published is removed; files of a live
    command, and those another log must judge, are left alone. Call inside a write
    transaction. Returns how many were settled."""
    from compounder.atomic import settle_orphans

    here = log_identity(store)["log"]

    def committed(note: dict[str, Any]) -> bool | None:
        if note.get("log") != here:
            return None  # another log's (or unknown): not this command's to judge
        entry = note.get("entry")
        if not (isinstance(entry, list) and len(entry) == 2):
            return None
        return store.holds_entry(int(entry[0]), str(entry[1]))

    return settle_orphans(folder if str(folder) else Path("."), committed)


def settle_outputs(folder: str | Path, db: str | Path | None = None) -> int:
    """``settle_folder`` on its own (what the next label, record or reprint into the
    folder does first): how many files killed commands had left were settled."""
    with open_store(db) as store, store.transaction():
        return settle_folder(store, Path(folder))
