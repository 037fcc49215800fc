"""Labels and dosing charts from the Python API.

``make_labels`` turns an order (one dose with a quantity, or a whole titration) into
checked label content and a PDF; ``make_chart`` does the same for the patient's
dosing chart.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compounder.api.planning import (
    lots_from,
    parse_concentration,
    parse_dose,
    parse_volume,
    plan_titration,
)
from compounder.atomic import PRINT_INSTEAD, check_output_path, write_bytes_atomic
from compounder.core.dates import parse_date
from compounder.core.limits import DISPENSED_ML
from compounder.core.protocols import DEFAULT_PROTOCOL, Protocol, load_protocol
from compounder.core.units import format_number
from compounder.errors import InputError

if TYPE_CHECKING:
    from decimal import Decimal

    from compounder.core.fills import Fill, FillPlan
    from compounder.core.lots import IngredientExpiry
    from compounder.core.pharmacy import Pharmacy
    from compounder.core.titration import Plan
    from compounder.core.vehicles import Vehicle


@dataclass(frozen=True)
class LabelRun:
    """Labels made for one order: what each says, the PDF, and notes for the pharmacist."""

    orders: list[Any]
    contents: list[Any]
    pdf: bytes  # empty when the labels were made in another format
    notes: list[str]
    screening: Any = None  # core.screening.Screening
    off_protocol_reason: str = ""
    format: str = "pdf"
    files: tuple[bytes, ...] = ()  # the file (pdf, zpl) or the images (png) made
    layout: Any = None  # the label layout (print-size profile) the labels were drawn with
    label_count: int = 0  # labels made, continuation labels included (0: not counted)
    written: tuple[str, ...] = ()  # the files written (label.pdf; label-1.png... previews)
    printing: dict[str, Any] | None = None  # sent to a printer: the outcome (as logged)


def _screen(
    pharmacy: Pharmacy,
    other_medications: Any,
    override: Any,
    pharmacist: Any,
    liver_kidney_history: bool,
    acknowledge_unscreened: bool = False,
    no_other_medications: bool = False,
) -> Any:
    """The one screening decision (core.screening) against the pharmacy's list, before
    anything is worked out."""
    from compounder.core.screening import screening_decision

    return screening_decision(
        list(other_medications or ()),
        override=override,
        pharmacist=pharmacist,
        liver_kidney_history=liver_kidney_history,
        acknowledge_unscreened=acknowledge_unscreened,
        no_other_medications=no_other_medications,
        table=pharmacy.screening(),
    )


@dataclass(frozen=True)
class Dispensed:
    """What an order dispenses: its fills (one for a single dose, one per BUD period of
    a titration), the titration's plan, and the days a quantity holds beyond its BUD."""

    fills: tuple[Fill, ...]
    plan: Plan | None = None
    schedule: FillPlan | None = None
    held_days: int | None = None  # a single dose's quantity, in days of doses

    @property
    def excess(self) -> bool:
        """A quantity holding more days than the BUD allows (the rest is discarded)."""
        fill = self.fills[0]
        return self.held_days is not None and self.held_days > fill.bud.days_of_use

    def chosen(self, fill: str | None) -> tuple[Fill, ...]:
        """The fills to print now: the first (default), fill N, or "all"."""
        if fill is None:
            return self.fills[:1]
        if fill == "all":
            return self.fills
        total = len(self.fills)
        if not (fill.isascii() and fill.isdigit()) or not 1 <= int(fill) <= total:
            raise InputError("fill", fill, f"a fill number from 1 to {total}, or all")
        return (self.fills[int(fill) - 1],)


def dispense_order(
    pharmacy: Pharmacy,
    protocol: str | Path | Protocol,
    concentration: Decimal,
    vehicle: Vehicle,
    *,
    lots: tuple[IngredientExpiry, ...] = (),
    fill_date: date | None = None,
    start_date: date | None = None,
    dose: Decimal | None = None,
    quantity_ml: Decimal | None = None,
    days: int | None = None,
    syringes: str | Path | None = None,
    fill: str | None = "all",
    start_dose: str | Decimal | None = None,
    target_dose: str | Decimal | None = None,
    off_protocol_reason: str | None = None,
    beyond_bud_reason: str | None = None,
    renew_lots: bool = False,
    pharmacist: str | None = None,
) -> Dispensed:
    """The one path from an order to what is dispensed, for every entrance (label,
    label --titration, fills, batch): a titration (no ``dose``) from ``start_date``,
    its first fill compounded on ``fill_date`` when given, or a single dose from
    ``quantity_ml`` or ``days`` filled on ``fill_date``. Every BUD is the earliest of
    the USP category, every ingredient lot's expiry and a recorded preparation's BUD
    (all in ``lots``, which cap the fills made from them: ``fill`` as ``chosen`` reads
    it), counted as the pharmacy counts days; every fill is split into containers no
    larger than the largest bottle. ``start_dose``/``target_dose`` choose the titration's
    part (a target is kept as maintenance); a dose off the protocol's steps needs
    ``off_protocol_reason`` (``core.titration``); a single dose's quantity beyond what
    can be used before its BUD needs ``beyond_bud_reason`` (``core.fills``)."""
    from compounder.core.fills import dose_fill, plan_fills
    from compounder.core.units import format_quantity

    proto = protocol if isinstance(protocol, Protocol) else load_protocol(protocol)
    if dose is None:
        start = start_date or fill_date
        if start is None:
            raise InputError("start-date", "missing", "a start date for a titration")
        plan = plan_titration(
            proto,
            concentration,
            start,
            syringes=syringes,
            start_dose=start_dose,
            target_dose=target_dose,
            off_protocol_reason=off_protocol_reason,
            pharmacist=pharmacist,
        ).require_measurable()
        lot_fills = None if fill == "all" else frozenset({int(fill) if fill else 1})
        schedule = plan_fills(
            plan, vehicle, pharmacy.rules, pharmacy.dispensing, fill_date, lots, lot_fills,
            renew_lots,
        )  # fmt: skip
        return Dispensed(schedule.fills, plan, schedule)
    if start_dose is not None or target_dose is not None:
        raise InputError(
            "start-dose",
            str(start_dose or target_dose),
            "--start-dose/--target-dose only with a titration (a single dose: --dose)",
        )
    plan = plan_titration(
        proto,
        concentration,
        dose=format_quantity(dose, "mg"),
        syringes=syringes,
        off_protocol_reason=off_protocol_reason,
        pharmacist=pharmacist,
    ).require_measurable()
    single, held = dose_fill(
        plan.steps[0],
        fill_date or date.today(),
        vehicle,
        pharmacy.rules,
        pharmacy.dispensing,
        lots,
        quantity_ml=quantity_ml,
        days=days,
        beyond_bud_reason=beyond_bud_reason or "",
    )
    return Dispensed((single,), plan, None, held)


def _as_recorded(
    recorded: Any, pharmacy: Pharmacy, vehicle: str | None, source: str | None
) -> tuple[Vehicle, Any]:
    """A label from a recorded lot is for what that lot was made from: its vehicle and
    drug source (SafetyError if the order names others)."""
    from compounder.errors import SafetyError

    made_in = pharmacy.vehicle(recorded.vehicle) if recorded.vehicle else pharmacy.vehicle(vehicle)
    made_from = pharmacy.source(recorded.source) if recorded.source else pharmacy.source(source)
    for given, kind, actual in ((vehicle, "vehicle", made_in), (source, "source", made_from)):
        if (
            given is not None
            and (pharmacy.vehicle(given) if kind == "vehicle" else pharmacy.source(given)).id
            != actual.id
        ):
            raise SafetyError(
                f"lot {recorded.lot} was made with the {kind} {actual.id}, not {given}",
                f"label it for the {kind} it was made with",
            )
    return made_in, made_from


def _check_filled_after(recorded: Any, fills: tuple[Fill, ...]) -> None:
    """No label from a lot is filled before the lot was compounded."""
    from compounder.errors import SafetyError

    if recorded is None or recorded.compounded is None:
        return
    early = [f for f in fills if f.fill_date < recorded.compounded]
    if early:
        raise SafetyError(
            f"lot {recorded.lot} is compounded on {recorded.compounded.isoformat()}; a label "
            f"from it cannot be filled on {early[0].fill_date.isoformat()}",
            "give a fill date on or after the lot's compounding date",
        )


def _first_fill_date(fill_date: str | date | None, fill: str | None) -> date | None:
    """A titration's ``--fill-date``: the day its first fill is compounded (it counts
    its BUD from it), so only with the first fill (or all of them)."""
    if fill_date is None:
        return None
    if fill not in (None, "1", "all"):
        raise InputError(
            "fill-date", str(fill_date), "--fill-date with --titration only for the first fill"
        )
    return parse_date(fill_date, "fill-date")


def _fill_number(fill: str | None) -> str | None:
    """``--fill`` as given: None (the first), "all", or a fill number."""
    if fill is None or fill == "all":
        return fill
    if not (fill.isascii() and fill.isdigit()) or not 1 <= int(fill) <= 999:
        raise InputError("fill", fill, "a fill number (1, 2, ...) or all")
    return str(int(fill))


def short_fill_note(fill: Fill) -> str:
    """The pharmacist's note for a titration fill that covers less than a week of use."""
    wait = (fill.first_day - fill.fill_date).days
    start = f", its first dose {wait} days after the fill date" if wait > 0 else ""
    return (
        f"fill {fill.number} covers {fill.days} day{'s' if fill.days != 1 else ''} of use "
        f"(less than a week{start}): {format_number(fill.dispense_ml)} mL dispensed, "
        f"discarded on {fill.bud.bud.isoformat()}"
    )


def excess_note(dispensed: Dispensed, beyond_bud_reason: str = "") -> str:
    """The pharmacist's note for a quantity that outlasts its BUD (with the reason the
    pharmacist gave for dispensing more than can be used before it)."""
    fill = dispensed.fills[0]
    reason = (
        f" (dispensed beyond the BUD. Reason: {beyond_bud_reason})" if beyond_bud_reason else ""
    )
    return (
        f"{format_number(fill.dispense_ml)} mL holds {dispensed.held_days} days of doses but "
        f"the BUD allows {fill.bud.days_of_use}: the patient discards the rest on "
        f"{fill.bud.bud.isoformat()}{reason}"
    )


def make_labels(
    rx: str,
    patient: str,
    prescriber: str,
    output: str | Path | None = None,
    *,
    dose: str | None = None,
    quantity: str | None = None,
    titration: bool = False,
    start_date: str | date | None = None,
    concentration: str | None = None,
    protocol: str | Path = DEFAULT_PROTOCOL,
    vehicle: str | None = None,
    source: str | None = None,
    fill_date: str | date | None = None,
    lot: str | None = None,
    dose_time: str | None = None,
    strength_changed: bool = False,
    stock: str | Path | None = None,
    config: str | Path | None = None,
    lot_expiry: tuple[str, ...] | list[str] = (),
    language: str = "en",
    syringes: str | Path | None = None,
    db: str | Path | None = None,
    log: bool = True,
    fill: str | None = None,
    other_medications: tuple[str, ...] | list[str] = (),
    override: str | None = None,
    pharmacist: str | None = None,
    liver_kidney_history: bool = False,
    acknowledge_unscreened: bool = False,
    no_other_medications: bool = False,
    start_dose: str | None = None,
    target_dose: str | None = None,
    off_protocol_reason: str | None = None,
    beyond_bud_reason: str | None = None,
    label_format: str | None = None,
    dpi: int | None = None,
    printer: str | None = None,
    profile: str | None = None,
) -> LabelRun:
    """Container labels for one dose (``dose`` + ``quantity``) or a titration
    (``titration`` + ``start_date``), drawn on the stock and written atomically to
    ``output`` when given. A titration's fills are dispensed on their own dates:
    ``fill`` is 1 (the first, by default), N, or "all" (every fill, pre-printed);
    ``start_dose``/``target_dose`` choose the titration's part. The labels are made in
    ``label_format`` (pdf, zpl or png at ``dpi``) and sent to ``printer`` (see
    ``printers``) once the files and the label's entry are committed; the outcome is
    logged as a ``print`` entry (``LabelRun.printing``), and a printer that fails
    raises PrintError (``made``: the run) once the log says the label was not printed.
    ``profile``: the print-size profile (usp17, california, large-print; default the
    settings'); ``language`` "en+es" adds the directions in
    Spanish beneath the English ones.

    ``other_medications`` are screened first (a stop refuses unless ``override`` with
    ``pharmacist``); the decision and any ``off_protocol_reason`` are logged."""
    from compounder.api.delivery import deliver, file_fields, plan_delivery, print_logged
    from compounder.content.labels import build_label, default_lot, label_orders
    from compounder.content.safety import safety_record, screening_notes
    from compounder.core.identity import check_name, check_rx
    from compounder.core.pharmacy import open_pharmacy
    from compounder.core.preparation import dosage_form
    from compounder.core.preparation import warning_ids as auxiliary_warning_ids
    from compounder.core.screening import check_reason
    from compounder.core.settings import DOSE_TIMES
    from compounder.core.stocks import load_stock
    from compounder.core.wording import load_wording, parse_languages
    from compounder.log.entries import log_labels, open_store, recorded_lot, repeat_message
    from compounder.log.store import log_location
    from compounder.render.label_output import output_paths, render_label_files
    from compounder.render.textfit import load_layout

    db = log_location(db, config)  # --db, COMPOUNDER_DB, [log] url of these settings
    if output is not None:
        check_output_path(Path(output), PRINT_INSTEAD)
    if log and (output is not None or printer is not None):
        # a log that cannot be written refuses before a file is written or a label printed
        with open_store(db):
            pass
    pharmacy = open_pharmacy(config)
    screening = _screen(
        pharmacy, other_medications, override, pharmacist, liver_kidney_history,
        acknowledge_unscreened, no_other_medications,
    )  # fmt: skip
    beyond_reason = (
        check_reason(beyond_bud_reason, "beyond-bud-reason")
        if beyond_bud_reason is not None
        else ""
    )
    settings = pharmacy.settings
    rx = check_rx(rx.strip())
    patient = check_name(patient, "patient")
    prescriber = check_name(prescriber, "prescriber")
    dose_time = settings.dose_time if dose_time is None else dose_time
    if dose_time not in DOSE_TIMES:
        raise InputError("dose-time", dose_time, " or ".join(DOSE_TIMES))
    first_language, second_language = parse_languages(language)
    wording = load_wording(first_language)
    translation = load_wording(second_language) if second_language else None
    layout = load_layout(profile=profile or settings.profile or None)
    delivery = plan_delivery(label_format, dpi, printer, settings, output)
    label_stock = load_stock(stock if stock is not None else delivery.stock or settings.stock)
    the_vehicle = pharmacy.vehicle(vehicle)
    the_source = pharmacy.source(source)
    lots = lots_from(lot_expiry, None)
    conc = parse_concentration(settings.concentration if concentration is None else concentration)
    recorded = None
    if lot is not None:
        if not log:
            raise InputError("lot", lot, "a lot from the log (labels made without the log)")
        recorded = recorded_lot(lot, conc, db)
        if recorded is None:
            raise InputError(
                "lot", lot, "a lot recorded in the log with 'compounder record' (or leave it out)"
            )
        lots += (recorded.limit,)
        the_vehicle, the_source = _as_recorded(recorded, pharmacy, vehicle, source)
    short: list[Fill] = []
    if titration:
        if dose is not None or quantity is not None:
            raise InputError(
                "dose",
                dose or quantity or "",
                "no --dose or --quantity with --titration (each fill's quantity is planned)",
            )
        if start_date is None:
            raise InputError("start-date", "missing", "a start date with --titration")
        dispensed = dispense_order(
            pharmacy,
            protocol,
            conc,
            the_vehicle,
            lots=lots,
            start_date=parse_date(start_date, "start-date"),
            fill_date=_first_fill_date(fill_date, fill),
            syringes=syringes,
            fill=_fill_number(fill),
            start_dose=start_dose,
            target_dose=target_dose,
            off_protocol_reason=off_protocol_reason,
            pharmacist=screening.pharmacist or None,
        )
        fills = dispensed.chosen(fill)
        short = [f for f in fills if f.short]
    else:
        if dose is None or quantity is None:
            raise InputError(
                "dose", dose or "missing", "--dose and --quantity, or --titration with --start-date"
            )
        if fill not in (None, "1"):
            raise InputError("fill", fill, "--fill only with --titration")
        day = parse_date(fill_date, "fill-date") if fill_date is not None else date.today()
        dispensed = dispense_order(
            pharmacy,
            protocol,
            conc,
            the_vehicle,
            lots=lots,
            fill_date=day,
            dose=parse_dose(dose),
            quantity_ml=parse_volume(quantity, "quantity", DISPENSED_ML),
            syringes=syringes,
            start_dose=start_dose,
            target_dose=target_dose,
            off_protocol_reason=off_protocol_reason,
            pharmacist=screening.pharmacist or None,
            beyond_bud_reason=beyond_reason,
        )
        fills = dispensed.fills
    _check_filled_after(recorded, fills)
    notes = [excess_note(dispensed, beyond_reason)] if dispensed.excess else []
    notes += [short_fill_note(f) for f in short]
    notes += screening_notes(screening)
    reason = dispensed.plan.off_protocol_reason if dispensed.plan is not None else ""
    base: dict[str, Any] = {
        "rx": rx,
        "patient": patient,
        "prescriber": prescriber,
        "concentration_mg_ml": conc,
        "warning_ids": auxiliary_warning_ids(the_source, the_vehicle),
        "dose_time": dose_time,
        "strength_changed": strength_changed,
        "dosage_form": dosage_form(the_source, the_vehicle),
    }
    orders = label_orders(
        fills,
        base,
        lot if lot is not None else default_lot(fills[0].fill_date, rx),
        fill_total=len(dispensed.fills) if titration else None,
        lot_recorded=lot is not None,
    )
    if recorded is not None:
        recorded.check_quantity([o.quantity_ml for o in orders])  # again as it commits
    contents = [build_label(order, settings, wording, translation) for order in orders]
    parts = label_parts(contents, label_stock, layout)
    notes += continuation_notes(parts)
    files = render_label_files(delivery.format, contents, label_stock, delivery.dpi, layout=layout)
    pdf = files[0] if delivery.format == "pdf" else b""
    run = LabelRun(
        orders,
        contents,
        pdf,
        notes,
        screening,
        reason,
        delivery.format,
        tuple(files),
        layout,
        sum(parts),
    )
    targets = output_paths(delivery.format, Path(output) if output else None, len(files))
    written = list(zip(targets, files, strict=True)) if targets else []
    run = replace(run, written=tuple(str(t) for t in targets))
    printing: dict[str, Any] | None = None
    failure = None
    if (output is not None or delivery.printer is not None) and log:
        # the files and the entry commit together first; the label is sent after, and
        # the outcome logged as its own entry (no transaction held while printing)
        repeats: list[tuple[str, int]] = []
        entry_id = log_labels(
            run,
            label_stock,
            db,
            None,
            extra={
                **safety_record(screening, reason),
                **file_fields(delivery, files),
                **({"beyond_bud_reason": beyond_reason} if dispensed.excess else {}),
                **({"short_fills": [f.number for f in short]} if short else {}),
                **(
                    {"off_protocol_pharmacist": screening.pharmacist}
                    if reason and screening.pharmacist
                    else {}
                ),
            },
            recorded=(recorded.lot, conc) if recorded is not None else None,
            files=written,
            repeats=repeats,
        )
        if repeats:  # a batch refuses such a row; a label is the pharmacist's own call
            run = replace(run, notes=[*run.notes, *(repeat_message(*r) for r in repeats)])
        if delivery.printer is not None:
            printing, failure = print_logged(
                delivery, files, db, entry_id, orders[0].rx, orders[0].lot
            )
    else:
        for target, data in written:
            write_bytes_atomic(target, data)
        if delivery.printer is not None:
            printing, failure = deliver(delivery, files)
    if printing is not None:
        run = replace(run, printing=printing)
    if failure is not None:
        failure.made = run
        raise failure
    return run


def label_parts(contents: list[Any], stock: Any, layout: Any) -> list[int]:
    """How many labels each container's label takes on the stock (its continuations
    included), as every format lays them out (``render.label_flow.place_labels``)."""
    from compounder.render.label_flow import place_labels

    return [len(place_labels(content, stock, layout)) for content in contents]


def continuation_notes(label_parts: list[int]) -> list[str]:
    """A note for each container whose text flows onto continuation labels."""
    notes = []
    for number, parts in enumerate(label_parts, start=1):
        if parts > 1:
            which = f"label {number}" if len(label_parts) > 1 else "the label"
            notes.append(
                f"{which} continues on {parts} labels (Label 1 of {parts} ...): "
                "put them all on the same container"
            )
    return notes


@dataclass(frozen=True)
class ChartRun:
    content: Any
    pdf: bytes
    screening: Any = None  # core.screening.Screening
    notes: tuple[str, ...] = ()
    off_protocol_reason: str = ""


def make_chart(
    output: str | Path | None = None,
    *,
    start_date: str | date | None = None,
    concentration: str | None = None,
    patient: str | None = None,
    protocol: str | Path = DEFAULT_PROTOCOL,
    vehicle: str | None = None,
    paper: str | None = None,
    language: str = "en",
    dose_time: str | None = None,
    config: str | Path | None = None,
    syringes: str | Path | None = None,
    other_medications: tuple[str, ...] | list[str] = (),
    override: str | None = None,
    pharmacist: str | None = None,
    liver_kidney_history: bool = False,
    acknowledge_unscreened: bool = False,
    no_other_medications: bool = False,
    start_dose: str | None = None,
    target_dose: str | None = None,
    off_protocol_reason: str | None = None,
    source: str | None = None,
) -> ChartRun:
    """The patient's dosing chart and handout for a titration, as a PDF (letter or A4).

    Screens ``other_medications`` first (as ``make_labels``); ``liver_kidney_history``
    adds its caution to the handout; ``start_dose``/``target_dose`` choose the steps."""
    from compounder.content.chart import build_chart
    from compounder.content.safety import screening_notes
    from compounder.core.identity import check_name
    from compounder.core.pharmacy import open_pharmacy
    from compounder.core.preparation import dosage_form
    from compounder.core.settings import DOSE_TIMES
    from compounder.core.stocks import PAPER
    from compounder.core.wording import load_wording
    from compounder.render.chart_pdf import render_chart

    if output is not None:
        check_output_path(Path(output))
    pharmacy = open_pharmacy(config)
    screening = _screen(
        pharmacy, other_medications, override, pharmacist, liver_kidney_history,
        acknowledge_unscreened, no_other_medications,
    )  # fmt: skip
    settings = pharmacy.settings
    paper = settings.paper if paper is None else paper
    if paper not in PAPER:
        raise InputError("paper", paper, " or ".join(PAPER))
    dose_time = settings.dose_time if dose_time is None else dose_time
    if dose_time not in DOSE_TIMES:
        raise InputError("dose-time", dose_time, " or ".join(DOSE_TIMES))
    wording = load_wording(language)
    the_vehicle = pharmacy.vehicle(vehicle)
    plan = plan_titration(
        protocol,
        (settings.concentration if concentration is None else concentration),
        start_date,
        syringes=syringes,
        start_dose=start_dose,
        target_dose=target_dose,
        off_protocol_reason=off_protocol_reason,
        pharmacist=screening.pharmacist or None,
    ).require_measurable()
    name = check_name(patient, "patient") if patient is not None else None
    content = build_chart(
        plan,
        settings,
        wording,
        the_vehicle.storage,
        dose_time,
        name,
        liver_kidney_history=screening.liver_kidney_history,
        dosage_form=dosage_form(pharmacy.source(source), the_vehicle),
    )
    pdf = render_chart(content, paper, Path(output) if output else None)
    return ChartRun(
        content, pdf, screening, tuple(screening_notes(screening)), plan.off_protocol_reason
    )
