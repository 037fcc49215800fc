"""The ``compounder log`` group: commands about the compounding log as a whole.

Each command is a function in ``LOG_COMMANDS``; ``app`` registers them under ``log``,
so a new one (``log copy``...) is one function added here.
"""

from typing import Annotated, Any

import typer

from compounder.cli.options import DbOpt, JsonOpt, print_json
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
    as_json: JsonOpt = False,
) -> None:
    """Check that nobody rewrote the log: every entry against its chained hash, every
    label snapshot against its hash. Prints "N entries verified" and the chain head
    (exit 0), or the first entry that does not match (exit 3). Note the head somewhere
    else now and then, and give it with --head: a log rewritten whole is caught too.

    Example: compounder log verify --db pharmacy.db
    """
    from compounder.log.entries import verify_log

    found = verify_log(db, head)
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


LOG_COMMANDS = (verify,)
