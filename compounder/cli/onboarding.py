"""Setting a workstation up: ``compounder init`` and ``compounder settings check``."""

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from compounder.cli.options import ConfigOpt, DbOpt, JsonOpt, print_json

SETTINGS_HELP = """The pharmacy settings: check which settings file and log are in use.

Example: compounder settings check
"""


def _answer(given: str | None, question: str, check: Callable[[str], str], default: str) -> str:
    """A flag's value, checked; else asked (again until it is accepted) on a terminal."""
    from compounder.errors import CompounderError, InputError

    if given is not None:
        return check(given)
    if not sys.stdin.isatty():
        if default:
            return check(default)
        raise InputError(question.lower(), "missing", "the value as a flag (no terminal to ask)")
    while True:
        answer = typer.prompt(question, default=default, show_default=bool(default))
        try:
            return check(answer)
        except CompounderError as exc:
            typer.echo(f"  not accepted: {exc}", err=True)


def init(
    name: Annotated[str | None, typer.Option("--name", help="The pharmacy's name.")] = None,
    address: Annotated[
        str | None, typer.Option("--address", help="The pharmacy's address, on one line.")
    ] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="The pharmacy's phone.")] = None,
    stock: Annotated[
        str | None,
        typer.Option("--stock", help="Default label stock (compounder stocks lists them)."),
    ] = None,
    log: Annotated[
        str | None,
        typer.Option(
            "--log",
            help="Where the compounding log is: a file or a postgresql://user@host/dbname "
            "URL (empty: the user data folder).",
        ),
    ] = None,
    staff: Annotated[
        list[str] | None,
        typer.Option(
            "--staff",
            help='A person of the staff register: "INITIALS=Full Name:pharmacist" (or '
            ":technician). Repeatable.",
        ),
    ] = None,
    path: Annotated[
        Path | None,
        typer.Option(
            "--path",
            "--config",
            help="Settings file to write (default: config.toml in the user config folder).",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Write the pharmacy settings every command reads: name, address, phone, default
    label stock, where the log is and the staff register (--staff, once per person),
    from the flags or, on a terminal, by asking. Each answer is checked as it is
    given; an existing file is kept unless --force.

    Example: compounder init --name "Riverside Pharmacy" --address "1 Main St"
    --phone "555-0100" --staff "JD=Julia Diaz:pharmacist"
    """
    from compounder.api import workstation as setup
    from compounder.core.settings import user_config_path

    target = path or user_config_path()
    if target.exists() and not force:
        from compounder.errors import OutputError

        raise OutputError(str(target), "is there already (kept; --force replaces it)")
    written = setup.write_settings(
        target,
        _answer(name, "Pharmacy name", lambda v: setup.check_field("name", v), ""),
        _answer(address, "Address", lambda v: setup.check_field("address", v), ""),
        _answer(phone, "Phone", lambda v: setup.check_field("phone", v), ""),
        _answer(stock, "Default label stock", setup.check_stock, "thermal-4x3"),
        _answer(log, "Log location (empty: the default file)", setup.check_log, "")
        if log is not None or sys.stdin.isatty()
        else "",
        force=force,
        staff=staff or ([] if not sys.stdin.isatty() else _ask_staff()),
    )
    typer.echo(f"Wrote the pharmacy settings to {written}")
    if not staff and not sys.stdin.isatty():
        typer.echo(
            "No staff register yet: records, overrides, releases and corrections need one "
            '(add [staff.XX] tables to the file, or run init again with --staff "XX=Name:role")'
        )
    typer.echo("Check them with: compounder settings check")


def staff(config: ConfigOpt = None, as_json: JsonOpt = False) -> None:
    """List the staff register: the people whose initials may sign (--prepared-by,
    --checked-by, --pharmacist, correct --by), with their role (pharmacist or
    technician) and whether they are active. The register is the settings' [staff.XX]
    tables; names printed on records come from it.

    Example: compounder staff --json
    """
    from compounder.content.reports import staff_report, staff_rows
    from compounder.core.settings import load_register

    register = load_register(config)
    if as_json:
        print_json("staff", {"settings": register.source or None, "staff": staff_rows(register)})
    else:
        typer.echo(staff_report(register))


def _ask_staff() -> list[str]:
    """The staff register, asked for on a terminal one person at a time."""
    from compounder.api.workstation import check_staff
    from compounder.errors import CompounderError

    people: list[str] = []
    while True:
        answer = typer.prompt(
            "Staff (INITIALS=Full Name:pharmacist or :technician; empty to finish)",
            default="", show_default=False,
        )  # fmt: skip
        if not answer.strip():
            return people
        try:
            check_staff(answer)
        except CompounderError as exc:
            typer.echo(f"  not accepted: {exc}", err=True)
            continue
        people.append(answer)


def check(config: ConfigOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Which settings file and log are in use, the log's backend, schema version,
    entry count and chain head, and whether each printer in the settings answers.
    Nothing is created or written. Exit 0 when all is well, else the code of the
    first problem (4: settings or log, 5: a printer that does not answer).

    Example: compounder settings check
    """
    from compounder.api.workstation import check_workstation
    from compounder.content.tables import printable

    found = check_workstation(config, db)
    if as_json:
        print_json("settings-check", found.to_dict())
    else:
        rows = [
            ("settings", found.settings or "none found"),
            ("log", found.log or "unknown"),
            ("backend", found.backend or "unknown"),
        ]
        if found.log and not found.log_exists and not found.problems:
            rows.append(("log state", "not created yet (the first command that writes does)"))
        if found.log_exists:
            rows += [
                ("schema version", str(found.log_schema_version)),
                ("entries", str(found.entries)),
                ("chain head", found.chain_head[:16]),
                ("writable", "no (read-only here)" if found.read_only else "yes"),
            ]
        for printer in found.printers:
            state = {True: "reachable", False: "NOT reachable", None: "unknown"}
            rows.append(
                (f"printer {printer.name}", f"{state[printer.reachable]}: {printer.detail}")
            )
        width = max(len(k) for k, _ in rows)
        for key, value in rows:
            typer.echo(f"{key.ljust(width)}  {printable(value)}")
    for problem in found.problems:
        typer.echo(f"compounder: error: {problem}", err=True)
    if found.exit_code:
        raise typer.Exit(found.exit_code)


SETTINGS_COMMANDS = (check,)
