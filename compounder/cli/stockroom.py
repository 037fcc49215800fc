"""Commands over stock: ingredient lots (receive, release, hold, recall, stock and
adjust) and the label of a preparation's stock bottle (lot-label)."""

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from compounder.cli.options import AssayOpt, ConfigOpt, DbOpt, JsonOpt, WaterOpt, print_json

LotArg = Annotated[str, typer.Argument(help="The ingredient lot number.", show_default=False)]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (logged).")]


def receive(
    quantity: Annotated[
        str, typer.Option("--quantity", help="How much was received: '100 tablets', '25 g'.")
    ],
    scan: Annotated[
        str | None,
        typer.Option(
            "--scan",
            help="The package's GS1 DataMatrix as the scanner types it (or a GS1 Digital "
            "Link URL): GTIN, expiry, lot.",
        ),
    ] = None,
    ingredient: Annotated[
        str | None,
        typer.Option(
            "--ingredient",
            help="Typed instead of a scan: a source id (tablet-50mg, powder-hcl) or a vehicle "
            "ingredient id (glycerol...).",
        ),
    ] = None,
    lot: Annotated[str | None, typer.Option("--lot", help="The lot number (typed).")] = None,
    expiry: Annotated[
        str | None, typer.Option("--expiry", help="The expiry, YYYY-MM-DD (typed).")
    ] = None,
    assay: AssayOpt = None,
    water: WaterOpt = None,
    supplier: Annotated[str | None, typer.Option("--supplier", help="Who supplied it.")] = None,
    db: DbOpt = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Log an ingredient lot received: from its package's GS1 scan, or typed.

    A powder starts quarantined until a pharmacist releases it (settings: [lots]
    quarantine). Receiving a lot again adds to its quantity.

    Example: compounder receive --ingredient tablet-50mg --lot AB1234 --expiry 2027-06-30
    --quantity "100 tablets"
    """
    from compounder.api.receiving import receive_lot

    receipt = receive_lot(
        quantity,
        scan=scan,
        ingredient=ingredient,
        lot=lot,
        expiry=expiry,
        assay=assay,
        water=water,
        supplier=supplier,
        db=db,
        config=config,
    )
    found = receipt.lot
    if as_json:
        print_json("receive", {**found.to_dict(date.today()), "entry_id": receipt.entry_id})
        return
    typer.echo(
        f"Received {receipt.added.text()} of {found.name}, lot {found.lot}, expiry "
        f"{found.expiry.isoformat()}: {found.amount(found.on_hand).text()} on hand, "
        f"{found.status_on(date.today())} (log entry {receipt.entry_id})."
    )


def _lot_line(found: Any, what: str) -> None:
    typer.echo(f"Ingredient lot {found.lot} ({found.name}) is {what}.")


def release(
    lot: LotArg,
    pharmacist: Annotated[str, typer.Option("--pharmacist", help="Your initials.")],
    db: DbOpt = None,
    config: ConfigOpt = None,
) -> None:
    """A pharmacist releases a quarantined or held ingredient lot for use.

    Example: compounder release P778 --pharmacist JD
    """
    from compounder.api.receiving import release_lot

    released = release_lot(lot, pharmacist, db, config)
    _lot_line(released, f"released by {released.released_by}")


def hold(lot: LotArg, reason: ReasonOpt, db: DbOpt = None, config: ConfigOpt = None) -> None:
    """Put an ingredient lot on hold: no preparation may use it until it is released.

    Example: compounder hold AB1234 --reason "discoloured tablets"
    """
    from compounder.api.receiving import hold_lot

    _lot_line(hold_lot(lot, reason, db, config), "on hold")


def recall(
    lot: LotArg,
    reason: ReasonOpt,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="The worklist: a .pdf to sign, or a .csv."),
    ] = None,
    db: DbOpt = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Recall an ingredient lot and list every preparation, Rx and patient it reached.

    The lot and every preparation lot made from it are refused from now on. A
    preparation lot's own number recalls that preparation (its labels, reprints, lot
    labels and final checks are refused) and lists what was dispensed from it.

    Example: compounder recall AB1234 --reason "manufacturer recall" -o worklist.pdf
    """
    from compounder.api.recalls import recall_lot
    from compounder.content.worklist import worklist_table

    worklist = recall_lot(lot, reason, output, db, config)
    if as_json:
        print_json(
            "recall",
            {
                "lot": worklist.lot,
                "reason": worklist.reason,
                "date": worklist.day.isoformat(),
                "entry_id": worklist.entry_id,
                "files": worklist.files,
                "rows": list(worklist.rows),
            },
        )
        return
    made_here = any(row.get("preparation_lot") == worklist.lot for row in worklist.rows)
    what = "Preparation lot" if made_here else "Ingredient lot"
    typer.echo(f"{what} {worklist.lot} recalled (log entry {worklist.entry_id}).")
    if worklist.rows:
        typer.echo(worklist_table(worklist.rows))
    else:
        typer.echo("No preparation in the log was made from it.")
    for name in worklist.files:
        typer.echo(f"Worklist written to {name}.")


stock_app = typer.Typer(
    name="stock",
    invoke_without_command=True,
    no_args_is_help=False,
)


def stock(
    ctx: typer.Context,
    expiring_within: Annotated[
        int | None,
        typer.Option("--expiring-within", help="Also list the lots expiring within DAYS."),
    ] = None,
    every_lot: Annotated[
        bool, typer.Option("--all", help="Used-up and recalled lots too.")
    ] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Also write the report as CSV.")
    ] = None,
    db: DbOpt = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Ingredient lots on hand: quantity left, expiry, status (and 'stock adjust').

    Example: compounder stock --expiring-within 30
    """
    if ctx.invoked_subcommand is not None:
        return
    from compounder.api.receiving import stock_report
    from compounder.atomic import write_bytes_atomic
    from compounder.content.worklist import stock_csv, stock_rows, stock_table

    report = stock_report(expiring_within, db, config, every_lot=every_lot)
    rows = stock_rows(report.lots, report.day)
    expiring = stock_rows(report.expiring(), report.day)
    if output is not None:
        write_bytes_atomic(output, stock_csv(rows).encode())
    if as_json:
        print_json(
            "stock",
            {
                "date": report.day.isoformat(),
                "lots": [lot.to_dict(report.day) for lot in report.lots],
                "expiring_within": expiring_within,
                "expiring": [lot.to_dict(report.day) for lot in report.expiring()],
            },
        )
        return
    typer.echo(stock_table(rows) if rows else "No ingredient lot on hand in the log.")
    if expiring_within is not None:
        typer.echo(f"\nExpiring within {expiring_within} days:")
        typer.echo(stock_table(expiring) if expiring else "none")


def adjust(
    lot: LotArg,
    by: Annotated[str, typer.Option("--by", help="The change, e.g. '-3 tablets' or '+2 g'.")],
    reason: ReasonOpt,
    db: DbOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Log a count of an ingredient lot: its quantity changed by --by, with a reason.

    Example: compounder stock adjust AB1234 --by "-3 tablets" --reason "broken tablets"
    """
    from compounder.api.receiving import adjust_stock

    found = adjust_stock(lot, by, reason, db, config)
    _lot_line(found, f"at {found.amount(found.on_hand).text()}")


def lot_label(
    lot: Annotated[
        str,
        typer.Argument(
            help="The preparation lot (from 'compounder record' or a batch's records).",
            show_default=False,
        ),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="The lot label PDF (3 x 1.5 in).")],
    db: DbOpt = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A label for a preparation's stock bottle, from its compounding record in the log.

    It names the preparation, its lot, compounding date, BUD (discard after), storage
    and the pharmacy, with the lot's barcode (what a pharmacist's check scans with
    each label dispensed from it). A lot the log holds no record of is refused.

    Example: compounder lot-label 20261201-001 -o lot-label.pdf
    """
    from compounder.api.recording import make_lot_label

    made = make_lot_label(lot, output, db, config)
    if as_json:
        print_json("lot-label", made.to_dict())
        return
    typer.echo(
        f"Lot label of {made.label.lot} ({made.label.drug}, discard after "
        f"{made.label.bud.isoformat()}) written to {made.output}."
    )


COMMANDS = (receive, release, hold, recall, lot_label)
