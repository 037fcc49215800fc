"""Labels and dosing charts from the Python API.

``make_labels`` turns an order (one dose with a quantity, or a whole titration) into
checked label content and a PDF; ``make_chart`` does the same for the patient's
dosing chart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from compounder.api.planning import (
    lots_from,
    parse_concentration,
    parse_volume,
    plan_titration,
)
from compounder.atomic import check_output_path
from compounder.core.dates import parse_date
from compounder.core.limits import DISPENSED_ML
from compounder.core.protocols import DEFAULT_PROTOCOL
from compounder.errors import InputError


@dataclass(frozen=True)
class LabelRun:
    """Labels made for one order: what each says, the PDF, and notes for the pharmacist."""

    orders: list[Any]
    contents: list[Any]
    pdf: bytes  # empty when the labels were made in another format
    notes: list[str]
    format: str = "pdf"
    files: tuple[bytes, ...] = ()  # the file (pdf, zpl) or the images (png) made
    layout: Any = None  # the label layout (print-size profile) the labels were drawn with


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
    label_format: str | None = None,
    dpi: int | None = None,
    printer: str | None = None,
    profile: str | None = None,
) -> LabelRun:
    """Container labels for one dose (``dose`` + ``quantity``) or a whole titration
    (``titration`` + ``start_date``: one label per fill), drawn on the stock and written
    atomically to ``output`` when given, in ``label_format`` (pdf, zpl or png at ``dpi``),
    and sent to ``printer`` (see ``printers``). A printer that fails raises PrintError
    once the log says the label was not printed. ``profile``: the print-size profile
    (usp17, california, large-print; default the settings'); ``language`` "en+es" adds
    the directions in Spanish beneath the English ones."""
    from compounder.api.delivery import deliver, file_fields, plan_delivery
    from compounder.content.labels import (
        Direction,
        LabelOrder,
        build_label,
        default_lot,
        labels_for_fills,
    )
    from compounder.core.bud import beyond_use_date
    from compounder.core.fills import load_dispensing, plan_fills
    from compounder.core.identity import check_name, check_rx
    from compounder.core.preparation import dosage_form
    from compounder.core.preparation import warning_ids as auxiliary_warning_ids
    from compounder.core.settings import DOSE_TIMES, bud_rules_for, load_settings
    from compounder.core.sources import load_sources
    from compounder.core.stocks import load_stock
    from compounder.core.vehicles import find_vehicle
    from compounder.core.wording import load_wording, parse_languages
    from compounder.log.entries import log_labels, recorded_lot
    from compounder.render.label_output import render_label_files
    from compounder.render.textfit import load_layout

    if output is not None:
        check_output_path(Path(output))
    settings = load_settings(config)
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
    delivery = plan_delivery(label_format, dpi, printer, settings)
    label_stock = load_stock(
        stock if stock is not None else delivery.stock or settings.stock
    )
    the_vehicle = find_vehicle(settings.vehicle if vehicle is None else vehicle)
    the_source = load_sources().find(settings.source if source is None else source)
    rules = bud_rules_for(settings)
    lots = lots_from(lot_expiry, None)
    conc = parse_concentration(settings.concentration if concentration is None else concentration)
    recorded = None
    if lot and log:
        recorded = recorded_lot(lot, conc, db)
        if recorded is not None:
            lots += (recorded.limit,)
    warning_ids = auxiliary_warning_ids(the_source, the_vehicle)
    base: dict[str, Any] = {
        "rx": rx,
        "patient": patient,
        "prescriber": prescriber,
        "concentration_mg_ml": conc,
        "warning_ids": warning_ids,
        "dose_time": dose_time,
        "strength_changed": strength_changed,
        "dosage_form": dosage_form(the_source, the_vehicle),
    }
    notes: list[str] = []
    if titration:
        if dose is not None or quantity is not None:
            raise InputError(
                "dose",
                dose or quantity or "",
                "no --dose or --quantity with --titration (each fill's quantity is planned)",
            )
        if start_date is None:
            raise InputError("start-date", "missing", "a start date with --titration")
        plan = plan_titration(protocol, conc, start_date, syringes=syringes)
        schedule = plan_fills(plan, the_vehicle, rules, load_dispensing())
        for fill in schedule.fills:
            beyond_use_date(fill.fill_date, the_vehicle, rules, lots)  # lots still good?
        orders = labels_for_fills(schedule.fills, base, lambda day: lot or default_lot(day, rx))
    else:
        if dose is None or quantity is None:
            raise InputError(
                "dose", dose or "missing", "--dose and --quantity, or --titration with --start-date"
            )
        plan = plan_titration(protocol, conc, dose=dose, syringes=syringes).require_measurable()
        step = plan.steps[0]
        volume = parse_volume(quantity, "quantity", DISPENSED_ML)
        if volume < step.volume_ml:
            raise InputError("quantity", quantity, f"at least one dose ({step.volume_ml} mL)")
        day = parse_date(fill_date, "fill-date") if fill_date is not None else date.today()
        bud = beyond_use_date(day, the_vehicle, rules, lots)
        days_supply = int(volume // step.volume_ml)
        if days_supply > bud.days_of_use:
            notes.append(
                f"{quantity} holds {days_supply} days of doses but the BUD allows "
                f"{bud.days_of_use}: the patient discards the rest on {bud.bud.isoformat()}"
            )
        orders = [
            LabelOrder(
                directions=(Direction(step),),
                quantity_ml=volume,
                fill_date=day,
                bud=bud,
                lot=lot or default_lot(day, rx),
                **base,
            )
        ]
    if recorded is not None:
        recorded.check_quantity([o.quantity_ml for o in orders])
    contents = [build_label(order, settings, wording, translation) for order in orders]
    notes += continuation_notes(contents, label_stock, layout)
    files = render_label_files(
        delivery.format,
        contents,
        label_stock,
        delivery.dpi,
        Path(output) if output else None,
        layout,
    )
    pdf = files[0] if delivery.format == "pdf" else b""
    run = LabelRun(orders, contents, pdf, notes, delivery.format, tuple(files), layout)
    printed, failure = deliver(delivery, files)
    if (output is not None or delivery.printer is not None) and log:
        log_labels(run, label_stock, db, extra={**file_fields(delivery, files), **printed})
    if failure is not None:
        raise failure
    return run


def continuation_notes(contents: list[Any], stock: Any, layout: Any) -> list[str]:
    """A note for each container whose text flows onto continuation labels."""
    from compounder.render.label_flow import place_labels

    notes = []
    for number, content in enumerate(contents, start=1):
        parts = len(place_labels(content, stock, layout))
        if parts > 1:
            which = f"label {number}" if len(contents) > 1 else "the label"
            notes.append(
                f"{which} continues on {parts} labels (Label 1 of {parts} ...): "
                "put them all on the same container"
            )
    return notes


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
    source: str | None = None,
) -> ChartRun:
    """The patient's dosing chart for a whole titration, as a PDF (letter or A4)."""
    from compounder.content.chart import build_chart
    from compounder.core.identity import check_name
    from compounder.core.preparation import dosage_form
    from compounder.core.settings import DOSE_TIMES, load_settings
    from compounder.core.sources import load_sources
    from compounder.core.stocks import PAPER
    from compounder.core.vehicles import find_vehicle
    from compounder.core.wording import load_wording
    from compounder.render.chart_pdf import render_chart

    if output is not None:
        check_output_path(Path(output))
    settings = load_settings(config)
    paper = settings.paper if paper is None else paper
    if paper not in PAPER:
        raise InputError("paper", paper, " or ".join(PAPER))
    dose_time = settings.dose_time if dose_time is None else dose_time
    if dose_time not in DOSE_TIMES:
        raise InputError("dose-time", dose_time, " or ".join(DOSE_TIMES))
    wording = load_wording(language)
    the_vehicle = find_vehicle(settings.vehicle if vehicle is None else vehicle)
    plan = plan_titration(
        protocol,
        (settings.concentration if concentration is None else concentration),
        start_date,
        syringes=syringes,
    ).require_measurable()
    name = check_name(patient, "patient") if patient is not None else None
    the_source = load_sources().find(settings.source if source is None else source)
    form = dosage_form(the_source, the_vehicle)
    content = build_chart(plan, settings, wording, the_vehicle.storage, dose_time, name, form)
    pdf = render_chart(content, paper, Path(output) if output else None)
    return ChartRun(content, pdf)
