"""Commands that print for the patient: label, chart, and the label stocks."""

import functools
from collections.abc import Callable
from typing import Annotated, Any

import typer

from compounder.cli.options import (
    AcknowledgeOpt,
    AlsoJsonOpt,
    BeyondBudReasonOpt,
    ConcentrationOpt,
    ConfigOpt,
    DbOpt,
    DpiOpt,
    JsonOpt,
    LabelFormatOpt,
    LabelOutOpt,
    LanguageOpt,
    LiverKidneyOpt,
    LotOpt,
    MorningOpt,
    NoOtherMedicationsOpt,
    OffProtocolReasonOpt,
    OtherMedicationOpt,
    OverrideOpt,
    PatientFileOpt,
    PdfOutOpt,
    PharmacistOpt,
    PrintOpt,
    ProfileOpt,
    ProtocolOpt,
    RxOpt,
    SourceOpt,
    StartDateOpt,
    StartDoseOpt,
    SyringesOpt,
    TargetDoseOpt,
    VehicleOpt,
    check_settings,
    patient_name,
    print_json,
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


@json_when_print_fails("label", label_json)
def label(
    rx: RxOpt,
    prescriber: Annotated[str, typer.Option("--prescriber", help="Prescriber name.")],
    patient: Annotated[
        str | None,
        typer.Option("--patient", help="Patient name as on the Rx ('-': read from stdin)."),
    ] = None,
    patient_file: PatientFileOpt = None,
    output: LabelOutOpt = None,
    dose: Annotated[str | None, typer.Option("--dose", help="Dose, e.g. '1.5 mg'.")] = None,
    quantity: Annotated[
        str | None, typer.Option("--quantity", help="Quantity dispensed, e.g. '25 mL'.")
    ] = None,
    titration: Annotated[
        bool, typer.Option("--titration", help="One label per fill of the whole titration.")
    ] = False,
    start_date: StartDateOpt = None,
    concentration: ConcentrationOpt = None,
    protocol: ProtocolOpt = "ldn-standard",
    vehicle: VehicleOpt = None,
    source: SourceOpt = None,
    fill_date: Annotated[
        str | None, typer.Option("--fill-date", help="Date filled, YYYY-MM-DD (default today).")
    ] = None,
    lot: Annotated[str | None, typer.Option("--lot", help="Lot number of the preparation.")] = None,
    morning: MorningOpt = False,
    strength_changed: Annotated[
        bool,
        typer.Option(
            "--strength-changed",
            help="Add NOTE STRENGTH: the concentration differs from the previous fill.",
        ),
    ] = False,
    stock: Annotated[str | None, typer.Option("--stock", help="Label stock id or file.")] = None,
    lot_expiry: LotOpt = None,
    language: LanguageOpt = "en",
    config: ConfigOpt = None,
    db: DbOpt = None,
    fill: Annotated[
        str | None,
        typer.Option(
            "--fill",
            help="With --titration: the fill to print, 1 (default) to N, or 'all' to pre-print.",
        ),
    ] = None,
    other_medication: OtherMedicationOpt = None,
    override: OverrideOpt = None,
    pharmacist: PharmacistOpt = None,
    liver_kidney_history: LiverKidneyOpt = False,
    acknowledge_unscreened: AcknowledgeOpt = False,
    no_other_medications: NoOtherMedicationsOpt = False,
    start_dose: StartDoseOpt = None,
    target_dose: TargetDoseOpt = None,
    off_protocol_reason: OffProtocolReasonOpt = None,
    beyond_bud_reason: BeyondBudReasonOpt = None,
    label_format: LabelFormatOpt = None,
    dpi: DpiOpt = None,
    printer: PrintOpt = None,
    profile: ProfileOpt = None,
    as_json: AlsoJsonOpt = False,
) -> None:
    """Print container labels: a PDF at the label stock's exact size, ZPL for a thermal
    printer or a PNG preview; --print sends them to a printer.

    Example: compounder label --rx 1234567 --patient "Jane Doe" --prescriber "Dr A. Smith"
    --dose 1.5mg --concentration 1mg/mL --quantity 25mL -o label.pdf

    The patient's other medicines (--other-medication, repeatable) are screened first:
    a stop refuses (exit 3) unless --override "reason" --pharmacist INITIALS.
    """
    from compounder.api.dispensing import make_labels
    from compounder.errors import InputError

    if output is None and printer is None:
        raise InputError("output", "missing", "--output FILE, --print PRINTER, or both")

    run = make_labels(
        rx,
        patient_name(patient, patient_file, required=True) or "",
        prescriber,
        output,
        dose=dose,
        quantity=quantity,
        titration=titration,
        start_date=start_date,
        concentration=concentration,
        protocol=protocol,
        vehicle=vehicle,
        source=source,
        fill_date=fill_date,
        lot=lot,
        dose_time="morning" if morning else None,
        strength_changed=strength_changed,
        stock=stock,
        config=config,
        lot_expiry=tuple(lot_expiry or ()),
        language=language,
        db=db,
        fill=fill,
        other_medications=tuple(other_medication or ()),
        override=override,
        pharmacist=pharmacist,
        liver_kidney_history=liver_kidney_history,
        acknowledge_unscreened=acknowledge_unscreened,
        no_other_medications=no_other_medications,
        start_dose=start_dose,
        target_dose=target_dose,
        off_protocol_reason=off_protocol_reason,
        beyond_bud_reason=beyond_bud_reason,
        label_format=label_format,
        dpi=dpi,
        printer=printer,
        profile=profile,
    )
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

            typer.echo(f"Wrote {labels} to {files_text(list(run.written) or [str(output)])}")
        if printer is not None:
            typer.echo(f"Printed {labels} on {printer}")
        for note in run.notes:
            typer.echo(f"Note: {note}")


def chart(
    output: PdfOutOpt,
    start_date: StartDateOpt = None,
    concentration: ConcentrationOpt = None,
    patient: Annotated[
        str | None,
        typer.Option("--patient", help="Patient name printed on the chart ('-': from stdin)."),
    ] = None,
    patient_file: PatientFileOpt = None,
    protocol: ProtocolOpt = "ldn-standard",
    vehicle: VehicleOpt = None,
    paper: Annotated[
        str | None, typer.Option("--paper", help="letter or a4 (default: the settings').")
    ] = None,
    language: LanguageOpt = "en",
    morning: MorningOpt = False,
    syringes: SyringesOpt = None,
    config: ConfigOpt = None,
    other_medication: OtherMedicationOpt = None,
    override: OverrideOpt = None,
    pharmacist: PharmacistOpt = None,
    liver_kidney_history: LiverKidneyOpt = False,
    acknowledge_unscreened: AcknowledgeOpt = False,
    no_other_medications: NoOtherMedicationsOpt = False,
    start_dose: StartDoseOpt = None,
    target_dose: TargetDoseOpt = None,
    off_protocol_reason: OffProtocolReasonOpt = None,
    as_json: AlsoJsonOpt = False,
) -> None:
    """Print the patient's oral-syringe dosing chart and handout (letter or A4).

    Every step's dates (or week numbers without --start-date), dose and volume, the
    syringe drawn to scale and filled to the step's volume, and a tick box for each day.

    Example: compounder chart --start-date 2026-12-01 --concentration 1mg/mL
    --patient "Jane Doe" -o chart.pdf
    """
    from compounder.api.dispensing import make_chart

    run = make_chart(
        output,
        start_date=start_date,
        concentration=concentration,
        patient=patient_name(patient, patient_file, required=False),
        protocol=protocol,
        vehicle=vehicle,
        paper=paper,
        language=language,
        dose_time="morning" if morning else None,
        config=config,
        syringes=syringes,
        other_medications=tuple(other_medication or ()),
        override=override,
        pharmacist=pharmacist,
        liver_kidney_history=liver_kidney_history,
        acknowledge_unscreened=acknowledge_unscreened,
        no_other_medications=no_other_medications,
        start_dose=start_dose,
        target_dose=target_dose,
        off_protocol_reason=off_protocol_reason,
    )
    if as_json:
        print_json(
            "chart",
            {
                "output": str(output),
                "chart": run.content.to_dict(),
                "screening": run.screening.to_dict(),
                "off_protocol_reason": run.off_protocol_reason or None,
                "notes": list(run.notes),
            }
        )
    else:
        typer.echo(f"Wrote the dosing chart ({len(run.content.steps)} steps) to {output}")
        for note in run.notes:
            typer.echo(f"Note: {note}")


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
