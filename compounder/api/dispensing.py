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

from compounder.api.orders import Order, order_from_options
from compounder.api.planning import (
    lots_from,
    parse_concentration,
    plan_titration,
)
from compounder.atomic import PRINT_INSTEAD, check_output_path, to_stdout, write_bytes_atomic
from compounder.core.protocols import DEFAULT_PROTOCOL, Protocol, load_protocol
from compounder.core.units import format_number
from compounder.errors import InputError
from compounder.log.anchor import anchored_by_settings

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
            signers=pharmacy.settings.staff,
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
        signers=pharmacy.settings.staff,
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


def plan_fill_schedule(
    start_date: str | date,
    concentration: str | Decimal | None = None,
    vehicle: str | None = None,
    protocol: str | Path | Protocol = DEFAULT_PROTOCOL,
    overage: str | None = None,
    syringes: str | Path | None = None,
    config: str | Path | None = None,
    lot_expiry: tuple[str, ...] | list[str] = (),
    lots_file: str | Path | None = None,
    *,
    start_dose: str | Decimal | None = None,
    target_dose: str | Decimal | None = None,
    off_protocol_reason: str | None = None,
) -> FillPlan:
    """The fills that dispense a whole titration, each within its BUD (capped by the
    ingredient lots' expiry) and split into containers: the same fills as the labels
    of ``label --titration`` and a batch ``titrate`` order. With a target dose the
    fills continue at it for the maintenance days."""
    from dataclasses import replace

    from compounder.core.pharmacy import open_pharmacy
    from compounder.core.units import parse_percent

    pharmacy = open_pharmacy(config, required=False)
    if overage is not None:
        dispensing = replace(
            pharmacy.dispensing, overage=parse_percent(overage, "overage", allow_zero=True)
        )
        pharmacy = replace(pharmacy, dispensing=dispensing)
    from compounder.core.dates import parse_date
    from compounder.core.protocols import load_protocol

    start = parse_date(start_date, "start-date")
    proto = protocol if isinstance(protocol, Protocol) else load_protocol(protocol)
    conc = plan_titration(proto, concentration, syringes=syringes).concentration_mg_ml
    dispensed = dispense_order(
        pharmacy,
        proto,
        conc,
        pharmacy.vehicle(vehicle),
        lots=lots_from(lot_expiry, lots_file, start, config=config),
        start_date=start,
        syringes=syringes,
        start_dose=start_dose,
        target_dose=target_dose,
        off_protocol_reason=off_protocol_reason,
        renew_lots=True,  # a plan: the fills a lot cannot make come from a new lot
    )
    assert dispensed.schedule is not None
    return dispensed.schedule


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


@dataclass(frozen=True)
class PlannedOrder:
    """An order worked out against the pharmacy: what it dispenses, the fills printed
    now, and what its labels are made of (the one base every entrance labels from)."""

    order: Order
    dispensed: Dispensed
    fills: tuple[Fill, ...]
    concentration: Decimal
    vehicle: Vehicle
    source: Any  # core.sources.DrugSource
    dose_time: str
    wording: Any  # core.wording.Wording
    translation: Any  # the second language's wording (en+es), or None
    base: dict[str, Any]

    @property
    def dosage_form(self) -> str:
        return str(self.base["dosage_form"])

    def label_orders(self, lot: str | None = None, recorded: bool = True) -> list[Any]:
        """One label order per container of the fills printed now; without ``lot`` the
        label's reference (fill date and Rx, printed "Ref:")."""
        from compounder.content.labels import default_lot, label_orders

        order = self.order
        return label_orders(
            self.fills,
            self.base,
            lot if lot is not None else default_lot(self.fills[0].fill_date, order.rx),
            fill_total=len(self.dispensed.fills) if order.titrating else None,
            lot_recorded=recorded and lot is not None,
        )

    @property
    def short_fills(self) -> list[Fill]:
        """The titration fills printed now that cover less than a week of use."""
        return [f for f in self.fills if f.short] if self.order.titrating else []

    def notes(self) -> list[str]:
        beyond = self.order.titration.beyond_bud_reason or ""
        notes = [excess_note(self.dispensed, beyond)] if self.dispensed.excess else []
        return notes + [short_fill_note(f) for f in self.short_fills]


def plan_order(
    order: Order,
    pharmacy: Pharmacy,
    lots: tuple[IngredientExpiry, ...] = (),
    made_with: tuple[Vehicle, Any] | None = None,
    pharmacist: str | None = None,
) -> PlannedOrder:
    """Work out an order against the pharmacy (its settings fill what the order leaves
    open): the formulation, the dispensing rules and the fills, for every entrance
    (label, chart, batch). ``lots`` cap the BUDs; ``made_with``: the vehicle and source
    of a recorded lot the labels are for; ``pharmacist``: the initials (screening's)
    that sign an off-protocol reason for a dose above the protocol's maximum."""
    from compounder.core.formulations import find_formulation
    from compounder.core.preparation import dosage_form
    from compounder.core.preparation import warning_ids as auxiliary_warning_ids
    from compounder.core.wording import load_wording

    settings = pharmacy.settings
    conc = order.concentration
    if conc is None:
        conc = parse_concentration(settings.concentration)
    vehicle, source = made_with or (pharmacy.vehicle(order.vehicle), pharmacy.source(order.source))
    find_formulation(source.id, vehicle.id, conc)
    dose_time = order.dose_time or settings.dose_time
    choice = order.titration
    dispensed = dispense_order(
        pharmacy,
        order.protocol,
        conc,
        vehicle,
        lots=lots,
        fill_date=order.fill_date
        if order.fill_date
        else (None if order.titrating else date.today()),
        start_date=order.start_date,
        dose=order.dose,
        quantity_ml=order.quantity_ml,
        days=order.days,
        syringes=order.syringes,
        fill=order.fill or "1",
        start_dose=choice.start_dose,
        target_dose=choice.target_dose,
        off_protocol_reason=choice.off_protocol_reason,
        beyond_bud_reason=choice.beyond_bud_reason,
        pharmacist=pharmacist,
    )
    first, second = order.languages
    base: dict[str, Any] = {
        "rx": order.rx,
        "patient": order.patient,
        "prescriber": order.prescriber,
        "concentration_mg_ml": conc,
        "warning_ids": auxiliary_warning_ids(source, vehicle),
        "dose_time": dose_time,
        "strength_changed": order.strength_changed,
        "refills": order.refills,
        "dosage_form": dosage_form(source, vehicle),
    }
    return PlannedOrder(
        order,
        dispensed,
        dispensed.chosen(order.fill),
        conc,
        vehicle,
        source,
        dose_time,
        load_wording(first),
        load_wording(second) if second else None,
        base,
    )


def screen(order: Order, pharmacy: Pharmacy) -> Any:
    """The one screening decision (core.screening) of an order's answers against the
    pharmacy's list, before anything is worked out."""
    from compounder.api.orders import check_order_dates

    check_order_dates(order, pharmacy.settings)
    return order.screening.decision(pharmacy)


def _order_of(
    order: Order | str | None, args: tuple[Any, ...], fields: dict[str, Any], names: tuple[str, ...]
) -> Order:
    """An Order as given, or one built from keyword fields (``order_from_options``:
    the command line's one way), positional ones named by ``names``."""
    if isinstance(order, Order):
        if args or fields:
            raise TypeError("an Order, or its fields: not both")
        return order
    given = dict(zip(names, (*((order,) if order is not None else ()), *args), strict=False))
    given.update(fields)
    return order_from_options(**{k: v for k, v in given.items() if v is not None})


@anchored_by_settings
def make_labels(
    order: Order | str | None = None,
    *args: Any,
    config: str | Path | None = None,
    db: str | Path | None = None,
    log: bool = True,
    **fields: Any,
) -> LabelRun:
    """Container labels for an order (``api.orders.Order``; or its fields, as
    ``order_from_options`` reads them: ``make_labels(rx, patient, prescriber, output,
    dose=..., quantity=...)``): one dose with a quantity, or a titration, whose fills
    are dispensed on their own dates (``fill``: 1 by default, N, or "all"), drawn on the
    stock and written atomically to the order's output when given. The labels are made
    in the delivery's format (pdf, zpl or png at its dpi) and sent to its printer once
    the files and the label's entry are committed; the outcome is logged as a ``print``
    entry (``LabelRun.printing``), and a printer that fails raises PrintError (``made``:
    the run) once the log says the label was not printed. ``language`` "en+es" adds the
    directions in Spanish beneath the English ones. Output "-" (standard output):
    no file is written; the entry says ``to_stdout`` and the caller writes the one file
    (``LabelRun.files[0]``) once the entry is committed.

    The order's other medicines are screened first (a stop refuses unless overridden
    by a pharmacist); the decision and any off-protocol reason are logged."""
    from compounder.core.pharmacy import open_pharmacy
    from compounder.log.location import log_location

    order = _order_of(order, args, fields, ("rx", "patient", "prescriber", "output"))
    db = log_location(db, config)  # --db, COMPOUNDER_DB, [log] url of these settings
    output = order.delivery.output
    if output is not None and not to_stdout(output):
        check_output_path(Path(output), PRINT_INSTEAD)
    if log and (output is not None or order.delivery.printer is not None):
        from compounder.log.entries import open_store

        with open_store(db):  # a log that cannot be written refuses before anything is made
            pass
    pharmacy = open_pharmacy(config)
    screening = screen(order, pharmacy)
    return _LabelJob(order, pharmacy, screening, db, log, config).run()


class _LabelJob:
    """``make_labels``' steps, in order: plan the delivery and the order, lay the
    labels out, draw them, then write (and log) and print."""

    def __init__(
        self, order: Order, pharmacy: Pharmacy, screening: Any, db: Any, log: bool, config: Any
    ):
        self.order, self.pharmacy, self.screening = order, pharmacy, screening
        self.db, self.log, self.config = db, log, config
        self.recorded: Any = None

    def run(self) -> LabelRun:
        planned, stock, delivery, layout = self.plan()
        run = self.draw(planned, stock, delivery, layout)
        return self.deliver(run, stock, delivery, planned)

    def plan(self) -> tuple[PlannedOrder, Any, Any, Any]:
        from compounder.api.delivery import plan_delivery
        from compounder.core.stocks import load_stock
        from compounder.render.textfit import load_layout

        order, settings = self.order, self.pharmacy.settings
        wanted = order.delivery
        layout = load_layout(profile=wanted.profile or settings.profile or None)
        delivery = plan_delivery(
            wanted.label_format, wanted.dpi, wanted.printer, settings, wanted.output
        )
        stock = load_stock(
            wanted.stock if wanted.stock is not None else delivery.stock or settings.stock
        )
        lots = lots_from(
            order.lot_expiry, None, config=self.config, db=self.db if self.log else None
        )
        made_with = None
        if order.lot is not None:
            self.recorded = self.recorded_lot(order)
            lots += (self.recorded.limit,)
            made_with = _as_recorded(self.recorded, self.pharmacy, order.vehicle, order.source)
        pharmacist = self.screening.pharmacist or None
        planned = plan_order(order, self.pharmacy, lots, made_with, pharmacist)
        _check_filled_after(self.recorded, planned.fills)
        return planned, stock, delivery, layout

    def recorded_lot(self, order: Order) -> Any:
        from compounder.log.entries import recorded_lot

        lot = str(order.lot)
        if not self.log:
            raise InputError("lot", lot, "a lot from the log (labels made without the log)")
        conc = order.concentration or parse_concentration(self.pharmacy.settings.concentration)
        recorded = recorded_lot(lot, conc, self.db)
        if recorded is None:
            raise InputError(
                "lot", lot, "a lot recorded in the log with 'compounder record' (or leave it out)"
            )
        return recorded

    def draw(self, planned: PlannedOrder, stock: Any, delivery: Any, layout: Any) -> LabelRun:
        from compounder.content.labels import build_label
        from compounder.content.safety import screening_notes
        from compounder.render.label_output import render_label_files

        orders = planned.label_orders(self.order.lot)
        if self.recorded is not None:
            self.recorded.check_quantity([o.quantity_ml for o in orders])  # again as it commits
        settings = self.pharmacy.settings
        built = [build_label(o, settings, planned.wording, planned.translation) for o in orders]
        contents = label_forms(built, stock, layout)  # as printed: some may refer to the chart
        parts = label_parts(contents, stock, layout)
        notes = planned.notes() + screening_notes(self.screening) + continuation_notes(parts)
        notes += chart_notes(contents)
        files = render_label_files(delivery.format, contents, stock, delivery.dpi, layout=layout)
        plan = planned.dispensed.plan
        return LabelRun(
            orders,
            contents,
            files[0] if delivery.format == "pdf" else b"",
            notes,
            self.screening,
            plan.off_protocol_reason if plan is not None else "",
            delivery.format,
            tuple(files),
            layout,
            sum(parts),
        )

    def dispensing_fields(self, planned: PlannedOrder, reason: str) -> dict[str, Any]:
        """What the label's entry keeps of the pharmacist's dispensing decisions: the
        reason for a quantity beyond its BUD, the short fills, who signed a reason."""
        fields: dict[str, Any] = {}
        if planned.dispensed.excess:
            fields["beyond_bud_reason"] = planned.order.titration.beyond_bud_reason or ""
        if planned.short_fills:
            fields["short_fills"] = [f.number for f in planned.short_fills]
        if reason and self.screening.pharmacist:
            fields["off_protocol_pharmacist"] = self.screening.pharmacist
        return fields

    def deliver(self, run: LabelRun, stock: Any, delivery: Any, planned: PlannedOrder) -> LabelRun:
        from compounder.api.delivery import deliver, file_fields, one_file, print_logged
        from compounder.content.safety import safety_record
        from compounder.log.entries import log_labels, repeat_message
        from compounder.render.label_output import output_paths

        output = self.order.delivery.output
        files = list(run.files)
        stdout = to_stdout(output)
        if stdout:  # -o -: the caller writes the one file once the entry is committed
            one_file(files)
            targets: list[Path] = []
        else:
            targets = output_paths(delivery.format, Path(output) if output else None, len(files))
        written = list(zip(targets, files, strict=True)) if targets else []
        run = replace(run, written=(str(output),) if stdout else tuple(str(t) for t in targets))
        printing: dict[str, Any] | None = None
        failure = None
        if (output is not None or delivery.printer is not None) and self.log:
            # the files and the entry commit together first; the label is sent after, and
            # the outcome logged as its own entry (no transaction held while printing)
            repeats: list[tuple[str, int]] = []
            recorded = self.recorded
            entry_id = log_labels(
                run,
                stock,
                self.db,
                None,
                extra={
                    **safety_record(self.screening, run.off_protocol_reason),
                    **file_fields(delivery, files),
                    **self.dispensing_fields(planned, run.off_protocol_reason),
                    **({"to_stdout": True} if stdout else {}),
                },
                recorded=(recorded.lot, planned.concentration) if recorded is not None else None,
                files=written,
                repeats=repeats,
            )
            if repeats:  # a batch refuses such a row; a label is the pharmacist's own call
                run = replace(run, notes=[*run.notes, *(repeat_message(*r) for r in repeats)])
            if delivery.printer is not None:
                first = run.orders[0]
                printing, failure = print_logged(
                    delivery, files, self.db, entry_id, first.rx, first.lot
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


def label_forms(contents: list[Any], stock: Any, layout: Any) -> list[Any]:
    """Each container's label as it is printed: the whole directions, or (where they
    need more labels than a container takes) the first step(s) and the dosing chart
    (``render.label_flow.place_labels``)."""
    from compounder.render.label_flow import place_labels

    return [place_labels(content, stock, layout)[0].content for content in contents]


def chart_notes(contents: list[Any]) -> list[str]:
    """A note for each label that refers the patient to the dosing chart."""
    notes = []
    for number, content in enumerate(contents, start=1):
        if content.chart_from is not None:
            which = f"label {number}" if len(contents) > 1 else "the label"
            notes.append(
                f"{which} gives the first step(s) only: from "
                f"{content.chart_from.isoformat()} it refers the patient to the dosing "
                "chart; give the patient the chart (compounder chart)"
            )
    return notes


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
    contents: tuple[Any, ...] = ()  # one chart a language (en+es: two)


def make_chart(
    order: Order | None = None,
    output: str | Path | None = None,
    *,
    config: str | Path | None = None,
    **fields: Any,
) -> ChartRun:
    """The patient's dosing chart and handout for a titration order, as a PDF (letter
    or A4), in the order's language (both, one after the other, for "en+es"). The order
    may be given as fields (``order_from_options``; no Rx or prescriber needed, and
    without a start date the chart counts weeks).

    Output "-" (standard output): nothing is written; the caller writes ``pdf``.

    Screens the order's other medicines first (as ``make_labels``); the liver/kidney
    history adds its caution to the handout; the titration's start and target dose
    choose the steps."""
    from compounder.content.safety import screening_notes
    from compounder.core.pharmacy import open_pharmacy
    from compounder.core.stocks import PAPER
    from compounder.render.chart_pdf import render_chart

    if order is None:
        given = {"titration": True, **{k: v for k, v in fields.items() if v is not None}}
        order = order_from_options(needs=(), **given)
    elif fields:
        raise TypeError("an Order, or its fields: not both")
    if output is None:
        output = order.delivery.output
    if output is not None and not to_stdout(output):
        check_output_path(Path(output))
    pharmacy = open_pharmacy(config)
    screening = screen(order, pharmacy)
    settings = pharmacy.settings
    paper = settings.paper if order.paper is None else order.paper
    if paper not in PAPER:
        raise InputError("paper", paper, " or ".join(PAPER))
    vehicle, source = pharmacy.vehicle(order.vehicle), pharmacy.source(order.source)
    choice = order.titration
    plan = plan_titration(
        order.protocol,
        order.concentration or settings.concentration,
        order.start_date,
        syringes=order.syringes,
        start_dose=choice.start_dose,
        target_dose=choice.target_dose,
        off_protocol_reason=choice.off_protocol_reason,
        pharmacist=screening.pharmacist or None,
        signers=settings.staff,
    ).require_measurable()
    contents = chart_contents(
        plan, order, settings, vehicle, source, screening.liver_kidney_history
    )
    target = Path(output) if output and not to_stdout(output) else None
    pdf = render_chart(contents, paper, target)  # -o -: the caller writes the PDF
    return ChartRun(
        contents[0],
        pdf,
        screening,
        tuple(screening_notes(screening)),
        plan.off_protocol_reason,
        contents,
    )


def chart_contents(
    plan: Plan,
    order: Order,
    settings: Any,
    vehicle: Vehicle,
    source: Any,
    liver_kidney_history: bool,
) -> tuple[Any, ...]:
    """The order's dosing chart, once in each of its languages (en+es: the English
    chart, then the Spanish one), for every entrance (chart, batch)."""
    from compounder.content.chart import build_chart
    from compounder.core.preparation import dosage_form
    from compounder.core.wording import load_wording

    return tuple(
        build_chart(
            plan,
            settings,
            load_wording(language),
            vehicle.storage,
            order.dose_time or settings.dose_time,
            order.patient or None,
            liver_kidney_history=liver_kidney_history,
            dosage_form=dosage_form(source, vehicle),
        )
        for language in order.languages
        if language
    )
