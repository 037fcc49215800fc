"""The ``compounder log`` group: commands about the compounding log as a whole.

Each command is a function in ``LOG_COMMANDS``; ``app`` registers them under ``log``,
so a new one (``log copy``...) is one function added here.
"""

from typing import Annotated, Any

import typer

from compounder.cli.options import ConfigOpt, DbOpt, JsonOpt, VerboseOpt, print_json, which_log
from compounder.errors import EXIT_SAFETY

HELP = """Commands about the compounding log as a whole.

Example: compounder log verify
"""


def verify(
    db: DbOpt = None,
    head: Annotated[
        str | None,
        typer.Option(
            "--head", help="A chain head noted earlier (16+ hex digits): it must still be there."
        ),
    ] = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Check that nobody rewrote the log: every entry against its chained hash, every
    label snapshot against its hash. Prints "N entries verified" and the chain head
    (exit 0), or the first entry that does not match (exit 3). Note the head somewhere
    else now and then, and give it with --head: a log rewritten whole is caught too.

    Example: compounder log verify --db pharmacy.db
    """
    from compounder.log.entries import verify_log

    found = verify_log(which_log(db, config, verbose), head)
    if as_json:
        print_json(verification_dict(found))
    elif found.ok:
        typer.echo(f"{found.entries} entries verified (chain head {found.head[:16]})")
    if not found.ok:
        typer.echo(
            f"compounder: error: the log does not verify: {found.problem} "
            f"({found.entries} entries before it verified)",
            err=True,
        )
        raise typer.Exit(EXIT_SAFETY)


def verification_dict(found: Any) -> dict[str, Any]:
    return {
        "ok": found.ok,
        "entries_verified": found.entries,
        "head": found.head,
        "problem": found.problem,
        "entry": found.entry_id,
    }


def copy(
    target: Annotated[
        str,
        typer.Option(
            "--to", help="A new, empty log: a postgresql://user@host/dbname URL or a file."
        ),
    ],
    source: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="The log to copy: a file or a postgresql:// URL (default: the log in use: "
            "COMPOUNDER_DB, then \\[log] url in the settings, then the user data folder).",
        ),
    ] = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Move a pharmacy's log: copy every entry, lot, ingredient lot and label snapshot
    into a new, empty log (a shared PostgreSQL database, say), then check that the copy
    holds as many rows and the same chain head. A target that is not empty is refused;
    the source is left as it was.

    Example: compounder log copy --from ~/.local/share/compounder/compounder.db
    --to postgresql://compounder@logserver/pharmacy
    """
    from compounder.log.entries import copy_log

    done = copy_log(which_log(source, config, verbose), target)
    if as_json:
        print_json(done)
        return
    counts = done["counts"]
    typer.echo(
        f"Copied {counts['entries']} entries, {counts['ingredient_lots']} ingredient lots and "
        f"{counts['snapshots']} label snapshots from {done['from']} to {done['to']}; "
        f"the copy verifies (chain head {done['head'][:16]})"
    )


LOG_COMMANDS = (verify, copy)
