"""Compounding and the log from the Python API: record a preparation, reprint a label,
label a preparation's stock bottle.

``record_preparation`` compounds (through ``prepare_batch``), allocates the lot and
writes the compounding record; ``reprint_label`` draws a logged label again from its
snapshot; ``make_lot_label`` draws the label of a logged preparation lot (its record's,
or a batch's). Trace, history and corrections are in ``compounder.log.entries``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from compounder.api.orders import ScreeningAnswers
from compounder.api.planning import prepare_batch
from compounder.atomic import PRINT_INSTEAD, check_output_path, to_stdout
from compounder.core.dates import parse_date
from compounder.errors import InputError, SafetyError
from compounder.log.anchor import anchored_by_settings
from compounder.log.entries import (
    log_identity,
    open_store,
    publish_with_entry,
    refuse_recalled_preparation,
    settle_folder,
)
from compounder.log.location import log_location


@anchored_by_settings
def record_preparation(
    concentration: str,
    volume: str,
    source: str | None = None,
    vehicle: str | None = None,
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
    time: str | None = None,
    lots_file: str | Path | None = None,
    config: str | Path | None = None,
    other_medications: tuple[str, ...] | list[str] | None = None,
    override: str | None = None,
    pharmacist: str | None = None,
    liver_kidney_history: bool = False,
    off_protocol_reason: str | None = None,
    screening: ScreeningAnswers | None = None,
    acknowledge_unscreened: bool = False,
    no_other_medications: bool = False,
) -> tuple[str, dict[str, Any], bytes]:
    """Compound and record: a unique lot, the log entry, and the record PDF written to
    ``output`` (``{lot}`` in it is replaced by the lot, as the CLI's default
    ``record-{lot}.pdf``). The entry and the file exist together or not at all: the lot
    is taken only by a preparation whose record was written. Without ``output`` the
    caller keeps the PDF it is given back. Returns the lot, the record and the PDF.

    ``other_medications`` are screened (``core.screening``; a stop refuses unless
    overridden); the decision, the override and ``off_protocol_reason`` are kept in the
    log entry and printed on the record. None: nothing screened (the record says so).
    ``screening``: the same answers as the order's screening group (``api.orders``),
    instead of the four keywords.

    The time of compounding is ``time`` (HH:MM), else now; a ``compounded`` date other
    than today without a ``time`` leaves the time blank on the record, to be written at
    the bench (a time is never invented); a date (and time) after now is refused unless
    the settings' ``[records] allow_future_dates``. ``prepared_by`` and ``checked_by``
    are initials of the settings' staff register (``core.staff``; the checker a
    pharmacist, another person than the preparer unless the settings allow a
    single-pharmacist site); the record names them as the register does. The balance's
    id comes from the settings (``config``, else the usual places; none: a blank).
    """
    from compounder.api.planning import resolved_lots_from
    from compounder.core.dates import check_not_after_now
    from compounder.core.formulations import find_formulation
    from compounder.core.identity import check_rx
    from compounder.core.pharmacy import open_pharmacy

    if output is not None:
        check_output_path(Path(output))
    location = log_location(db, config)
    at = compounding_time(compounded, time)
    day = at.date() if isinstance(at, datetime) else at
    resolved = resolved_lots_from(tuple(ingredient_lots), lots_file, day, config=config, db=db)
    lots = resolved.lots
    _check_lots_named(lots)
    rx = check_rx(rx) if rx else None
    settings = open_pharmacy(config, required=False).settings
    preparer, checker, same_person = _people(settings, prepared_by, checked_by)
    check_not_after_now(
        at, "date", allow_future=settings.records.allow_future_dates,
        skew_minutes=settings.records.clock_skew_minutes,
    )  # fmt: skip
    if screening is None:
        screening = _answers(
            other_medications,
            override,
            pharmacist,
            liver_kidney_history,
            acknowledge_unscreened,
            no_other_medications,
        )
    safety = _safety(screening, off_protocol_reason, config)
    prep = prepare_batch(
        concentration, volume, source, vehicle, assay, water, day, config=config, resolved=resolved
    )
    find_formulation(prep.source.id, prep.vehicle.id, prep.concentration_mg_ml)
    record = {
        "rx": rx,
        "prepared": preparer.initials,
        "checked": checker.initials,
        "prepared_name": preparer.name,
        "checked_name": checker.name,
        "lots": lots,
        "at": at,
        "balance": settings.balance,
        "single_pharmacist": same_person,
        "safety": safety,
        "paper": paper,
        "resolved": resolved,
    }
    return _write_record(prep, record, day, output, location)


def _answers(
    medicines: tuple[str, ...] | list[str] | None,
    override: str | None,
    pharmacist: str | None,
    *flags: bool,
) -> ScreeningAnswers | None:
    """The screening answers given as keywords (None: nothing entered, none screened);
    ``flags``: liver/kidney history, acknowledged, no other medicines."""
    answers = ScreeningAnswers(
        tuple(medicines) if medicines is not None else None, override, pharmacist, *flags
    )
    entered = medicines is not None or override is not None or pharmacist is not None
    return answers if entered or any(flags) else None


def _check_lots_named(lots: Any) -> None:
    for given in lots:
        if not given.lot:
            raise InputError(
                "ingredient-lot",
                f"{given.ingredient}:{given.expiry}",
                "INGREDIENT:LOT:EXPIRY, e.g. 'naltrexone 50mg tab:AB1234:2027-06-30'",
            )


def _write_record(
    prep: Any, made: dict[str, Any], day: date, output: str | Path | None, db: Any
) -> tuple[str, dict[str, Any], bytes]:
    """The lot taken, its log entry and the record PDF at ``output``, together."""
    from compounder.api.receiving import preparation_stock, take_stock
    from compounder.atomic import SignalsHeld, StagedFile, checkpoint
    from compounder.content.records import compounding_record, log_place
    from compounder.log.snapshots import pdf_hash
    from compounder.render.record_pdf import render_record

    staged: list[StagedFile] = []
    at = made["at"]

    def build(lot: str) -> tuple[dict[str, Any], tuple[str, dict[str, Any], bytes]]:
        record = compounding_record(
            prep,
            lot,
            made["rx"],
            made["prepared"],
            made["checked"],
            made["lots"],
            at,
            balance=made["balance"],
            single_pharmacist=made["single_pharmacist"],
        )
        record.update(prepared_by_name=made["prepared_name"], checked_by_name=made["checked_name"])
        record["safety"] = made["safety"]
        # taken from the received lots as the log holds them now, in the record's
        # transaction: two records at once never take the same stock
        used = preparation_stock(prep, made["resolved"].received)
        take_stock(store, used, day)
        if used:
            record["stock_used"] = used
        prev_id, prev_hash = store.head()  # under the write lock: this entry follows it
        record["log_place"] = log_place(prev_id + 1, prev_id, prev_hash)
        pdf = render_record(record, made["paper"])
        return {**record, "pdf_sha256": pdf_hash(pdf)}, (lot, record, pdf)

    def publish(result: tuple[str, dict[str, Any], bytes]) -> None:
        if output is not None:
            lot, _, pdf = result
            path = Path(str(output).replace("{lot}", lot))
            settle_folder(store, path.parent)
            staged.append(StagedFile(path, pdf))
            staged[0].publish(log_identity(store))
        checkpoint("record: about to commit")
        signals.hold()  # from here the entry may be committing: no taking back

    signals = SignalsHeld()
    try:
        with open_store(db) as store:
            lot, _, (_, record, pdf) = store.record_preparation(
                day, made["rx"], build, at=at if isinstance(at, datetime) else None, publish=publish
            )
    except BaseException:
        for file in staged:
            file.undo()
        signals.release(deliver=True)
        raise
    for file in staged:
        file.finish()
    checkpoint("record: committed")
    signals.release()
    return lot, record, pdf


def _people(settings: Any, prepared_by: str, checked_by: str) -> tuple[Any, Any, bool]:
    """Who prepared (any active person of the staff register) and who checked (an
    active pharmacist of it, another entry than the preparer unless the site is a
    single-pharmacist one), and whether they are the same person."""
    from compounder.core.staff import check_independent

    staff = settings.staff
    preparer = staff.person(prepared_by, "prepared-by")
    checker = staff.pharmacist(checked_by, "checked-by", "checking a preparation")
    return preparer, checker, check_independent(preparer, checker, settings.single_pharmacist)


def _safety(
    screening: ScreeningAnswers | None,
    off_protocol_reason: str | None,
    config: str | Path | None = None,
    acknowledge_unscreened: bool = False,
    no_other_medications: bool = False,
) -> dict[str, Any]:
    """The record's safety checks (screening None: nothing entered, none screened),
    against the pharmacy's screening list."""
    from compounder.content.safety import safety_record
    from compounder.core.pharmacy import open_pharmacy
    from compounder.core.screening import check_reason

    pharmacy = open_pharmacy(config, required=False)
    decision = None
    if screening is not None:
        decision = screening.decision(pharmacy)
    reason = (
        check_reason(off_protocol_reason, "off-protocol-reason")
        if off_protocol_reason is not None
        else ""
    )
    return safety_record(decision, reason)


def _check_identical(original: dict[str, Any], delivery: Any, files: list[bytes]) -> None:
    """A reprint in the original's format (and resolution) is byte for byte the original
    (its hashes as logged); SafetyError otherwise."""
    from compounder.errors import SafetyError
    from compounder.log.snapshots import pdf_hash

    kind = original.get("format", "pdf")
    if delivery.format != kind or (kind != "pdf" and delivery.dpi != original.get("dpi")):
        return
    made = original.get("pdf_sha256") if kind == "pdf" else None
    made_files = original.get("files_sha256")
    if (made is not None and pdf_hash(files[0]) != made) or (
        made_files is not None and [pdf_hash(f) for f in files] != made_files
    ):
        raise SafetyError(
            "the reprint would not be identical to the original label",
            "the software has changed since; print a new label instead",
        )


def compounding_time(compounded: str | date | None, time: str | None) -> datetime | date:
    """When it was compounded: the date (default today) with ``time`` (HH:MM), or now;
    a date other than today without a time gives the date alone (time to be written)."""
    now = datetime.now().replace(second=0, microsecond=0)
    day = now.date() if compounded is None else parse_date(compounded, "date")
    if time is None:
        return datetime.combine(day, now.time()) if day == now.date() else day
    try:
        clock = datetime.strptime(time.strip(), "%H:%M").time()
    except ValueError:
        raise InputError("time", time, "the time of compounding as HH:MM, e.g. 14:05") from None
    return datetime.combine(day, clock)


@dataclass(frozen=True)
class Reprint:
    """A label printed again: the original's entry, the reprint's, what was written."""

    original: Any  # the label's log entry (store.Entry)
    entry_id: int  # the reprint's entry
    format: str
    files: list[str]  # the files written (none when only printed)
    printing: dict[str, Any] | None = None  # sent to a printer: the outcome (as logged)
    stdout: bytes = b""  # -o -: the one file, for the caller to write (entry committed)


@anchored_by_settings
def reprint_label(
    rx: str,
    output: str | Path | None = None,
    db: str | Path | None = None,
    *,
    label_format: str | None = None,
    dpi: int | None = None,
    printer: str | None = None,
    config: str | Path | None = None,
    default_name: str | None = None,
) -> Reprint:
    """The last label printed for an Rx, drawn again from its snapshot: byte for byte
    the original when made in the same format (and resolution), written to ``output``
    and/or sent to ``printer``: the files and a ``reprint`` entry commit together, then
    the label is sent and a ``print`` entry says whether it printed (PrintError, exit 5,
    when not). Without either, ``default_name`` with the suffix of ``label_format``, else
    of the original's format: "reprint" gives reprint.pdf, reprint.zpl or reprint.png.
    Output "-" (standard output): no file is written, the entry says ``to_stdout``, and
    the one file is handed back (``Reprint.stdout``) for the caller to write."""
    from compounder.api.delivery import file_fields, one_file, plan_delivery, print_logged
    from compounder.core.identity import check_rx
    from compounder.core.settings import optional_settings
    from compounder.log.location import log_location
    from compounder.log.snapshots import contents_from, layout_from, pdf_hash, stock_from
    from compounder.render.label_output import output_paths, render_label_files

    rx = check_rx(rx)
    if output is None and printer is None and default_name is None:
        raise InputError("output", "missing", "--output FILE, --print PRINTER, or both")
    stdout = to_stdout(output)
    if output is not None and not stdout:
        check_output_path(Path(output), PRINT_INSTEAD)
    db = log_location(db, config)  # --db, COMPOUNDER_DB, [log] url of these settings
    with open_store(db, must_exist=True) as store:
        entry = store.latest_label(rx)
        if entry is None:
            raise InputError("rx", rx, "an Rx number with a label in the log")
        refuse_recalled_preparation(store, entry.lot)
        snapshot = store.snapshot(entry.payload["snapshot"])
        if "frame" in snapshot:  # a batch order: stock and layout kept once per run
            snapshot.update(store.snapshot(snapshot.pop("frame")))
    original = entry.payload.get("format", "pdf")
    if output is None and printer is None:
        output = Path(f"{default_name}.{(label_format or original).lower()}")
        check_output_path(output, PRINT_INSTEAD)
    delivery = plan_delivery(
        label_format,
        dpi or (entry.payload.get("dpi") if printer is None else None),
        printer,
        # settings only where the printer may be one of their names (a socket address
        # needs none; with no settings file to find, a name is a CUPS queue)
        None
        if printer is None or printer.startswith(("socket://", "cups:"))
        else optional_settings(config),
        output,
        default=original,  # without --format, printer or telling suffix: as it was made
    )
    stock = stock_from(snapshot)
    files = render_label_files(
        delivery.format, contents_from(snapshot), stock, delivery.dpi, layout=layout_from(snapshot)
    )
    _check_identical(entry.payload, delivery, files)
    if stdout:
        one_file(files)
    target = Path(output) if output is not None and not stdout else None
    targets = output_paths(delivery.format, target, len(files))
    written = list(zip(targets, files, strict=True)) if targets else []

    def write(store: Any) -> int:
        from compounder.log.kinds import Kind

        reprinted: int = store.log(
            Kind.REPRINT,
            rx,
            entry.lot,
            {
                "reprints": entry.id,
                "snapshot": entry.payload["snapshot"],
                "pdf_sha256": pdf_hash(files[0]) if delivery.format == "pdf" else None,
                **file_fields(delivery, files),
                **({"to_stdout": True} if stdout else {}),
            },
        )
        return reprinted

    # the files and the reprint's entry commit together first; then the label is sent
    # and the outcome logged as its own entry (no transaction held while printing)
    entry_id = publish_with_entry(db, written, write, "reprint")
    names = [str(output)] if stdout else [str(t) for t in targets]
    done = Reprint(entry, entry_id, delivery.format, names, stdout=files[0] if stdout else b"")
    if delivery.printer is not None:
        printing, failure = print_logged(delivery, files, db, entry_id, rx, entry.lot)
        done = replace(done, printing=printing)
        if failure is not None:
            failure.made = done
            raise failure
    return done


@dataclass(frozen=True)
class LotLabelMade:
    """A preparation lot's label, drawn from the log: its lines and barcode, which
    record it came from ("preparation": ``record``; "batch": a batch's records), the
    record's log entry, the file written and its bytes."""

    label: Any  # content.lot_label.LotLabel
    record: str
    entry_id: int
    output: str
    pdf: bytes

    def to_dict(self) -> dict[str, Any]:
        return {
            "output": self.output,
            "record": self.record,
            "entry_id": self.entry_id,
            **self.label.to_dict(),
        }


def make_lot_label(
    lot: str,
    output: str | Path,
    db: str | Path | None = None,
    config: str | Path | None = None,
) -> LotLabelMade:
    """The label for preparation ``lot``'s stock bottle (``content.lot_label``), from
    its compounding record in the log, written atomically to ``output`` (a PDF of the
    label's size, ``templates/lot_label.toml``). Nothing is logged. A lot the log holds
    no record of (a label's reference, or no such lot) is InputError (exit 2); a
    missing log is DataFileError (exit 4) and none is created; a preparation recalled,
    made from an ingredient lot since recalled or put on hold, or past its BUD is
    SafetyError (exit 3), as its labels are; ``output`` must end .pdf (InputError)."""
    from compounder.api.receiving import check_lot_number
    from compounder.content.lot_label import lot_label
    from compounder.core.pharmacy import open_pharmacy
    from compounder.log.dispensings import compounding_record_of
    from compounder.log.kinds import Kind
    from compounder.render.lot_label_pdf import render_lot_label

    lot = check_lot_number(lot)
    target = check_output_path(Path(output))
    if target.suffix.lower() != ".pdf":
        raise InputError("output", str(output), "a lot label file ending .pdf")
    settings = open_pharmacy(config).settings  # the pharmacy's name
    with open_store(log_location(db, config), read_only=True) as store:
        entry = compounding_record_of(store, lot)
        if entry is None:
            raise InputError(
                "lot",
                lot,
                "a preparation lot the log holds a compounding record of ('compounder "
                "record', or a batch's records.pdf)",
            )
        refuse_recalled_preparation(store, lot)
    bud = str(entry.payload.get("bud") or "")
    if bud and bud < date.today().isoformat():
        raise SafetyError(
            f"preparation lot {lot}'s BUD ({bud}) has passed",
            "discard the preparation; no label is printed for it",
        )
    label = lot_label(entry.payload, settings)
    pdf = render_lot_label(label, target)
    kind = "batch" if entry.kind == Kind.BATCH_RECORD else "preparation"
    return LotLabelMade(label, kind, entry.id, str(output), pdf)
