"""Recalling an ingredient lot, from the Python API: the lot (and every preparation
lot made from it) refused from then on, and the worklist a pharmacist works from.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from compounder.api.receiving import check_lot_number, reason_text, store_at
from compounder.core.dates import parse_date
from compounder.core.inventory import LotEventKind, LotStatus, ReceivedLot
from compounder.errors import InputError


@dataclass(frozen=True)
class Worklist:
    """A recall's worklist: what was made from the lot and who it was dispensed to."""

    lot: str
    reason: str
    day: date
    rows: tuple[dict[str, Any], ...]
    entry_id: int = 0
    files: list[str] = field(default_factory=list)
    received: ReceivedLot | None = None


def recall_lot(
    lot: str,
    reason: str,
    output: str | Path | None = None,
    db: str | Path | None = None,
    config: str | Path | None = None,
    on: str | date | None = None,
) -> Worklist:
    """Recall an ingredient lot: it (and every preparation lot made from it) is refused
    from now on, and the worklist lists every preparation lot made from it, each Rx
    and fill dispensed from those, the patient, fill date, BUD and whether the BUD has
    passed on ``on`` (default today). ``output`` (.pdf, with a signature line, or .csv)
    and the recall's log entry are written together or not at all. A lot the log never
    received may be recalled too (typed lots are traced by their number)."""
    from compounder.atomic import check_output_path
    from compounder.content.worklist import worklist_csv, worklist_rows
    from compounder.log.entries import publish_with_entry
    from compounder.log.location import log_location
    from compounder.log.receipts import find_received, log_event, recall_of
    from compounder.log.snapshots import pdf_hash

    number = check_lot_number(lot)
    why = reason_text(reason)
    day = parse_date(on, "date") if on is not None else date.today()
    target = Path(output) if output is not None else None
    if target is not None:
        check_output_path(target)
        if target.suffix.lower() not in (".pdf", ".csv"):
            raise InputError("output", str(target), "a worklist file ending .pdf or .csv")
    location = log_location(db, config)
    with store_at(location, config) as store:
        if recall_of(store, number) is not None:
            raise InputError("lot", number, "a lot not recalled yet (it is recalled)")
        received = find_received(store, number)
        rows = tuple(worklist_rows(_dispensed_from(store, number), day))
    files: list[tuple[Path, bytes]] = []
    if target is not None:
        if target.suffix.lower() == ".csv":
            data = worklist_csv(rows).encode()
        else:
            from compounder.render.worklist_pdf import render_worklist

            data = render_worklist(number, why, day, rows, received)
        files = [(target, data)]
    payload = {
        "reason": why,
        "preparation_lots": sorted({r["preparation_lot"] for r in rows}),
        "rx_count": len({r["rx"] for r in rows if r["rx"]}),
        "worklist_sha256": pdf_hash(files[0][1]) if files else None,
    }

    def write(store: Any) -> int:
        if recall_of(store, number) is not None:
            raise InputError("lot", number, "a lot not recalled yet (it is recalled)")
        entry_id: int = log_event(store, LotEventKind.RECALL, number, payload)
        return entry_id

    entry_id = publish_with_entry(location, files, write, "recall")
    if received is not None:
        received = replace(received, status=LotStatus.RECALLED, reason=why)
    return Worklist(number, why, day, rows, entry_id, [str(p) for p, _ in files], received)


def _dispensed_from(store: Any, lot: str) -> list[dict[str, Any]]:
    """Each preparation made from ``lot`` (or ``lot`` itself, a preparation lot) with
    what was dispensed from it (the log's entries, the patient read from each label's
    snapshot)."""
    from compounder.log.dispensings import compounding_record_of
    from compounder.log.entries import dispensed_from_preparation

    found = []
    seen: set[str] = set()
    record = compounding_record_of(store, lot)  # a preparation lot recalled itself
    if record is not None:
        seen.add(lot)
        found.append(dispensed_from_preparation(store, record))
    for entry in store.trace(lot):
        if not entry.lot or entry.lot in seen:
            continue
        seen.add(entry.lot)
        found.append(dispensed_from_preparation(store, entry))
    return found
