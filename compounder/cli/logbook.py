"""Commands over the compounding log: record, reprint, trace, history, correct."""

from pathlib import Path
from typing import Annotated, Any

import typer

from compounder.cli.options import (
    SCREENING_OPTIONS,
    AssayOpt,
    ConfigOpt,
    DbOpt,
    DpiOpt,
    IngredientLotOpt,
    JsonOpt,
    LabelOutOpt,
    LotsFileOpt,
    OffProtocolReasonOpt,
    PrintOpt,
    ReprintFormatOpt,
    RequiredConcentrationOpt,
    SourceOpt,
    VehicleOpt,
    VerboseOpt,
    VolumeOpt,
    WaterOpt,
    print_json,
    refuse_json_to_stdout,
    stdout_despite_printer,
    which_log,
    with_options,
    write_stdout,
)
from compounder.cli.printing import json_when_print_fails


@with_options(SCREENING_OPTIONS)
def record(
    concentration: RequiredConcentrationOpt,
    volume: VolumeOpt,
    prepared_by: Annotated[str, typer.Option("--prepared-by", help="Who compounded it.")],
    checked_by: Annotated[str, typer.Option("--checked-by", help="Who checked it.")],
    source: SourceOpt = None,
    vehicle: VehicleOpt = None,
    rx: Annotated[str | None, typer.Option("--rx", help="The Rx it is made for.")] = None,
    ingredient_lot: IngredientLotOpt = None,
    assay: AssayOpt = None,
    water: WaterOpt = None,
    lots_file: LotsFileOpt = None,
    on_date: Annotated[
        str | None, typer.Option("--date", help="Compounding date (default: today).")
    ] = None,
    at_time: Annotated[
        str | None,
        typer.Option(
            "--time",
            help="Compounding time, HH:MM (default: now; with a --date other than today, "
            "left blank on the record to be written at the bench).",
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Record PDF (default record-LOT.pdf).")
    ] = None,
    config: ConfigOpt = None,
    db: DbOpt = None,
    off_protocol_reason: OffProtocolReasonOpt = None,
    as_json: JsonOpt = False,
    **options: Any,
) -> None:
    """Compound and record: a unique lot number, a log entry and the compounding record PDF.

    The checker must be another person than the preparer (a single-pharmacist site sets
    single_pharmacist = true in the settings); the balance's id comes from the settings.
    The patient's other medicines (--other-medication) are screened first: a stop
    refuses (exit 3) unless overridden (--override "reason" --pharmacist INITIALS).

    Example: compounder record --rx 1234567 --concentration 1mg/mL --volume 30mL
    --from tablets --ingredient-lot "naltrexone 50mg tab:AB1234:2027-06-30"
    --prepared-by JD --checked-by MK --time 14:05
    """
    from compounder.api.recording import record_preparation
    from compounder.atomic import check_output_path

    if output is not None:
        check_output_path(output)
    lot, data, _ = record_preparation(
        concentration,
        volume,
        source,
        vehicle,
        rx=rx,
        ingredient_lots=tuple(ingredient_lot or ()),
        prepared_by=prepared_by,
        checked_by=checked_by,
        assay=assay,
        water=water,
        compounded=on_date,
        output=output or "record-{lot}.pdf",
        db=db,
        time=at_time,
        lots_file=lots_file,
        config=config,
        off_protocol_reason=off_protocol_reason,
        screening=screening_answers(options),
    )
    target = output or Path(f"record-{lot}.pdf")
    if as_json:
        print_json("record", {"lot": lot, "output": str(target), "record": data})
    else:
        typer.echo(
            f"Lot {lot}: {data['quantity_made_ml']} mL made, BUD {data['bud']}. "
            f"Record written to {target}"
        )
        for note in safety_notes(data.get("safety")):
            typer.echo(f"Note: {note}")


def screening_answers(options: dict[str, Any]) -> Any:
    """The screening group's options as the order's screening answers (None: nothing
    was entered, so nothing is screened and the record says so)."""
    from compounder.api.orders import ScreeningAnswers

    medicines = options["other_medication"]
    answers = ScreeningAnswers(
        tuple(medicines) if medicines is not None else None,
        options["override"],
        options["pharmacist"],
        options["liver_kidney_history"],
        options["acknowledge_unscreened"],
        options["no_other_medications"],
    )
    return answers if answers.entered else None


def safety_notes(safety: dict | None) -> list[str]:
    from compounder.content.safety import safety_lines

    return [text for role, text in safety_lines(safety) if role != "heading"]


def reprint_dict(done: Any, **_: Any) -> dict[str, Any]:
    """A reprint for scripts: the entries, the files written, the printing outcome."""
    return {
        "rx": done.original.rx,
        "reprints": done.original.id,
        "entry": done.entry_id,
        "format": done.format,
        "files": done.files,
        "printing": done.printing,
    }


@json_when_print_fails("reprint", reprint_dict)
def reprint(
    rx: Annotated[str, typer.Option("--rx", help="Rx number of the label to print again.")],
    output: LabelOutOpt = None,
    db: DbOpt = None,
    label_format: ReprintFormatOpt = None,
    dpi: DpiOpt = None,
    printer: PrintOpt = None,
    config: ConfigOpt = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print what was written and printed as JSON.")
    ] = False,
    verbose: VerboseOpt = False,
) -> None:
    """Print the last label of an Rx again, byte for byte as the original (in its
    format unless --format, --print or the output's suffix says another: to reprint.pdf,
    reprint.zpl or reprint.png unless --output or --print).

    Example: compounder reprint --rx 1234567 -o label.pdf
    """
    from compounder.api.recording import reprint_label
    from compounder.atomic import to_stdout
    from compounder.content.reports import files_text

    refuse_json_to_stdout(output, as_json)
    stdout = to_stdout(output)
    with stdout_despite_printer(stdout, lambda made: made.stdout):
        done = reprint_label(
            rx,
            output,
            which_log(db, config, verbose),
            label_format=label_format,
            dpi=dpi,
            printer=printer,
            config=config,
            default_name="reprint",
        )
    if stdout:
        write_stdout(done.stdout)
    if as_json:
        print_json("reprint", reprint_dict(done))
        return
    shown = ("standard output" if stdout else files_text(done.files)) if done.files else ""
    where = " and ".join(part for part in (shown, printer or "") if part)
    from compounder.core.dates import logged_time

    original = done.original
    printed = logged_time(original.created_at)
    typer.echo(
        f"Reprinted the label of Rx {rx} ({lot_wording(original)}, printed {printed}) to {where}",
        err=stdout,
    )


def lot_wording(entry: Any) -> str:
    """A label's lot as the label printed it: a recorded lot, or only a reference (the
    fill date and Rx, printed "Ref:"); an entry from before that was logged says so."""
    recorded = entry.payload.get("lot_recorded")
    if recorded is None:
        return f"lot or reference {entry.lot}"
    return f"{'lot' if recorded else 'reference'} {entry.lot}"


def trace(
    ingredient_lot: Annotated[
        str, typer.Option("--ingredient-lot", help="The ingredient lot to trace.")
    ],
    db: DbOpt = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Every preparation (and Rx) that used an ingredient lot.

    Example: compounder trace --ingredient-lot AB1234
    """
    from compounder.content.reports import trace_report, trace_rows
    from compounder.content.tables import printable
    from compounder.log.entries import trace_lot

    rows = trace_rows(trace_lot(ingredient_lot, which_log(db, config, verbose)))
    if as_json:
        print_json("trace", {"ingredient_lot": ingredient_lot, "preparations": rows})
    elif not rows:
        typer.echo(f"No preparation in the log used ingredient lot {printable(ingredient_lot)}.")
    else:
        typer.echo(trace_report(rows))


def history(
    rx: Annotated[str, typer.Option("--rx", help="The Rx number.")],
    db: DbOpt = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Everything the log holds for an Rx, oldest first (corrections included).

    Example: compounder history --rx 1234567
    """
    from compounder.content.reports import entry_dict, history_report
    from compounder.content.tables import printable
    from compounder.log.entries import rx_history_lots

    entries, lots, states = rx_history_lots(rx, which_log(db, config, verbose))
    if as_json:
        shown = [{**entry_dict(e, lots), "check": states.get(e.id)} for e in entries]
        print_json("history", {"rx": rx, "entries": shown})
    elif not entries:
        typer.echo(f"Nothing in the log for Rx {printable(rx)}.")
    else:
        typer.echo(history_report(entries, lots, states))


def correct(
    entry: Annotated[int, typer.Option("--entry", help="The id of the entry to correct.")],
    reason: Annotated[str, typer.Option("--reason", help="What was wrong.")],
    by: Annotated[
        str,
        typer.Option("--by", help="Your initials, as in the staff register (compounder staff)."),
    ],
    db: DbOpt = None,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Append a correction to the log (an entry is never changed or deleted), with its
    author: registered initials (--by), logged with the register's name and shown by
    history.

    Example: compounder correct --entry 12 --reason "checked by MK, not MJ" --by JD
    """
    from compounder.log.entries import correct_entry

    new = correct_entry(entry, reason, which_log(db, config, verbose), by=by, config=config)
    typer.echo(f"Entry {new} corrects entry {entry}.")
