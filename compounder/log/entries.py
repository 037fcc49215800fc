"""The compounding log from the Python API: record, reprint, trace, history, correct.

What the ``record``, ``reprint``, ``trace``, ``history`` and ``correct`` commands do, and
how a printed label is logged (``log_labels``) and kept to its recorded lot. The SQL is
in ``store``; this module turns user input into its calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from compounder.api.planning import LabelRun, prepare_batch
from compounder.core.dates import parse_date
from compounder.core.lots import IngredientExpiry
from compounder.core.units import format_quantity
from compounder.errors import InputError, SafetyError


@dataclass(frozen=True)
class RecordedLot:
    """A preparation in the log, as a label printed from it must respect it."""

    lot: str
    bud: date
    made_ml: Decimal
    labelled_ml: Decimal  # already on labels and dispensed orders

    @property
    def limit(self) -> IngredientExpiry:
        """The preparation's BUD, as a limit no label from it may pass."""
        return IngredientExpiry("preparation", self.lot, self.bud)

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
    with _store(db) as store:
        entries = store.entries_for_lot(lot)
    prepared = [e for e in entries if e.kind == "preparation" and "bud" in e.payload]
    if not prepared:
        return None
    record = prepared[0].payload
    made = Decimal(record["preparation"]["concentration"].split()[0])
    if made != concentration:
        raise SafetyError(
            f"lot {lot} was compounded at {record['preparation']['concentration']}, not at "
            f"{format_quantity(concentration, 'mg/mL')}",
            "label it at the strength it was made",
        )
    labelled = sum(
        (
            Decimal(q)
            for e in entries
            if e.kind in ("label", "dispense")
            for q in e.payload.get("quantity_ml", [])
        ),
        Decimal(0),
    )
    return RecordedLot(
        lot, date.fromisoformat(record["bud"]), Decimal(record["quantity_made_ml"]), labelled
    )


def _store(db: str | Path | None):
    from compounder.log.store import Store

    return Store(db)


def log_labels(
    run: LabelRun,
    stock: Any,
    db: str | Path | None,
    kind: str = "label",
    extra: dict[str, Any] | None = None,
) -> int:
    """Append a printed label to the log, with the snapshot that reprints it."""
    from compounder.log.snapshots import label_snapshot, pdf_hash
    from compounder.render.textfit import load_layout

    with _store(db) as store:
        digest = store.put_snapshot(label_snapshot(run.contents, stock, load_layout()))
        first = run.orders[0]
        payload = {
            "snapshot": digest,
            "pdf_sha256": pdf_hash(run.pdf),
            "labels": len(run.contents),
            "fill_date": first.fill_date.isoformat(),
            "bud": first.bud.bud.isoformat(),
            "bud_basis": first.bud.basis.basis,
            "quantity_ml": [str(o.quantity_ml) for o in run.orders],
            "concentration_mg_ml": str(first.concentration_mg_ml),
            **(extra or {}),
        }
        return store.log(kind, first.rx, first.lot, payload)


def record_preparation(
    concentration: str,
    volume: str,
    source: str = "tablets",
    vehicle: str = "water",
    *,
    rx: str | None = None,
    ingredient_lots: tuple[str, ...] | list[str] = (),
    prepared_by: str,
    checked_by: str,
    assay: str | None = None,
    water: str | None = None,
    compounded: str | date | None = None,
    output: str | Path | None = None,
    paper: str = "letter",
    db: str | Path | None = None,
) -> tuple[str, dict[str, Any], bytes]:
    """Compound and record: a unique lot, the log entry, and the record PDF (written
    atomically to ``output``). Returns the lot, the record and the PDF bytes."""
    from datetime import datetime

    from compounder.atomic import write_bytes_atomic
    from compounder.content.labels import check_name, check_rx
    from compounder.content.records import compounding_record
    from compounder.core.lots import parse_lot
    from compounder.render.record_pdf import render_record

    lots = tuple(parse_lot(text) for text in ingredient_lots)
    for lot in lots:
        if not lot.lot:
            raise InputError(
                "ingredient-lot",
                f"{lot.ingredient}:{lot.expiry}",
                "INGREDIENT:LOT:EXPIRY, e.g. 'naltrexone 50mg tab:AB1234:2027-06-30'",
            )
    prepared = check_name(prepared_by, "prepared-by")
    checked = check_name(checked_by, "checked-by")
    rx = check_rx(rx) if rx else None
    now = datetime.now().replace(microsecond=0)
    day = now.date() if compounded is None else parse_date(compounded, "date")
    at = datetime.combine(day, now.time())  # a back-dated record keeps today's time of day
    prep = prepare_batch(
        concentration, volume, source, vehicle, assay, water, at.date(), list(ingredient_lots)
    )

    def build(lot: str) -> tuple[dict[str, Any], tuple[dict[str, Any], bytes]]:
        record = compounding_record(prep, lot, rx, prepared, checked, lots, at)
        pdf = render_record(record, paper)
        return record, (record, pdf)

    with _store(db) as store:
        lot, _, (record, pdf) = store.record_preparation(at.date(), rx, build, at=at)
    if output is not None:
        write_bytes_atomic(Path(output), pdf)
    return lot, record, pdf


def reprint_label(rx: str, output: str | Path, db: str | Path | None = None) -> Any:
    """The last label printed for an Rx, drawn again from its snapshot, byte for byte."""
    from compounder.atomic import write_bytes_atomic
    from compounder.content.labels import check_rx
    from compounder.errors import SafetyError
    from compounder.log.snapshots import contents_from, layout_from, pdf_hash, stock_from
    from compounder.render.label_pdf import render_labels

    rx = check_rx(rx)
    with _store(db) as store:
        entry = store.latest_label(rx)
        if entry is None:
            raise InputError("rx", rx, "an Rx number with a label in the log")
        snapshot = store.snapshot(entry.payload["snapshot"])
        if "frame" in snapshot:  # a batch order: stock and layout kept once per run
            snapshot.update(store.snapshot(snapshot.pop("frame")))
    pdf = render_labels(contents_from(snapshot), stock_from(snapshot), layout=layout_from(snapshot))
    original = entry.payload.get("pdf_sha256")
    if original is not None and pdf_hash(pdf) != original:
        raise SafetyError(
            "the reprint would not be identical to the original label",
            "the software has changed since; print a new label instead",
        )
    write_bytes_atomic(Path(output), pdf)
    return entry


def trace_lot(ingredient_lot: str, db: str | Path | None = None) -> list[Any]:
    """Every preparation that used an ingredient lot, and the Rx numbers they served."""
    with _store(db) as store:
        found = []
        for entry in store.trace(ingredient_lot):
            served = sorted({e.rx for e in store.entries_for_lot(entry.lot or "") if e.rx})
            found.append((entry, served))
        return found


def rx_history(rx: str, db: str | Path | None = None) -> list[Any]:
    from compounder.content.labels import check_rx

    with _store(db) as store:
        return store.history(check_rx(rx))


def correct_entry(entry_id: int, reason: str, db: str | Path | None = None) -> int:
    """Append a correction that references an earlier entry (nothing is rewritten)."""
    if not reason.strip():
        raise InputError("reason", reason, "a reason for the correction")
    with _store(db) as store:
        original = store._entries("SELECT * FROM entries WHERE id = ?", (entry_id,))
        if not original:
            raise InputError("entry", str(entry_id), "the id of an entry in the log")
        return store.log(
            "correction", original[0].rx, original[0].lot, {"reason": reason}, corrects=entry_id
        )
