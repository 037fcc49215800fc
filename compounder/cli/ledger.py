"""The ``compounder log`` group: commands about the compounding log as a whole.

Each command is a function in ``LOG_COMMANDS``; ``app`` registers them under ``log``,
so a new one (``log copy``...) is one function added here.
"""

from typing import Any

import typer

from compounder.cli.options import DbOpt, JsonOpt, print_json
from compounder.errors import EXIT_SAFETY

HELP = """Commands about the compounding log as a whole.

Example: compounder log verify
"""


def verify(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Check that nobody rewrote the log: every entry against its chained hash, every
    label snapshot against its hash. Prints "N entries verified" (exit 0), or the first
    entry that does not match (exit 3).

    Example: compounder log verify --db pharmacy.db
    """
    from compounder.log.entries import verify_log

    found = verify_log(db)
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
