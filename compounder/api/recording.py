"""Compounding and the log from the Python API: record a preparation, reprint a label.

``record_preparation`` compounds (through ``prepare_batch``), allocates the lot and
writes the compounding record; ``reprint_label`` draws a logged label again from its
snapshot. Trace, history and corrections are in ``compounder.log.entries``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from compounder.api.planning import prepare_batch
from compounder.atomic import check_output_path
from compounder.core.dates import parse_date
from compounder.errors import InputError
from compounder.log.entries import open_store


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
    from compounder.content.records import compounding_record
    from compounder.core.identity import check_name, check_rx
    from compounder.core.lots import parse_lot
    from compounder.render.record_pdf import render_record

    if output is not None:
        check_output_path(Path(output))
    lots = tuple(parse_lot(text) for text in ingredient_lots)
    for given in lots:
        if not given.lot:
            raise InputError(
                "ingredient-lot",
                f"{given.ingredient}:{given.expiry}",
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

    with open_store(db) as store:
        lot, _, (record, pdf) = store.record_preparation(at.date(), rx, build, at=at)
    if output is not None:
        write_bytes_atomic(Path(output), pdf)
    return lot, record, pdf


def reprint_label(
    rx: str,
    output: str | Path | None = None,
    db: str | Path | None = None,
    *,
    label_format: str | None = None,
    dpi: int | None = None,
    printer: str | None = None,
    config: str | Path | None = None,
) -> Any:
    """The last label printed for an Rx, drawn again from its snapshot: byte for byte
    the original when made in the same format (and resolution), written to ``output``
    and/or sent to ``printer``. A reprint sent to a printer is logged, printed or not
    (PrintError, exit 5, when not)."""
    from compounder.api.delivery import deliver, file_fields, plan_delivery
    from compounder.atomic import write_bytes_atomic
    from compounder.core.identity import check_rx
    from compounder.errors import SafetyError
    from compounder.log.snapshots import contents_from, layout_from, pdf_hash, stock_from
    from compounder.render.label_output import render_label_files
    from compounder.render.label_png import png_targets

    rx = check_rx(rx)
    if output is None and printer is None:
        raise InputError("output", "missing", "--output FILE, --print PRINTER, or both")
    if output is not None:
        check_output_path(Path(output))
    with open_store(db) as store:
        entry = store.latest_label(rx)
        if entry is None:
            raise InputError("rx", rx, "an Rx number with a label in the log")
        snapshot = store.snapshot(entry.payload["snapshot"])
        if "frame" in snapshot:  # a batch order: stock and layout kept once per run
            snapshot.update(store.snapshot(snapshot.pop("frame")))
    original = entry.payload.get("format", "pdf")
    delivery = plan_delivery(
        label_format or (original if printer is None else None),
        dpi or (entry.payload.get("dpi") if printer is None else None),
        printer,
        _settings_if_any(config, printer),
    )
    stock = stock_from(snapshot)
    files = render_label_files(
        delivery.format, contents_from(snapshot), stock, delivery.dpi, layout=layout_from(snapshot)
    )
    same_kind = delivery.format == original and (
        original == "pdf" or delivery.dpi == entry.payload.get("dpi")
    )
    if same_kind:
        made = entry.payload.get("pdf_sha256") if original == "pdf" else None
        made_files = entry.payload.get("files_sha256")
        if (made is not None and pdf_hash(files[0]) != made) or (
            made_files is not None and [pdf_hash(f) for f in files] != made_files
        ):
            raise SafetyError(
                "the reprint would not be identical to the original label",
                "the software has changed since; print a new label instead",
            )
    if output is not None:
        targets = (
            png_targets(Path(output), len(files)) if delivery.format == "png" else [Path(output)]
        )
        for target, data in zip(targets, files, strict=True):
            write_bytes_atomic(target, data)
    printed, failure = deliver(delivery, files)
    if delivery.printer is not None:
        with open_store(db) as store:
            store.log(
                "reprint",
                rx,
                entry.lot,
                {"reprint_of": entry.id, **file_fields(delivery, files), **printed},
            )
    if failure is not None:
        raise failure
    return entry


def _settings_if_any(config: str | Path | None, printer: str | None) -> Any:
    """The pharmacy settings when a printer may be one of their names (none needed for
    socket:// addresses; a missing settings file then means a CUPS queue name)."""
    from compounder.core.settings import load_settings
    from compounder.errors import DataFileError

    if printer is None or printer.startswith(("socket://", "cups:")):
        return None
    try:
        return load_settings(config)
    except DataFileError:
        if config is not None:
            raise
        return None
