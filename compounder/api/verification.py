"""A pharmacist's final check before a bottle leaves, from the Python API: the queue
of fills awaiting it, and ``verify``, which compares two scans with the log.

The label's barcode names the Rx and the fill (``core.scan_codes``); the lot's names
the preparation (its record or lot label), or the scan is an ingredient's GS1 code.
A check passes only if the log holds that fill, not corrected and not verified yet,
drawn from that preparation; the preparation's BUD has not passed and none of its
ingredient lots is recalled or on hold; the fill's BUD has not passed; and the lot
has not given out more than was made. Then one ``verification`` entry a fill is
logged with the pharmacist; otherwise one ``verification-mismatch`` entry names every
difference, and nothing is verified. Scanning a batch's record checks every order of
the batch drawn from its lot at once, all or none. A fill verified already is compared
again (a second scan of its bottle with another lot is a mismatch, logged); when the
scans still match it, nothing is logged (AlreadyVerified). A verification a correction
names no longer counts: the fill awaits its check again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compounder.core.gs1 import PackageScan
from compounder.core.scan_codes import (
    BatchScan,
    FillScan,
    PreparationScan,
    parse_label_scan,
    parse_lot_scan,
)
from compounder.core.units import format_quantity
from compounder.errors import SafetyError

if TYPE_CHECKING:
    from compounder.log.store import Store
    from compounder.log.verifications import LoggedFill

#: what a pharmacist does when verifying (named in a refusal of the role)
ACT = "a final check (verify)"


@dataclass(frozen=True)
class Difference:
    """One way the scans and the log disagree: ``check`` names it (fill, corrected,
    lot, ingredient, lot-expired, lot-stopped, bud, quantity), with what was scanned
    and what the log holds."""

    check: str
    scanned: str
    logged: str  # what the log says, as a clause ("the fill was drawn from lot ...")

    def text(self) -> str:
        return f"{self.check}: scanned {self.scanned}; {self.logged}"

    def to_dict(self) -> dict[str, str]:
        return {"check": self.check, "scanned": self.scanned, "logged": self.logged}


@dataclass(frozen=True)
class Verification:
    """What ``verify`` found and logged."""

    pharmacist: str
    label_scan: str
    lot_scan: str
    fills: tuple[LoggedFill, ...]  # the fills compared (verified when ``ok``)
    differences: tuple[Difference, ...] = ()
    entry_ids: tuple[int, ...] = field(default=())  # the entries logged
    notes: tuple[str, ...] = ()  # shown to the pharmacist, logged with the check

    @property
    def ok(self) -> bool:
        return not self.differences


class AlreadyVerified(SafetyError):
    """The fill was verified already (by another pharmacist a moment before, perhaps)."""


def queue(db: str | Path | None = None, config: str | Path | None = None) -> list[LoggedFill]:
    """Every fill awaiting a pharmacist's final check, oldest first. A log that is not
    there is an error (exit 4): none is created."""
    from compounder.log.entries import open_store
    from compounder.log.location import log_location
    from compounder.log.verifications import awaiting

    with open_store(log_location(db, config), read_only=True) as store:
        return awaiting(store)


def verify(
    label_scan: str,
    lot_scan: str,
    pharmacist: str,
    db: str | Path | None = None,
    config: str | Path | None = None,
    today: date | None = None,
    entry: int | None = None,
) -> Verification:
    """Compare a label's scan and a lot's scan with the log and log the outcome (see
    the module's text). InputError (exit 2) for a scan that is not one Compounder
    reads or initials that are not an active pharmacist's; AlreadyVerified (exit 3,
    nothing logged) if the fill was verified already and the scans still match it.
    ``entry``: the dispensing's entry id, for when the log holds two of one Rx and fill
    date (the label's code cannot tell them apart). ``today``: the day the BUDs are
    compared with (default: today)."""
    from compounder.core.settings import load_register
    from compounder.log.entries import open_store
    from compounder.log.location import log_location

    label = parse_label_scan(label_scan)
    lot = parse_lot_scan(lot_scan)
    signer = load_register(config).pharmacist(pharmacist, "pharmacist", ACT)
    day = today or date.today()
    scans = (_shown(label), _shown(lot))
    with open_store(log_location(db, config), must_exist=True) as store, store.transaction():
        fills, differences = _compare(store, label, lot, day, entry)
        notes = record_notes(store, fills)
        payload: dict[str, Any] = {
            "by": signer.initials,
            "by_name": signer.name,
            "label_scan": scans[0],
            "lot_scan": scans[1],
            **({"notes": notes} if notes else {}),
        }
        if differences:
            ids = _log_mismatch(store, label, fills, differences, payload)
        else:
            ids = [_log_verified(store, fill, payload) for fill in fills]
    return Verification(
        signer.initials, *scans, tuple(fills), tuple(differences), tuple(ids), tuple(notes)
    )


def _shown(scan: Any) -> str:
    """A scan as logged: what it was read as (never more than the code holds)."""
    if isinstance(scan, FillScan):
        return f"{scan.rx} {scan.fill_date:%y%m%d}"
    if isinstance(scan, BatchScan):
        return f"BATCH-{scan.lot}"
    if isinstance(scan, PreparationScan):
        return scan.lot
    return f"GTIN {scan.gtin} lot {scan.lot}"


def _compare(
    store: Store,
    label: FillScan | BatchScan,
    lot: PreparationScan | PackageScan,
    day: date,
    entry: int | None,
) -> tuple[list[LoggedFill], list[Difference]]:
    """The fills the label's scan names and how they differ from the scans (the fills
    not verified yet; all of them, if every one was verified, so a bottle scanned
    again is still compared). AlreadyVerified if every fill it names was verified and
    the scans match them."""
    from compounder.log.verifications import checks

    named, what, refusal = _named(store, label, entry)
    if refusal is not None:
        return named, [refusal]
    done = checks(store)
    open_fills = [f for f in named if (f.entry_id, f.fill) not in done]
    compared = open_fills or named
    differences = _lot_differences(store, compared[0], lot, day)
    for fill in compared:
        if fill.bud < day:
            differences.append(
                Difference(
                    "bud", f"Rx {fill.rx} fill {fill.fill}", f"its BUD {fill.bud} has passed"
                )
            )
    if open_fills:
        return open_fills, differences
    check = done[(named[0].entry_id, named[0].fill)]
    from compounder.core.dates import logged_time

    when = logged_time(check.at)
    already = f"verified already, by {check.pharmacist} at {when} (entry {check.entry_id})"
    if differences:  # a verified bottle scanned with another lot: said, and logged
        return named, [*differences, Difference("fill", what, already)]
    verb = "was" if isinstance(label, FillScan) else "were"
    raise AlreadyVerified(
        f"{what} {verb} {already}; these scans match it; nothing was logged",
        "see compounder history",
    )


def _named(
    store: Store, label: FillScan | BatchScan, entry: int | None
) -> tuple[list[LoggedFill], str, Difference | None]:
    """The fills a label's scan names (uncorrected; one entry's, or a batch's orders),
    what the scan says, and why no fill can be compared (a Difference) if none can."""
    from compounder.log.verifications import batch_orders, fills_of

    if isinstance(label, BatchScan):
        what = f"batch lot {label.lot}'s orders"
        named = batch_orders(store, label.lot)
        if entry is not None:
            named = [f for f in named if f.entry_id == entry]
        if not named:
            return (
                [],
                what,
                Difference("fill", what, "the log holds no batch order drawn from that lot"),
            )
        return named, what, None
    what = f"Rx {label.rx} filled {label.fill_date.isoformat()}"
    named = fills_of(store, label.rx, label.fill_date)
    if not named:
        return [], what, Difference("fill", what, _none_logged(store, label))
    entries = sorted({f.entry_id for f in named})
    if entry is not None:
        if entry not in entries:
            listed = ", ".join(str(e) for e in entries)
            found = f"entry {entry} is not one of its dispensings (entries {listed})"
            return named, what, Difference("fill", what, found)
        return [f for f in named if f.entry_id == entry], what, None
    if len(entries) > 1:
        listed = ", ".join(str(e) for e in entries)
        found = (
            f"the log holds {len(entries)} dispensings of it (entries {listed}), which one "
            "label code cannot tell apart: give --entry (compounder queue lists them), or "
            "correct the one that is wrong (compounder correct)"
        )
        return named, what, Difference("fill", what, found)
    return named, what, None


def _none_logged(store: Store, label: FillScan) -> str:
    from compounder.log.kinds import DISPENSING
    from compounder.log.verifications import corrected, entry_fills, rx_fills

    named = corrected(store)
    wrong = sorted(
        entry.id
        for entry in store.history(label.rx)
        if entry.kind in DISPENSING and entry.id in named
        and any(f.fill_date == label.fill_date for f in entry_fills(entry))
    )  # fmt: skip
    if wrong:
        return (
            f"the log holds that fill in entry {wrong[-1]} only, which a correction names as wrong"
        )
    held = sorted({f.fill_date.isoformat() for f in rx_fills(store, label.rx)})
    if not held:
        return f"the log holds no dispensing of Rx {label.rx}"
    return f"the log holds Rx {label.rx} filled on {', '.join(held[-4:])} only"


def _lot_differences(
    store: Store, fill: LoggedFill, lot: PreparationScan | PackageScan, day: date
) -> list[Difference]:
    """How the lot scan differs from the preparation the fill was drawn from, and what
    stops that preparation (its BUD passed, it or an ingredient lot recalled or on hold,
    a correction naming its record, more given out than was made)."""
    from compounder.log.dispensings import preparation_of

    scanned = lot.lot if isinstance(lot, PreparationScan) else f"ingredient lot {lot.lot}"
    preparation = preparation_of(store, fill.lot) if fill.lot_recorded else None
    if preparation is None:
        return [
            Difference(
                "lot", scanned, f"the label gives only a reference, {fill.lot}, no recorded lot"
            )
        ]
    found = []
    if isinstance(lot, PreparationScan) and lot.lot != fill.lot:
        found.append(Difference("lot", lot.lot, f"the fill was drawn from lot {fill.lot}"))
    if isinstance(lot, PackageScan):
        found += _ingredient_differences(store, preparation, fill.lot, lot, day)
    if preparation.bud < day:
        found.append(
            Difference("lot-expired", f"lot {fill.lot}", f"its BUD {preparation.bud} has passed")
        )
    found += _stopped_or_overdrawn(store, fill.lot)
    return found


def record_notes(store: Store, fills: list[LoggedFill]) -> list[str]:
    """What the pharmacist is shown with a check: a correction naming the record of the
    lot a fill was drawn from (a record's typo, or worse: the pharmacist judges; a lot
    found bad is recalled, which stops it)."""
    from compounder.log.dispensings import compounding_record_of
    from compounder.log.verifications import corrections

    named = corrections(store)
    notes = []
    for lot in dict.fromkeys(f.lot for f in fills if f.lot_recorded):
        record = compounding_record_of(store, lot)
        fixed = named.get(record.id) if record is not None else None
        if record is not None and fixed is not None:
            reason = str((store.entry(fixed) or record).payload.get("reason", ""))
            notes.append(
                f"lot {lot}'s record (entry {record.id}) was corrected by entry {fixed}: {reason}"
            )
    return notes


def _ingredient_differences(
    store: Store, preparation: Any, lot: str, scan: PackageScan, day: date
) -> list[Difference]:
    """An ingredient's scan against the preparation: one of its lots, the same product
    (GTIN) as received, not past its expiry."""
    from compounder.log.receipts import find_received

    scanned = f"ingredient lot {scan.lot}"
    used = sorted({i.lot for c in preparation.components for i in c.lots})
    found = []
    if scan.lot not in used:
        made = (
            f"lot {lot} was made from {', '.join(used)}"
            if used
            else f"lot {lot} records no ingredient lot"
        )
        found.append(Difference("ingredient", scanned, made))
    received = find_received(store, scan.lot)
    if received is not None and received.gtin and received.gtin != scan.gtin:
        found.append(
            Difference(
                "ingredient",
                f"GTIN {scan.gtin}",
                f"lot {scan.lot} was received as GTIN {received.gtin}",
            )
        )
    if scan.expiry is not None and scan.expiry < day:
        found.append(
            Difference("ingredient", f"{scanned}, expiry {scan.expiry}", "its expiry has passed")
        )
    return found


def _stopped_or_overdrawn(store: Store, lot: str) -> list[Difference]:
    """The preparation recalled or made from an ingredient lot recalled or on hold; or
    more given out from it than was made."""
    from compounder.log.entries import recorded_lot_in

    try:
        recorded = recorded_lot_in(store, lot, None)
    except SafetyError as stopped:
        return [Difference("lot-stopped", f"lot {lot}", stopped.reason)]
    if recorded is not None and recorded.labelled_ml > recorded.made_ml:
        given = format_quantity(recorded.labelled_ml, "mL")
        made = format_quantity(recorded.made_ml, "mL")
        return [Difference("quantity", f"lot {lot}", f"{given} was given out of {made} made")]
    return []


def _log_verified(store: Store, fill: LoggedFill, scans: dict[str, Any]) -> int:
    from compounder.log.kinds import Kind, verification_key

    payload = {
        **scans,
        "verifies": fill.entry_id,
        "fill": fill.fill,
        "fill_date": fill.fill_date.isoformat(),
        "bud": fill.bud.isoformat(),
        "quantity_ml": str(fill.quantity_ml),
    }
    from compounder.log.verifications import next_attempt

    attempt = next_attempt(store, fill.entry_id, fill.fill)  # 2...: after a correction
    key = verification_key(fill.entry_id, fill.fill, attempt)
    entry_id: int = store.append(Kind.VERIFICATION, fill.rx, fill.lot, payload, batch_key=key)
    return entry_id


def _log_mismatch(
    store: Store,
    label: FillScan | BatchScan,
    fills: list[LoggedFill],
    differences: list[Difference],
    scans: dict[str, Any],
) -> list[int]:
    """The mismatch logged: once per entry compared (each Rx's history shows it), or
    once with the scanned Rx (or the batch's lot) when no entry was found."""
    from compounder.log.kinds import Kind

    listed = [d.to_dict() for d in differences]
    by_entry = {f.entry_id: f for f in fills}
    if not by_entry:
        rx = label.rx if isinstance(label, FillScan) else None
        lot = label.lot if isinstance(label, BatchScan) else None
        payload = {**scans, "verifies": None, "fill": None, "differences": listed}
        return [store.append(Kind.MISMATCH, rx, lot, payload)]
    ids = []
    for entry_id, fill in by_entry.items():
        one = sum(f.entry_id == entry_id for f in fills) == 1
        payload = {
            **scans,
            "verifies": entry_id,
            "fill": fill.fill if one else None,
            "differences": listed,
        }
        ids.append(store.append(Kind.MISMATCH, fill.rx, fill.lot, payload))
    return ids
