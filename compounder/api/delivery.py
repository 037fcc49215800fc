"""How a run's labels leave Compounder: the file format, the resolution, the printer.

``plan_delivery`` settles the format (pdf, zpl, png), the dpi and the printer from what
the command was given and the pharmacy's settings; ``deliver`` sends the rendered file
to the printer and says whether the label was printed; ``print_logged`` does so for a
label whose files and entry are already committed, and logs the outcome as its own
``print`` entry naming that entry (no transaction is held while the printer is
spoken to, so a slow or stuck printer never holds the log).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compounder.api.printers import (
    Printer,
    PrintError,
    Progress,
    find_printer,
    send,
)
from compounder.atomic import raise_deferred
from compounder.core.label_formats import (
    DEFAULT_DPI,
    PRINTER_FORMATS,
    check_dpi,
    format_named_by,
    label_format,
)
from compounder.errors import CompounderError, InputError


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
    if fmt is not None:
        label_format(fmt)
    if dpi is not None:
        check_dpi(dpi)
    if printer is not None and not printer.strip():
        raise InputError(
            "print", printer, "a printer name from the settings, socket://HOST:PORT or a CUPS queue"
        )
    target = find_printer(printer, settings) if printer is not None else None
    chosen = output_format(fmt, Path(output) if output is not None else None, target, default)
    if target is not None and not label_format(chosen).printable:
        printable = " or ".join(sorted(PRINTER_FORMATS, reverse=True))
        raise InputError(
            "format", chosen, f"{printable} when printing ({chosen} is a screen preview)"
        )
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

    def about_field(self) -> str | None:
        return "output"

    def about_file(self) -> str | None:
        return self.output

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
    suffix_format = format_named_by(output.suffix) if output is not None else None
    named = suffix_format.id if suffix_format is not None else ""
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
    if suffix_format is not None and not suffix_format.printable and printer is not None:
        remedy = f"use -o {better} (a png preview is not printed)"
    else:
        remedy = f"use -o {better} or --format {named}"
    raise SuffixError(str(output), named, chosen, why, remedy)


def one_file(files: list[bytes]) -> None:
    """Standard output takes one file: several PNG previews need a file name."""
    if len(files) != 1:
        raise InputError(
            "output",
            "-",
            f"a file name (-o FILE): {len(files)} labels are {len(files)} PNG previews, "
            "standard output takes one file (or --format pdf or zpl)",
        )


def file_fields(delivery: Delivery, files: list[bytes]) -> dict[str, Any]:
    """What the log keeps about the files (the PDF's own hash is kept as before)."""
    if not label_format(delivery.format).at_dpi:
        return {}
    return {
        "format": delivery.format,
        "dpi": delivery.dpi,
        "pdf_sha256": None,
        "files_sha256": [hashlib.sha256(data).hexdigest() for data in files],
    }


INTERRUPTED = "interrupted while sending; it may have printed"


def deliver(
    delivery: Delivery, files: list[bytes], progress: Progress | None = None
) -> tuple[dict[str, Any], PrintError | None]:
    """Send the file to the printer, if there is one: the fields saying whether the
    label was printed (and, when a send stopped part-way, how far it got), and the
    error to raise once they are logged."""
    printer = delivery.printer
    if printer is None:
        return {}, None
    progress = progress if progress is not None else Progress()
    fields: dict[str, Any] = {"printer": printer.describe()}
    zpl = delivery.format == "zpl"
    try:
        job = send(printer, files[0], raw=zpl, progress=progress)
    except PrintError as exc:
        fields = {**fields, "printed": False, "print_error": exc.problem}
        if progress.bytes_handed:
            fields.update(progress.fields(files[0], zpl))
        return fields, exc
    return {**fields, "printed": True, **({"print_job": job} if job else {})}, None


def print_logged(
    delivery: Delivery,
    files: list[bytes],
    db: Any,
    entry_id: int,
    rx: str | None,
    lot: str | None,
) -> tuple[dict[str, Any], PrintError | None]:
    """Send a label whose files and log entry (``entry_id``) are committed, then log the
    outcome as a ``print`` entry for the same Rx and lot, naming the entry it printed
    (``prints``), whether it printed, the printer and the job or the error. An
    interrupted send is logged as not printed (it may have been) before it goes on.
    The outcome (with the new entry's id) and the error to raise."""
    from compounder.log.entries import open_store
    from compounder.log.kinds import Kind

    progress = Progress()
    try:
        raise_deferred()  # a signal at the commit stops the command before it sends
        fields, failure = deliver(delivery, files, progress)
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: say how far it got, then stop
        fields = _interrupted(delivery, progress, files[0])
        with open_store(db) as store:
            store.log(Kind.PRINT, rx, lot, {"prints": entry_id, **fields})
        raise
    with open_store(db) as store:
        logged = store.log(Kind.PRINT, rx, lot, {"prints": entry_id, **fields})
    return {"entry": logged, "prints": entry_id, **fields}, failure


def _interrupted(delivery: Delivery, progress: Progress, data: bytes) -> dict[str, Any]:
    """The outcome of a send interrupted by Ctrl-C or SIGTERM: never printed (the
    printer did not confirm it), with how far it got (every byte handed: it may have
    printed, ``print_unconfirmed``)."""
    assert delivery.printer is not None
    fields: dict[str, Any] = {"printer": delivery.printer.describe(), "printed": False}
    fields["print_error"] = INTERRUPTED
    fields.update(progress.fields(data, delivery.format == "zpl"))
    return fields


def print_files(delivery: Delivery, paths: list[str], db: Any = None) -> dict[str, Any]:
    """Send finished files (a batch's labels files, in order) to the delivery's printer
    and log one ``batch-print`` entry saying which were printed, with the hashes of the
    files sent (the run's ``batch-run`` entry names its files by the same hashes);
    PrintError (after the log entry, with the entry as ``made``) at the first that is
    not. The run is committed already: no transaction is held while printing."""
    from pathlib import Path

    from compounder.log.entries import open_store
    from compounder.log.kinds import Kind

    assert delivery.printer is not None
    sent: list[str] = []
    failure: PrintError | None = None
    fields: dict[str, Any] = {}
    hashes = [hashlib.sha256(Path(path).read_bytes()).hexdigest() for path in paths]

    def payload() -> dict[str, Any]:
        return {
            "files": [Path(p).name for p in paths],
            "files_sha256": hashes,
            "printed_files": sent,
            **fields,
            "printed": failure is None and len(sent) == len(paths),
        }

    for path in paths:
        data = Path(path).read_bytes()
        progress = Progress()
        try:
            raise_deferred()  # a signal at the commit stops the command before it sends
            fields, failure = deliver(delivery, [data], progress)
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM: say how far it got, then stop
            fields = _interrupted(delivery, progress, data)
            with open_store(db) as store:
                store.log(Kind.BATCH_PRINT, None, None, payload())
            raise
        if failure is not None:
            break
        sent.append(Path(path).name)
    done = payload()
    with open_store(db) as store:
        done["entry"] = store.log(Kind.BATCH_PRINT, None, None, done)
    if failure is not None:
        failure.made = done
        raise failure
    return done
