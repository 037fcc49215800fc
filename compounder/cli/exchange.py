"""The ``compounder export`` group: what the log dispensed, out to another system.

Each command is a function in ``EXPORT_COMMANDS``; ``app`` registers them under
``export``. The FHIR code (``compounder.fhir``) is imported only when one runs.
"""

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from compounder.cli.options import ConfigOpt, DbOpt, JsonOpt, VerboseOpt, print_json, which_log

HELP = """Send what the compounding log dispensed to another system (a pharmacy system).

Example: compounder export fhir --since 2026-12-01 -o dispenses.ndjson
"""


def fhir(
    output: Annotated[
        str,
        typer.Option("--output", "-o", help="File to write ('-': standard output)."),
    ],
    since: Annotated[
        str | None,
        typer.Option("--since", help="Only fills filled on or after this day, YYYY-MM-DD."),
    ] = None,
    rx: Annotated[str | None, typer.Option("--rx", help="Only this Rx number.")] = None,
    as_bundle: Annotated[
        bool,
        typer.Option("--bundle", help="One FHIR Bundle (type collection) instead of NDJSON."),
    ] = False,
    db: DbOpt = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Write every fill the log dispensed (labels and batch orders) as HL7 FHIR R4
    MedicationDispense resources: NDJSON, one a line (or a Bundle with --bundle). The
    export is logged (counts, filters and the file's SHA-256) together with the file;
    with '-o -' the resources go to standard output once logged, and what was
    exported to standard error. A fill whose label was printed before it was
    prepared is refused (exit 3): nothing is written or logged.

    Example: compounder export fhir --since 2026-12-01 --rx 1234567 -o dispenses.ndjson
    """
    from compounder.core.contracts import stamped
    from compounder.fhir.export import export_dispenses

    to_stdout = output == "-"
    done = export_dispenses(
        None if to_stdout else Path(output),
        since=since,
        rx=rx,
        as_bundle=as_bundle,
        db=which_log(db, config, verbose),
        config=config,
    )
    if to_stdout:
        sys.stdout.buffer.write(done.data)
        sys.stdout.flush()
    summary = export_dict(done)
    if as_json:
        if to_stdout:  # stdout holds the resources: the summary goes to stderr
            typer.echo(print_json_text(stamped("export-fhir", summary)), err=True)
        else:
            print_json("export-fhir", summary)
        return
    what = "a Bundle of " if done.bundle else ""
    where = "standard output" if to_stdout else str(done.output)
    wrong = f" ({done.entered_in_error} entered in error)" if done.entered_in_error else ""
    typer.echo(
        f"Exported {what}{done.dispensings} MedicationDispense resource"
        f"{'s' if done.dispensings != 1 else ''}{wrong} to {where} (log entry {done.entry_id}).",
        err=to_stdout,
    )


def export_dict(done: Any) -> dict[str, Any]:
    """What an export wrote, as JSON."""
    return {
        "dispensings": done.dispensings,
        "entered_in_error": done.entered_in_error,
        "entries": list(done.entries),
        "bundle": done.bundle,
        "output": done.output if done.output is not None else "-",
        "sha256": done.sha256,
        "entry": done.entry_id,
    }


def print_json_text(data: Any) -> str:
    import json

    return json.dumps(data, indent=2, ensure_ascii=False)


EXPORT_COMMANDS = (fhir,)
