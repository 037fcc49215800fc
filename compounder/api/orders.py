"""One order, checked once: what an order is, and the one way each entrance builds it.

An order enters through the command line (``label``, ``chart``) or an order file's row
(``batch``). ``FIELDS`` says, for each field of an order, its command-line option and
its order-file column; ``order_from_options`` and ``order_from_row`` read their values
and hand them to the same checks (``_build``), so a rule about an order's fields is
written once. A refusal names the field as the entrance knows it: the option
(``--start-date``) or the column (``start_date``).

What needs the pharmacy (its default concentration, vehicle and stock, the protocol's
steps, the screening list) is checked when the order is planned (``api.dispensing``);
those errors name the field through the same table (``columns``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

from compounder.core.limits import DAYS_SUPPLY, DISPENSED_ML, REFILLS
from compounder.errors import CompounderError, InputError, SafetyError

TITRATE = "titrate"  # an order file's dose for a titration

ORDER, SCREENING, TITRATION, OUTPUT = "order", "screening", "titration", "output"
#: what an order file's cell holds (its JSON Schema, ``order_schema``): text, yes or no,
#: a whole number, or a date YYYY-MM-DD
TEXT, FLAG, COUNT, DATE = "text", "flag", "count", "date"


@dataclass(frozen=True)
class Field:
    """One field of an order: its name, its option (without the dashes; "" where the
    command line has none) and its order-file column ("" where a file has none)."""

    name: str
    option: str
    column: str
    group: str
    help: str
    column_help: str = ""  # what the column holds, where it differs from the option
    kind: str = "text"  # what a cell holds: TEXT, FLAG (yes/no), COUNT or DATE

    @property
    def flag(self) -> str:
        return f"--{self.option}" if self.option else ""


FIELDS: tuple[Field, ...] = (
    Field(
        "rx",
        "rx",
        "rx_number",
        ORDER,
        "Prescription (Rx) number.",
        "1-20 letters, digits or dashes; unique in the file",
    ),
    Field(
        "patient", "patient", "patient_name", ORDER, "Patient name as on the Rx.", "as on the Rx"
    ),
    Field("prescriber", "prescriber", "prescriber", ORDER, "Prescriber name."),
    Field(
        "patient_dob",
        "",
        "patient_dob",
        ORDER,
        "",
        "date of birth, YYYY-MM-DD: checked (1900 to the fill date), not printed",
        kind=DATE,
    ),
    Field(
        "dose",
        "dose",
        "dose",
        ORDER,
        "Dose, e.g. '1.5 mg'.",
        "a dose on the protocol's steps (`3 mg`), or `titrate` for a titration",
    ),
    Field("titration", "titration", "", ORDER, "One label per fill of the whole titration."),
    Field(
        "quantity",
        "quantity",
        "quantity",
        ORDER,
        "Quantity dispensed, e.g. '25 mL'.",
        "`42 mL` (or days_supply; both empty for `titrate`)",
    ),
    Field(
        "days_supply",
        "",
        "days_supply",
        ORDER,
        "",
        "days of doses instead of a quantity (planned with overage; refused beyond the BUD)",
        kind=COUNT,
    ),
    Field(
        "concentration",
        "concentration",
        "concentration",
        ORDER,
        "Concentration, e.g. '1 mg/mL'.",
        "e.g. `1 mg/mL` (empty: the settings' default)",
    ),
    Field(
        "protocol",
        "protocol",
        "protocol",
        ORDER,
        "Protocol id (ldn-standard, ...).",
        "protocol id (default `ldn-standard`; a file only on the command line)",
    ),
    Field(
        "vehicle",
        "vehicle",
        "vehicle",
        ORDER,
        "Vehicle id: water, fawcett-preserved.",
        "vehicle id (default: the settings')",
    ),
    Field(
        "source",
        "from",
        "source",
        ORDER,
        "tablets, powder, base-powder or a source id.",
        "tablets, powder, base-powder or a source id (default: the settings')",
    ),
    Field(
        "fill_date",
        "fill-date",
        "fill_date",
        ORDER,
        "Date filled, YYYY-MM-DD.",
        "YYYY-MM-DD: the compounding and dispensing date (the option: default today)",
        kind=DATE,
    ),
    Field(
        "start_date",
        "start-date",
        "start_date",
        ORDER,
        "First day of the titration.",
        "a titration only: its first dose day (default: the fill date)",
        kind=DATE,
    ),
    Field(
        "dose_time",
        "dose-time",
        "dose_time",
        ORDER,
        "bedtime or morning (--morning).",
        "bedtime or morning",
    ),
    Field(
        "strength_changed",
        "strength-changed",
        "strength_changed",
        ORDER,
        "NOTE STRENGTH.",
        "`yes` adds NOTE STRENGTH (the concentration differs from the last fill)",
        kind=FLAG,
    ),
    Field(
        "refills",
        "refills",
        "refills",
        ORDER,
        "Refills left, printed on the label.",
        "0-99, printed on the label",
        kind=COUNT,
    ),
    Field(
        "language",
        "language",
        "language",
        ORDER,
        "en, es, or en+es.",
        "`en` (default), `es`, or `en+es`: English with Spanish directions and both charts",
    ),
    Field("lot", "lot", "", ORDER, "Lot number of a recorded preparation."),
    Field("lot_expiry", "lot-expiry", "", ORDER, "An ingredient lot's expiry."),
    Field("fill", "fill", "", ORDER, "The titration's fill to print (1..N or all)."),
    Field("syringes", "syringes", "", ORDER, "Your own syringe catalogue (.toml)."),
    Field("paper", "paper", "", ORDER, "letter or a4 (the chart)."),
    Field(
        "other_medications",
        "other-medication",
        "other_medications",
        SCREENING,
        "A medicine the patient also takes (repeatable).",
        "medicines separated by ;",
    ),
    Field(
        "override",
        "override",
        "override",
        SCREENING,
        "Proceed despite a stop: the reason.",
        "proceed despite a screening stop: the reason (with pharmacist)",
    ),
    Field("pharmacist", "pharmacist", "pharmacist", SCREENING, "Initials of who overrides."),
    Field(
        "liver_kidney_history",
        "liver-kidney-history",
        "liver_kidney_history",
        SCREENING,
        "Previous liver or kidney problems.",
        "`yes`: a caution on the handout and the compounding record",
        kind=FLAG,
    ),
    Field(
        "acknowledge_unscreened", "acknowledge-unscreened", "acknowledge_unscreened",
        SCREENING, "Proceed with a medicine the screening cannot identify.",
        "`yes`: a medicine not identified, checked by the pharmacist (with pharmacist)",
        kind=FLAG,
    ),
    Field(
        "no_other_medications", "no-other-medications", "", SCREENING,
        "The pharmacist asked: no other medicines (a file: other_medications = none).",
    ),
    Field(
        "beyond_bud_reason", "beyond-bud-reason", "beyond_bud_reason", TITRATION,
        "Why more is dispensed than can be used before the BUD.",
        "a dose only: why a quantity beyond the BUD is dispensed (logged)",
    ),
    Field(
        "start_dose",
        "start-dose",
        "start_dose",
        TITRATION,
        "Start at this step.",
        "a titration only: start (or restart) at this step",
    ),
    Field(
        "target_dose",
        "target-dose",
        "target_dose",
        TITRATION,
        "Stop rising at this step.",
        "a titration only: stay at this step (maintenance)",
    ),
    Field(
        "off_protocol_reason",
        "off-protocol-reason",
        "off_protocol_reason",
        TITRATION,
        "Why a dose off the protocol's steps is given.",
        "why a dose between the protocol's steps is given (logged, on the record)",
    ),
    Field("label_format", "format", "", OUTPUT, "pdf, zpl or png."),
    Field("dpi", "dpi", "", OUTPUT, "Printer resolution: 203 or 300."),
    Field("profile", "profile", "", OUTPUT, "usp17, california or large-print."),
    Field(
        "stock",
        "stock",
        "stock",
        OUTPUT,
        "Label stock id.",
        "a stock id (default: batch --stock, the printer's, then the settings')",
    ),
    Field("printer", "print", "", OUTPUT, "A printer to send the labels to."),
    Field("output", "output", "", OUTPUT, "The file to write."),
)
BY_NAME = {f.name: f for f in FIELDS}
#: An order file's columns, in the order the table lists them.
COLUMNS = tuple(f.column for f in FIELDS if f.column)
REQUIRED_COLUMNS = ("rx_number", "patient_name", "prescriber", "fill_date", "concentration", "dose")
#: option -> column: a library error naming an option names the column in a batch.
COLUMN_OF = {f.column: f.column for f in FIELDS if f.column}
COLUMN_OF.update({f.option: f.column for f in FIELDS if f.option and f.column})
COLUMN_OF.update({"patient name": "patient_name", "lot-expiry": "fill_date"})
COLUMN_OF["Rx number"] = "rx_number"  # a label whose barcode (Rx and fill date) is too wide


#: what each kind of cell may hold in an order file (its JSON Schema): CSV gives text;
#: a JSON Lines object may also give a number, true/false, or null (an empty cell)
_CELL: dict[str, dict[str, Any]] = {
    TEXT: {"type": ["string", "integer", "null"]},
    FLAG: {
        "type": ["string", "boolean", "null"],
        "pattern": r"^\s*([Yy]([Ee][Ss])?|[Nn][Oo]?|[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]"
        r"|[01])?\s*$",  # yes, no, true, false, y, n, 1, 0 (any case), or empty
    },
    COUNT: {"type": ["string", "integer", "null"], "pattern": r"^\s*[0-9]*\s*$", "minimum": 0},
    DATE: {"type": ["string", "null"], "pattern": r"^\s*([0-9]{4}-[0-9]{2}-[0-9]{2})?\s*$"},
}


def order_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of an order file's row, written from ``FIELDS``:
    each column, what it holds and the command-line option that gives the same field
    (``x-option``). ``compounder/schemas/order.json`` is this (a test holds them equal).
    What the schema cannot say (a dose order needs quantity or days_supply; the values'
    own checks) the batch's checks say row by row."""
    columns = {}
    for f in FIELDS:
        if f.column:
            columns[f.column] = {
                **_CELL[f.kind],
                "description": (f.column_help or f.help).replace("`", ""),
                **({"x-option": f.flag} if f.flag else {}),
            }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:compounder:schema:order",
        "title": "One order: a row of a batch order file (its CSV columns, or the keys of "
        "a JSON Lines object); an empty cell or null is not given",
        "type": "object",
        "properties": columns,
        "required": list(REQUIRED_COLUMNS),
        "additionalProperties": False,
    }


@dataclass(frozen=True)
class ScreeningAnswers:
    """What the pharmacist entered for screening: the patient's other medicines, an
    override of a stop with the pharmacist's initials, and the liver/kidney history.
    ``medicines`` None: none were entered (not screened)."""

    medicines: tuple[str, ...] | None = None
    override: str | None = None
    pharmacist: str | None = None
    liver_kidney_history: bool = False
    acknowledge_unscreened: bool = False  # a medicine not identified, checked
    no_other_medications: bool = False  # asked: the patient takes none

    @property
    def entered(self) -> bool:
        """Whether anything was entered at all (a record says "not screened" if not)."""
        return any(getattr(self, f.name) for f in fields(self)) or self.medicines is not None

    def decision(self, pharmacy: Any) -> Any:
        """These answers screened (``core.screening.screening_decision``) against the
        pharmacy's list, signed through its staff register: one call for every entrance."""
        from compounder.core.screening import screening_decision

        return screening_decision(
            list(self.medicines or ()),
            override=self.override,
            pharmacist=self.pharmacist,
            liver_kidney_history=self.liver_kidney_history,
            acknowledge_unscreened=self.acknowledge_unscreened,
            no_other_medications=self.no_other_medications,
            table=pharmacy.screening(),
            signers=pharmacy.settings.staff,
        )


@dataclass(frozen=True)
class TitrationChoice:
    """The titration's part (start and target step) and the reason for a dose off the
    protocol's steps."""

    start_dose: Decimal | None = None
    target_dose: Decimal | None = None
    off_protocol_reason: str | None = None
    beyond_bud_reason: str | None = None  # a dose's quantity beyond its BUD: why


@dataclass(frozen=True)
class DeliveryOptions:
    """Where and how the labels go: format, resolution, print-size profile, stock,
    printer and output file (None: the settings' or the printer's)."""

    label_format: str | None = None
    dpi: int | None = None
    profile: str | None = None
    stock: str | None = None
    printer: str | None = None
    output: Path | None = None


@dataclass(frozen=True)
class Order:
    """One prescription to dispense, checked: a fixed dose (``dose`` with a quantity or
    days) or a titration (``dose`` None). Values left None take the pharmacy's settings
    when the order is planned."""

    rx: str
    patient: str
    prescriber: str
    dose: Decimal | None = None
    quantity_ml: Decimal | None = None
    days: int | None = None
    concentration: Decimal | None = None
    protocol: str = "ldn-standard"
    vehicle: str | None = None
    source: str | None = None
    fill_date: date | None = None
    start_date: date | None = None
    dose_time: str | None = None
    strength_changed: bool = False
    refills: int | None = None
    language: str = "en"
    languages: tuple[str, str | None] = ("en", None)
    lot: str | None = None
    lot_expiry: tuple[str, ...] = ()
    fill: str | None = None
    syringes: str | None = None
    paper: str | None = None
    patient_dob: date | None = None
    screening: ScreeningAnswers = field(default_factory=ScreeningAnswers)
    titration: TitrationChoice = field(default_factory=TitrationChoice)
    delivery: DeliveryOptions = field(default_factory=DeliveryOptions)

    @property
    def titrating(self) -> bool:
        return self.dose is None

    def prescription(self) -> Order:
        """The order without whom it is for (a batch works alike orders out once)."""
        return replace(
            self,
            rx="",
            patient="",
            prescriber="",
            patient_dob=None,
            screening=ScreeningAnswers(),
        )


class OrderFieldError(CompounderError):
    """A field refused by an entrance that names its fields as columns: the column and
    the reason (the batch turns it into the row's error)."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message

    def __str__(self) -> str:
        return f"{self.column}: {self.message}" if self.column else self.message


def column_message(exc: CompounderError) -> str:
    """A library error's message with the inputs it names written as columns."""
    if isinstance(exc, InputError):
        return exc.problem(COLUMN_OF)
    if isinstance(exc, SafetyError):
        return exc.message(COLUMN_OF)
    return str(exc)


class _Entrance:
    """How one entrance hands in values and names a field in an error."""

    by_column = False

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = values

    def raw(self, name: str) -> Any:
        raise NotImplementedError

    def named(self, name: str) -> str:
        f = BY_NAME[name]
        return f.column if self.by_column else f.option

    def refuse(self, name: str, exc: CompounderError) -> NoReturn:
        """``exc`` blamed on the field ``name`` as this entrance calls it."""
        if self.by_column:
            column = getattr(exc, "field", "")
            raise OrderFieldError(COLUMN_OF.get(column, self.named(name)), column_message(exc))
        if isinstance(exc, InputError) and exc.field != self.named(name):
            raise InputError(
                self.named(name), exc.value, exc.expected, exc.where, exc.private
            ) from None
        raise exc

    def problem(self, name: str, value: str, expected: str) -> NoReturn:
        self.refuse(name, InputError(self.named(name), value, expected))

    def check(self, name: str, work: Callable[..., Any], *args: Any) -> Any:
        try:
            return work(*args)
        except (InputError, SafetyError) as exc:
            self.refuse(name, exc)


class _Options(_Entrance):
    """Values as the command line (or a script) gives them: None when not given."""

    def raw(self, name: str) -> Any:
        return self.values.get(name)


#: what an order file's other_medications cell says when the pharmacist asked and there
#: are none
NO_OTHER_MEDICATIONS = "none"
_TRUE = {"yes", "y", "true", "1"}
_FALSE = {"no", "n", "false", "0", ""}


class _Row(_Entrance):
    """An order file's cells (text): an empty cell is not given; flags are yes/no."""

    by_column = True

    def raw(self, name: str) -> Any:
        column = BY_NAME[name].column
        text = (self.values.get(column) or "").strip() if column else ""
        if name == "no_other_medications":  # other_medications = none: asked, none
            cell = (self.values.get("other_medications") or "").strip().lower()
            return cell == NO_OTHER_MEDICATIONS
        if BY_NAME[name].kind == FLAG:
            value = text.lower()
            if value not in _TRUE | _FALSE:
                raise OrderFieldError(column, f"{text!r} is not accepted; expected yes or no")
            return value in _TRUE
        if name == "other_medications":
            from compounder.core.screening import split_medicines

            if text.lower() == NO_OTHER_MEDICATIONS:
                return ()
            return tuple(split_medicines(text)) if text else None
        return text or None


WHOM = ("rx", "patient", "prescriber")
LABEL_NEEDS = (*WHOM, "start_date")


def order_from_options(*, needs: tuple[str, ...] = LABEL_NEEDS, **options: Any) -> Order:
    """The order the command line (or a script) gives, by field name (``FIELDS``):
    ``dose`` with ``quantity``, or ``titration`` with ``start_date``; InputError
    naming the option at fault. ``needs``: who the order is for, as the command
    requires it, and whether a titration needs its start date (a chart needs neither:
    without dates it counts weeks)."""
    unknown = set(options) - set(BY_NAME)
    if unknown:
        raise TypeError(f"unknown order fields: {', '.join(sorted(unknown))}")
    return _build(_Options(options), needs)


def order_from_row(values: Mapping[str, str]) -> Order:
    """The order an order file's row gives (cells by column); OrderFieldError naming the
    column at fault."""
    for column in REQUIRED_COLUMNS:
        if column != "concentration" and not (values.get(column) or "").strip():
            raise OrderFieldError(column, "is empty; a value is required")
    return _build(_Row(values), LABEL_NEEDS)


def _build(entrance: _Entrance, needs: tuple[str, ...]) -> Order:
    """Every check of an order's fields that needs no pharmacy, for every entrance."""
    raw = entrance.raw
    who = _whom(entrance, needs)
    when = _dates(entrance)
    prescribed = _prescribed(entrance, when, "start_date" in needs)
    dob = raw("patient_dob")
    if dob is not None:
        from compounder.core.dates import parse_date

        born = entrance.check("patient_dob", parse_date, dob, entrance.named("patient_dob"))
        if not date(1900, 1, 1) <= born <= (when["fill_date"] or date.today()):
            entrance.problem(
                "patient_dob", born.isoformat(), "a date of birth from 1900-01-01 to the fill date"
            )
        who["patient_dob"] = born
    return Order(
        **who,
        **when,
        **prescribed,
        **_wording(entrance),
        screening=_screening(entrance),
        titration=_titration(entrance),
        delivery=_delivery(entrance),
        **_extras(entrance),
    )


def _whom(entrance: _Entrance, needs: tuple[str, ...]) -> dict[str, Any]:
    """The Rx, patient and prescriber ("" where the command needs none and none is given)."""
    from compounder.core.identity import check_name, check_rx

    out = {}
    for name in WHOM:
        value = entrance.raw(name)
        if value is None:
            if name in needs:
                entrance.problem(name, "missing", f"{entrance.named(name)} (not empty)")
            out[name] = ""
        elif name == "rx":
            out[name] = entrance.check("rx", check_rx, str(value).strip())
        else:
            out[name] = entrance.check(name, check_name, value, name)
    return out


def _dates(entrance: _Entrance) -> dict[str, Any]:
    from compounder.core.dates import parse_date

    out: dict[str, Any] = {}
    for name in ("fill_date", "start_date"):
        value = entrance.raw(name)
        out[name] = (
            None if value is None else entrance.check(name, parse_date, value, entrance.named(name))
        )
    return out


def _prescribed(entrance: _Entrance, when: dict[str, Any], dated: bool) -> dict[str, Any]:
    """Dose or titration, quantity or days, concentration, and what only one kind takes."""
    from compounder.api.planning import parse_concentration, parse_dose, parse_volume

    raw = entrance.raw
    dose_text = raw("dose")
    titration = bool(raw("titration")) or (
        isinstance(dose_text, str) and dose_text.strip().lower() == TITRATE and entrance.by_column
    )
    out: dict[str, Any] = {}
    if raw("concentration") is not None:
        out["concentration"] = entrance.check(
            "concentration", parse_concentration, str(raw("concentration"))
        )
    if titration:
        for name in ("quantity", "days_supply") if entrance.by_column else ("dose", "quantity"):
            if raw(name) is not None:
                expected = (
                    "an empty cell for a titrate order (its fills are planned from the protocol)"
                    if entrance.by_column
                    else "no --dose or --quantity with --titration (each fill's quantity is "
                    "planned)"
                )
                entrance.problem(name, str(raw(name)), expected)
        fill = raw("fill")
        if when["fill_date"] is not None and fill is not None and str(fill) not in ("1", "all"):
            entrance.problem(
                "fill_date", when["fill_date"].isoformat(),
                "--fill-date with --titration only for the first fill",
            )  # fmt: skip
        start = when["start_date"] or when["fill_date"]
        if start is None and dated:
            entrance.problem("start_date", "missing", "a start date for a titration")
        when["start_date"] = start
        return out
    for name in ("start_date",):
        if raw(name) is not None:
            entrance.problem(name, str(raw(name)), "a start date only for a titration")
    if raw("fill") not in (None, "1"):
        entrance.problem("fill", str(raw("fill")), "--fill only with --titration")
    if dose_text is None:
        what = (
            "a dose or titrate"
            if entrance.by_column
            else ("--dose and --quantity, or --titration with --start-date")
        )
        entrance.problem("dose", "missing", what)
    out["dose"] = entrance.check("dose", parse_dose, str(dose_text))
    quantity, days = raw("quantity"), raw("days_supply")
    if quantity is not None and days is not None:
        entrance.problem("days_supply", str(days), "quantity or days_supply, not both")
    if days is not None:
        out["days"] = _whole(entrance, "days_supply", days, DAYS_SUPPLY)
    elif quantity is not None:
        out["quantity_ml"] = entrance.check(
            "quantity", parse_volume, str(quantity), "quantity", DISPENSED_ML
        )
    else:
        what = "quantity or days_supply" if entrance.by_column else "--dose and --quantity"
        entrance.problem("quantity", "missing", what)
    return out


def _whole(entrance: _Entrance, name: str, value: Any, bounds: tuple[int, int]) -> int:
    text = str(value)
    low, high = bounds
    if not (text.isascii() and text.isdigit()) or len(text) > 9 or not low <= int(text) <= high:
        entrance.problem(name, text[:40], f"a whole number from {low} to {high}")
    return int(text)


def _wording(entrance: _Entrance) -> dict[str, Any]:
    """Dose time, language, NOTE STRENGTH and refills: how the label words the order."""
    from compounder.core.settings import DOSE_TIMES
    from compounder.core.wording import parse_languages

    raw = entrance.raw
    out: dict[str, Any] = {"strength_changed": bool(raw("strength_changed"))}
    dose_time = raw("dose_time")
    if dose_time is not None:
        if dose_time not in DOSE_TIMES:
            entrance.problem("dose_time", str(dose_time), " or ".join(DOSE_TIMES))
        out["dose_time"] = dose_time
    language = raw("language")
    language = "en" if language is None else str(language)
    out["language"] = language
    out["languages"] = entrance.check("language", parse_languages, language)
    if raw("refills") is not None:
        out["refills"] = _whole(entrance, "refills", raw("refills"), REFILLS)
    return out


def _screening(entrance: _Entrance) -> ScreeningAnswers:
    raw = entrance.raw
    medicines = raw("other_medications")
    return ScreeningAnswers(
        tuple(medicines) if medicines is not None else None,
        raw("override"),
        raw("pharmacist"),
        bool(raw("liver_kidney_history")),
        bool(raw("acknowledge_unscreened")),
        bool(raw("no_other_medications")),
    )


def _titration(entrance: _Entrance) -> TitrationChoice:
    from compounder.api.planning import parse_dose

    raw = entrance.raw
    doses: dict[str, Decimal | None] = {}
    for name in ("start_dose", "target_dose"):
        value = raw(name)
        if value is not None and not (raw("titration") or _titrate_cell(entrance)):
            expected = (
                "an empty cell unless dose = titrate"
                if entrance.by_column
                else "--start-dose/--target-dose only with a titration (a single dose: --dose)"
            )
            entrance.problem(name, str(value), expected)
        doses[name] = (
            None
            if value is None
            else value
            if isinstance(value, Decimal)
            else entrance.check(name, parse_dose, str(value), entrance.named(name))
        )
    beyond = raw("beyond_bud_reason")
    if beyond is not None:
        from compounder.core.screening import check_reason

        if raw("titration") or _titrate_cell(entrance):
            entrance.problem(
                "beyond_bud_reason", "given", "an empty cell for a titrate order (its fills "
                "are planned within their BUDs)" if entrance.by_column else
                "--beyond-bud-reason only with a single dose (a titration's fills are planned "
                "within their BUDs)",
            )  # fmt: skip
        beyond = entrance.check("beyond_bud_reason", check_reason, beyond, "beyond-bud-reason")
    return TitrationChoice(
        doses["start_dose"], doses["target_dose"], raw("off_protocol_reason"), beyond
    )


def _titrate_cell(entrance: _Entrance) -> bool:
    dose = entrance.raw("dose")
    return entrance.by_column and isinstance(dose, str) and dose.strip().lower() == TITRATE


def _delivery(entrance: _Entrance) -> DeliveryOptions:
    raw = entrance.raw
    output = raw("output")
    return DeliveryOptions(
        raw("label_format"),
        raw("dpi"),
        raw("profile"),
        raw("stock"),
        raw("printer"),
        Path(output) if output is not None else None,
    )


def _extras(entrance: _Entrance) -> dict[str, Any]:
    """Fields only some entrances have, taken as given (checked where they are used)."""
    raw = entrance.raw
    out: dict[str, Any] = {}
    for name in ("protocol", "vehicle", "source", "lot", "syringes", "paper"):
        if raw(name) is not None:
            out[name] = str(raw(name))
    if raw("lot_expiry"):
        out["lot_expiry"] = tuple(raw("lot_expiry"))
    fill = raw("fill")
    if fill is not None:
        fill = str(fill)
        if fill != "all" and (not (fill.isascii() and fill.isdigit()) or not 1 <= int(fill) <= 999):
            entrance.problem("fill", fill, "a fill number (1, 2, ...) or all")
        out["fill"] = fill if fill == "all" else str(int(fill))
    return out


def field_table_markdown() -> str:
    """The order-file field table (docs/order-file.md), generated from ``FIELDS``."""
    rows = [
        "| Column | Option | Group | What it holds |",
        "|---|---|---|---|",
    ]
    for f in FIELDS:
        if not f.column and not f.option:
            continue
        column = f"`{f.column}`" if f.column else "-"
        if f.name == "dose":
            column = "`dose`"
        option = f"`{f.flag}`" if f.flag else "-"
        if f.name == "dose_time":
            option = "`--morning`"
        required = " (required)" if f.column in REQUIRED_COLUMNS else ""
        rows.append(f"| {column}{required} | {option} | {f.group} | {f.column_help or f.help} |")
    return "\n".join(rows) + "\n"


def check_order_dates(order: Order, settings: Any) -> None:
    """An order dated after now (its fill date, beyond the clock skew) is refused
    unless the pharmacy's settings allow pre-dating (``[records]``): one rule for every
    entrance that dispenses (``label``, a batch row); InputError naming ``fill-date``
    (a batch names the ``fill_date`` column). A titration's later fills, dated by its
    plan, are not typed dates and are not refused."""
    from compounder.core.dates import check_not_after_now

    if order.fill_date is not None:
        check_not_after_now(
            order.fill_date, "fill-date",
            allow_future=settings.records.allow_future_dates,
            skew_minutes=settings.records.clock_skew_minutes,
        )  # fmt: skip
