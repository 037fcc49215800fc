"""Commands that print for the patient: label, chart, and the label stocks."""

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from compounder.atomic import to_stdout
from compounder.cli.options import (
    LABEL_OUTPUT_OPTIONS,
    LOG_OPTIONS,
    ORDER_PANEL,
    SCREENING_OPTIONS,
    TITRATION_OPTIONS,
    AlsoJsonOpt,
    BeyondBudReasonOpt,
    ConcentrationOpt,
    ConfigOpt,
    JsonOpt,
    LanguageOpt,
    LotOpt,
    MorningOpt,
    PatientFileOpt,
    PdfOutOpt,
    ProtocolOpt,
    SourceOpt,
    StartDateOpt,
    SyringesOpt,
    VehicleOpt,
    check_settings,
    in_panel,
    order_fields,
    patient_name,
    print_json,
    refuse_json_to_stdout,
    stdout_despite_printer,
    with_options,
    write_stdout,
)


def json_when_print_fails(
    contract: str, to_json: Callable[..., Any]
) -> Callable[[Any], Any]:
    """A command with --json whose printer failed (PrintError, exit 5) after its files
    and log entry were committed still prints its JSON (contract ``contract``:
    ``to_json(made, **options)``), saying what was written and that it did not print;
    the error follows on stderr (stdout holds one document)."""

    def wrap(command: Any) -> Any:
        @functools.wraps(command)
        def wrapper(*args: Any, **options: Any) -> Any:
            from compounder.api.printers import PrintError

            try:
                return command(*args, **options)
            except PrintError as exc:
                if options.get("as_json") and exc.made is not None:
                    print_json(contract, to_json(exc.made, **options))
                raise

        return wrapper

    return wrap


def label_json(run: Any, output: Any = None, printer: str | None = None, **_: Any) -> Any:
    """What ``label --json`` prints: the labels and, with --print, the printing outcome
    (``printing``: printed true/false, printer, job or error, the ``print`` entry)."""
    return {
        "output": str(output) if output else None,
        "files": list(run.written),  # label-1.png, label-2.png... for several previews
        "format": run.format,
        "printer": printer,
        "printing": run.printing,
        "labels": [c.to_dict() for c in run.contents],
        "label_count": run.label_count,
        "notes": run.notes,
        "screening": run.screening.to_dict(),
        "off_protocol_reason": run.off_protocol_reason or None,
    }


P = ORDER_PANEL


@json_when_print_fails("label", label_json)
@with_options(SCREENING_OPTIONS, TITRATION_OPTIONS, LABEL_OUTPUT_OPTIONS, LOG_OPTIONS)
def label(
    rx: Annotated[
        str | None,
        typer.Option("--rx", help="Prescription (Rx) number.", rich_help_panel=P),
    ] = None,
    prescriber: Annotated[
        str | None, typer.Option("--prescriber", help="Prescriber name.", rich_help_panel=P)
    ] = None,
    from_fhir: Annotated[
        Path | None,
        typer.Option(
            "--from-fhir",
            help="The order from a FHIR MedicationRequest (a .json file holding one): its "
            "Rx, patient, prescriber, dose, quantity... (docs/exchange.md).",
            rich_help_panel=P,
        ),
    ] = None,
    patient: Annotated[
        str | None,
        typer.Option(
            "--patient", help="Patient name as on the Rx ('-': read from stdin).", rich_help_panel=P
        ),
    ] = None,
    patient_file: in_panel(PatientFileOpt, P) = None,  # type: ignore[valid-type]
    dose: Annotated[
        str | None, typer.Option("--dose", help="Dose, e.g. '1.5 mg'.", rich_help_panel=P)
    ] = None,
    quantity: Annotated[
        str | None,
        typer.Option("--quantity", help="Quantity dispensed, e.g. '25 mL'.", rich_help_panel=P),
    ] = None,
    titration: Annotated[
        bool,
        typer.Option(
            "--titration", help="One label per fill of the whole titration.", rich_help_panel=P
        ),
    ] = False,
    start_date: in_panel(StartDateOpt, P) = None,  # type: ignore[valid-type]
    concentration: in_panel(ConcentrationOpt, P) = None,  # type: ignore[valid-type]
    protocol: in_panel(ProtocolOpt, P) = "ldn-standard",  # type: ignore[valid-type]
    vehicle: in_panel(VehicleOpt, P) = None,  # type: ignore[valid-type]
    source: in_panel(SourceOpt, P) = None,  # type: ignore[valid-type]
    fill_date: Annotated[
        str | None,
        typer.Option(
            "--fill-date", help="Date filled, YYYY-MM-DD (default today).", rich_help_panel=P
        ),
    ] = None,
    lot: Annotated[
        str | None,
        typer.Option("--lot", help="Lot number of the preparation.", rich_help_panel=P),
    ] = None,
    morning: in_panel(MorningOpt, P) = False,  # type: ignore[valid-type]
    strength_changed: Annotated[
        bool,
        typer.Option(
            "--strength-changed",
            help="Add NOTE STRENGTH: the concentration differs from the previous fill.",
            rich_help_panel=P,
        ),
    ] = False,
    refills: Annotated[
        int | None,
        typer.Option("--refills", help="Refills left (printed 'Refills: N').", rich_help_panel=P),
    ] = None,
    lot_expiry: in_panel(LotOpt, P) = None,  # type: ignore[valid-type]
    language: in_panel(LanguageOpt, P) = "en",  # type: ignore[valid-type]
    fill: Annotated[
        str | None,
        typer.Option(
            "--fill",
            help="With --titration: the fill to print, 1 (default) to N, or 'all' to pre-print.",
            rich_help_panel=P,
        ),
    ] = None,
    beyond_bud_reason: in_panel(BeyondBudReasonOpt, P) = None,  # type: ignore[valid-type]
    config: ConfigOpt = None,
    as_json: AlsoJsonOpt = False,
    **options: Any,
) -> None:
    """Print container labels: a PDF at the label stock's exact size, ZPL for a thermal
    printer or a PNG preview; --print sends them to a printer.

    Example: compounder label --rx 1234567 --patient "Jane Doe" --prescriber "Dr A. Smith"
    --dose 1.5mg --concentration 1mg/mL --quantity 25mL -o label.pdf

    Or the order from a FHIR MedicationRequest: compounder label --from-fhir request.json
    -o label.pdf (filled today, or on --fill-date).

    The patient's other medicines (--other-medication, repeatable) are screened first:
    a stop refuses (exit 3) unless --override "reason" --pharmacist INITIALS.
    """
    from compounder.api.dispensing import make_labels
    from compounder.api.orders import order_from_options
    from compounder.errors import InputError

    output, printer = options["output"], options["printer"]
    if output is None and printer is None:
        raise InputError("output", "missing", "--output FILE, --print PRINTER, or both")
    refuse_json_to_stdout(output, as_json)
    given = {k: v for k, v in locals().items() if k not in _NOT_FIELDS}
    given["patient"] = patient_name(patient, patient_file, required=from_fhir is None)
    fields = order_fields({**given, **options})
    del fields["db"]
    if from_fhir is not None:
        from compounder.fhir.request_order import order_from_request

        order = order_from_request(from_fhir, **fields)
    else:
        order = order_from_options(**fields)
    stdout = to_stdout(output)
    with stdout_despite_printer(stdout, lambda made: made.files[0]):
        run = make_labels(order, config=config, db=options["db"])
    if stdout:
        write_stdout(run.files[0])
    if as_json:
        print_json("label", label_json(run, output, printer))
    else:
        count = run.label_count or len(run.contents)
        labels = f"{count} label{'s' if count != 1 else ''}"
        if count != len(run.contents):  # continuation labels: say for how many containers
            containers = len(run.contents)
            labels += f" for {containers} container{'s' if containers != 1 else ''}"
        if output is not None:
            from compounder.content.reports import files_text

            where = "standard output" if stdout else files_text(list(run.written))
            typer.echo(f"Wrote {labels} to {where}", err=stdout)
        if printer is not None:
            typer.echo(f"Printed {labels} on {printer}", err=stdout)
        for note in run.notes:
            typer.echo(f"Note: {note}", err=stdout)


# a command's own names that are not an order's fields
_NOT_FIELDS = {
    "options",
    "from_fhir",
    "order_from_request",
    "patient_file",
    "config",
    "as_json",
    "db",
    "make_labels",
    "make_chart",
    "order_from_options",
    "InputError",
    "output",
    "printer",
    "paper_",
}


@with_options(SCREENING_OPTIONS, TITRATION_OPTIONS)
def chart(
    output: PdfOutOpt,
    start_date: in_panel(StartDateOpt, P) = None,  # type: ignore[valid-type]
    concentration: in_panel(ConcentrationOpt, P) = None,  # type: ignore[valid-type]
    patient: Annotated[
        str | None,
        typer.Option(
            "--patient",
            help="Patient name printed on the chart ('-': from stdin).",
            rich_help_panel=P,
        ),
    ] = None,
    patient_file: in_panel(PatientFileOpt, P) = None,  # type: ignore[valid-type]
    protocol: in_panel(ProtocolOpt, P) = "ldn-standard",  # type: ignore[valid-type]
    vehicle: in_panel(VehicleOpt, P) = None,  # type: ignore[valid-type]
    source: in_panel(SourceOpt, P) = None,  # type: ignore[valid-type]
    paper: Annotated[
        str | None, typer.Option("--paper", help="letter or a4 (default: the settings').")
    ] = None,
    language: in_panel(LanguageOpt, P) = "en",  # type: ignore[valid-type]
    morning: in_panel(MorningOpt, P) = False,  # type: ignore[valid-type]
    syringes: SyringesOpt = None,
    config: ConfigOpt = None,
    as_json: AlsoJsonOpt = False,
    **options: Any,
) -> None:
    """Print the patient's oral-syringe dosing chart and handout (letter or A4); with
    --language en+es the English chart and then the Spanish one.

    Every step's dates (or week numbers without --start-date), dose and volume, the
    syringe drawn to scale and filled to the step's volume, and a tick box for each day.

    Example: compounder chart --start-date 2026-12-01 --concentration 1mg/mL
    --patient "Jane Doe" -o chart.pdf
    """
    from compounder.api.dispensing import make_chart
    from compounder.api.orders import order_from_options

    given = {k: v for k, v in locals().items() if k not in _NOT_FIELDS}
    given["patient"] = patient_name(patient, patient_file, required=False)
    fields = order_fields({**given, **options, "titration": True})
    fields["syringes"] = str(syringes) if syringes is not None else None
    order = order_from_options(needs=(), **fields)
    refuse_json_to_stdout(output, as_json)
    run = make_chart(order, output, config=config)
    stdout = to_stdout(output)
    if stdout:
        write_stdout(run.pdf)
    if as_json:
        print_json(
            "chart",
            {
                "output": str(output),
                "chart": run.content.to_dict(),
                "charts": [c.to_dict() for c in run.contents],
                "screening": run.screening.to_dict(),
                "off_protocol_reason": run.off_protocol_reason or None,
                "notes": list(run.notes),
            }
        )
    else:
        steps = len(run.content.steps)
        both = f" in {len(run.contents)} languages" if len(run.contents) > 1 else ""
        where = "standard output" if stdout else output
        typer.echo(f"Wrote the dosing chart ({steps} steps){both} to {where}", err=stdout)
        for note in run.notes:
            typer.echo(f"Note: {note}", err=stdout)


def stocks(config: ConfigOpt = None, as_json: JsonOpt = False) -> None:
    """List the label stocks (templates/stocks/*.toml).

    Example: compounder stocks
    """
    from compounder.content.reports import stocks_report
    from compounder.core.stocks import load_stock, shipped_stocks

    check_settings(config)
    found = [load_stock(name) for name in shipped_stocks()]
    if as_json:
        print_json("stocks", {"stocks": [stock_dict(s) for s in found]})
    else:
        typer.echo(stocks_report(found))


def stock_dict(stock: Any) -> dict[str, Any]:
    from compounder.core.units import format_number

    return {
        "id": stock.id,
        "name": stock.name,
        "kind": stock.kind,
        "width_mm": format_number(stock.width_mm),
        "height_mm": format_number(stock.height_mm),
        "paper": stock.paper or None,
        "labels_per_page": stock.per_page,
    }
