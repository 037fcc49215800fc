"""The Python API: what the CLI does, callable from scripts with plain text inputs.

Each function takes what a person would type ("1 mg/mL", "2026-12-01", a protocol id
or file) and returns finished domain objects; errors are CompounderError subclasses.

    >>> from compounder import plan_titration
    >>> plan = plan_titration(concentration="1 mg/mL")
    >>> [step.to_dict()["volume_ml"] for step in plan.steps]
    ['1.5', '2', '2.5', '3', '3.5', '4', '4.5']
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from compounder.core.dates import parse_date
from compounder.core.protocols import DEFAULT_PROTOCOL, Protocol, load_protocol
from compounder.core.strengths import (
    StrengthResult,
    candidate_concentrations,
    rank_strengths,
    recommended_concentration,
)
from compounder.core.syringes import Catalogue, load_catalogue
from compounder.core.titration import Plan, make_plan
from compounder.core.units import magnitude_in, parse_quantity
from compounder.errors import InputError


def parse_concentration(text: str, field: str = "concentration") -> Decimal:
    """A concentration as typed, in mg/mL (exact)."""
    return _magnitude(text, "concentration", "mg/mL", field)


def parse_dose(text: str, field: str = "dose") -> Decimal:
    """A dose as typed, in mg (exact)."""
    return _magnitude(text, "mass", "mg", field)


def parse_volume(text: str, field: str = "volume") -> Decimal:
    """A volume as typed, in mL (exact)."""
    return _magnitude(text, "volume", "mL", field)


def _magnitude(text: str, kind: str, unit: str, field: str) -> Decimal:
    try:
        return _cached_magnitude(text, kind, unit)
    except InputError as exc:
        raise InputError(field, exc.value, exc.expected, exc.where) from None


@lru_cache(maxsize=4096)
def _cached_magnitude(text: str, kind: str, unit: str) -> Decimal:
    """Orders repeat the same few values ("1 mg/mL", "3 mg"): parse each once."""
    return magnitude_in(parse_quantity(text, kind), unit)


def _catalogue(syringes: str | Path | None) -> Catalogue:
    return load_catalogue(str(syringes) if syringes else None)


def plan_titration(
    protocol: str | Path | Protocol = DEFAULT_PROTOCOL,
    concentration: str | Decimal | None = None,
    start_date: str | date | None = None,
    dose: str | None = None,
    syringes: str | Path | None = None,
    strengths: str | Path | None = None,
) -> Plan:
    """The titration plan; without a concentration, at the recommended one.

    The plan may contain steps that are not measurable; call ``require_measurable()``
    (the CLI does) before printing anything from it.
    """
    proto = protocol if isinstance(protocol, Protocol) else load_protocol(protocol)
    catalogue = _catalogue(syringes)
    if concentration is None:
        conc = recommended_concentration(
            proto, catalogue, candidate_concentrations(str(strengths) if strengths else None)
        )
    elif isinstance(concentration, Decimal):
        conc = concentration
    else:
        conc = parse_concentration(concentration)
    start = parse_date(start_date, "start-date") if start_date is not None else None
    dose_mg = parse_dose(dose) if dose is not None else None
    return make_plan(proto, conc, catalogue, start, dose_mg)


def solve_strengths(
    protocol: str | Path | Protocol = DEFAULT_PROTOCOL,
    syringes: str | Path | None = None,
    strengths: str | Path | None = None,
) -> list[StrengthResult]:
    """Every candidate concentration for a protocol, best first."""
    proto = protocol if isinstance(protocol, Protocol) else load_protocol(protocol)
    return rank_strengths(
        proto, _catalogue(syringes), candidate_concentrations(str(strengths) if strengths else None)
    )


def _lots(lot_expiry: tuple[str, ...] | list[str], lots_file: str | Path | None):
    from compounder.core.lots import parse_lot, read_lots_file

    lots = [parse_lot(text) for text in lot_expiry]
    if lots_file:
        lots += read_lots_file(Path(lots_file))
    return tuple(lots)


def prepare_batch(
    concentration: str | Decimal,
    volume: str | Decimal,
    source: str = "tablets",
    vehicle: str = "water",
    assay: str | None = None,
    water: str | None = None,
    compounded: str | date | None = None,
    lot_expiry: tuple[str, ...] | list[str] = (),
    lots_file: str | Path | None = None,
    bud: str | date | None = None,
    sources_file: str | Path | None = None,
    vehicles_file: str | Path | None = None,
    bud_rules_file: str | Path | None = None,
):
    """What to weigh or how many tablets, the volume made, the BUD and its basis."""
    from compounder.core.bud import load_bud_rules
    from compounder.core.preparation import prepare
    from compounder.core.sources import load_sources
    from compounder.core.units import parse_percent
    from compounder.core.vehicles import find_vehicle

    catalogue = load_sources(str(sources_file) if sources_file else None)
    conc = (
        concentration if isinstance(concentration, Decimal) else parse_concentration(concentration)
    )
    vol = volume if isinstance(volume, Decimal) else parse_volume(volume)
    return prepare(
        conc,
        vol,
        catalogue.find(source),
        find_vehicle(vehicle, str(vehicles_file) if vehicles_file else None),
        catalogue,
        load_bud_rules(str(bud_rules_file) if bud_rules_file else None),
        parse_date(compounded, "date") if compounded is not None else date.today(),
        assay=parse_percent(assay, "assay", allow_zero=False) if assay is not None else None,
        water=(
            parse_percent(water, "water", allow_zero=True, maximum=Decimal(99))
            if water is not None
            else None
        ),
        lots=_lots(lot_expiry, lots_file),
        requested_bud=parse_date(bud, "bud") if bud is not None else None,
    )


def plan_fill_schedule(
    start_date: str | date,
    concentration: str | Decimal | None = None,
    vehicle: str = "water",
    protocol: str | Path | Protocol = DEFAULT_PROTOCOL,
    overage: str | None = None,
    syringes: str | Path | None = None,
    vehicles_file: str | Path | None = None,
    bud_rules_file: str | Path | None = None,
):
    """The fills that dispense a whole titration, each within its BUD."""
    from dataclasses import replace

    from compounder.core.bud import load_bud_rules
    from compounder.core.fills import load_dispensing, plan_fills
    from compounder.core.units import parse_percent
    from compounder.core.vehicles import find_vehicle

    plan = plan_titration(protocol, concentration, start_date, syringes=syringes)
    dispensing = load_dispensing()
    if overage is not None:
        dispensing = replace(dispensing, overage=parse_percent(overage, "overage", allow_zero=True))
    return plan_fills(
        plan,
        find_vehicle(vehicle, str(vehicles_file) if vehicles_file else None),
        load_bud_rules(str(bud_rules_file) if bud_rules_file else None),
        dispensing,
    )


@dataclass(frozen=True)
class LabelRun:
    """Labels made for one order: what each says, the PDF, and notes for the pharmacist."""

    orders: list[Any]
    contents: list[Any]
    pdf: bytes
    notes: list[str]


def _bud_rules(settings: Any, bud_rules_file: str | Path | None = None):
    from dataclasses import replace

    from compounder.core.bud import load_bud_rules

    rules = load_bud_rules(str(bud_rules_file) if bud_rules_file else None)
    if settings.day_counting:
        rules = replace(rules, day_counting=settings.day_counting)
    return rules


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
) -> LabelRun:
    """Container labels for one dose (``dose`` + ``quantity``) or a whole titration
    (``titration`` + ``start_date``: one label per fill), drawn on the stock and written
    atomically to ``output`` when given."""
    from compounder.content.labels import (
        Direction,
        LabelOrder,
        build_label,
        check_name,
        check_rx,
        default_lot,
        labels_for_fills,
    )
    from compounder.core.bud import beyond_use_date
    from compounder.core.fills import load_dispensing, plan_fills
    from compounder.core.preparation import warning_ids as auxiliary_warning_ids
    from compounder.core.settings import DOSE_TIMES, load_settings
    from compounder.core.sources import load_sources
    from compounder.core.stocks import load_stock
    from compounder.core.vehicles import find_vehicle
    from compounder.core.wording import load_wording
    from compounder.log.entries import log_labels, recorded_lot
    from compounder.render.label_pdf import render_labels

    settings = load_settings(config)
    rx = check_rx(rx.strip())
    patient = check_name(patient, "patient")
    prescriber = check_name(prescriber, "prescriber")
    dose_time = dose_time or settings.dose_time
    if dose_time not in DOSE_TIMES:
        raise InputError("dose-time", dose_time, " or ".join(DOSE_TIMES))
    wording = load_wording(language)
    label_stock = load_stock(stock or settings.stock)
    the_vehicle = find_vehicle(vehicle or settings.vehicle)
    the_source = load_sources().find(source or settings.source)
    rules = _bud_rules(settings)
    lots = _lots(lot_expiry, None)
    conc = parse_concentration(concentration or settings.concentration)
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
        volume = parse_volume(quantity, "quantity")
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
    contents = [build_label(order, settings, wording) for order in orders]
    pdf = render_labels(contents, label_stock, Path(output) if output else None)
    run = LabelRun(orders, contents, pdf, notes)
    if output is not None and log:
        log_labels(run, label_stock, db)
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
    from compounder.content.labels import check_name
    from compounder.core.settings import DOSE_TIMES, load_settings
    from compounder.core.stocks import PAPER
    from compounder.core.vehicles import find_vehicle
    from compounder.core.wording import load_wording
    from compounder.render.chart_pdf import render_chart

    settings = load_settings(config)
    paper = paper or settings.paper
    if paper not in PAPER:
        raise InputError("paper", paper, " or ".join(PAPER))
    dose_time = dose_time or settings.dose_time
    if dose_time not in DOSE_TIMES:
        raise InputError("dose-time", dose_time, " or ".join(DOSE_TIMES))
    wording = load_wording(language)
    the_vehicle = find_vehicle(vehicle or settings.vehicle)
    plan = plan_titration(
        protocol, concentration or settings.concentration, start_date, syringes=syringes
    ).require_measurable()
    name = check_name(patient, "patient") if patient else None
    content = build_chart(plan, settings, wording, the_vehicle.storage, dose_time, name)
    pdf = render_chart(content, paper, Path(output) if output else None)
    return ChartRun(content, pdf)
