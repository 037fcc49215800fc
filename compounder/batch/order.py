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
from typing import TYPE_CHECKING, Any

from compounder.batch.order_file import COLUMNS, RawRow
from compounder.core.limits import DAYS_SUPPLY, DISPENSED_ML, REFILLS
from compounder.core.units import format_number, format_quantity
from compounder.errors import CompounderError, InputError, SafetyError
from compounder.log.kinds import DOSE_SEPARATOR, PlannedGroup, part_text

if TYPE_CHECKING:  # imported where used: a cold start loads only what it needs
    from compounder.content.labels import LabelFrame
    from compounder.core.lots import IngredientExpiry
    from compounder.core.stocks import LabelStock
    from compounder.core.titration import Plan
    from compounder.core.vehicles import Vehicle
    from compounder.core.wording import Wording

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
    "days_supply": "days_supply",
    "protocol": "protocol",
    "start-date": "start_date",
    "vehicle": "vehicle",
    "from": "source",
    "stock": "stock",
    "language": "language",
    "dose-time": "dose_time",
    "lot-expiry": "fill_date",
    "start-dose": "start_dose",
    "target-dose": "target_dose",
    "off-protocol-reason": "off_protocol_reason",
    "other-medication": "other_medications",
    "override": "override",
    "pharmacist": "pharmacist",
    "acknowledge-unscreened": "acknowledge_unscreened",
    "beyond-bud-reason": "beyond_bud_reason",
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
        return exc.problem(_COLUMN_OF)
    if isinstance(exc, SafetyError):  # its remedy names the order file's columns
        return exc.message(_COLUMN_OF)
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
    profile: str | None = None  # the label print-size profile (None: the default)
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


def _flag(text: str, column: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise RowProblem(column, f"{text!r} is not accepted; expected yes or no")


def _whole(text: str, column: str, low: int, high: int) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 9 or not low <= int(text) <= high:
        raise RowProblem(
            column, f"{text[:40]!r} is not accepted; expected a whole number from {low} to {high}"
        )
    return int(text)


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


# Whom an order is for, as against what it is: orders alike in every other column (a
# day's file repeats a few doses and quantities) are worked out once (``order_plan``).
# The screening columns are the patient's too: screened per order (``screen_order``).
_IDENTITY_COLUMNS = ("rx_number", "patient_name", "prescriber", "patient_dob")
_SCREENING_COLUMNS = (
    "other_medications", "override", "pharmacist", "liver_kidney_history",
    "acknowledge_unscreened",
)  # fmt: skip
#: what the other_medications column says when the pharmacist asked and there are none
NO_OTHER_MEDICATIONS = "none"
_PRESCRIPTION_COLUMNS = tuple(
    c for c in COLUMNS if c not in _IDENTITY_COLUMNS and c not in _SCREENING_COLUMNS
)
_STOCK_CELL = _PRESCRIPTION_COLUMNS.index("stock")


@dataclass(frozen=True)
class OrderPlan:
    """What an order's prescription columns work out to, for any patient: its dose,
    quantity, BUD and containers, the label frames (one per container) and its part of
    the manifest."""

    fill_date: date
    titration: Plan | None  # the titration of a titrate order
    vehicle: Vehicle
    stock: LabelStock
    wording: Wording
    dose_time: str
    frames: tuple[LabelFrame, ...]  # one a container
    lot_key: str
    manifest: tuple[tuple[str, Any], ...]  # the manifest row's prescription columns
    worksheet_key: tuple[str, str, str, str]
    quantity: Decimal
    notes: tuple[str, ...]
    dosage_form: str = "oral-suspension"


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
    from compounder.content.chart import build_chart
    from compounder.content.labels import default_lot, fill_label
    from compounder.core.dates import parse_date
    from compounder.core.identity import check_name, check_rx
    from compounder.render.label_flow import place_labels
    from compounder.render.textfit import load_layout

    if row.problem:
        raise RowProblem("", row.problem)
    v = row.values

    def get(column: str) -> str:
        return v.get(column, "").strip()

    for column in ("rx_number", "patient_name", "prescriber", "fill_date", "dose"):
        if not get(column):
            raise RowProblem(column, "is empty; a value is required")
    screening = screen_order(get, config)
    rx = _in_column("rx_number", check_rx, get("rx_number"))
    patient = _in_column("patient_name", check_name, get("patient_name"), "patient")
    prescriber = _in_column("prescriber", check_name, get("prescriber"), "prescriber")
    plan = order_plan(
        config, ingredient_lots, _prescription_cells(row, stock), screening.pharmacist
    )
    if get("patient_dob"):
        dob = _in_column("patient_dob", parse_date, get("patient_dob"), "patient_dob")
        if not date(1900, 1, 1) <= dob <= plan.fill_date:
            raise RowProblem(
                "patient_dob",
                "is not accepted; expected a date of birth between 1900-01-01 and the fill date",
            )
    ctx = run_context(config)
    lot = (lots or {}).get(plan.lot_key) or default_lot(plan.fill_date, rx)
    profile = profile or ctx["settings"].profile or None
    layout = load_layout(profile=profile)
    placed = []
    for frame in plan.frames:
        content = _in_column(
            "patient_name", fill_label, frame, rx, patient, prescriber, lot, plan.wording
        )
        parts = _in_column("dose", place_labels, content, plan.stock, layout)
        placed += [(part, plan.stock) for part in parts]
    chart = None
    if plan.titration is not None:
        chart = _in_column(
            "patient_name",
            build_chart,
            plan.titration,
            ctx["settings"],
            plan.wording,
            plan.vehicle.storage,
            plan.dose_time,
            patient,
            liver_kidney_history=screening.liver_kidney_history,
            dosage_form=plan.dosage_form,
        )
    manifest = {"line": row.line, "rx_number": rx, **dict(plan.manifest)}
    manifest["lot"] = lot
    manifest.update(screening_manifest(screening))  # a copy: the cached dict is not changed
    return PreparedOrder(
        row.line,
        rx,
        placed,
        chart,
        ctx["settings"].paper,
        manifest,
        plan.worksheet_key,
        plan.quantity,
        list(plan.notes),
        profile,
        screening,
    )


def _prescription_cells(row: RawRow, stock: str | None) -> tuple[str, ...]:
    """The row's prescription columns (``_PRESCRIPTION_COLUMNS``), the stock filled in."""
    cells = [row.values.get(column, "") for column in _PRESCRIPTION_COLUMNS]
    if stock and not cells[_STOCK_CELL].strip():
        cells[_STOCK_CELL] = stock
    return tuple(cells)


def order_volume(
    row: RawRow,
    config: str | None,
    ingredient_lots: tuple[IngredientExpiry, ...] = (),
    stock: str | None = None,
) -> Decimal | None:
    """The volume an order draws from its planned preparation (what ``prepare_order``
    counts on the worksheet); None for a row whose prescription columns are refused."""
    if row.problem:
        return None
    try:
        return order_plan(config, ingredient_lots, _prescription_cells(row, stock)).quantity
    except (RowProblem, CompounderError):
        return None


def screen_order(get: Callable[[str], str], config: str | None = None) -> Any:
    """The order's screening decision (``core.screening.screening_decision``, the one
    decision every entrance calls) against the pharmacy's list; RowProblem naming the
    column if it refuses."""
    return _screened(config, *(get(column) for column in _SCREENING_COLUMNS))


@lru_cache(maxsize=1024)
def _screened(
    config: str | None,
    medicines: str,
    override: str,
    pharmacist: str,
    liver_kidney: str,
    acknowledge: str = "",
) -> Any:
    """Worked out once per set of cells: most orders of a day give none (a frozen
    result is shared)."""
    from compounder.core.screening import screening_decision, split_medicines

    none = medicines.strip().lower() == NO_OTHER_MEDICATIONS
    return _in_column(
        "other_medications",
        screening_decision,
        [] if none else split_medicines(medicines),
        override=override or None,
        pharmacist=pharmacist or None,
        liver_kidney_history=_flag(liver_kidney, "liver_kidney_history"),
        acknowledge_unscreened=_flag(acknowledge, "acknowledge_unscreened"),
        no_other_medications=none,
        table=run_context(config)["screening"],
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
    cells: tuple[str, ...],
    pharmacist: str = "",
) -> OrderPlan:
    """Work out the prescription columns of an order (``_PRESCRIPTION_COLUMNS``, in
    that order); RowProblem naming the column if they are refused. ``pharmacist``: the
    initials that sign an off-protocol reason for a dose above the protocol's maximum."""
    from compounder.api.dispensing import dispense_order, excess_note, short_fill_note
    from compounder.api.planning import parse_concentration, parse_dose, parse_volume
    from compounder.content.labels import label_frame, label_orders
    from compounder.core.datafiles import is_file_path
    from compounder.core.dates import parse_date
    from compounder.core.formulations import find_formulation
    from compounder.core.lots import lots_for
    from compounder.core.preparation import dosage_form
    from compounder.core.preparation import warning_ids as auxiliary_warning_ids
    from compounder.core.protocols import load_protocol
    from compounder.core.settings import DOSE_TIMES
    from compounder.core.stocks import load_stock
    from compounder.core.titration import prescribed_dose, titration_doses
    from compounder.core.vehicles import find_vehicle
    from compounder.core.wording import load_wording, parse_languages

    ctx = run_context(config)
    settings = ctx["settings"]
    cell = dict(zip(_PRESCRIPTION_COLUMNS, cells, strict=True))

    def get(column: str, default: str = "") -> str:
        return cell[column] or default

    fill_date = _in_column("fill_date", parse_date, get("fill_date"), "fill_date")
    concentration = _in_column(
        "concentration", parse_concentration, get("concentration", settings.concentration)
    )
    if is_file_path(get("protocol")):
        raise RowProblem("protocol", "must be a protocol id, not a file")
    protocol = _in_column("protocol", load_protocol, get("protocol", "ldn-standard"))
    dose_time = get("dose_time", settings.dose_time)
    if dose_time not in DOSE_TIMES:
        raise RowProblem("dose_time", f"{dose_time!r} is not accepted; expected bedtime or morning")
    vehicle = _in_column("vehicle", find_vehicle, get("vehicle", settings.vehicle))
    source = _in_column("source", ctx["sources"].find, get("source", settings.source))
    _in_column("concentration", find_formulation, source.id, vehicle.id, concentration)
    if is_file_path(get("stock")):
        raise RowProblem("stock", "must be a stock id, not a file")
    stock = _in_column("stock", load_stock, get("stock", settings.stock))
    first, second = _in_column("language", parse_languages, get("language", "en"))
    wording = load_wording(first)  # the label's language; en+es adds Spanish directions
    translation = load_wording(second) if second else None
    form = dosage_form(source, vehicle)
    strength_changed = _flag(get("strength_changed"), "strength_changed")
    refills = _whole(get("refills"), "refills", *REFILLS) if get("refills") else None
    dose_text = get("dose").lower()
    quantity_text, days_text = get("quantity"), get("days_supply")
    reason = get("off_protocol_reason") or None
    order: dict[str, Any] = {"off_protocol_reason": reason}
    if dose_text == TITRATE:
        if quantity_text or days_text or get("beyond_bud_reason"):
            column = (
                "quantity" if quantity_text else "days_supply" if days_text else "beyond_bud_reason"
            )
            raise RowProblem(
                column,
                "must be empty for a titrate order (its fills are planned from the protocol)",
            )
        order["start_date"] = _in_column(
            "start_date", parse_date, get("start_date") or fill_date, "start_date"
        )
        for column in ("start_dose", "target_dose"):  # checked here, blamed on their column
            if get(column):
                order[column] = _in_column(column, parse_dose, get(column), column)
                _in_column(
                    column, prescribed_dose, protocol, order[column], reason or "", pharmacist
                )
        _in_column(
            "target_dose",
            titration_doses,
            protocol,
            order.get("start_dose"),
            order.get("target_dose"),
            reason or "",
            pharmacist,
        )
    else:
        for column in ("start_date", "start_dose", "target_dose"):
            if get(column):
                raise RowProblem(column, "is only for dose = titrate")
        order["dose"] = _in_column("dose", parse_dose, get("dose"))
        # blamed on the dose column: above the maximum, or off the steps without a reason
        _in_column("dose", prescribed_dose, protocol, order["dose"], reason or "", pharmacist)
        if quantity_text and days_text:
            raise RowProblem("days_supply", "give quantity or days_supply, not both")
        if days_text:
            order["days"] = _whole(days_text, "days_supply", *DAYS_SUPPLY)
        elif quantity_text:
            order["quantity_ml"] = _in_column(
                "quantity", parse_volume, quantity_text, "quantity", DISPENSED_ML
            )
        else:
            raise RowProblem("quantity", "is empty; give quantity or days_supply")
        if get("beyond_bud_reason"):
            from compounder.core.screening import check_reason

            order["beyond_bud_reason"] = _in_column(
                "beyond_bud_reason", check_reason, get("beyond_bud_reason"), "beyond-bud-reason"
            )
    dispensed = _in_column(
        "start_date" if dose_text == TITRATE else "concentration",
        dispense_order,
        ctx["pharmacy"],
        protocol,
        concentration,
        vehicle,
        lots=lots_for(ingredient_lots, source, vehicle),
        fill_date=fill_date,
        fill="1",
        pharmacist=pharmacist or None,
        **order,
    )
    first = dispensed.fills[0]
    titration = dispensed.plan if dose_text == TITRATE else None
    beyond = order.get("beyond_bud_reason", "")
    notes = [excess_note(dispensed, beyond)] if dispensed.excess else []
    if titration is not None and first.short:
        notes.append(short_fill_note(first))
    quantity = first.dispense_ml
    days = first.days if dispensed.held_days is None else dispensed.held_days
    doses = [format_number(s.step.dose_mg) for s in first.segments]
    containers = list(first.containers or (quantity,))
    base = {
        "rx": "",  # the frame leaves out whom the order is for: fill_label adds it
        "patient": "",
        "prescriber": "",
        "concentration_mg_ml": concentration,
        "warning_ids": auxiliary_warning_ids(source, vehicle),
        "dose_time": dose_time,
        "strength_changed": strength_changed,
        "refills": refills,
        "dosage_form": form,
    }
    frames = tuple(
        _in_column("dose", label_frame, order, settings, wording, translation)
        for order in label_orders(
            (first,), base, "", fill_total=len(dispensed.fills) if titration else None
        )
    )
    bud = first.bud
    manifest = {
        "kind": TITRATE if titration is not None else "dose",
        "dose_mg": DOSE_SEPARATOR.join(doses),
        "concentration": format_quantity(concentration, "mg/mL"),
        "vehicle": vehicle.id,
        "source": source.id,
        "fill_date": fill_date.isoformat(),
        "days": days,
        "quantity_ml": format_number(quantity),
        "containers": len(containers),
        "container_ml": " + ".join(format_number(c) for c in containers),
        "lot": "",  # the order's own
        "bud": bud.bud.isoformat(),
        "bud_basis": bud.basis.basis,
        "stock": stock.id,
        "notes": "; ".join(notes),
        "off_protocol_reason": dispensed.plan.off_protocol_reason if dispensed.plan else "",
    }
    return OrderPlan(
        fill_date=fill_date,
        titration=titration,
        vehicle=vehicle,
        stock=stock,
        wording=wording,
        dose_time=dose_time,
        frames=frames,
        lot_key=group_key(fill_date, concentration, vehicle.id, source.id),
        manifest=tuple(manifest.items()),
        worksheet_key=(fill_date.isoformat(), format_number(concentration), vehicle.id, source.id),
        quantity=quantity,
        notes=tuple(notes),
        dosage_form=form,
    )
