"""Setting a workstation up and checking it: ``compounder init`` and ``settings check``.

``write_settings`` writes a pharmacy settings file from a few answers (name, address,
phone, default stock, where the log is, the staff register), each checked as the
settings are when read, and the whole file read back through ``core.settings`` before
it is put in place: a file ``init`` writes is always one every command accepts.
``check_workstation`` says which settings file and log a command would use, what the
log holds (backend, schema version, entries, chain head) and whether each printer
named in the settings answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compounder.core.staff import StaffMember
from compounder.errors import CompounderError, DataFileError, InputError, OutputError

MAX_FIELD_LENGTH = 200
#: Seconds a printer has to accept a connection in ``check_workstation``.
PRINTER_TIMEOUT_S = 3.0


def check_field(name: str, value: str) -> str:
    """A pharmacy's name, address or phone: printable text of 1 to 200 characters."""
    text = value.strip()
    if not text or len(text) > MAX_FIELD_LENGTH or not text.isprintable():
        raise InputError(name, text[:40], f"printable text of 1 to {MAX_FIELD_LENGTH} characters")
    return text


def check_stock(stock: str) -> str:
    """A default label stock: a shipped stock id (``compounder stocks``) or a stock file."""
    from compounder.core.datafiles import id_or_file
    from compounder.core.stocks import load_stock

    load_stock(str(id_or_file(stock.strip(), "stocks", "stock")))
    return stock.strip()


def check_log(location: str) -> str:
    """Where the log goes: empty (the default file), a file path (made absolute, so
    every folder finds the same log), sqlite:/// or postgresql:// URL (nothing is
    opened or created here)."""
    from compounder.log.location import find_log

    text = location.strip()
    if text and isinstance(find_log(text).where, Path) and "://" not in text:
        return str(Path(text).expanduser().absolute())  # the same log from any folder
    if text:
        find_log(text)
    return text


def check_staff(text: str) -> StaffMember:
    """One person of the staff register as ``init --staff`` takes them:
    ``INITIALS=Full Name:role`` (role: pharmacist or technician), e.g.
    ``JD=Julia Diaz:pharmacist``; checked as the settings' ``[staff]`` is read."""
    from compounder.core.staff import parse_register

    expected = 'INITIALS=Full Name:role, e.g. "JD=Julia Diaz:pharmacist" (role: pharmacist '
    expected += "or technician)"
    initials, equals, rest = text.strip().partition("=")
    name, colon, role = rest.rpartition(":")
    if not (equals and colon and initials.strip() and name.strip()):
        raise InputError("staff", text[:60], expected)
    table = {initials.strip(): {"name": name.strip(), "role": role.strip()}}
    try:
        (member,) = parse_register(table, "--staff").members
    except DataFileError as exc:
        raise InputError("staff", text[:60], f"{expected}; {exc.key}: {exc.problem}") from None
    return member


def settings_toml(
    name: str,
    address: str,
    phone: str,
    stock: str,
    log: str = "",
    staff: Sequence[StaffMember] = (),
) -> str:
    """The text of a settings file (TOML) with these answers and staff register."""
    import json

    def quoted(text: str) -> str:  # a TOML basic string (JSON's escapes are TOML's)
        return json.dumps(text, ensure_ascii=False)

    lines = [
        "# Pharmacy settings for Compounder, written by 'compounder init'.",
        "# Every setting: docs/settings.md; a full example: examples/compounder.toml.",
        "",
        "[pharmacy]",
        f"name = {quoted(name)}",
        f"address = {quoted(address)}",
        f"phone = {quoted(phone)}",
        "",
        "[defaults]",
        f"stock = {quoted(stock)}",
    ]
    if log:
        lines += ["", "[log]", f"url = {quoted(log)}"]
    lines += ["", "# The staff register (docs/staff.md): the initials every person field takes."]
    if not staff:
        lines += ["# [staff.JD]", '# name = "Julia Diaz"', '# role = "pharmacist"']
    for member in staff:
        lines += [
            "",
            f"[staff.{member.initials}]",
            f"name = {quoted(member.name)}",
            f"role = {quoted(str(member.role))}",
            "active = true",
        ]
    return "\n".join(lines) + "\n"


def write_settings(
    path: str | Path | None,
    name: str,
    address: str,
    phone: str,
    stock: str = "thermal-4x3",
    log: str = "",
    *,
    force: bool = False,
    staff: Sequence[str | StaffMember] = (),
) -> Path:
    """Write a settings file (default: the user's config file) and return its path.
    Every answer is checked first (InputError naming it); an existing file is kept
    unless ``force`` (OutputError); the file is read back as every command reads it
    before it replaces anything."""
    from compounder.atomic import atomic_path
    from compounder.core.pharmacy import open_pharmacy
    from compounder.core.settings import user_config_path

    text = settings_toml(
        check_field("name", name),
        check_field("address", address),
        check_field("phone", phone),
        check_stock(stock),
        check_log(log),
        _register(staff),
    )
    target = Path(path) if path else user_config_path()
    if target.exists() and not force:
        raise OutputError(str(target), "is there already (kept; --force replaces it)")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(str(target.parent), exc.strerror or str(exc)) from None
    with atomic_path(target) as temp:
        temp.write_text(text, encoding="utf-8")
        open_pharmacy(temp)  # read back as every command reads settings
    return target


def _register(staff: Sequence[str | StaffMember]) -> list[StaffMember]:
    """``init``'s staff, each checked, initials registered once."""
    members = [m if isinstance(m, StaffMember) else check_staff(m) for m in staff]
    seen: set[str] = set()
    for member in members:
        if member.initials in seen:
            raise InputError("staff", member.initials, "each person's initials once")
        seen.add(member.initials)
    return members


@dataclass
class PrinterCheck:
    name: str
    uri: str
    reachable: bool | None  # None: cannot be told from here
    detail: str


@dataclass
class WorkstationCheck:
    """What ``check_workstation`` found; ``problems`` is empty when all is well."""

    settings: str = ""
    log: str = ""
    log_origin: str = ""
    backend: str = ""
    log_exists: bool = False
    log_schema_version: int | None = None
    entries: int | None = None
    chain_head: str = ""
    read_only: bool = False
    printers: list[PrinterCheck] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    exit_code: int = 0

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)

    def fail(self, problem: str, exit_code: int) -> None:
        self.problems.append(problem)
        self.exit_code = self.exit_code or exit_code


def check_workstation(
    config: str | Path | None = None, db: str | Path | None = None
) -> WorkstationCheck:
    """The settings file and log in use, what the log holds, each printer's answer.
    Nothing is created or written (the log is opened read-only)."""
    from compounder.core.pharmacy import open_pharmacy
    from compounder.core.settings import MissingSettingsError

    found = WorkstationCheck()
    settings = None
    try:
        settings = open_pharmacy(config).settings
        found.settings = settings.path
    except MissingSettingsError as exc:
        found.fail(str(exc), exc.exit_code)
    except CompounderError as exc:
        found.fail(f"settings: {exc}", exc.exit_code)
    _check_log(found, config if settings is not None else None, db)
    for printer in settings.printers if settings is not None else ():
        found.printers.append(printer_answers(printer.name, printer.uri))
    for answer in found.printers:
        if answer.reachable is False:
            found.fail(f"printer {answer.name!r}: {answer.detail}", OutputError.exit_code)
    return found


def _check_log(found: WorkstationCheck, config: str | Path | None, db: str | Path | None) -> None:
    from compounder.log.location import find_log
    from compounder.log.store import Store

    try:
        place = find_log(db, config)
    except CompounderError as exc:
        found.fail(f"log: {exc}", exc.exit_code)
        return
    found.log, found.log_origin = place.describe(), place.origin
    found.backend = "sqlite" if isinstance(place.where, Path) else "postgresql"
    if isinstance(place.where, Path) and not place.where.exists():
        return  # not created yet: the first command that writes creates it
    try:
        with Store(place.where, read_only=True) as store:
            found.log_exists = True
            found.log_schema_version = store.version()
            found.entries = store.count()
            found.chain_head = store.chain_head()[1]
    except DataFileError as exc:
        if "no compounding log here" in exc.problem:
            return
        found.fail(f"log: {exc}", exc.exit_code)
        return
    except CompounderError as exc:
        found.fail(f"log: {exc}", exc.exit_code)
        return
    if isinstance(place.where, Path):
        from os import W_OK, access

        found.read_only = not access(place.where, W_OK) or not access(place.where.parent, W_OK)


def printer_answers(name: str, uri: str) -> PrinterCheck:
    """Whether a printer answers: a socket printer accepts a connection (nothing is
    sent); a CUPS queue is known to ``lpstat`` and accepting jobs. Unknown (None) where
    neither can be asked (no ``lpstat`` on this system)."""
    import shutil
    import socket
    import subprocess

    from compounder.core.settings import printer_address

    kind, where, port = printer_address(uri)
    if kind == "socket":
        try:
            with socket.create_connection((where, port), timeout=PRINTER_TIMEOUT_S):
                return PrinterCheck(name, uri, True, "accepts connections")
        except OSError as exc:
            return PrinterCheck(name, uri, False, f"cannot be reached ({exc.strerror or exc})")
    lpstat = shutil.which("lpstat")
    if lpstat is None:
        return PrinterCheck(name, uri, None, "unknown: no lpstat command to ask CUPS")
    try:
        done = subprocess.run(
            [lpstat, "-a", where], capture_output=True, timeout=10, check=False, text=True
        )
    except subprocess.TimeoutExpired:
        return PrinterCheck(name, uri, False, "CUPS did not answer in time")
    said = (done.stdout + done.stderr).strip().splitlines()
    if done.returncode == 0 and said and "not accepting" not in said[0]:
        return PrinterCheck(name, uri, True, "the queue accepts jobs")
    return PrinterCheck(name, uri, False, said[-1] if said else "the queue is not known")
