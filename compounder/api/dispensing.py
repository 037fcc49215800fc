"""Labels and dosing charts from the Python API.

``make_labels`` turns an order (one dose with a quantity, or a whole titration) into
checked label content and a PDF; ``make_chart`` does the same for the patient's
dosing chart.
"""

from __future__ import annotations

from dataclasses import dataclass
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
from compounder.atomic import check_output_path
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
    format: str = "pdf"
    files: tuple[bytes, ...] = ()  # the file (pdf, zpl) or the images (png) made


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
) -> Dispensed:
    """The one path from an order to what is dispensed, for every entrance (label,
    label --titration, fills, batch): a titration (no ``dose``) from ``start_date``,
    its first fill compounded on ``fill_date`` when given, or a single dose from
    ``quantity_ml`` or ``days`` filled on ``fill_date``. Every BUD is the earliest of
    the USP category, every ingredient lot's expiry and a recorded preparation's BUD
    (all in ``lots``, which cap the fills made from them: ``fill`` as ``chosen`` reads
    it), counted as the pharmacy counts days; every fill is split into containers no
    larger than the largest bottle."""
    from compounder.core.fills import dose_fill, plan_fills
    from compounder.core.units import format_quantity

    proto = protocol if isinstance(protocol, Protocol) else load_protocol(protocol)
    if dose is None:
        start = start_date or fill_date
        if start is None:
            raise InputError("start-date", "missing", "a start date for a titration")
        plan = plan_titration(proto, concentration, start, syringes=syringes).require_measurable()
        lot_fills = None if fill == "all" else frozenset({int(fill) if fill else 1})
        schedule = plan_fills(
            plan, vehicle, pharmacy.rules, pharmacy.dispensing, fill_date, lots, lot_fills
        )
        return Dispensed(schedule.fills, plan, schedule)
    proto.check_dose(dose)
    plan = plan_titration(
        proto, concentration, dose=format_quantity(dose, "mg"), syringes=syringes
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
    )
    return Dispensed((single,), plan, None, held)


def _fill_number(fill: str | None) -> str | None:
    """``--fill`` as given: None (the first), "all", or a fill number."""
    if fill is None or fill == "all":
        return fill
    if not (fill.isascii() and fill.isdigit()) or not 1 <= int(fill) <= 999:
        raise InputError("fill", fill, "a fill number (1, 2, ...) or all")
    return str(int(fill))


def excess_note(dispensed: Dispensed) -> str:
    """The pharmacist's note for a quantity that outlasts its BUD."""
    fill = dispensed.fills[0]
    return (
        f"{format_number(fill.dispense_ml)} mL holds {dispensed.held_days} days of doses but "
        f"the BUD allows {fill.bud.days_of_use}: the patient discards the rest on "
        f"{fill.bud.bud.isoformat()}"
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
    label_format: str | None = None,
    dpi: int | None = None,
    printer: str | None = None,
) -> LabelRun:
    """Container labels for one dose (``dose`` + ``quantity``) or a titration
    (``titration`` + ``start_date``), drawn on the stock and written atomically to
    ``output`` when given. A titration's fills are dispensed on their own dates:
    ``fill`` is 1 (the first, by default), N, or "all" (every fill, pre-printed).
    The labels are made in ``label_format`` (pdf, zpl or png at ``dpi``) and sent to
    ``printer`` (see ``printers``); a printer that fails raises PrintError once the log
    says the label was not printed."""
    from compounder.api.delivery import deliver, file_fields, plan_delivery
    from compounder.content.labels import build_label, default_lot, label_orders
    from compounder.core.identity import check_name, check_rx
    from compounder.core.pharmacy import open_pharmacy
    from compounder.core.preparation import warning_ids as auxiliary_warning_ids
    from compounder.core.settings import DOSE_TIMES
    from compounder.core.stocks import load_stock
    from compounder.core.wording import load_wording
    from compounder.log.entries import log_labels, open_store, recorded_lot
    from compounder.render.label_output import render_label_files

    if output is not None:
        check_output_path(Path(output))
    pharmacy = open_pharmacy(config)
    settings = pharmacy.settings
    rx = check_rx(rx.strip())
    patient = check_name(patient, "patient")
    prescriber = check_name(prescriber, "prescriber")
    dose_time = settings.dose_time if dose_time is None else dose_time
    if dose_time not in DOSE_TIMES:
        raise InputError("dose-time", dose_time, " or ".join(DOSE_TIMES))
    wording = load_wording(language)
    delivery = plan_delivery(label_format, dpi, printer, settings)
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
            syringes=syringes,
            fill=_fill_number(fill),
        )
        fills = dispensed.chosen(fill)
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
        )
        fills = dispensed.fills
    notes = [excess_note(dispensed)] if dispensed.excess else []
    base: dict[str, Any] = {
        "rx": rx,
        "patient": patient,
        "prescriber": prescriber,
        "concentration_mg_ml": conc,
        "warning_ids": auxiliary_warning_ids(the_source, the_vehicle),
        "dose_time": dose_time,
        "strength_changed": strength_changed,
    }
    orders = label_orders(
        fills,
        base,
        lot if lot is not None else default_lot(fills[0].fill_date, rx),
        fill_total=len(dispensed.fills) if titration else None,
        lot_recorded=lot is not None,
    )
    if recorded is not None:
        recorded.check_quantity([o.quantity_ml for o in orders])
    contents = [build_label(order, settings, wording) for order in orders]
    logged = (output is not None or delivery.printer is not None) and log
    if logged:  # a log that cannot be opened fails the command before any file is written
        with open_store(db):
            pass
    files = render_label_files(
        delivery.format, contents, label_stock, delivery.dpi, Path(output) if output else None
    )
    pdf = files[0] if delivery.format == "pdf" else b""
    run = LabelRun(orders, contents, pdf, notes, delivery.format, tuple(files))
    printed, failure = deliver(delivery, files)
    if logged:
        log_labels(run, label_stock, db, extra={**file_fields(delivery, files), **printed})
    if failure is not None:
        raise failure
    return run


@dataclass(frozen=True)
class ChartRun:
    content: Any
    pdf: bytes


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
) -> ChartRun:
    """The patient's dosing chart for a whole titration, as a PDF (letter or A4)."""
    from compounder.content.chart import build_chart
    from compounder.core.identity import check_name
    from compounder.core.pharmacy import open_pharmacy
    from compounder.core.settings import DOSE_TIMES
    from compounder.core.stocks import PAPER
    from compounder.core.wording import load_wording
    from compounder.render.chart_pdf import render_chart

    if output is not None:
        check_output_path(Path(output))
    pharmacy = open_pharmacy(config)
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
    ).require_measurable()
    name = check_name(patient, "patient") if patient is not None else None
    content = build_chart(plan, settings, wording, the_vehicle.storage, dose_time, name)
    pdf = render_chart(content, paper, Path(output) if output else None)
    return ChartRun(content, pdf)
