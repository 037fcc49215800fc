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
the batch drawn from its lot at once, all or none.
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
    logged: str

    def text(self) -> str:
        return f"{self.check}: scanned {self.scanned}; the log holds {self.logged}"

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
) -> Verification:
    """Compare a label's scan and a lot's scan with the log and log the outcome (see
    the module's text). InputError (exit 2) for a scan that is not one Compounder
    reads or initials that are not an active pharmacist's; AlreadyVerified (exit 3,
    nothing logged) if the fill was verified already. ``today``: the day the BUDs are
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
        fills, differences = _compare(store, label, lot, day)
        payload: dict[str, Any] = {
            "by": signer.initials,
            "by_name": signer.name,
            "label_scan": scans[0],
            "lot_scan": scans[1],
        }
        ids: tuple[int, ...]
        if differences:
            ids = (_log_mismatch(store, label, fills, differences, payload),)
        else:
            ids = tuple(_log_verified(store, fill, payload) for fill in fills)
    return Verification(signer.initials, *scans, tuple(fills), tuple(differences), ids)


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
    store: Store, label: FillScan | BatchScan, lot: PreparationScan | PackageScan, day: date
) -> tuple[list[LoggedFill], list[Difference]]:
    """The fills the label's scan names (not verified yet) and how they differ from the
    scans; AlreadyVerified if every fill it names was verified."""
    from compounder.log.verifications import batch_orders, checks, fills_of

    if isinstance(label, FillScan):
        named = fills_of(store, label.rx, label.fill_date)
        what = f"Rx {label.rx} filled {label.fill_date.isoformat()}"
    else:
        named = batch_orders(store, label.lot)
        what = f"batch lot {label.lot}'s orders"
    done = checks(store)
    open_fills = [f for f in named if (f.entry_id, f.fill) not in done]
    if named and not open_fills:
        check = done[(named[0].entry_id, named[0].fill)]
        from compounder.core.dates import logged_time

        verb = "was" if isinstance(label, FillScan) else "were"
        raise AlreadyVerified(
            f"{what} {verb} verified already, by {check.pharmacist} at {logged_time(check.at)} "
            f"(entry {check.entry_id}); nothing was logged",
            "hand the bottle over as verified, or see compounder history",
        )
    if not open_fills:
        return [], [Difference("fill", what, _none_logged(store, label))]
    if isinstance(label, FillScan) and len({f.entry_id for f in open_fills}) > 1:
        entries = ", ".join(str(e) for e in sorted({f.entry_id for f in open_fills}))
        return open_fills, [
            Difference(
                "fill",
                what,
                f"{len({f.entry_id for f in open_fills})} dispensings of it (entries "
                f"{entries}): correct the one not handed over (compounder correct)",
            )
        ]
    differences = _lot_differences(store, open_fills[0], lot, day)
    for fill in open_fills:
        if fill.bud < day:
            differences.append(
                Difference("bud", f"Rx {fill.rx} fill {fill.fill}", f"BUD {fill.bud} (passed)")
            )
    return open_fills, differences


def _none_logged(store: Store, label: FillScan | BatchScan) -> str:
    if isinstance(label, BatchScan):
        return "no batch order drawn from that lot"
    from compounder.log.kinds import DISPENSING
    from compounder.log.verifications import corrected, entry_fills

    wrong = sorted(
        entry.id
        for entry in store.history(label.rx)
        if entry.kind in DISPENSING and entry.id in corrected(store)
        and any(f.fill_date == label.fill_date for f in entry_fills(entry))
    )  # fmt: skip
    if wrong:
        return f"that fill in entry {wrong[-1]} only, which a correction names as wrong"
    held = sorted({f.fill_date.isoformat() for f in _all_fills(store, label.rx)})
    if not held:
        return f"no dispensing of Rx {label.rx}"
    return f"Rx {label.rx} filled on {', '.join(held[-4:])} only"


def _all_fills(store: Store, rx: str) -> list[LoggedFill]:
    from compounder.log.kinds import DISPENSING
    from compounder.log.verifications import corrected, entry_fills

    wrong = corrected(store)
    return [
        fill
        for entry in store.history(rx)
        if entry.kind in DISPENSING and entry.rx == rx and entry.id not in wrong
        for fill in entry_fills(entry)
    ]


def _lot_differences(
    store: Store, fill: LoggedFill, lot: PreparationScan | PackageScan, day: date
) -> list[Difference]:
    """How the lot scan differs from the preparation the fill was drawn from, and what
    stops that preparation (its BUD passed, an ingredient recalled or on hold, more
    given out than was made)."""
    from compounder.log.dispensings import preparation_of
    from compounder.log.entries import recorded_lot_in

    scanned = lot.lot if isinstance(lot, PreparationScan) else f"ingredient lot {lot.lot}"
    preparation = preparation_of(store, fill.lot) if fill.lot_recorded else None
    if preparation is None:
        return [Difference("lot", scanned, f"only a reference, {fill.lot} (no recorded lot)")]
    found = []
    if isinstance(lot, PreparationScan) and lot.lot != fill.lot:
        found.append(Difference("lot", lot.lot, f"lot {fill.lot}"))
    if isinstance(lot, PackageScan):
        used = sorted({i.lot for c in preparation.components for i in c.lots})
        if lot.lot not in used:
            held = ", ".join(used) or "none recorded"
            found.append(Difference("ingredient", scanned, f"lot {fill.lot} made from {held}"))
        if lot.expiry is not None and lot.expiry < day:
            found.append(Difference("ingredient", f"expiry {lot.expiry}", "passed"))
    if preparation.bud < day:
        found.append(Difference("lot-expired", f"lot {fill.lot}", f"BUD {preparation.bud}"))
    try:
        recorded = recorded_lot_in(store, fill.lot, None)
    except SafetyError as stopped:
        found.append(Difference("lot-stopped", f"lot {fill.lot}", stopped.reason))
    else:
        if recorded is not None and recorded.labelled_ml > recorded.made_ml:
            found.append(
                Difference(
                    "quantity",
                    f"lot {fill.lot}",
                    f"{format_quantity(recorded.labelled_ml, 'mL')} given out of "
                    f"{format_quantity(recorded.made_ml, 'mL')} made",
                )
            )
    return found


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
    key = verification_key(fill.entry_id, fill.fill)
    entry_id: int = store.append(Kind.VERIFICATION, fill.rx, fill.lot, payload, batch_key=key)
    return entry_id


def _log_mismatch(
    store: Store,
    label: FillScan | BatchScan,
    fills: list[LoggedFill],
    differences: list[Difference],
    scans: dict[str, Any],
) -> int:
    from compounder.log.kinds import Kind

    rx = label.rx if isinstance(label, FillScan) else None
    lot = fills[0].lot if fills else (label.lot if isinstance(label, BatchScan) else None)
    payload = {
        **scans,
        "verifies": fills[0].entry_id if len(fills) == 1 else None,
        "fill": fills[0].fill if len(fills) == 1 else None,
        "differences": [d.to_dict() for d in differences],
    }
    entry_id: int = store.append(Kind.MISMATCH, rx, lot, payload)
    return entry_id
