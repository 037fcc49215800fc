"""The ``compounder`` command: a thin layer over the Python API.

Each command parses its options, makes one library call, and prints a table (or JSON
with ``--json``). Errors are turned into a one-line message on stderr and an exit code
in one place, ``_report_errors``; no traceback reaches the user.
"""

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from compounder.errors import CompounderError

app = typer.Typer(
    name="compounder",
    help="Exact, unit-checked liquid low-dose naltrexone (LDN) compounding.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])

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


def _report_errors(command: F) -> F:
    """Map every CompounderError to a one-line message and its exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except CompounderError as exc:
            typer.echo(f"compounder: error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:  # typer would exit 130 without a word
            typer.echo("compounder: interrupted", err=True)
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def _print_json(data: Any) -> None:
    import json

    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


@app.command()
@_report_errors
def plan(
    protocol: ProtocolOpt = "ldn-standard",
    concentration: ConcentrationOpt = None,
    start_date: StartDateOpt = None,
    dose: Annotated[
        str | None, typer.Option("--dose", help="Plan only the step at this dose, e.g. '3 mg'.")
    ] = None,
    syringes: SyringesOpt = None,
    candidates: CandidatesOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Work out every titration step: dose, volume, syringe and days.

    Without --concentration the recommended strength is used (see 'strengths').
    If a step cannot be measured exactly at the concentration, the plan is shown with
    that step marked and the command exits with code 3.

    Example: compounder plan --concentration 1mg/mL --start-date 2026-12-01
    """
    from compounder.api.planning import plan_titration
    from compounder.content.reports import plan_report

    result = plan_titration(protocol, concentration, start_date, dose, syringes, candidates)
    if as_json:
        _print_json(result.to_dict())
    else:
        typer.echo(plan_report(result))
    result.require_measurable()


@app.command()
@_report_errors
def strengths(
    protocol: ProtocolOpt = "ldn-standard",
    syringes: SyringesOpt = None,
    candidates: CandidatesOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Which concentrations measure every step exactly, best first.

    Ranked by: fewest steps outside the syringe fill band, fewest different syringes,
    then convention (1 mg/mL first).

    Example: compounder strengths --protocol ldn-slow-start
    """
    from compounder.api.planning import solve_strengths
    from compounder.content.reports import strengths_report

    results = solve_strengths(protocol, syringes, candidates)
    if as_json:
        _print_json(
            {
                "protocol": results[0].plan.protocol.id if results else protocol,
                "candidates": [r.to_dict() for r in results],
            }
        )
    else:
        typer.echo(strengths_report(results, results[0].plan.protocol.id if results else protocol))


VehicleOpt = Annotated[
    str, typer.Option("--vehicle", help="Vehicle id from vehicles.toml: water, fawcett-preserved.")
]
LotOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--lot-expiry",
        help="An ingredient lot's expiry: DATE, LABEL:DATE or INGREDIENT:LOT:DATE. Repeatable.",
    ),
]


SourceOpt = Annotated[
    str,
    typer.Option("--from", help="tablets, powder, base-powder or a source id (sources.toml)."),
]
AssayOpt = Annotated[
    str | None, typer.Option("--assay", help="Powder assay (anhydrous basis), e.g. 99.2%.")
]
WaterOpt = Annotated[str | None, typer.Option("--water", help="Powder water content, e.g. 0.8%.")]


@app.command()
@_report_errors
def prepare(
    concentration: Annotated[str, typer.Option("--concentration", "-c", help="e.g. '1 mg/mL'.")],
    volume: Annotated[str, typer.Option("--volume", help="Volume wanted, e.g. '30 mL'.")],
    source: SourceOpt = "tablets",
    vehicle: VehicleOpt = "water",
    assay: AssayOpt = None,
    water: WaterOpt = None,
    on_date: Annotated[
        str | None, typer.Option("--date", help="Compounding date, YYYY-MM-DD (default today).")
    ] = None,
    lot_expiry: LotOpt = None,
    lots_file: Annotated[
        Path | None, typer.Option("--lots-file", help="CSV of lots: ingredient,lot,expiry.")
    ] = None,
    bud: Annotated[
        str | None, typer.Option("--bud", help="A shorter BUD than computed, YYYY-MM-DD.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """What to weigh or how many tablets to use, the vehicle, the volume made and the BUD.

    Example: compounder prepare --concentration 1mg/mL --volume 30mL --from tablets
    --vehicle water
    """
    from compounder.api.planning import prepare_batch
    from compounder.content.reports import preparation_report

    result = prepare_batch(
        concentration,
        volume,
        source,
        vehicle,
        assay,
        water,
        on_date,
        tuple(lot_expiry or ()),
        lots_file,
        bud,
    )
    if as_json:
        _print_json(result.to_dict())
    else:
        typer.echo(preparation_report(result))


@app.command()
@_report_errors
def fills(
    start_date: Annotated[
        str, typer.Option("--start-date", help="First day of the titration, YYYY-MM-DD.")
    ],
    concentration: ConcentrationOpt = None,
    vehicle: VehicleOpt = "water",
    protocol: ProtocolOpt = "ldn-standard",
    overage: Annotated[
        str | None,
        typer.Option("--overage", help="Extra volume for bottle and syringe loss, e.g. 10%."),
    ] = None,
    syringes: SyringesOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The fills that dispense a whole titration, none holding more days than its BUD.

    Example: compounder fills --start-date 2026-12-01 --concentration 1mg/mL --vehicle water
    """
    from compounder.api.planning import plan_fill_schedule
    from compounder.content.reports import fills_report

    result = plan_fill_schedule(start_date, concentration, vehicle, protocol, overage, syringes)
    if as_json:
        _print_json(result.to_dict())
    else:
        typer.echo(fills_report(result))


DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="The compounding log: a file or a sqlite:///path URL (default: the user data folder).",
    ),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Pharmacy settings file (default: ./compounder.toml, then the user config folder).",
    ),
]


@app.command()
@_report_errors
def label(
    rx: Annotated[str, typer.Option("--rx", help="Prescription (Rx) number.")],
    patient: Annotated[str, typer.Option("--patient", help="Patient name as on the Rx.")],
    prescriber: Annotated[str, typer.Option("--prescriber", help="Prescriber name.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="PDF file to write.")],
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
    vehicle: Annotated[str | None, typer.Option("--vehicle", help="Vehicle id.")] = None,
    source: Annotated[str | None, typer.Option("--from", help="Drug source.")] = None,
    fill_date: Annotated[
        str | None, typer.Option("--fill-date", help="Date filled, YYYY-MM-DD (default today).")
    ] = None,
    lot: Annotated[str | None, typer.Option("--lot", help="Lot number of the preparation.")] = None,
    morning: Annotated[
        bool, typer.Option("--morning", help="Morning dosing instead of bedtime.")
    ] = False,
    strength_changed: Annotated[
        bool,
        typer.Option(
            "--strength-changed",
            help="Add NOTE STRENGTH: the concentration differs from the previous fill.",
        ),
    ] = False,
    stock: Annotated[str | None, typer.Option("--stock", help="Label stock id or file.")] = None,
    lot_expiry: LotOpt = None,
    language: Annotated[str, typer.Option("--language", help="Wording language: en or es.")] = "en",
    config: ConfigOpt = None,
    db: DbOpt = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Also print the label text as JSON.")
    ] = False,
) -> None:
    """Print container labels to a PDF at the label stock's exact size.

    Example: compounder label --rx 1234567 --patient "Jane Doe" --prescriber "Dr A. Smith"
    --dose 1.5mg --concentration 1mg/mL --quantity 25mL -o label.pdf
    """
    from compounder.api.planning import make_labels

    run = make_labels(
        rx,
        patient,
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
    )
    if as_json:
        _print_json(
            {
                "output": str(output),
                "labels": [c.to_dict() for c in run.contents],
                "notes": run.notes,
            }
        )
    else:
        count = len(run.contents)
        typer.echo(f"Wrote {count} label{'s' if count != 1 else ''} to {output}")
        for note in run.notes:
            typer.echo(f"Note: {note}")


@app.command()
@_report_errors
def chart(
    output: Annotated[Path, typer.Option("--output", "-o", help="PDF file to write.")],
    start_date: StartDateOpt = None,
    concentration: ConcentrationOpt = None,
    patient: Annotated[
        str | None, typer.Option("--patient", help="Patient name printed on the chart.")
    ] = None,
    protocol: ProtocolOpt = "ldn-standard",
    vehicle: Annotated[
        str | None, typer.Option("--vehicle", help="Vehicle id (for the storage wording).")
    ] = None,
    paper: Annotated[
        str | None, typer.Option("--paper", help="letter or a4 (default: the settings').")
    ] = None,
    language: Annotated[str, typer.Option("--language", help="Wording language: en or es.")] = "en",
    morning: Annotated[
        bool, typer.Option("--morning", help="Morning dosing instead of bedtime.")
    ] = False,
    syringes: SyringesOpt = None,
    config: ConfigOpt = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Also print the chart text as JSON.")
    ] = False,
) -> None:
    """Print the patient's oral-syringe dosing chart (letter or A4).

    Every step's dates (or week numbers without --start-date), dose and volume, the
    syringe drawn to scale and filled to the step's volume, and a tick box for each day.

    Example: compounder chart --start-date 2026-12-01 --concentration 1mg/mL
    --patient "Jane Doe" -o chart.pdf
    """
    from compounder.api.planning import make_chart

    run = make_chart(
        output,
        start_date=start_date,
        concentration=concentration,
        patient=patient,
        protocol=protocol,
        vehicle=vehicle,
        paper=paper,
        language=language,
        dose_time="morning" if morning else None,
        config=config,
        syringes=syringes,
    )
    if as_json:
        _print_json({"output": str(output), "chart": run.content.to_dict()})
    else:
        typer.echo(f"Wrote the dosing chart ({len(run.content.steps)} steps) to {output}")


@app.command()
@_report_errors
def batch(
    orders_file: Annotated[Path, typer.Argument(help="Orders: .csv or .jsonl (JSON Lines).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the outputs.")],
    check: Annotated[
        bool, typer.Option("--check", help="Validate only: report bad rows, print nothing.")
    ] = False,
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid",
            help="Print the good rows; write bad ones, unchanged, to rejected.csv with the reason.",
        ),
    ] = False,
    chunk_size: Annotated[
        int, typer.Option("--chunk-size", help="Orders per labels/charts file.")
    ] = 5000,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            help="Worker processes (default: every core when there is more than one chunk).",
        ),
    ] = None,
    config: ConfigOpt = None,
    db: DbOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Run a file of orders: labels.pdf, charts.pdf, worksheet.txt, manifest.json/.csv.

    The whole file is validated first; every bad row is reported with its line, column
    and reason. If any row is bad nothing is printed (exit 2), unless --skip-invalid
    (then exit 1 and rejected.csv).

    Example: compounder batch examples/orders.csv -o out/
    """
    import sys

    from compounder.batch.run import count_orders, run_batch
    from compounder.content.reports import batch_summary

    show_bar = sys.stderr.isatty() and not as_json
    total = count_orders(orders_file) if show_bar else 0
    if show_bar and total > 200:
        with typer.progressbar(length=total, label="Orders", file=sys.stderr) as bar:
            report = run_batch(
                orders_file,
                output,
                config,
                check=check,
                skip_invalid=skip_invalid,
                chunk_size=chunk_size,
                jobs=jobs,
                progress=bar.update,
                db=db,
            )
    else:
        report = run_batch(
            orders_file,
            output,
            config,
            check=check,
            skip_invalid=skip_invalid,
            chunk_size=chunk_size,
            jobs=jobs,
            db=db,
        )
    for error in report.errors:
        typer.echo(f"compounder: error: {orders_file} {error}", err=True)
    if as_json:
        _print_json(report.to_dict())
    else:
        typer.echo(batch_summary(report, str(output)))
    if report.errors:
        raise typer.Exit(1 if skip_invalid and not check else 2)


@app.command()
@_report_errors
def stocks(as_json: JsonOpt = False) -> None:
    """List the label stocks (templates/stocks/*.toml).

    Example: compounder stocks
    """
    from compounder.content.reports import stocks_report
    from compounder.core.stocks import load_stock, shipped_stocks

    found = [load_stock(name) for name in shipped_stocks()]
    if as_json:
        _print_json([stock_dict(s) for s in found])
    else:
        typer.echo(stocks_report(found))


IngredientLotOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--ingredient-lot", help="INGREDIENT:LOT:EXPIRY of each ingredient used. Repeatable."
    ),
]


@app.command()
@_report_errors
def record(
    concentration: Annotated[str, typer.Option("--concentration", "-c", help="e.g. '1 mg/mL'.")],
    volume: Annotated[str, typer.Option("--volume", help="Volume wanted, e.g. '30 mL'.")],
    prepared_by: Annotated[str, typer.Option("--prepared-by", help="Who compounded it.")],
    checked_by: Annotated[str, typer.Option("--checked-by", help="Who checked it.")],
    source: SourceOpt = "tablets",
    vehicle: VehicleOpt = "water",
    rx: Annotated[str | None, typer.Option("--rx", help="The Rx it is made for.")] = None,
    ingredient_lot: IngredientLotOpt = None,
    assay: AssayOpt = None,
    water: WaterOpt = None,
    on_date: Annotated[
        str | None, typer.Option("--date", help="Compounding date (default: now).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Record PDF (default record-LOT.pdf).")
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Compound and record: a unique lot number, a log entry and the compounding record PDF.

    Example: compounder record --rx 1234567 --concentration 1mg/mL --volume 30mL
    --from tablets --ingredient-lot "naltrexone 50mg tab:AB1234:2027-06-30"
    --prepared-by JD --checked-by MK
    """
    from compounder.atomic import write_bytes_atomic
    from compounder.log.entries import record_preparation

    lot, data, pdf = record_preparation(
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
        db=db,
    )
    target = output or Path(f"record-{lot}.pdf")
    write_bytes_atomic(target, pdf)
    if as_json:
        _print_json({"lot": lot, "output": str(target), "record": data})
    else:
        typer.echo(
            f"Lot {lot}: {data['quantity_made_ml']} mL made, BUD {data['bud']}. "
            f"Record written to {target}"
        )


@app.command()
@_report_errors
def reprint(
    rx: Annotated[str, typer.Option("--rx", help="Rx number of the label to print again.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="PDF file to write.")] = Path(
        "reprint.pdf"
    ),
    db: DbOpt = None,
) -> None:
    """Print the last label of an Rx again, byte for byte as the original.

    Example: compounder reprint --rx 1234567 -o label.pdf
    """
    from compounder.log.entries import reprint_label

    entry = reprint_label(rx, output, db)
    typer.echo(
        f"Reprinted the label of Rx {rx} (lot {entry.lot}, printed {entry.created_at}) to {output}"
    )


@app.command()
@_report_errors
def trace(
    ingredient_lot: Annotated[
        str, typer.Option("--ingredient-lot", help="The ingredient lot to trace.")
    ],
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Every preparation (and Rx) that used an ingredient lot.

    Example: compounder trace --ingredient-lot AB1234
    """
    from compounder.content.tables import render_table
    from compounder.log.entries import trace_lot

    found = trace_lot(ingredient_lot, db)
    rows = [
        {
            "lot": e.lot,
            "compounded": e.payload.get("compounded_at", e.created_at),
            "rx": e.rx,
            "served_rx": served,
            "quantity_made_ml": e.payload.get("quantity_made_ml"),
            "bud": e.payload.get("bud"),
        }
        for e, served in found
    ]
    if as_json:
        _print_json({"ingredient_lot": ingredient_lot, "preparations": rows})
        return
    if not rows:
        typer.echo(f"No preparation in the log used ingredient lot {ingredient_lot}.")
        return
    typer.echo(
        render_table(
            ["Lot", "Compounded", "Made", "BUD", "Rx"],
            [
                [
                    r["lot"],
                    r["compounded"],
                    f"{r['quantity_made_ml']} mL",
                    r["bud"],
                    ", ".join(sorted(set(filter(None, [r["rx"], *r["served_rx"]])))) or "-",
                ]
                for r in rows
            ],
        )
    )


@app.command()
@_report_errors
def history(
    rx: Annotated[str, typer.Option("--rx", help="The Rx number.")],
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Everything the log holds for an Rx, oldest first (corrections included).

    Example: compounder history --rx 1234567
    """
    from compounder.content.tables import render_table
    from compounder.log.entries import rx_history

    entries = rx_history(rx, db)
    if as_json:
        _print_json(
            [
                {
                    "id": e.id,
                    "kind": e.kind,
                    "rx": e.rx,
                    "lot": e.lot,
                    "created_at": e.created_at,
                    "corrects": e.corrects,
                    "payload": e.payload,
                }
                for e in entries
            ]
        )
        return
    if not entries:
        typer.echo(f"Nothing in the log for Rx {rx}.")
        return
    typer.echo(
        render_table(
            ["Entry", "When", "What", "Lot", "BUD", "Corrects"],
            [
                [
                    str(e.id),
                    e.created_at,
                    e.kind,
                    e.lot or "",
                    str(e.payload.get("bud", "")),
                    str(e.corrects or ""),
                ]
                for e in entries
            ],
        )
    )


@app.command()
@_report_errors
def correct(
    entry: Annotated[int, typer.Option("--entry", help="The id of the entry to correct.")],
    reason: Annotated[str, typer.Option("--reason", help="What was wrong.")],
    db: DbOpt = None,
) -> None:
    """Append a correction to the log (an entry is never changed or deleted).

    Example: compounder correct --entry 12 --reason "checked by MK, not MJ"
    """
    from compounder.log.entries import correct_entry

    new = correct_entry(entry, reason, db)
    typer.echo(f"Entry {new} corrects entry {entry}.")


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


def main() -> None:
    """Console entry point: run the app; an unexpected failure prints one line, not a trace."""
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("compounder: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # last line of defence: no traceback reaches a user
        if os.environ.get("COMPOUNDER_DEBUG"):
            raise
        typer.echo(
            f"compounder: internal error ({type(exc).__name__}); nothing was printed. "
            "Set COMPOUNDER_DEBUG=1 to see details and please report it.",
            err=True,
        )
        sys.exit(70)
