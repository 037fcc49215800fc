"""One batch order, validated and laid out: from a raw row to a ``PreparedOrder``.

``prepare_order`` checks every cell of a row (naming the column at fault), works out the
dose, quantity, BUD and containers, builds the label lines and lays them out on the
stock (and a dosing chart for a titration). It draws nothing: ``batch`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from compounder.api.orders import (
    COLUMN_OF,
    TITRATE,
    Order,
    OrderFieldError,
    ScreeningAnswers,
    column_message,
)
from compounder.batch.order_file import RawRow
from compounder.content.labels import default_lot, label_frame
from compounder.content.safety import safety_record
from compounder.core.units import format_number, format_quantity
from compounder.errors import CompounderError
from compounder.log.kinds import DOSE_SEPARATOR, PlannedGroup, part_text

if TYPE_CHECKING:  # imported where used: a cold start loads only what it needs
    from compounder.content.labels import LabelFrame
    from compounder.core.lots import IngredientExpiry
    from compounder.core.stocks import LabelStock
    from compounder.core.titration import Plan
    from compounder.core.vehicles import Vehicle

# Which order column a library error's field belongs to: the order's field table.
_COLUMN_OF = COLUMN_OF


@dataclass(frozen=True)
class RowError:
    """Why one row was refused: its line (or a FHIR file's entry or resource: ``place``),
    the column at fault (for FHIR, its path) and the reason."""

    line: int
    column: str
    message: str
    place: str = "line"
    column_word: str = "column"  # "" where the column is a FHIR path

    def __str__(self) -> str:
        named = f"{self.column_word} {self.column}".strip()
        where = f"{self.place} {self.line}" + (f", {named}" if self.column else "")
        return f"{where}: {self.message}"


class RowProblem(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def _in_column(column: str, work: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run ``work``; any CompounderError becomes a RowProblem in ``column``."""
    try:
        return work(*args, **kwargs)
    except RowProblem:
        raise
    except OrderFieldError as exc:
        raise RowProblem(exc.column, exc.message) from None
    except CompounderError as exc:
        field_name = getattr(exc, "field", "")
        raise RowProblem(_COLUMN_OF.get(field_name, column), column_message(exc)) from None


@dataclass
class PreparedOrder:
    """A valid order, laid out and ready to draw."""

    line: int
    rx: str
    labels: list[tuple[Any, Any]]  # (PlacedLabel, LabelStock)
    chart: Any | None  # the dosing charts (ChartContent, one a language), or None
    paper: str
    manifest: dict[str, Any]
    worksheet_key: tuple[str, str, str, str]
    worksheet_ml: Decimal
    notes: list[str] = field(default_factory=list)
    profile: str | None = None  # the label print-size profile (None: the default)
    safety: dict[str, Any] | None = None  # the screening and reason, as a record keeps them
    screening: Any = None  # core.screening.Screening


@cache
def run_context(config: str | None) -> dict[str, Any]:
    """Everything a worker loads once: the pharmacy (settings, catalogues, rules), layouts."""
    from compounder.core.pharmacy import open_pharmacy
    from compounder.core.syringes import load_catalogue
    from compounder.render.textfit import load_layout

    pharmacy = open_pharmacy(config)
    return {
        "pharmacy": pharmacy,
        "settings": pharmacy.settings,
        "rules": pharmacy.rules,
        "dispensing": pharmacy.dispensing,
        "sources": pharmacy.sources,
        "screening": pharmacy.screening(),  # the pharmacy's list (a bad one: before any row)
        "catalogue": load_catalogue(),
        "label_layout": load_layout(),
        "chart_layout": load_layout("chart_layout.toml"),
    }


def group_key(day: date, concentration: Decimal, vehicle_id: str, source_id: str) -> str:
    """The planned preparation an order's liquid comes from (``kinds.PlannedGroup``)."""
    return PlannedGroup(day.isoformat(), format_number(concentration), vehicle_id, source_id).text


def preparation_key(group: str, part: int) -> str:
    """The key of one preparation of a group (``group_key``) a batch plans in several
    (``part`` 2, 3...: the first keeps the group's key)."""
    return part_text(group, part)


def describe_group(key: str) -> str:
    """A ``group_key`` as a pharmacist reads it: "1 mg/mL in water from tablet-50mg on
    2026-12-01"."""
    day, concentration, vehicle_id, source_id, *part = key.split("|")
    which = f" ({part[0]})" if part else ""
    return f"{concentration} mg/mL in {vehicle_id} from {source_id} on {day}{which}"


@dataclass(frozen=True)
class OrderPlan:
    """What an order's prescription works out to, for any patient: its dose, quantity,
    BUD and containers, the label frames (one per container) and its part of the
    manifest."""

    fill_date: date
    titration: Plan | None  # the titration of a titrate order
    vehicle: Vehicle
    source: Any  # core.sources.DrugSource
    stock: LabelStock
    dose_time: str
    frames: tuple[LabelFrame, ...]  # one a container
    lot_key: str
    manifest: tuple[tuple[str, Any], ...]  # the manifest row's prescription columns
    worksheet_key: tuple[str, str, str, str]
    quantity: Decimal
    notes: tuple[str, ...]
    off_protocol_reason: str = ""


def prepare_order(
    row: RawRow,
    config: str | None,
    lots: dict[str, str] | None = None,
    ingredient_lots: tuple[IngredientExpiry, ...] = (),
    profile: str | None = None,
    stock: str | None = None,
) -> PreparedOrder:
    """Validate and lay out one order; RowProblem (column and reason) if it is refused.
    ``profile``: the label print-size profile (None: the settings', else the default).
    ``stock``: the labels' stock for a row that names none (the printer's; None: the
    settings')."""
    if row.problem:
        raise RowProblem(row.problem_column, row.problem)
    order = _row_order(row, stock)
    screening = screen_order(order, config)
    plan = order_plan(config, ingredient_lots, order.prescription(), screening.pharmacist)
    ctx = run_context(config)
    lot = (lots or {}).get(plan.lot_key) or default_lot(plan.fill_date, order.rx)
    profile = profile or ctx["settings"].profile or None
    manifest = {"line": row.line, "rx_number": order.rx, **dict(plan.manifest)}
    manifest["lot"] = lot
    manifest.update(screening_manifest(screening))  # a copy: the cached dict is not changed
    return PreparedOrder(
        row.line,
        order.rx,
        _placed_labels(order, plan, lot, profile),
        _charts(order, plan, screening, ctx),
        order.paper or ctx["settings"].paper,
        manifest,
        plan.worksheet_key,
        plan.quantity,
        list(plan.notes),
        profile,
        safety_record(screening if order.screening.entered else None, plan.off_protocol_reason),
        screening,
    )


def _row_order(row: RawRow, stock: str | None) -> Order:
    """The row as an order (``api.orders.order_from_row``), the run's stock filled in
    where the row names none."""
    from compounder.api.orders import order_from_row

    order = _in_column("", order_from_row, row.values)
    if stock and order.delivery.stock is None:
        order = replace(order, delivery=replace(order.delivery, stock=stock))
    return order


def order_volume(
    row: RawRow,
    config: str | None,
    ingredient_lots: tuple[IngredientExpiry, ...] = (),
    stock: str | None = None,
) -> Decimal | None:
    """The volume an order draws from its planned preparation (what ``prepare_order``
    counts on the worksheet); None for a row whose order is refused."""
    if row.problem:
        return None
    try:
        order = _row_order(row, stock)
        return order_plan(config, ingredient_lots, order.prescription()).quantity
    except (RowProblem, CompounderError):
        return None


def _placed_labels(order: Order, plan: OrderPlan, lot: str, profile: str | None) -> list[Any]:
    """The order's labels (its continuation labels too), laid out on the stock."""
    from compounder.content.labels import fill_label
    from compounder.core.wording import load_wording
    from compounder.render.label_flow import place_labels
    from compounder.render.textfit import load_layout

    layout = load_layout(profile=profile)
    wording = load_wording(order.languages[0])
    placed = []
    for frame in plan.frames:
        content = _in_column(
            "patient_name",
            fill_label,
            frame,
            order.rx,
            order.patient,
            order.prescriber,
            lot,
            wording,
        )
        parts = _in_column("dose", place_labels, content, plan.stock, layout)
        placed += [(part, plan.stock) for part in parts]
    return placed


def _charts(order: Order, plan: OrderPlan, screening: Any, ctx: dict[str, Any]) -> Any:
    """A titrate order's dosing charts (one a language: en+es gives both), as ``chart``
    makes them."""
    from compounder.api.dispensing import chart_contents

    if plan.titration is None:
        return None
    return _in_column(
        "patient_name",
        chart_contents,
        plan.titration,
        order,
        ctx["settings"],
        plan.vehicle,
        plan.source,
        screening.liver_kidney_history,
    )


def screen_order(order: Order, config: str | None = None) -> Any:
    """The order's screening decision (``core.screening.screening_decision``, the one
    decision every entrance calls) against the pharmacy's list; RowProblem naming the
    column if it refuses; an order dated after now is refused first
    (``api.orders.check_order_dates``, as ``label`` refuses it)."""
    from compounder.api.orders import check_order_dates

    _in_column("fill_date", check_order_dates, order, run_context(config)["settings"])
    return _screened(config, order.screening)


@lru_cache(maxsize=1024)
def _screened(config: str | None, answers: ScreeningAnswers) -> Any:
    """Worked out once per set of answers: most orders of a day give none (a frozen
    result is shared)."""
    from compounder.core.screening import screening_decision

    return _in_column(
        "other_medications",
        screening_decision,
        list(answers.medicines or ()),
        override=answers.override,
        pharmacist=answers.pharmacist,
        liver_kidney_history=answers.liver_kidney_history,
        acknowledge_unscreened=answers.acknowledge_unscreened,
        no_other_medications=answers.no_other_medications,
        table=run_context(config)["screening"],
        signers=run_context(config)["settings"].staff,
    )


@lru_cache(maxsize=1024)
def screening_manifest(screening: Any) -> dict[str, str]:
    """The manifest's screening columns (flat text: the CSV holds them too)."""
    return {
        "screening": screening.decision,
        "screening_hits": "; ".join(
            f"{h.medicine}: {h.class_id} {h.action}" for h in screening.hits
        ),
        "not_screened": "; ".join(screening.not_screened),
        "acknowledged": "yes" if screening.acknowledged else "",
        "override": screening.override_reason if screening.overridden else "",
        "pharmacist": (
            screening.pharmacist if screening.overridden or screening.acknowledged else ""
        ),
        "liver_kidney_history": "yes" if screening.liver_kidney_history else "no",
    }


@lru_cache(maxsize=1024)
def order_plan(
    config: str | None,
    ingredient_lots: tuple[IngredientExpiry, ...],
    order: Order,
    pharmacist: str = "",
) -> OrderPlan:
    """Work out an order's prescription (``Order.prescription``: whom it is for left
    out, so alike orders are worked out once) through ``api.dispensing.plan_order``,
    as ``label`` does; RowProblem naming the column if it is refused. ``pharmacist``:
    the initials that sign an off-protocol reason for a dose above the maximum."""
    from compounder.api.dispensing import plan_order
    from compounder.api.planning import parse_concentration
    from compounder.core.formulations import find_formulation
    from compounder.core.lots import lots_for
    from compounder.core.stocks import load_stock

    ctx = run_context(config)
    pharmacy, settings = ctx["pharmacy"], ctx["settings"]
    _only_ids(order)
    vehicle = _in_column("vehicle", pharmacy.vehicle, order.vehicle)
    source = _in_column("source", pharmacy.source, order.source)
    stock = _in_column("stock", load_stock, order.delivery.stock or settings.stock)
    concentration = order.concentration or _in_column(
        "concentration", parse_concentration, settings.concentration
    )
    _in_column("concentration", find_formulation, source.id, vehicle.id, concentration)
    _check_doses(order, pharmacy, pharmacist)
    planned = _in_column(
        "start_date" if order.titrating else "concentration",
        plan_order,
        order,
        pharmacy,
        lots_for(ingredient_lots, source, vehicle),
        (vehicle, source),
        pharmacist or None,
    )
    frames = tuple(
        _in_column("dose", label_frame, o, settings, planned.wording, planned.translation)
        for o in planned.label_orders("")
    )
    first = planned.fills[0]
    notes = planned.notes()
    concentration = planned.concentration
    plan = planned.dispensed.plan
    return OrderPlan(
        fill_date=first.fill_date,
        titration=plan if order.titrating else None,
        vehicle=vehicle,
        source=source,
        stock=stock,
        dose_time=planned.dose_time,
        frames=frames,
        lot_key=group_key(first.fill_date, concentration, vehicle.id, source.id),
        manifest=tuple(_manifest(order, planned, stock, notes).items()),
        worksheet_key=(
            first.fill_date.isoformat(),
            format_number(concentration),
            vehicle.id,
            source.id,
        ),
        quantity=first.dispense_ml,
        notes=tuple(notes),
        off_protocol_reason=plan.off_protocol_reason if plan else "",
    )


def _only_ids(order: Order) -> None:
    """An order file names shipped protocols and stocks by id, never a file."""
    from compounder.core.datafiles import is_file_path

    if is_file_path(order.protocol):
        raise RowProblem("protocol", "must be a protocol id, not a file")
    if order.delivery.stock is not None and is_file_path(order.delivery.stock):
        raise RowProblem("stock", "must be a stock id, not a file")


def _check_doses(order: Order, pharmacy: Any, pharmacist: str = "") -> None:
    """The protocol's dose rules, checked first to blame the column the dose is in."""
    from compounder.core.protocols import load_protocol
    from compounder.core.titration import prescribed_dose, titration_doses

    protocol = _in_column("protocol", load_protocol, order.protocol)
    choice = order.titration
    reason = choice.off_protocol_reason or ""
    if not order.titrating:
        # blamed on the dose column: above the maximum, or off the steps without a reason
        _in_column("dose", prescribed_dose, protocol, order.dose, reason, pharmacist)
        return
    for column in ("start_dose", "target_dose"):
        dose = getattr(choice, column)
        if dose is not None:
            _in_column(column, prescribed_dose, protocol, dose, reason, pharmacist)
    _in_column(
        "target_dose",
        titration_doses,
        protocol,
        choice.start_dose,
        choice.target_dose,
        reason,
        pharmacist,
    )


def _manifest(order: Order, planned: Any, stock: Any, notes: list[str]) -> dict[str, Any]:
    """The manifest row's prescription columns."""
    first = planned.fills[0]
    containers = list(first.containers or (first.dispense_ml,))
    held = planned.dispensed.held_days
    plan = planned.dispensed.plan
    return {
        "kind": TITRATE if order.titrating else "dose",
        "dose_mg": DOSE_SEPARATOR.join(format_number(s.step.dose_mg) for s in first.segments),
        "concentration": format_quantity(planned.concentration, "mg/mL"),
        "vehicle": planned.vehicle.id,
        "source": planned.source.id,
        "fill_date": first.fill_date.isoformat(),
        "days": first.days if held is None else held,
        "quantity_ml": format_number(first.dispense_ml),
        "containers": len(containers),
        "container_ml": " + ".join(format_number(c) for c in containers),
        "lot": "",  # the order's own
        "bud": first.bud.bud.isoformat(),
        "bud_basis": first.bud.basis.basis,
        "stock": stock.id,
        "notes": "; ".join(notes),
        "off_protocol_reason": plan.off_protocol_reason if plan else "",
    }
