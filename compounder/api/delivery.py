"""How a run's labels leave Compounder: the file format, the resolution, the printer.

``plan_delivery`` settles the format (pdf, zpl, png), the dpi and the printer from what
the command was given and the pharmacy's settings; ``deliver`` sends the rendered file
to the printer and says, for the log entry, whether the label was printed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from compounder.api.printers import DEFAULT_DPI, Printer, PrintError, find_printer, send
from compounder.errors import InputError
from compounder.render.label_output import FORMATS


@dataclass(frozen=True)
class Delivery:
    format: str
    dpi: int
    printer: Printer | None

    @property
    def stock(self) -> str | None:
        """The stock loaded in the printer, if the settings say."""
        return self.printer.stock if self.printer is not None else None


def plan_delivery(
    fmt: str | None, dpi: int | None, printer: str | None, settings: Any = None
) -> Delivery:
    """Format: as asked, else the printer's (zpl for a socket, pdf for a CUPS queue), else
    pdf. Resolution: as asked, else the printer's, else 203 dpi."""
    if fmt is not None and fmt not in FORMATS:
        raise InputError("format", fmt, " or ".join(FORMATS))
    if dpi is not None and dpi not in (203, 300):
        raise InputError("dpi", str(dpi), "203 or 300")
    target = find_printer(printer, settings) if printer else None
    chosen = fmt or (target.format if target is not None else None) or "pdf"
    if target is not None and chosen == "png":
        raise InputError("format", chosen, "zpl or pdf when printing (png is a screen preview)")
    resolution = dpi or (target.dpi if target is not None else None) or DEFAULT_DPI
    return Delivery(chosen, resolution, target)


def file_fields(delivery: Delivery, files: list[bytes]) -> dict[str, Any]:
    """What the log keeps about the files (the PDF's own hash is kept as before)."""
    if delivery.format == "pdf":
        return {}
    return {
        "format": delivery.format,
        "dpi": delivery.dpi,
        "pdf_sha256": None,
        "files_sha256": [hashlib.sha256(data).hexdigest() for data in files],
    }


def deliver(delivery: Delivery, files: list[bytes]) -> tuple[dict[str, Any], PrintError | None]:
    """Send the file to the printer, if there is one: the log fields saying whether the
    label was printed, and the error to raise once the log says so."""
    printer = delivery.printer
    if printer is None:
        return {}, None
    fields: dict[str, Any] = {"printer": printer.describe()}
    try:
        job = send(printer, files[0], raw=delivery.format == "zpl")
    except PrintError as exc:
        return {**fields, "printed": False, "print_error": exc.problem}, exc
    return {**fields, "printed": True, **({"print_job": job} if job else {})}, None


def print_files(delivery: Delivery, paths: list[str], db: Any = None) -> dict[str, Any]:
    """Send finished files (a batch's labels files, in order) to the delivery's printer
    and log one ``batch-print`` entry saying which were printed, with the hashes of the
    files sent (the run's ``batch-run`` entry names its files by the same hashes);
    PrintError (after the log entry) at the first that is not."""
    from pathlib import Path

    from compounder.log.entries import open_store

    assert delivery.printer is not None
    sent: list[str] = []
    failure: PrintError | None = None
    fields: dict[str, Any] = {}
    hashes: list[str] = []  # the files as the run's own entry names them (their hashes)
    for path in paths:
        data = Path(path).read_bytes()
        hashes.append(hashlib.sha256(data).hexdigest())
        fields, failure = deliver(delivery, [data])
        if failure is not None:
            break
        sent.append(Path(path).name)
    payload = {
        "files": [Path(p).name for p in paths],
        "files_sha256": hashes,
        "printed_files": sent,
        **fields,
        "printed": failure is None,
    }
    with open_store(db) as store:
        store.log("batch-print", None, None, payload)
    if failure is not None:
        raise failure
    return payload
