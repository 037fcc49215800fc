"""One batch order, validated and laid out: from a raw row to a ``PreparedOrder``.

``prepare_order`` checks every cell of a row (naming the column at fault), works out the
dose, quantity, BUD and containers, builds the label lines and lays them out on the
stock (and a dosing chart for a titration). It draws nothing: ``batch`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

from compounder.errors import CompounderError, InputError
from compounder.orders import RawRow
from compounder.units import format_number, format_quantity

TITRATE = "titrate"


_TRUE = {"yes", "y", "true", "1"}


_FALSE = {"no", "n", "false", "0", ""}


# Which order column a library error's field belongs to.
_COLUMN_OF = {
    "rx": "rx_number",
    "patient": "patient_name",
    "patient name": "patient_name",
    "prescriber": "prescriber",
    "fill-date": "fill_date",
    "concentration": "concentration",
    "dose": "dose",
    "quantity": "quantity",
    "protocol": "protocol",
    "start-date": "start_date",
    "vehicle": "vehicle",
    "from": "source",
    "stock": "stock",
    "language": "language",
    "dose-time": "dose_time",
    "lot-expiry": "fill_date",
}


@dataclass(frozen=True)
class RowError:
    """Why one row was refused: its line, the column at fault and the reason."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class RowProblem(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def _message(exc: CompounderError) -> str:
    if isinstance(exc, InputError):
        shown = "the value given" if exc.private else repr(exc.value)
        return f"{shown} is not accepted; expected {exc.expected}"
    return str(exc)


def _in_column(column: str, work: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run ``work``; any CompounderError becomes a RowProblem in ``column``."""
    try:
        return work(*args, **kwargs)
    except RowProblem:
        raise
    except CompounderError as exc:
        field_name = getattr(exc, "field", "")
        raise RowProblem(_COLUMN_OF.get(field_name, column), _message(exc)) from None


@dataclass
class PreparedOrder:
    """A valid order, laid out and ready to draw."""

    line: int
    rx: str
    labels: list[tuple[Any, Any]]  # (PlacedLabel, LabelStock)
    chart: Any | None  # ChartContent
    paper: str
    manifest: dict[str, Any]
    worksheet_key: tuple[str, str, str, str]
    worksheet_ml: Decimal
    notes: list[str] = field(default_factory=list)


@cache
def run_context(config: str | None) -> dict[str, Any]:
    """Everything a worker loads once: settings, catalogues, rules, layouts."""
    from compounder.api import _bud_rules
    from compounder.config import load_settings
    from compounder.fills import load_dispensing
    from compounder.sources import load_sources
    from compounder.syringes import load_catalogue
    from compounder.textfit import load_layout

    settings = load_settings(config)
    return {
        "settings": settings,
        "rules": _bud_rules(settings),
        "dispensing": load_dispensing(),
        "sources": load_sources(),
        "catalogue": load_catalogue(),
        "label_layout": load_layout(),
        "chart_layout": load_layout("chart_layout.toml"),
    }


def _flag(text: str, column: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise RowProblem(column, f"{text!r} is not accepted; expected yes or no")


def _whole(text: str, column: str, low: int, high: int) -> int:
    if not text.isdigit() or not low <= int(text) <= high:
        raise RowProblem(
            column, f"{text!r} is not accepted; expected a whole number from {low} to {high}"
        )
    return int(text)


def group_key(day: date, concentration: Decimal, vehicle_id: str, source_id: str) -> str:
    """The planned preparation an order's liquid comes from."""
    return f"{day.isoformat()}|{format_number(concentration)}|{vehicle_id}|{source_id}"


def prepare_order(
    row: RawRow, config: str | None, lots: dict[str, str] | None = None
) -> PreparedOrder:
    """Validate and lay out one order; RowProblem (column and reason) if it is refused."""
    from compounder.api import parse_concentration, parse_dose, parse_volume, plan_titration
    from compounder.chart import build_chart
    from compounder.config import DOSE_TIMES
    from compounder.dates import parse_date
    from compounder.fills import dispense_volume, plan_fills
    from compounder.label_pdf import place_label
    from compounder.labels import (
        Direction,
        LabelOrder,
        build_label,
        check_name,
        check_rx,
        default_lot,
        fill_directions,
    )
    from compounder.preparation import warning_ids as auxiliary_warning_ids
    from compounder.protocols import load_protocol
    from compounder.stocks import load_stock
    from compounder.vehicles import find_vehicle
    from compounder.wording import load_wording

    if row.problem:
        raise RowProblem("", row.problem)
    ctx = run_context(config)
    settings = ctx["settings"]
    v = row.values

    def get(column: str, default: str = "") -> str:
        return v.get(column, "").strip() or default

    for column in ("rx_number", "patient_name", "prescriber", "fill_date", "dose"):
        if not get(column):
            raise RowProblem(column, "is empty; a value is required")
    rx = _in_column("rx_number", check_rx, get("rx_number"))
    patient = _in_column("patient_name", check_name, get("patient_name"), "patient")
    prescriber = _in_column("prescriber", check_name, get("prescriber"), "prescriber")
    fill_date = _in_column("fill_date", parse_date, get("fill_date"), "fill_date")
    concentration = _in_column(
        "concentration", parse_concentration, get("concentration", settings.concentration)
    )
    protocol = _in_column("protocol", load_protocol, get("protocol", "ldn-standard"))
    if "/" in get("protocol") or get("protocol").endswith(".toml"):
        raise RowProblem("protocol", "must be a protocol id, not a file")
    dose_time = get("dose_time", settings.dose_time)
    if dose_time not in DOSE_TIMES:
        raise RowProblem("dose_time", f"{dose_time!r} is not accepted; expected bedtime or morning")
    vehicle = _in_column("vehicle", find_vehicle, get("vehicle", settings.vehicle))
    source = _in_column("source", ctx["sources"].find, get("source", settings.source))
    stock = _in_column("stock", load_stock, get("stock", settings.stock))
    if "/" in get("stock") or get("stock").endswith(".toml"):
        raise RowProblem("stock", "must be a stock id, not a file")
    wording = _in_column("language", load_wording, get("language", "en"))
    strength_changed = _flag(get("strength_changed"), "strength_changed")
    refills = _whole(get("refills"), "refills", 0, 99) if get("refills") else None
    if get("patient_dob"):
        dob = _in_column("patient_dob", parse_date, get("patient_dob"), "patient_dob")
        if not date(1900, 1, 1) <= dob <= fill_date:
            raise RowProblem(
                "patient_dob",
                "is not accepted; expected a date of birth between 1900-01-01 and the fill date",
            )
    rules, dispensing = ctx["rules"], ctx["dispensing"]
    warning_ids = auxiliary_warning_ids(source, vehicle)
    base = {
        "rx": rx,
        "patient": patient,
        "prescriber": prescriber,
        "concentration_mg_ml": concentration,
        "warning_ids": warning_ids,
        "dose_time": dose_time,
        "strength_changed": strength_changed,
        "refills": refills,
    }
    dose_text = get("dose").lower()
    quantity_text, days_text = get("quantity"), get("days_supply")
    chart = None
    notes: list[str] = []
    if dose_text == TITRATE:
        if quantity_text or days_text:
            column = "quantity" if quantity_text else "days_supply"
            raise RowProblem(
                column,
                "must be empty for a titrate order (its fills are planned from the protocol)",
            )
        start = _in_column("start_date", parse_date, get("start_date") or fill_date, "start_date")
        plan = _in_column(
            "concentration",
            lambda: plan_titration(protocol, concentration, start).require_measurable(),
        )
        schedule = _in_column("start_date", plan_fills, plan, vehicle, rules, dispensing, fill_date)
        first = schedule.fills[0]
        directions = fill_directions(first)
        bud, quantity, days = first.bud, first.dispense_ml, first.days
        fill_number = (1, len(schedule.fills))
        chart = _in_column(
            "patient_name",
            build_chart,
            plan,
            settings,
            wording,
            vehicle.storage,
            dose_time,
            patient,
        )
        doses = [format_number(s.step.dose_mg) for s in first.segments]
    else:
        if get("start_date"):
            raise RowProblem("start_date", "is only for dose = titrate")
        dose_mg = _in_column("dose", parse_dose, get("dose"))
        _in_column("dose", protocol.check_dose, dose_mg)
        step = _in_column("concentration", _dose_step, protocol, concentration, dose_mg)
        directions = (Direction(step),)
        bud = _in_column("fill_date", _bud, fill_date, vehicle.id, config)
        if quantity_text and days_text:
            raise RowProblem("days_supply", "give quantity or days_supply, not both")
        if days_text:
            days = _whole(days_text, "days_supply", 1, 366)
            if days > bud.days_of_use:
                raise RowProblem(
                    "days_supply",
                    f"{days} days is more than the BUD allows "
                    f"({bud.days_of_use} days in {vehicle.id}); dispense at most "
                    f"{bud.days_of_use} days",
                )
            quantity = dispense_volume(step.volume_ml * days, dispensing)
        elif quantity_text:
            quantity = _in_column("quantity", parse_volume, quantity_text, "quantity")
            if quantity < step.volume_ml:
                raise RowProblem(
                    "quantity",
                    f"{quantity_text!r} is less than one dose "
                    f"({format_quantity(step.volume_ml, 'mL')})",
                )
            days = int(quantity // step.volume_ml)
            if days > bud.days_of_use:
                notes.append(f"holds {days} days of doses; the BUD allows {bud.days_of_use}")
        else:
            raise RowProblem("quantity", "is empty; give quantity or days_supply")
        fill_number = None
        doses = [format_number(step.dose_mg)]
    lot = (lots or {}).get(group_key(fill_date, concentration, vehicle.id, source.id)) or (
        default_lot(fill_date, rx)
    )
    containers = dispensing.containers(quantity)
    orders = [
        LabelOrder(
            directions=directions,
            quantity_ml=part,
            fill_date=fill_date,
            bud=bud,
            lot=lot,
            fill_number=fill_number,
            container=(n, len(containers)) if len(containers) > 1 else None,
            **base,
        )
        for n, part in enumerate(containers, start=1)
    ]
    placed = []
    for order in orders:
        content = _in_column("patient_name", build_label, order, settings, wording)
        placed.append((_in_column("dose", place_label, content, stock, ctx["label_layout"]), stock))
    manifest = {
        "line": row.line,
        "rx_number": rx,
        "kind": TITRATE if dose_text == TITRATE else "dose",
        "dose_mg": " then ".join(doses),
        "concentration": format_quantity(concentration, "mg/mL"),
        "vehicle": vehicle.id,
        "source": source.id,
        "fill_date": fill_date.isoformat(),
        "days": days,
        "quantity_ml": format_number(quantity),
        "containers": len(containers),
        "container_ml": " + ".join(format_number(c) for c in containers),
        "lot": lot,
        "bud": bud.bud.isoformat(),
        "bud_basis": bud.basis.basis,
        "stock": stock.id,
        "notes": "; ".join(notes),
    }
    key = (fill_date.isoformat(), format_number(concentration), vehicle.id, source.id)
    return PreparedOrder(
        row.line, rx, placed, chart, settings.paper, manifest, key, quantity, notes
    )


@lru_cache(maxsize=1024)
def _bud(fill_date: date, vehicle_id: str, config: str | None) -> Any:
    """The BUD of a fill (the day's orders share a few dates and vehicles)."""
    from compounder.bud import beyond_use_date
    from compounder.vehicles import find_vehicle

    return beyond_use_date(fill_date, find_vehicle(vehicle_id), run_context(config)["rules"])


@lru_cache(maxsize=1024)
def _dose_step(protocol: Any, concentration: Decimal, dose_mg: Decimal) -> Any:
    """The measurable step for a fixed dose (orders repeat the same few doses)."""
    from compounder.api import plan_titration

    plan = plan_titration(protocol, concentration, dose=format_quantity(dose_mg, "mg"))
    return plan.require_measurable().steps[0]
