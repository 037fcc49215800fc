"""The ``compounder log`` group: commands about the compounding log as a whole.

Each command is a function in ``LOG_COMMANDS``; ``app`` registers them under ``log``,
so a new one (``log copy``...) is one function added here.
"""

from pathlib import Path
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
            "--head",
            help="A chain head kept on paper, ID:HASH (or 16+ hex digits of the hash): it "
            "must still be there.",
        ),
    ] = None,
    anchor: Annotated[
        list[Path] | None,
        typer.Option(
            "--anchor",
            help="Another anchor file to check against (a copy kept elsewhere); repeatable. "
            "The settings' anchor is always read.",
        ),
    ] = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Check that nobody rewrote the log: every entry against its chained hash, every
    label snapshot against its hash, each append-only trigger against the schema's
    definition, and the chain against every head its anchors witnessed (a head whose
    entry is gone or is another names the anchor's line and the entries lost). Prints
    "N entries verified" and the chain head (exit 0), or every problem (exit 3);
    warnings say what could not be proved.

    Example: compounder log verify --db pharmacy.db --head 61:3f2a9c...
    """
    from compounder.log.entries import verify_log

    found = verify_log(which_log(db, config, verbose), head, anchor or [])
    if as_json:
        print_json("log-verify", verification_dict(found))
    elif found.ok:
        typer.echo(f"{found.entries} entries verified (chain head {found.head[:16]})")
    if not as_json:
        for warning in found.warnings:
            typer.echo(f"compounder: warning: {warning}", err=True)
    if not found.ok:
        typer.echo(
            f"compounder: error: the log does not verify: {found.problem} "
            f"({found.entries} entries before it verified)",
            err=True,
        )
        for problem in found.also:
            typer.echo(f"compounder: error: also: {problem}", err=True)
        raise typer.Exit(EXIT_SAFETY)


def verification_dict(found: Any) -> dict[str, Any]:
    return {
        "ok": found.ok,
        "entries_verified": found.entries,
        "head": found.head,
        "problem": found.problem,
        "problems": list(found.problems),
        "warnings": list(found.warnings),
        "entry": found.entry_id,
    }


def anchor(
    db: DbOpt = None,
    sign: Annotated[
        bool,
        typer.Option(
            "--sign",
            help="Sign the head with the Ed25519 key the settings name (\\[log] signing_key).",
        ),
    ] = False,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Print the log's current head (entry id, hash, time) in a form to keep elsewhere
    (paper, another machine), and write it to the anchor too. With --sign the head
    carries an Ed25519 signature, so whoever can write the anchor file cannot forge one.
    Give a kept head back to 'log verify --head ID:HASH'.

    Example: compounder log anchor --sign >> /mnt/office/compounder-heads.txt
    """
    from compounder.log.anchor import keep_head
    from compounder.log.entries import open_store

    with open_store(which_log(db, config), must_exist=True) as store:
        head = keep_head(store, sign, config)
    if as_json:
        print_json(
            "log-anchor",
            {
                "entry": head.entry_id,
                "hash": head.hash,
                "at": head.at,
                "chain": head.chain,
                "log": head.log,
                "signature": head.signature or None,
                "line": head.line().rstrip("\n"),
            }
        )
        return
    typer.echo(head.line(), nl=False)
    typer.echo(f"# verify with: compounder log verify --head {head.token}", err=True)


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
        print_json("log-copy", done)
        return
    counts = done["counts"]
    typer.echo(
        f"Copied {counts['entries']} entries, {counts['ingredient_lots']} ingredient lots and "
        f"{counts['snapshots']} label snapshots from {done['from']} to {done['to']}; "
        f"the copy verifies (chain head {done['head'][:16]})"
    )


LOG_COMMANDS = (verify, anchor, copy)
