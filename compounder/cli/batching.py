"""The batch command: a file of orders run in one go."""

import contextlib
import sys
from pathlib import Path
from typing import Annotated

import typer

from compounder.cli.options import (
    ConfigOpt,
    DbOpt,
    DpiOpt,
    LotsFileOpt,
    PrintOpt,
    ProfileOpt,
    print_json,
)


def batch(
    orders_file: Annotated[
        Path,
        typer.Argument(
            help="Orders: .csv, .jsonl (JSON Lines), or FHIR MedicationRequests (.json: one "
            "or a Bundle; .ndjson); '-': read from standard input."
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Folder for the outputs (not needed with --check)."),
    ] = None,
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
    lots_file: LotsFileOpt = None,
    label_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="Labels: pdf (default), zpl for a thermal printer (one labels.zpl), or png "
            "previews (labels-000001.png...); with --print, the printer's format.",
        ),
    ] = None,
    dpi: DpiOpt = None,
    printer: PrintOpt = None,
    profile: ProfileOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    order_format: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="The file's format: csv, jsonl or fhir (default: from its suffix and "
            "content; FHIR JSON names its resourceType).",
        ),
    ] = None,
) -> None:
    """Run a file of orders: labels.pdf, charts.pdf, worksheet.txt, manifest.json/.csv.

    The whole file is validated first; every bad row is reported with its line, column
    and reason. If any row is bad nothing is printed (exit 2), unless --skip-invalid
    (then exit 1 and rejected.csv). FHIR MedicationRequests are mapped to the same
    rows (docs/exchange.md); a FHIR order's error names its entry (or line) and path.

    Example: compounder batch examples/orders.csv -o out/
    (or: compounder batch - -o out/ < examples/orders.csv)
    """
    from compounder.api.delivery import plan_delivery, print_files
    from compounder.api.printers import PrintError
    from compounder.batch.order_file import STDIN, STDIN_NAME, orders_source
    from compounder.batch.run import count_orders, run_batch
    from compounder.content.reports import batch_summary
    from compounder.core.settings import load_settings

    if output is None and not check:
        from compounder.errors import InputError

        raise InputError("output", "missing", "-o FOLDER for the outputs (--check needs none)")
    from compounder.atomic import STDOUT, to_stdout

    if to_stdout(output):  # a folder of files: standard output cannot take them
        from compounder.errors import OutputError

        raise OutputError(STDOUT, "a batch writes a folder of files; give a folder (-o OUT/)")
    output = output or Path(".")  # (a check writes nothing)
    delivery = plan_delivery(
        label_format, dpi, printer, load_settings(config) if printer else None
    )
    show_bar = sys.stderr.isatty() and not as_json
    with contextlib.ExitStack() as stack:
        path = stack.enter_context(orders_source(orders_file))  # "-": standard input
        total = count_orders(path, order_format) if show_bar else 0
        progress = None
        if show_bar and total > 200:
            bar = typer.progressbar(length=total, label="Orders", file=sys.stderr)
            progress = stack.enter_context(bar).update
        report = run_batch(
            path,
            output,
            config,
            check=check,
            skip_invalid=skip_invalid,
            chunk_size=chunk_size,
            jobs=jobs,
            progress=progress,
            db=db,
            lots_file=lots_file,
            label_format=delivery.format,
            dpi=delivery.dpi,
            profile=profile,
            stock=delivery.stock,
            order_format=order_format,
        )
    named = STDIN_NAME if str(orders_file) == STDIN else orders_file
    for error in report.errors:
        typer.echo(f"compounder: error: {named} {error}", err=True)
    if not as_json:
        typer.echo(batch_summary(report, str(output)))
    labels_files = [f for f in report.files if Path(f).name.startswith("labels")]
    printing, failure = None, None
    if delivery.printer is not None and labels_files:
        try:
            printing = print_files(delivery, labels_files, db)
        except PrintError as exc:  # logged as not printed; reported once the JSON is out
            printing, failure = exc.made, exc
        if not as_json and failure is None:
            typer.echo(f"Printed {', '.join(Path(f).name for f in labels_files)} on {printer}")
    if as_json:  # the printing outcome in the JSON, no text line
        print_json("batch", {**report.to_dict(), "printing": printing})
    if failure is not None:
        raise failure
    if report.errors:
        raise typer.Exit(1 if skip_invalid and not check else 2)
