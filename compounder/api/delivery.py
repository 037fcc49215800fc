"""How a run's labels leave Compounder: the file format, the resolution, the printer.

``plan_delivery`` settles the format (pdf, zpl, png), the dpi and the printer from what
the command was given and the pharmacy's settings; ``deliver`` sends the rendered file
to the printer and says, for the log entry, whether the label was printed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compounder.api.printers import DEFAULT_DPI, Printer, PrintError, find_printer, send
from compounder.errors import CompounderError, InputError
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
    fmt: str | None,
    dpi: int | None,
    printer: str | None,
    settings: Any = None,
    output: str | Path | None = None,
    default: str = "pdf",
) -> Delivery:
    """Format: ``output_format``. Resolution: as asked, else the printer's, else 203 dpi.
    ``default``: the format without --format, printer or telling suffix (a reprint's:
    the original's)."""
    if fmt is not None and fmt not in FORMATS:
        raise InputError("format", fmt, " or ".join(FORMATS))
    if dpi is not None and dpi not in (203, 300):
        raise InputError("dpi", str(dpi), "203 or 300")
    target = find_printer(printer, settings) if printer else None
    chosen = output_format(fmt, Path(output) if output is not None else None, target, default)
    if target is not None and chosen == "png":
        raise InputError("format", chosen, "zpl or pdf when printing (png is a screen preview)")
    resolution = dpi or (target.dpi if target is not None else None) or DEFAULT_DPI
    return Delivery(chosen, resolution, target)


@dataclass(eq=False)
class SuffixError(CompounderError):
    """The output's name says one format and the labels are another (exit 2)."""

    output: str
    suffix: str
    format: str
    why: str
    remedy: str

    def __str__(self) -> str:
        return (
            f"-o {self.output} is a .{self.suffix} name but the labels are {self.format} "
            f"({self.why}); {self.remedy}"
        )


def output_format(
    fmt: str | None, output: Path | None, printer: Printer | None, default: str = "pdf"
) -> str:
    """The one rule for the format labels are made in, and their file's name: --format
    as asked; else, printing, the printer's (zpl for a socket, pdf for a CUPS queue);
    else the output's suffix if it names a format (label.zpl, label.png); else
    ``default``. A .pdf, .zpl or .png name that says another format than the one chosen
    is refused (SuffixError, exit 2): the suffix never changes what a printer is sent.
    Other names (none, .bin) take the format chosen."""
    named = output.suffix.lower().lstrip(".") if output is not None else ""
    if named not in FORMATS:
        named = ""
    if fmt is not None:
        chosen, why = fmt, f"--format {fmt}"
    elif printer is not None:
        chosen, why = printer.format or "pdf", "the printer's format"
    else:
        return named or default
    if not named or named == chosen:
        return chosen
    assert output is not None
    better = output.with_suffix(f".{chosen}")
    if named == "png" and printer is not None:
        remedy = f"use -o {better} (a png preview is not printed)"
    else:
        remedy = f"use -o {better} or --format {named}"
    raise SuffixError(str(output), named, chosen, why, remedy)


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
