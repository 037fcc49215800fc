"""Sending finished label files to a printer: a raw TCP socket or a CUPS queue.

A printer is named three ways: a name from the settings (``[printers.NAME]``, whose
``uri`` says where it is and ``format``, ``dpi`` and ``stock`` what it takes), a
``socket://HOST:PORT`` address (a thermal printer's raw port, usually 9100), or a CUPS
queue (``cups:QUEUE``, or any other name), handed to the ``lp`` command (``-o raw`` for
ZPL, so CUPS passes the bytes through untouched).

Nothing here draws: this module only moves bytes (it never loads reportlab). A printer
that cannot be reached, refuses, or a queue that rejects the job is a ``PrintError``
(exit 5) saying the label was not printed.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
from dataclasses import dataclass
from typing import Any

from compounder.errors import EXIT_OUTPUT, CompounderError

DEFAULT_PORT = 9100
DEFAULT_DPI = 203
TIMEOUT = 10.0  # seconds to connect and to send
LINGER = 2.0  # seconds to wait for a printer to close its side once it has everything


@dataclass(eq=False)
class PrintError(CompounderError):
    """The label could not be handed to the printer: it was not printed."""

    printer: str
    problem: str

    exit_code = EXIT_OUTPUT

    def __str__(self) -> str:
        return f"not printed: printer {self.printer}: {self.problem}"


@dataclass(frozen=True)
class Printer:
    """Where to send a label and what it takes."""

    name: str  # as the user gave it
    kind: str  # "socket" or "cups"
    address: str  # HOST:PORT or the queue's name
    format: str | None  # None: whatever the command asked for (default pdf / zpl)
    dpi: int | None
    stock: str | None

    def describe(self) -> str:
        where = f"socket://{self.address}" if self.kind == "socket" else f"cups:{self.address}"
        return where if where == self.name else f"{self.name!r} ({where})"


def find_printer(name: str, settings: Any = None) -> Printer:
    """The printer ``name`` means: a settings name first, then an address or a queue."""
    configured = settings.printer(name) if settings is not None else None
    if configured is not None:
        found = _from_uri(name, configured.uri)
        return Printer(
            name, found.kind, found.address, configured.format, configured.dpi,
            configured.stock or None,
        )  # fmt: skip
    return _from_uri(name, name)


def _from_uri(name: str, uri: str) -> Printer:
    from compounder.errors import InputError

    if uri.startswith("socket://"):
        address = uri.removeprefix("socket://").rstrip("/")
        if ":" not in address:
            address += f":{DEFAULT_PORT}"
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise InputError("print", uri, "socket://HOST:PORT, e.g. socket://192.0.2.10:9100")
        return Printer(name, "socket", f"{host}:{int(port)}", "zpl", None, None)
    queue = uri.removeprefix("cups:")
    if not queue or any(ch.isspace() or ch in "/#" for ch in queue):
        raise InputError(
            "print", uri, "a printer name from the settings, socket://HOST:PORT or a CUPS queue"
        )
    return Printer(name, "cups", queue, None, None, None)


def send(printer: Printer, data: bytes, raw: bool, title: str = "Compounder label") -> str:
    """Hand ``data`` to the printer; what it said (a CUPS job id) or ""; PrintError."""
    if printer.kind == "socket":
        _send_socket(printer, data)
        return ""
    return _send_cups(printer, data, raw, title)


def _send_socket(printer: Printer, data: bytes) -> None:
    """Every byte to the printer's raw port. Sent means the printer took them all (the
    connection then closed from our side): many printers never answer on this port."""
    host, _, port = printer.address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=TIMEOUT) as connection:
            connection.sendall(data)
            connection.shutdown(socket.SHUT_WR)
            connection.settimeout(LINGER)
            with contextlib.suppress(TimeoutError):
                while connection.recv(4096):  # a printer that closes its side: wait for it
                    pass
    except ConnectionRefusedError:
        raise PrintError(printer.describe(), "refused the connection") from None
    except TimeoutError:
        raise PrintError(printer.describe(), "did not answer in time") from None
    except OSError as exc:
        raise PrintError(printer.describe(), f"cannot be reached ({exc.strerror or exc})") from None


def _send_cups(printer: Printer, data: bytes, raw: bool, title: str) -> str:
    command = ["lp", "-d", printer.address, "-t", title]
    if raw:
        command += ["-o", "raw"]
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=60, check=False)
    except FileNotFoundError:
        raise PrintError(
            printer.describe(), "the lp command is missing (install CUPS: apt-get install cups)"
        ) from None
    except subprocess.TimeoutExpired:
        raise PrintError(printer.describe(), "the print queue did not answer in time") from None
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = said[-1] if said else f"lp exit status {done.returncode}"
        raise PrintError(printer.describe(), f"the queue refused the job ({reason})")
    return done.stdout.decode("utf-8", "replace").strip()
