"""Container label content: every line a label carries, as finished, checked text.

Built from an order (one dose, or one fill of a titration) and the pharmacy settings,
in USP <17> order of prominence: patient, drug and strength, directions, then quantity,
Rx, lot, dates, storage, prescriber, auxiliary warnings, and the pharmacy. Every line
passes ``ismp.check_text``; the renderer (``label_pdf``) only lays out and draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from compounder.content.blocks import Block
from compounder.content.ismp import check_text, problems
from compounder.core.bud import BudResult
from compounder.core.datafiles import Table, load_toml, template_path
from compounder.core.fills import Fill
from compounder.core.settings import PharmacySettings
from compounder.core.syringes import Syringe
from compounder.core.titration import Step
from compounder.core.units import format_quantity
from compounder.core.wording import Wording
from compounder.errors import DataFileError

SEPARATOR = " \u2022 "


@dataclass(frozen=True)
class Drug:
    """The drug as a label names it, in one language."""

    name: str
    tall_man_name: str
    dosage_form: str
    warnings: tuple[str, ...]


@cache
def _drug_warnings() -> tuple[str, ...]:
    table = Table(load_toml(template_path("drug.toml")), "templates/drug.toml")
    table.check_keys({"warnings"})
    return tuple(table.text_list("warnings"))


def load_drug(wording: Wording, dosage_form: str = "oral-suspension") -> Drug:
    """The drug in ``wording``'s language, as the dosage form id (from the source and
    vehicle data, see ``core.preparation.dosage_form``) names it."""
    return Drug(
        wording.text("drug.name"),
        wording.text("drug.tall_man_name"),
        wording.text(f"dosage_form.{dosage_form}"),
        _drug_warnings(),
    )


def syringe_text(syringe: Syringe, wording: Wording) -> str:
    """ "3 mL oral syringe (0.1 mL marks)", in the wording's language."""
    return wording.text(
        "syringe.label",
        capacity=format_quantity(syringe.capacity_ml, "mL"),
        graduation=format_quantity(syringe.graduation_ml, "mL"),
    )


@dataclass(frozen=True)
class Direction:
    """One dose instruction; dated when a fill spans more than one step."""

    step: Step
    first_day: date | None = None
    last_day: date | None = None
    start: date | None = None  # an undated direction's first dose, when after the fill


@dataclass(frozen=True)
class LabelContent:
    rx: str
    blocks: tuple[Block, ...]
    footer: tuple[Block, ...]
    part: str = ""  # "Label {n} of {total}" when the text flows onto continuation labels

    def all_text(self) -> list[str]:
        return [b.text for b in (*self.blocks, *self.footer)] + [self.rx]

    def to_dict(self) -> dict[str, Any]:
        return {"rx": self.rx, "lines": {b.field: b.text for b in (*self.blocks, *self.footer)}}


@dataclass(frozen=True)
class LabelOrder:
    """Everything a label shows, already worked out (doses, BUD, quantity)."""

    rx: str
    patient: str
    prescriber: str
    concentration_mg_ml: Decimal
    directions: tuple[Direction, ...]
    quantity_ml: Decimal
    fill_date: date
    bud: BudResult
    lot: str
    warning_ids: tuple[str, ...]
    dose_time: str = "bedtime"
    strength_changed: bool = False
    fill_number: tuple[int, int] | None = None
    container: tuple[int, int] | None = None
    refills: int | None = None
    dosage_form: str = "oral-suspension"  # a wording id (core.preparation.dosage_form)
    lot_recorded: bool = True  # False: ``lot`` is only a reference (no preparation logged)


def directions_text(directions: tuple[Direction, ...], wording: Wording, dose_time: str) -> str:
    """Explicit directions in mL with the mg in brackets; dated lines for a spanning fill."""
    time = wording.time(dose_time)

    def amounts(step: Step) -> dict[str, str]:
        return {
            "volume": format_quantity(step.volume_ml, "mL"),
            "dose": format_quantity(step.dose_mg, "mg"),
        }

    if len(directions) == 1 and directions[0].first_day is None:
        only = directions[0]
        if only.start is not None:
            start = wording.date(only.start)
            return wording.text(
                "label.directions_start", start=start, time=time, **amounts(only.step)
            )
        return wording.text("label.directions", time=time, **amounts(only.step))
    lines = [wording.text("label.directions_heading", time=time)]
    for direction in directions:
        assert direction.first_day is not None and direction.last_day is not None
        dates = wording.date_range(direction.first_day, direction.last_day)
        lines.append(wording.text("label.directions_dated", dates=dates, **amounts(direction.step)))
    return "\n".join(lines)


@dataclass(frozen=True)
class LabelFrame:
    """The checked lines a label shares with every label of the same prescription:
    all but the patient, the Rx number, the lot and the prescriber (``fill_label``
    adds those). A batch makes one frame per kind of order, not one per label."""

    drug: Block
    directions: Block
    quantity: str
    dates: str
    storage: str
    prescriber_notes: tuple[str, ...]  # fill n of N, container n of N, refills
    device: str
    warnings: Block
    footer: tuple[Block, ...]
    translation: Block | None = None  # the directions in a second language (en+es)
    part: str = ""


def warning_text(warning_id: str, settings: PharmacySettings, wording: Wording) -> str:
    """A warning in the wording's language: the pharmacy's own (settings' library) or a
    shipped one; DataFileError naming the settings if the pharmacy's has no such text."""
    own = settings.library_warning(warning_id)
    if own is None:
        if warning_id not in wording.data.get("warnings", {}):
            raise DataFileError(
                settings.path or "settings",
                "warnings.print",
                f"names {warning_id[:40]!r}, which is neither a shipped warning nor in "
                "[warnings.library]",
                "ids of " + ", ".join([*wording.data.get("warnings", {}), *settings_ids(settings)]),
            )
        return wording.warning(warning_id)
    key = f"warnings.library.{warning_id}.{wording.language}"
    text = own.text(wording.language)
    if text is None:
        raise DataFileError(
            settings.path or "settings",
            key,
            "missing",
            f"the warning's text in the label's language ({wording.language})",
        )
    return settings_text(settings, key, text)


def settings_text(settings: PharmacySettings, key: str, text: str) -> str:
    """Text the pharmacy's settings give a label (a warning of its own, its name,
    address, phone), held to the ISMP rules every label's text is: DataFileError
    (exit 4) naming the settings file and key when it breaks them."""
    found = problems(text)
    if found:
        raise DataFileError(
            settings.path or "settings", key, "is not accepted", "text without " + "; ".join(found)
        )
    return text


def settings_ids(settings: PharmacySettings) -> list[str]:
    return [w.id for w in settings.warning_library]


def label_frame(
    order: LabelOrder,
    settings: PharmacySettings,
    wording: Wording,
    translation: Wording | None = None,
) -> LabelFrame:
    """The order's shared lines (its rx, patient, prescriber and lot are not read), with
    the directions also in ``translation``'s language beneath them when given;
    InputError if any line is not ISMP-clean."""
    drug = load_drug(wording, order.dosage_form)
    name = drug.tall_man_name if settings.tall_man else drug.name
    strength = format_quantity(order.concentration_mg_ml, "mg/mL")
    drug_line = wording.text("label.drug", drug=name, strength=strength, form=drug.dosage_form)
    directions = directions_text(order.directions, wording, order.dose_time)
    syringes: list[str] = []
    for d in order.directions:
        if d.step.syringe is not None and syringe_text(d.step.syringe, wording) not in syringes:
            syringes.append(syringe_text(d.step.syringe, wording))
    notes = []
    if order.fill_number:
        n, total = order.fill_number
        notes.append(wording.text("label.fill_of", n=str(n), total=str(total)))
    if order.container:
        n, total = order.container
        notes.append(wording.text("label.container_of", n=str(n), total=str(total)))
    if order.refills is not None:
        notes.append(wording.text("label.refills", n=str(order.refills)))
    dates = (
        wording.text("label.filled", date=wording.date(order.fill_date))
        + SEPARATOR
        + wording.text("label.discard", date=wording.date(order.bud.bud))
    )
    joiner = wording.text("label.device_joiner")
    warning_ids = list(order.warning_ids)
    warning_ids += [w for w in drug.warnings if w not in warning_ids]
    warning_ids += [w for w in settings.warnings if w not in warning_ids]
    if order.strength_changed:
        warning_ids.insert(0, "note-strength")
    warnings = SEPARATOR.join(warning_text(w, settings, wording) for w in warning_ids)
    translated = None
    if translation is not None and translation.language != wording.language:
        text = directions_text(order.directions, translation, order.dose_time)
        field = f"directions ({translation.language})"
        translated = Block("directions", field, check_text(text, field))
    compounded = wording.text("label.compounded")
    pharmacy = "\n".join(
        settings_text(settings, f"pharmacy.{key}", getattr(settings, key))
        for key in ("name", "address", "phone")
    )
    return LabelFrame(
        drug=Block("drug", "drug", check_text(f"{drug_line}{SEPARATOR}{compounded}", "drug")),
        directions=Block("directions", "directions", check_text(directions, "directions")),
        quantity=wording.text("label.quantity", quantity=format_quantity(order.quantity_ml, "mL")),
        dates=check_text(dates, "dates"),
        storage=check_text(wording.storage(order.bud.storage), "storage"),
        prescriber_notes=tuple(notes),
        device=check_text(
            wording.text(
                "label.device_several" if len(syringes) > 1 else "label.device",
                syringes=joiner.join(syringes),
            ),
            "device",
        ),
        warnings=Block("warnings", "warnings", check_text(warnings, "warnings")),
        footer=(Block("pharmacy", "pharmacy", check_text(pharmacy, "pharmacy")),),
        translation=translated,
        part=check_text(wording.text("label.part", n="{n}", total="{total}"), "label number"),
    )


def fill_label(
    frame: LabelFrame,
    rx: str,
    patient: str,
    prescriber: str,
    lot: str,
    wording: Wording,
    recorded: bool = True,
) -> LabelContent:
    """A label: its frame with the patient, Rx number, lot and prescriber put in;
    InputError if a line is not ISMP-clean."""
    quantity_line = SEPARATOR.join(
        (
            frame.quantity,
            wording.text("label.rx", rx=rx),
            wording.text("label.lot" if recorded else "label.reference", lot=lot),
        )
    )
    prescriber_line = SEPARATOR.join(
        (wording.text("label.prescriber", name=prescriber), *frame.prescriber_notes)
    )
    key = "\n".join((check_text(quantity_line, "quantity"), frame.dates, frame.storage))
    details = "\n".join((check_text(prescriber_line, "prescriber", name=True), frame.device))
    blocks = (
        Block("patient", "patient name", check_text(patient, "patient", name=True), True),
        frame.drug,
        frame.directions,
        *((frame.translation,) if frame.translation is not None else ()),
        Block("key", "quantity and dates", key),
        frame.warnings,
        Block("details", "details", details),
    )
    return LabelContent(rx, blocks, frame.footer, frame.part)


def build_label(
    order: LabelOrder,
    settings: PharmacySettings,
    wording: Wording,
    translation: Wording | None = None,
) -> LabelContent:
    """The finished lines of one label; InputError if any line is not ISMP-clean."""
    frame = label_frame(order, settings, wording, translation)
    return fill_label(
        frame, order.rx, order.patient, order.prescriber, order.lot, wording, order.lot_recorded
    )


def fill_directions(fill: Fill) -> tuple[Direction, ...]:
    """A fill's directions: one per step it covers, dated when it spans steps; a fill
    of one step whose first dose is after the fill date says when to start."""
    spans = len(fill.segments) > 1
    later = fill.first_day if fill.first_day > fill.fill_date else None
    return tuple(
        Direction(
            seg.step,
            seg.first_day if spans else None,
            seg.last_day if spans else None,
            None if spans else later,
        )
        for seg in fill.segments
    )


def label_orders(
    fills: Sequence[Fill],
    base: dict[str, Any],
    lot: str,
    *,
    fill_total: int | None = None,
    lot_recorded: bool = True,
) -> list[LabelOrder]:
    """The label orders of the fills dispensed: one per container of each fill, with the
    fill's directions (dated when it spans steps), quantity, date and BUD; "Fill n of N"
    for a titration (``fill_total``), "Container n of N" when a fill needs several."""
    orders = []
    for fill in fills:
        directions = fill_directions(fill)
        parts = fill.containers or (fill.dispense_ml,)
        for n, part in enumerate(parts, start=1):
            orders.append(
                LabelOrder(
                    directions=directions,
                    quantity_ml=part,
                    fill_date=fill.fill_date,
                    bud=fill.bud,
                    lot=lot,
                    fill_number=(fill.number, fill_total) if fill_total else None,
                    container=(n, len(parts)) if len(parts) > 1 else None,
                    lot_recorded=lot_recorded,
                    **base,
                )
            )
    return orders


def default_lot(fill_date: date, rx: str) -> str:
    """A label's reference when no recorded lot is named: the fill date and the Rx,
    e.g. 20261201-1234567 (printed "Ref:", never "Lot:")."""
    return f"{fill_date:%Y%m%d}-{rx}"
