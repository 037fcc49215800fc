"""Every option more than one command takes, defined once, and how JSON is printed.

Commands import their options from here, so ``--concentration`` or ``--db`` reads the
same (name, short form, help) wherever it appears.
"""

import contextlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

ProtocolOpt = Annotated[
    str,
    typer.Option(
        "--protocol",
        "-p",
        help="Protocol id (ldn-standard, ldn-slow-start, ldn-weekly) or a protocol .toml file.",
    ),
]
ConcentrationOpt = Annotated[
    str | None,
    typer.Option("--concentration", "-c", help="Concentration, e.g. '1 mg/mL'."),
]
RequiredConcentrationOpt = Annotated[
    str, typer.Option("--concentration", "-c", help="e.g. '1 mg/mL'.")
]
VolumeOpt = Annotated[str, typer.Option("--volume", help="Volume wanted, e.g. '30 mL'.")]
StartDateOpt = Annotated[
    str | None, typer.Option("--start-date", help="First day of the first step, YYYY-MM-DD.")
]
SyringesOpt = Annotated[
    Path | None, typer.Option("--syringes", help="Your own syringe catalogue (.toml).")
]
CandidatesOpt = Annotated[
    Path | None,
    typer.Option("--candidates", help="Your own candidate concentrations (.toml)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
AlsoJsonOpt = Annotated[
    bool, typer.Option("--json", help="Also print what was printed (its text) as JSON.")
]
VehicleOpt = Annotated[
    str | None,
    typer.Option(
        "--vehicle",
        help="Vehicle id from vehicles.toml: water, fawcett-preserved (default: the settings').",
    ),
]
LotOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--lot-expiry",
        help="An ingredient lot's expiry: DATE, LABEL:DATE or INGREDIENT:LOT:DATE. Repeatable.",
    ),
]
IngredientLotOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--ingredient-lot",
        help="INGREDIENT:LOT:EXPIRY of each ingredient used, optionally followed by "
        ":source=...:manufacturer=...:ndc=... Repeatable.",
    ),
]
LotsFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--lots-file",
        help="CSV of lots: ingredient,lot,expiry (then optionally source,manufacturer,ndc).",
    ),
]
SourceOpt = Annotated[
    str | None,
    typer.Option(
        "--from",
        help="tablets, powder, base-powder or a source id (sources.toml); default: the settings'.",
    ),
]
AssayOpt = Annotated[
    str | None, typer.Option("--assay", help="Powder assay (anhydrous basis), e.g. 99.2%.")
]
WaterOpt = Annotated[str | None, typer.Option("--water", help="Powder water content, e.g. 0.8%.")]
PdfOutOpt = Annotated[
    Path, typer.Option("--output", "-o", help="PDF file to write ('-': standard output).")
]
LanguageOpt = Annotated[
    str,
    typer.Option(
        "--language",
        help="Wording language: en, es, or en+es (English label, Spanish directions beneath).",
    ),
]
ProfileOpt = Annotated[
    str | None,
    typer.Option(
        "--profile",
        help="Label print sizes: usp17, california or large-print (default: the settings').",
    ),
]
MorningOpt = Annotated[bool, typer.Option("--morning", help="Morning dosing instead of bedtime.")]
RxOpt = Annotated[str, typer.Option("--rx", help="Prescription (Rx) number.")]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="The compounding log: a file, a sqlite:///path URL or a "
        "postgresql://user@host/dbname URL (default: COMPOUNDER_DB, then \\[log] url in the "
        "settings, then the user data folder).",
    ),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Pharmacy settings file (default: ./compounder.toml, then the user config folder).",
    ),
]


def check_settings(config: Path | None) -> None:
    """Commands whose results no setting changes (plan, strengths, stocks) still check
    a settings file given with --config: a fault in it is exit 4, as everywhere."""
    if config is not None:
        from compounder.core.pharmacy import open_pharmacy

        open_pharmacy(config)


VerboseOpt = Annotated[
    bool,
    typer.Option("--verbose", "-v", help="Say which log is read (on stderr), even the default."),
]


def which_log(db: str | None, config: Path | None, verbose: bool = False) -> str | Path:
    """The log a command reads (``--db``, COMPOUNDER_DB, ``[log] url`` of the settings,
    else the default), named on stderr when something other than the command line
    chose it (COMPOUNDER_DB or the settings; always with -v)."""
    from compounder.log.location import find_log

    place = find_log(db, config)
    if verbose or place.origin in ("COMPOUNDER_DB", "settings"):
        typer.echo(f"compounder: log: {place.describe()}", err=True)
    return place.where


LabelFormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format",
        help="pdf (default), zpl (thermal printers) or png (a preview at the stock's size); "
        "with --print, the printer's format.",
    ),
]
ReprintFormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format",
        help="pdf, zpl (thermal printers) or png (a preview at the stock's size) (default: "
        "the output's suffix, else the original label's; with --print, the printer's format).",
    ),
]
DpiOpt = Annotated[
    int | None,
    typer.Option("--dpi", help="Printer resolution for zpl and png: 203 or 300 (default: "
                 "the printer's, else 203)."),
]
PrintOpt = Annotated[
    str | None,
    typer.Option(
        "--print",
        help="Send to a printer: a name from the settings (\\[printers.NAME]), "
        "socket://HOST:PORT (raw TCP, e.g. port 9100) or a CUPS queue.",
    ),
]
LabelOutOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="File to write (.pdf, .zpl or .png; '-': standard output); optional with --print.",
    ),
]


#: whether the running command has printed its JSON document (an error after it then
#: goes to stderr only: stdout holds one document)
_printed = {"json": False}


def print_json(contract: str, data: dict[str, Any]) -> None:
    """A ``--json`` document for scripts: contract ``contract`` (core/contracts.py,
    its ``schema_version`` first), indented, non-ASCII kept as is."""
    from compounder.core.contracts import stamped

    typer.echo(json.dumps(stamped(contract, data), indent=2, ensure_ascii=False))
    _printed["json"] = True


def write_stdout(data: bytes) -> None:
    """A label or chart to standard output (``-o -``), once its entry is committed."""
    typer.echo(data, nl=False)


@contextlib.contextmanager
def stdout_despite_printer(stdout: bool, data_of: Callable[[Any], bytes]) -> Iterator[None]:
    """With -o -, a label whose printer failed after its entry was committed is still
    written to standard output (``data_of(made)``), as a file would be, before the
    error (exit 5)."""
    from compounder.api.printers import PrintError

    try:
        yield
    except PrintError as exc:
        if stdout and exc.made is not None:
            write_stdout(data_of(exc.made))
        raise


def refuse_json_to_stdout(output: Any, as_json: bool) -> None:
    """``-o -`` with ``--json``: refused, standard output holds the label (or chart)."""
    from compounder.atomic import to_stdout
    from compounder.errors import InputError

    if as_json and to_stdout(output):
        raise InputError(
            "output", "-", "a file name with --json (-o - writes the file itself to stdout)"
        )


def json_printed(reset: bool = False) -> bool:
    """Whether the running command printed its JSON document; ``reset``: a command begins."""
    if reset:
        _printed["json"] = False
    return _printed["json"]


# Titration to the dose that suits the patient (core/titration) and medication screening
# (core/screening): the same options on every command that takes them.
StartDoseOpt = Annotated[
    str | None,
    typer.Option("--start-dose", help="Start (or restart) at this step, e.g. '2.5 mg'."),
]
TargetDoseOpt = Annotated[
    str | None,
    typer.Option("--target-dose", help="Stop rising at this step and stay there (maintenance)."),
]
OffProtocolReasonOpt = Annotated[
    str | None,
    typer.Option(
        "--off-protocol-reason",
        help="Why a dose off the protocol's steps is given (logged, printed on the "
        "record); above the protocol's maximum also --pharmacist.",
    ),
]
BeyondBudReasonOpt = Annotated[
    str | None,
    typer.Option(
        "--beyond-bud-reason",
        help="Why a quantity beyond what the patient can use before the BUD is dispensed "
        "(logged; the rest is discarded at the BUD). Refused when the quantity is used "
        "up before the BUD (not needed).",
    ),
]
OtherMedicationOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--other-medication",
        help="A medicine the patient also takes, as written (screened part by part; a "
        "stop or an unidentified word refuses the order). Repeatable.",
    ),
]
OverrideOpt = Annotated[
    str | None,
    typer.Option(
        "--override", help="Proceed despite a screening stop: the reason (logged, on the record)."
    ),
]
PharmacistOpt = Annotated[
    str | None,
    typer.Option(
        "--pharmacist",
        help="Initials of the pharmacist who overrides, acknowledges or gives a reason.",
    ),
]
AcknowledgeOpt = Annotated[
    bool,
    typer.Option(
        "--acknowledge-unscreened",
        help="Proceed with a medicine the screening cannot identify, checked by the "
        "pharmacist (--pharmacist; logged, on the record).",
    ),
]
NoOtherMedicationsOpt = Annotated[
    bool,
    typer.Option(
        "--no-other-medications",
        help="The pharmacist asked: the patient takes no other medicines (on the record).",
    ),
]
LiverKidneyOpt = Annotated[
    bool,
    typer.Option(
        "--liver-kidney-history",
        help="The patient has had liver or kidney problems: a caution on the record and handout.",
    ),
]


# The patient's name, kept off the command line (which every local user sees in ps)
PatientFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--patient-file",
        help="Read the patient's name from this file (one line), not the command line.",
    ),
]
PATIENT_MAX_BYTES = 1024


def patient_name(patient: str | None, patient_file: Path | None, required: bool) -> str | None:
    """The patient's name as given: ``--patient NAME``, ``--patient -`` (read from
    standard input) or ``--patient-file FILE``, one line of UTF-8 text (a final line
    break is dropped). InputError, never repeating what was read, for both or (when
    ``required``) neither, an unreadable source, or more than one line."""
    import sys

    from compounder.errors import InputError

    expected = "--patient NAME, --patient - (the name on standard input) or --patient-file FILE"
    if patient is not None and patient_file is not None:
        raise InputError("patient", "both given", f"one of {expected}")
    if patient is None and patient_file is None:
        if required:
            raise InputError("patient", "missing", expected)
        return None
    if patient is not None and patient != "-":
        return patient
    where = "standard input" if patient_file is None else "--patient-file"
    try:
        if patient_file is None:
            data = sys.stdin.buffer.read(PATIENT_MAX_BYTES + 1)
        else:
            with open(patient_file, "rb") as handle:
                data = handle.read(PATIENT_MAX_BYTES + 1)
        text = data.decode("utf-8")
    except OSError as exc:
        raise InputError(
            "patient-file", str(patient_file), f"a readable file ({exc.strerror or exc})"
        ) from None
    except UnicodeDecodeError:
        raise InputError(
            "patient", where, "the patient's name as UTF-8 text", private=True
        ) from None
    lines = text.removesuffix("\n").removesuffix("\r").split("\n")
    if len(data) > PATIENT_MAX_BYTES or len(lines) != 1:
        raise InputError(
            "patient", where, "the patient's name on one line (a short text)", private=True
        )
    return lines[0]


# Option groups: the options of one group of an order's fields (``api.orders.FIELDS``),
# defined once and applied to a command as a whole (``with_options``); ``--help`` shows
# each group in its own panel. A field added to a group (api.orders) and here reaches
# every command that takes the group.
ORDER_PANEL, SCREENING_PANEL, TITRATION_PANEL, OUTPUT_PANEL, LOG_PANEL = (
    "Order",
    "Screening",
    "Titration",
    "Output",
    "Log",
)


def in_panel(option: Any, panel: str) -> Any:
    """``option`` (an Annotated typer option) shown in ``panel`` of --help."""
    from copy import copy

    kind, info = option.__origin__, copy(option.__metadata__[0])
    info.rich_help_panel = panel
    return Annotated[kind, info]


OptionGroup = dict[str, tuple[Any, Any]]  # parameter -> (annotated option, default)

SCREENING_OPTIONS: OptionGroup = {
    "other_medication": (in_panel(OtherMedicationOpt, SCREENING_PANEL), None),
    "override": (in_panel(OverrideOpt, SCREENING_PANEL), None),
    "pharmacist": (in_panel(PharmacistOpt, SCREENING_PANEL), None),
    "liver_kidney_history": (in_panel(LiverKidneyOpt, SCREENING_PANEL), False),
    "acknowledge_unscreened": (in_panel(AcknowledgeOpt, SCREENING_PANEL), False),
    "no_other_medications": (in_panel(NoOtherMedicationsOpt, SCREENING_PANEL), False),
}
TITRATION_OPTIONS: OptionGroup = {
    "start_dose": (in_panel(StartDoseOpt, TITRATION_PANEL), None),
    "target_dose": (in_panel(TargetDoseOpt, TITRATION_PANEL), None),
    "off_protocol_reason": (in_panel(OffProtocolReasonOpt, TITRATION_PANEL), None),
}
LABEL_OUTPUT_OPTIONS: OptionGroup = {
    "output": (in_panel(LabelOutOpt, OUTPUT_PANEL), None),
    "label_format": (in_panel(LabelFormatOpt, OUTPUT_PANEL), None),
    "dpi": (in_panel(DpiOpt, OUTPUT_PANEL), None),
    "printer": (in_panel(PrintOpt, OUTPUT_PANEL), None),
    "profile": (in_panel(ProfileOpt, OUTPUT_PANEL), None),
    "stock": (
        Annotated[
            str | None,
            typer.Option("--stock", help="Label stock id or file.", rich_help_panel=OUTPUT_PANEL),
        ],
        None,
    ),
}
LOG_OPTIONS: OptionGroup = {
    "db": (in_panel(DbOpt, LOG_PANEL), None),
}


def with_options(*groups: OptionGroup) -> Any:
    """Add each group's options to a command (its ``**options`` receives them), as
    sqlite-utils applies ``output_options``: a group is written once, here."""
    import functools
    import inspect

    def wrap(command: Any) -> Any:
        signature = inspect.signature(command)
        own = [p for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]
        added = [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=kind, default=value)
            for group in groups
            for name, (kind, value) in group.items()
        ]

        @functools.wraps(command)
        def wrapper(*args: Any, **options: Any) -> Any:
            return command(*args, **options)

        parameters = own + added
        wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
        return wrapper

    return wrap


def order_fields(options: dict[str, Any]) -> dict[str, Any]:
    """The command line's options as an order's fields (``api.orders.FIELDS``)."""
    renamed = {"other_medication": "other_medications"}
    fields = {renamed.get(k, k): v for k, v in options.items() if k != "as_json"}
    if "morning" in fields:
        fields["dose_time"] = "morning" if fields.pop("morning") else None
    if fields.get("other_medications") is not None:
        fields["other_medications"] = tuple(fields["other_medications"])
    if fields.get("lot_expiry") is not None:
        fields["lot_expiry"] = tuple(fields["lot_expiry"])
    return fields
