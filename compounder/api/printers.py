"""Sending finished label files to a printer: a raw TCP socket or a CUPS queue.

A printer is named three ways: a name from the settings (``[printers.NAME]``, whose
``uri`` says where it is and ``format``, ``dpi`` and ``stock`` what it takes), a
``socket://HOST:PORT`` address (a thermal printer's raw port, usually 9100), or a CUPS
queue (``cups:QUEUE``, or any other name), handed to the ``lp`` command (``-o raw`` for
ZPL, so CUPS passes the bytes through untouched) where the system has one (Linux,
macOS); on Windows a queue is a printer of the print spooler, sent ZPL as a RAW job.

Nothing here draws: this module only moves bytes (it never loads reportlab). A printer
that cannot be reached, refuses, or a queue that rejects the job is a ``PrintError``
(exit 5) saying the label was not printed; a printer that stops taking bytes part-way
is one saying how many bytes (and ZPL labels) were handed to the connection: at most
that many reached it. On Linux, once every byte is handed, the send waits until the
printer has acknowledged them all (the connection's send queue, SIOCOUTQ): a job
smaller than the send buffer is handed at once, and the bytes acknowledged are then the
upper bound. No wait is unbounded: a send fails after ``TIMEOUT`` seconds without
progress.

Acknowledged bytes are not a printer's receipt (a listener that never reads still has
them in its kernel's buffers). So a ZPL job sent to a raw socket is followed by the
host status query ``~HS``: a ZPL printer reads its input in order and answers with
three ``<STX>...<ETX><CR><LF>`` strings (the ZPL II manual's "Host Status Return").
Only that answer, read within ``ANSWER`` seconds, with no condition that stops a label
(paper or ribbon out, paused, head open, a partial format, temperature, lost
configuration) calls the label printed; anything else (no answer, another answer, the
connection closed) is "sent, not confirmed" (a ``PrintError`` with every byte handed:
exit 5, logged ``print_unconfirmed``). A PDF sent to a raw socket cannot be asked, and
is never more than sent. A CUPS queue's job is the queue's: ``lp`` accepting it is what
is reported.
"""

from __future__ import annotations

import array
import contextlib
import os
import re
import socket
import subprocess
import time
from dataclasses import dataclass
from typing import Any

from compounder.errors import EXIT_OUTPUT, CompounderError

TIMEOUT = 10.0  # seconds to connect, and the longest a send may go without progress
BLOCK = 64 * 1024  # bytes handed to the connection at a time
SEND_BUFFER = 128 * 1024  # kept small, so bytes handed stay close to what the printer took
DRAIN_POLL = 0.05  # seconds between looks at what the printer has acknowledged
ANSWER = 3.0  # seconds in all to wait for the printer's status answer once it has everything
STATUS_QUERY = b"~HS"  # ZPL's host status query, sent after a ZPL job


@dataclass
class Progress:
    """How far a send got: bytes handed to the connection (the operating system's send
    buffer), of ``total``. Handed is not received: the printer took at most that many."""

    total: int = 0
    bytes_handed: int = 0

    @property
    def handed(self) -> bool:
        """Every byte handed over (from the moment the last one is: a signal right
        after must not call a label the printer may have whole "not sent"); handed is
        not printed: only the printer's answer to ``~HS`` says that."""
        return self.total > 0 and self.bytes_handed >= self.total

    def fields(self, data: bytes, zpl: bool) -> dict[str, Any]:
        """For the log: bytes handed to the connection of the total and, for ZPL, the
        complete labels (``^XA``...``^XZ``) among them: at most that many reached the
        printer (a label without its ``^XZ`` does not print)."""
        fields: dict[str, Any] = {"bytes_handed": self.bytes_handed, "bytes": self.total}
        if zpl:
            fields["labels_handed_at_most"] = data[: self.bytes_handed].count(b"^XZ")
            fields["labels"] = data.count(b"^XZ")
        if self.handed:
            fields["print_unconfirmed"] = True  # every byte handed, none confirmed
        return fields


@dataclass(eq=False)
class PrintError(CompounderError):
    """The label could not be handed to the printer, or only part of it: ``handed``
    bytes of ``total`` went to the connection (for ZPL ``labels_handed`` complete labels
    of ``labels``), an upper bound on what the printer received; all of them handed and
    the printer then closing the connection means it may or may not have printed."""

    printer: str
    problem: str
    handed: int = 0
    total: int = 0
    labels_handed: int | None = None
    labels: int | None = None
    made: Any = None  # what the call made and logged before the print failed (its JSON)

    exit_code = EXIT_OUTPUT

    def about_file(self) -> str | None:
        return self.printer

    def __str__(self) -> str:
        where = f"printer {self.printer}"
        if not self.handed:
            return f"not printed: {where}: {self.problem}"
        if self.handed >= self.total:
            what = (
                "the label may have printed; check it"
                if self.labels in (None, 1)
                else f"the {self.labels} labels may have printed; check them"
            )
            return (
                f"sent, not confirmed: {where}: all {self.total} bytes were handed over "
                f"but the printer {self.problem}: {what}"
            )
        if self.labels is not None:
            reached = f"at most {self.labels_handed} of {self.labels} labels reached it"
        else:
            reached = f"at most {self.handed} of {self.total} bytes reached it"
        return (
            f"printing stopped part-way: {where}: {self.problem} after {self.handed} of "
            f"{self.total} bytes were handed to the connection: {reached} (check what "
            "printed before printing the rest)"
        )


@dataclass(frozen=True)
class Printer:
    """Where to send a label and what it takes."""

    name: str  # as the user gave it
    kind: str  # "socket" or "cups"
    address: str  # HOST:PORT ([HOST]:PORT for IPv6) or the queue's name
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
    from compounder.core.settings import QUEUE_FORM, SOCKET_FORM, printer_address
    from compounder.errors import InputError

    try:
        kind, where, port = printer_address(uri)
    except ValueError:
        accepted = (
            SOCKET_FORM if uri.startswith("socket://")
            else f"a printer name from the settings, {SOCKET_FORM}, or {QUEUE_FORM}"
        )  # fmt: skip
        raise InputError("print", uri, accepted) from None
    if kind == "socket":
        host = f"[{where}]" if ":" in where else where
        return Printer(name, "socket", f"{host}:{port}", "zpl", None, None)
    return Printer(name, "cups", where, None, None, None)


def send(
    printer: Printer,
    data: bytes,
    raw: bool,
    title: str = "Compounder label",
    progress: Progress | None = None,
) -> str:
    """Hand ``data`` to the printer; the CUPS job id, or ""; PrintError. ``progress``
    says how far it got (read it when the send is interrupted)."""
    progress = progress if progress is not None else Progress()
    progress.total = len(data)
    if printer.kind == "socket":
        _send_socket(printer, data, progress, zpl=raw)
        return ""
    job = _send_queue(printer, data, raw, title)
    progress.bytes_handed = len(data)
    return job


def _send_queue(printer: Printer, data: bytes, raw: bool, title: str) -> str:
    """A print queue: CUPS's ``lp`` where the system has it (Linux, macOS), else on
    Windows the print spooler."""
    import shutil
    import sys

    if sys.platform == "win32" and shutil.which("lp") is None:
        return _send_spooler(printer, data, raw, title)
    return _send_cups(printer, data, raw, title)


def _send_spooler(printer: Printer, data: bytes, raw: bool, title: str) -> str:
    """A Windows printer queue, through the spooler (pywin32's ``win32print``): ZPL is
    sent as a RAW job, which the spooler passes to the printer untouched. A PDF is
    refused (a Windows queue does not read PDF): print it from a PDF viewer, or send
    the printer ZPL."""
    if not raw:
        raise PrintError(
            printer.describe(),
            "a Windows print queue is sent ZPL only (--format zpl); print a PDF from a viewer",
        )
    try:
        import win32print  # type: ignore[import-not-found]
    except ImportError:
        raise PrintError(
            printer.describe(), "the pywin32 package is missing (pip install pywin32)"
        ) from None
    try:
        handle = win32print.OpenPrinter(printer.address)
    except Exception as exc:  # pywintypes.error: the queue is not known
        raise PrintError(printer.describe(), f"the spooler refused the queue ({exc})") from None
    try:
        job = win32print.StartDocPrinter(handle, 1, (title, None, "RAW"))
        try:
            win32print.StartPagePrinter(handle)
            win32print.WritePrinter(handle, data)
            win32print.EndPagePrinter(handle)
        finally:
            win32print.EndDocPrinter(handle)
    except Exception as exc:
        raise PrintError(printer.describe(), f"the spooler refused the job ({exc})") from None
    finally:
        win32print.ClosePrinter(handle)
    return str(job)


def _send_socket(printer: Printer, data: bytes, progress: Progress, zpl: bool) -> None:
    """Every byte to the printer's raw port, a block at a time: a printer that takes
    nothing for ``TIMEOUT`` seconds fails the send (however long the whole takes, so a
    printer reading at print speed gets a long batch). Sent means the printer took
    them all; what it sends back is then read for at most ``ANSWER`` seconds in all
    (many printers never answer on this port, some keep sending status)."""
    host, _, port = printer.address.rpartition(":")
    where = printer.describe()
    try:
        connection = socket.create_connection((host.strip("[]"), int(port)), timeout=TIMEOUT)
    except ConnectionRefusedError:
        raise PrintError(where, "refused the connection") from None
    except TimeoutError:
        raise PrintError(where, "did not answer in time") from None
    except OSError as exc:
        raise PrintError(where, f"cannot be reached ({exc.strerror or exc})") from None
    with connection:
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
        view = memoryview(data)
        drains = _queued(connection) is not None
        handed = 0
        try:
            while handed < len(data):
                handed += connection.send(view[handed : handed + BLOCK])
                # with a queue to watch, all handed is not yet all taken (see _drain)
                if handed < len(data) or not drains:
                    progress.bytes_handed = handed
            if drains:
                _drain(connection, where, data, progress, zpl)
            if zpl:
                connection.sendall(STATUS_QUERY)
        except TimeoutError:
            _acknowledged(connection, progress, handed)
            problem = f"took nothing for {TIMEOUT:g} seconds"
            raise _stopped(where, problem, data, progress, zpl) from None
        except OSError as exc:
            _acknowledged(connection, progress, handed)
            problem = f"closed the connection ({_reason(connection, exc)})"
            raise _stopped(where, problem, data, progress, zpl) from None
        _confirm(connection, where, data, progress, zpl)


def _confirm(
    connection: socket.socket, where: str, data: bytes, progress: Progress, zpl: bool
) -> None:
    """Every byte is handed (and acknowledged): the printer's answer to ``~HS`` says
    whether it took the job; PrintError (not confirmed) unless it did."""
    progress.bytes_handed = len(data)
    if not zpl:
        problem = "cannot be asked whether it took a PDF (only a ZPL job is followed by ~HS)"
        raise _stopped(where, problem, data, progress, zpl)
    try:
        answer = _ask_status(connection)
    except EOFError:
        problem = "closed the connection before answering ~HS"
        raise _stopped(where, problem, data, progress, zpl) from None
    except OSError as exc:  # a reset once it had every byte: it may have printed
        problem = f"closed the connection ({_reason(connection, exc)}) before answering ~HS"
        raise _stopped(where, problem, data, progress, zpl) from None
    if answer is None:
        problem = f"gave no host status answer to ~HS within {ANSWER:g} seconds"
        raise _stopped(where, problem, data, progress, zpl)
    if stops := answer.stops():
        raise _stopped(where, f"answered ~HS with {', '.join(stops)}", data, progress, zpl)
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_WR)


def _reason(connection: socket.socket, exc: OSError) -> str:
    """Why the connection failed: the error the printer's side left on it (a reset
    seen only as "not connected" by a later call), else the call's own."""
    with contextlib.suppress(OSError):
        if pending := connection.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
            return os.strerror(pending)
    return str(exc.strerror or exc)


def _acknowledged(connection: socket.socket, progress: Progress, handed: int) -> None:
    """Narrow ``progress`` to the bytes the printer acknowledged, where that is known
    (the queue keeps its count after a reset): a closer upper bound than handed."""
    queued = _queued(connection)
    if queued is not None and 0 < queued <= handed:
        progress.bytes_handed = min(progress.bytes_handed, handed - queued)


def _queued(connection: socket.socket) -> int | None:
    """Bytes the kernel still holds for the connection (not sent, or sent and not
    acknowledged by the printer): Linux's SIOCOUTQ; None where it is not available."""
    try:  # imported here: only a print needs them
        import fcntl
        import termios

        request = termios.TIOCOUTQ
    except (ImportError, AttributeError):  # pragma: no cover - not Linux
        return None
    answer = array.array("i", [0])
    try:
        fcntl.ioctl(connection.fileno(), request, answer, True)
    except OSError:
        return None
    return int(answer[0])


def _drain(
    connection: socket.socket, where: str, data: bytes, progress: Progress, zpl: bool
) -> None:
    """Wait until the printer has acknowledged every byte handed over (a job smaller
    than the send buffer is handed at once, so the send itself cannot tell a printer
    that stopped taking it). ``progress`` holds the bytes acknowledged, an upper bound
    on what the printer took; the send fails after ``TIMEOUT`` seconds without one
    more acknowledged, or at a reset."""
    total = len(data)
    queued = _queued(connection)
    last = time.monotonic()
    while queued:
        progress.bytes_handed = total - queued
        error = connection.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if error:
            after = _queued(connection)  # the acknowledgements up to the reset
            if after is not None and after < queued:
                progress.bytes_handed = total - after
            raise OSError(error, os.strerror(error))
        if time.monotonic() - last >= TIMEOUT:
            raise TimeoutError
        time.sleep(DRAIN_POLL)
        now = _queued(connection)
        if now is None:  # cannot tell any more: as before, handed is all we know
            break
        if now < queued:
            last = time.monotonic()
        queued = now
    progress.bytes_handed = total


def _stopped(where: str, problem: str, data: bytes, progress: Progress, zpl: bool) -> PrintError:
    fields = progress.fields(data, zpl)
    return PrintError(
        where, problem, progress.bytes_handed, progress.total,
        fields.get("labels_handed_at_most"), fields.get("labels"),
    )  # fmt: skip


@dataclass(frozen=True)
class HostStatus:
    """A ZPL printer's answer to ``~HS``, as the ZPL II manual gives it: three strings,
    each ``<STX>`` fields separated by commas ``<ETX><CR><LF>``. String 1 is
    ``aaa,b,c,dddd,eee,f,g,h,iii,j,k,l`` (b paper out, c paused, eee formats in the
    receive buffer, h partial format in progress, j configuration lost, k under and
    l over temperature); string 2 ``mmm,n,o,p,q,r,s,t,uuuuuuuu,v,www`` (o head up,
    p ribbon out, q thermal transfer mode, uuuuuuuu labels remaining); string 3
    ``xxxx,y``. Flags are 1 when set."""

    first: tuple[str, ...]
    second: tuple[str, ...]

    FLAGS_1 = (
        (1, "paper out"),
        (2, "paused"),
        (7, "a partial format (the label is incomplete)"),
        (9, "configuration lost"),
        (10, "under temperature"),
        (11, "over temperature"),
    )

    @classmethod
    def parse(cls, answer: bytes) -> HostStatus | None:
        """The status in ``answer``: the last three consecutive strings of the manual's
        form (other bytes, and strings of other forms, around them are ignored); None
        until they have arrived."""
        strings = [
            tuple(f.strip() for f in found.decode("ascii", "replace").split(","))
            for found in re.findall(rb"\x02([^\x02\x03]*)\x03", answer)
        ]
        for start in range(len(strings) - 3, -1, -1):
            first, second, third = strings[start : start + 3]
            if (len(first), len(second), len(third)) == (12, 11, 2) and all(
                value.isdigit() for value in first + second
            ):
                return cls(first, second)
        return None

    def stops(self) -> list[str]:
        """What stops the printer printing the label now (none: it took the job)."""
        found = [what for index, what in self.FLAGS_1 if self.first[index] == "1"]
        if self.second[2] == "1":
            found.append("the head open")
        if self.second[3] == "1" and self.second[4] == "1":  # ribbon matters in transfer mode
            found.append("ribbon out")
        return found


def _ask_status(connection: socket.socket) -> HostStatus | None:
    """The printer's answer to the ``~HS`` sent after the job, read for ``ANSWER``
    seconds at most in all (a printer that keeps sending something else is left then);
    None without one. EOFError: the printer closed its side first; OSError: a reset."""
    deadline = time.monotonic() + ANSWER
    answer = b""
    with contextlib.suppress(TimeoutError):
        while (left := deadline - time.monotonic()) > 0:
            connection.settimeout(left)
            chunk = connection.recv(4096)
            if not chunk:
                raise EOFError("closed by the printer")
            answer = (answer + chunk)[-65536:]
            if (status := HostStatus.parse(answer)) is not None:
                return status
    return None


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
    return job_id(done.stdout.decode("utf-8", "replace"))


def job_id(said: str) -> str:
    """The job id in what ``lp`` says ("request id is zebra-12 (1 file(s))": zebra-12)."""
    found = re.search(r"request id is (\S+)", said)
    return found.group(1) if found else said.strip()
