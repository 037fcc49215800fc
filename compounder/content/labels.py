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
from compounder.core.scan_codes import fill_code, printed_code
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
    """A container's label: its ``blocks`` in the order one label shows them, and how
    the same text goes over several labels when one does not hold it (``flowing``:
    what the first label must carry first, then the rest; ``continued``: what each
    continuation label repeats). ``shorter``: the same label giving only the fill's
    first direction(s) and the dosing chart from ``chart_from`` on, most steps first,
    for when the whole directions need too many labels. ``code``: what its barcode
    holds, the Rx and the fill date (``core.scan_codes.fill_code``); empty in a label
    logged before barcodes held the fill, whose barcode holds the Rx alone."""

    rx: str
    blocks: tuple[Block, ...]
    footer: tuple[Block, ...]
    part: str = ""  # "Label {n} of {total}" when the text flows onto continuation labels
    flowing: tuple[Block, ...] = ()
    first: int = 0  # how many of ``flowing`` the first label carries, whole
    continued: tuple[Block, ...] = ()
    shorter: tuple[LabelContent, ...] = ()
    chart_from: date | None = None  # the date the dosing chart takes over the directions
    code: str = ""  # the barcode's value ("": the Rx alone, as labels logged before)

    @property
    def barcode(self) -> str:
        """What the label's barcode holds: its code, or the Rx for an older label."""
        return self.code or self.rx

    @property
    def barcode_text(self) -> str:
        """The text printed under the barcode: ``1234567 261207`` (an older label's
        Rx as it was)."""
        return printed_code(self.code) if self.code else self.rx

    def all_text(self) -> list[str]:
        return [b.text for b in (*self.blocks, *self.footer)] + [self.rx]

    def to_dict(self) -> dict[str, Any]:
        lines = {b.field: b.text for b in (*self.blocks, *self.footer)}
        found: dict[str, Any] = {"rx": self.rx, "lines": lines}
        if self.code:
            found["barcode"] = self.code
        if self.chart_from is not None:
            found["chart_from"] = self.chart_from.isoformat()
        return found


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
    lines += [dated_direction(d, wording) for d in directions]
    return "\n".join(lines)


def dated_direction(direction: Direction, wording: Wording) -> str:
    """ "Jan 14 to Jan 27, 2028: 2 mL (2 mg)": one step of a fill spanning steps."""
    assert direction.first_day is not None and direction.last_day is not None
    return wording.text(
        "label.directions_dated",
        dates=wording.date_range(direction.first_day, direction.last_day),
        volume=format_quantity(direction.step.volume_ml, "mL"),
        dose=format_quantity(direction.step.dose_mg, "mg"),
    )


@dataclass(frozen=True)
class DirectionsForm:
    """The directions as one label shows them (``whole``) and as they go over several
    labels (the ``first`` step, on the first label, then the ``rest``), with their
    translation; ``chart_from``: the date from which the dosing chart gives the doses
    (None: every step is on the label)."""

    whole: Block
    first: Block
    rest: Block | None
    translation: Block | None
    chart_from: date | None = None


def directions_forms(
    directions: tuple[Direction, ...],
    wording: Wording,
    dose_time: str,
    translation: Wording | None,
) -> tuple[DirectionsForm, ...]:
    """The directions with every step, then, for a fill spanning steps, with the first
    n - 1, n - 2 ... 1 steps and the dosing chart for the later ones (what a label
    gives when the whole directions need too many labels)."""
    dated = len(directions) > 1 or directions[0].first_day is not None
    forms = [_form(directions, len(directions), wording, dose_time, translation)]
    if dated:
        forms += [
            _form(directions, steps, wording, dose_time, translation)
            for steps in range(len(directions) - 1, 0, -1)
        ]
    return tuple(forms)


def _form(
    directions: tuple[Direction, ...],
    steps: int,
    wording: Wording,
    dose_time: str,
    translation: Wording | None,
) -> DirectionsForm:
    chart_from = directions[steps].first_day if steps < len(directions) else None
    whole = _steps_text(directions, steps, wording, dose_time)
    first, rest = _split_text(directions, steps, wording, dose_time)
    translated = None
    if translation is not None and translation.language != wording.language:
        field = f"directions ({translation.language})"
        text = _steps_text(directions, steps, translation, dose_time)
        translated = Block("directions", field, check_text(text, field))
    return DirectionsForm(
        Block("directions", "directions", check_text(whole, "directions")),
        Block("directions", "directions", check_text(first, "directions")),
        Block("directions", "directions (continued)", check_text(rest, "directions"))
        if rest
        else None,
        translated,
        chart_from,
    )


def _steps_text(
    directions: tuple[Direction, ...], steps: int, wording: Wording, dose_time: str
) -> str:
    """The directions' first ``steps`` steps, then the chart for the later ones."""
    if steps == len(directions):
        return directions_text(directions, wording, dose_time)
    lines = [wording.text("label.directions_heading", time=wording.time(dose_time))]
    lines += [dated_direction(d, wording) for d in directions[:steps]]
    lines.append(_chart_line(directions[steps], wording))
    return "\n".join(lines)


def _chart_line(direction: Direction, wording: Wording) -> str:
    assert direction.first_day is not None
    return wording.text("label.directions_chart", start=wording.date(direction.first_day))


def _split_text(
    directions: tuple[Direction, ...], steps: int, wording: Wording, dose_time: str
) -> tuple[str, str]:
    """The first direction (its heading and first step) and the rest ("" if none)."""
    if len(directions) == 1 and directions[0].first_day is None:
        return directions_text(directions, wording, dose_time), ""
    time = wording.time(dose_time)
    first = "\n".join(
        (
            wording.text("label.directions_heading", time=time),
            dated_direction(directions[0], wording),
        )
    )
    rest = []
    if steps > 1:
        rest.append(wording.text("label.directions_then", time=time))
        rest += [dated_direction(d, wording) for d in directions[1:steps]]
    if steps < len(directions):
        rest.append(_chart_line(directions[steps], wording))
    return first, "\n".join(rest)


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
    drug_name: Block | None = None  # the drug and strength every continuation label repeats
    forms: tuple[DirectionsForm, ...] = ()  # the directions whole, then shorter
    over_labels: OverLabels | None = None
    fill_date: date | None = None  # what the barcode holds after the Rx (``fill_code``)


@dataclass(frozen=True)
class OverLabels:
    """A label's lines as they are cut when its text goes over several labels: what
    the first label carries (the drug, the warnings that stop a patient, the discard
    date beside the Rx) and what may follow on a continuation."""

    drug: Block  # the drug and strength (the dosage form comes later)
    alerts: str  # NOTE STRENGTH and the drug's own warnings ("" if none)
    others: Block | None  # the other warnings
    discard: str  # "Discard after: ...", beside the Rx number
    filled: str  # "Filled: ...", beside the quantity
    later: str  # the storage, the dosage form and "Compounded preparation"


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
    filled = wording.text("label.filled", date=wording.date(order.fill_date))
    discard = wording.text("label.discard", date=wording.date(order.bud.bud))
    dates = filled + SEPARATOR + discard
    joiner = wording.text("label.device_joiner")
    warning_ids = list(order.warning_ids)
    warning_ids += [w for w in drug.warnings if w not in warning_ids]
    warning_ids += [w for w in settings.warnings if w not in warning_ids]
    if order.strength_changed:
        warning_ids.insert(0, "note-strength")
    warnings = SEPARATOR.join(warning_text(w, settings, wording) for w in warning_ids)
    # what stops a patient (NOTE STRENGTH, the drug's own warnings): on the first label
    alert_ids = [w for w in warning_ids if w == "note-strength" or w in drug.warnings]
    alerts = SEPARATOR.join(warning_text(w, settings, wording) for w in alert_ids)
    others = SEPARATOR.join(
        warning_text(w, settings, wording) for w in warning_ids if w not in alert_ids
    )
    forms = directions_forms(order.directions, wording, order.dose_time, translation)
    compounded = wording.text("label.compounded")
    pharmacy = "\n".join(
        settings_text(settings, f"pharmacy.{key}", getattr(settings, key))
        for key in ("name", "address", "phone")
    )
    return LabelFrame(
        drug=Block("drug", "drug", check_text(f"{drug_line}{SEPARATOR}{compounded}", "drug")),
        directions=forms[0].whole,
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
        translation=forms[0].translation,
        part=check_text(wording.text("label.part", n="{n}", total="{total}"), "label number"),
        drug_name=Block("drug", "drug name", check_text(f"{name} {strength}", "drug")),
        forms=forms,
        over_labels=_over_labels(
            f"{name} {strength}",
            alerts,
            others,
            discard,
            filled,
            f"{drug.dosage_form}{SEPARATOR}{compounded}",
            order.bud.storage,
            wording,
        ),
        fill_date=order.fill_date,
    )


def _over_labels(
    drug_name: str,
    alerts: str,
    others: str,
    discard: str,
    filled: str,
    compounded: str,
    storage: str,
    wording: Wording,
) -> OverLabels:
    return OverLabels(
        drug=Block("drug", "drug", check_text(drug_name, "drug")),
        alerts=check_text(alerts, "warnings"),
        others=Block("warnings", "other warnings", check_text(others, "warnings"))
        if others
        else None,
        discard=check_text(discard, "dates"),
        filled=check_text(filled, "dates"),
        later="\n".join(
            check_text(text, "dates") for text in (wording.storage(storage), compounded)
        ),
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
    """A label: its frame with the patient, Rx number, lot and prescriber put in, and
    its barcode holding the Rx and the fill date; InputError if a line is not
    ISMP-clean."""
    code = fill_code(rx, frame.fill_date) if frame.fill_date is not None else ""
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
    key = Block(
        "key",
        "quantity and dates",
        "\n".join((check_text(quantity_line, "quantity"), frame.dates, frame.storage)),
    )
    details = Block(
        "details",
        "details",
        "\n".join((check_text(prescriber_line, "prescriber", name=True), frame.device)),
    )
    name = Block("patient", "patient name", check_text(patient, "patient", name=True), True)
    # a continuation label's first line: whose and what, at the size of the name
    continued = (
        (Block("patient", "patient name", f"{name.text}{SEPARATOR}{frame.drug_name.text}", True),)
        if frame.drug_name is not None
        else (name,)
    )
    cut = frame.over_labels
    first_blocks: tuple[Block, ...] = ()
    later_blocks: tuple[Block, ...] = ()
    if cut is not None:
        rx_line = SEPARATOR.join((wording.text("label.rx", rx=rx), cut.discard))
        # the lot on a line of its own: its length never moves the other lines
        lot_line = "\n".join(
            (
                SEPARATOR.join((frame.quantity, cut.filled)),
                wording.text("label.lot" if recorded else "label.reference", lot=lot),
            )
        )
        # the warnings that stop a patient, then the Rx and discard date: one block of
        # critical text (bold, broken only between its parts)
        # (each part is checked: the Rx and lot in the quantity line, the rest in the frame)
        critical = "\n".join((*((cut.alerts,) if cut.alerts else ()), rx_line))
        first_blocks = (Block("warnings", "warnings", critical),)
        later_blocks = (
            *((cut.others,) if cut.others is not None else ()),
            Block(
                "key",
                "quantity and dates",
                "\n".join((lot_line, cut.later)),
            ),
        )

    def content(form: DirectionsForm | None, shorter: tuple[LabelContent, ...]) -> LabelContent:
        translated = form.translation if form is not None else frame.translation
        also = (translated,) if translated is not None else ()
        if form is None:  # a frame made without its forms
            blocks = (name, frame.drug, frame.directions, *also, key, frame.warnings, details)
            return LabelContent(rx, blocks, frame.footer, frame.part, code=code)
        blocks = (name, frame.drug, form.whole, *also, key, frame.warnings, details)
        rest = (form.rest,) if form.rest is not None else ()
        # over several labels: the first carries the patient, the drug, the first
        # direction, NOTE STRENGTH and the drug's warnings, the Rx and discard date;
        # the later directions, their translation, the other warnings, the quantity,
        # fill date and storage, and the prescriber follow
        drug = cut.drug if cut is not None else frame.drug
        flowing = (name, drug, form.first, *first_blocks, *rest, *also, *later_blocks, details)
        return LabelContent(
            rx,
            blocks,
            frame.footer,
            frame.part,
            flowing,
            3 + len(first_blocks),
            continued,
            shorter,
            form.chart_from,
            code,
        )

    if not frame.forms:
        return content(None, ())
    shorter = tuple(content(form, ()) for form in frame.forms[1:])
    return content(frame.forms[0], shorter)


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
