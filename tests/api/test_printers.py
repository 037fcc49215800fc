"""Sending to printers for real: a loopback listener as a thermal printer's raw port,
and a private CUPS daemon with a raw queue pointing at that listener."""

from __future__ import annotations

import re

import pytest
from printer_servers import closed_port

from compounder.api.printers import PrintError, find_printer, send
from compounder.core.settings import PharmacySettings, PrinterSettings
from compounder.errors import EXIT_OUTPUT, InputError

DATA = "^XA\n^CI28\n^FX Zoë Ñandú\n^XZ\n".encode() + bytes(range(256))


def test_raw_socket_receives_every_byte(listener):
    printer = find_printer(listener.uri)
    assert (printer.kind, printer.format) == ("socket", "zpl")
    assert send(printer, DATA, raw=True) == ""
    assert listener.wait() == [DATA]


def test_a_refusing_printer_is_an_output_error():
    printer = find_printer(f"socket://127.0.0.1:{closed_port()}")
    with pytest.raises(PrintError) as error:
        send(printer, DATA, raw=True)
    assert error.value.exit_code == EXIT_OUTPUT == 5
    assert str(error.value).startswith("not printed: printer socket://127.0.0.1:")
    assert "refused the connection" in str(error.value)


def test_an_unreachable_host_is_an_output_error(monkeypatch):
    monkeypatch.setattr("compounder.api.printers.TIMEOUT", 0.5)
    printer = find_printer("socket://host.invalid:9100")
    with pytest.raises(PrintError, match="cannot be reached"):
        send(printer, DATA, raw=True)


def test_names_from_the_settings_come_first():
    settings = PharmacySettings(
        "P", "A", "1", printers=(PrinterSettings("counter", "cups:zebra", "zpl", 300, "roll-4x6"),)
    )
    printer = find_printer("counter", settings)
    assert (printer.kind, printer.address, printer.format, printer.dpi, printer.stock) == (
        "cups", "zebra", "zpl", 300, "roll-4x6",
    )  # fmt: skip
    assert printer.describe() == "'counter' (cups:zebra)"
    other = find_printer("office-laser", settings)
    assert (other.kind, other.address, other.format) == ("cups", "office-laser", None)
    assert find_printer("socket://10.1.2.3").address == "10.1.2.3:9100"


@pytest.mark.parametrize("bad", ["socket://:9100", "socket://host:99999", "cups:", "two words"])
def test_malformed_printer_names_are_input_errors(bad):
    with pytest.raises(InputError, match="print"):
        find_printer(bad)


def test_cups_queue_prints_raw_through_lp(cups, listener, monkeypatch):
    cups.add_raw_queue("zebra-api", listener.uri)
    monkeypatch.setenv("CUPS_SERVER", cups.server)
    job = send(find_printer("cups:zebra-api"), DATA, raw=True)
    assert re.fullmatch(r"zebra-api-[0-9]+", job), job  # the job id alone (lp says more)
    assert listener.wait(timeout=60) == [DATA], cups.log()


def test_cups_unknown_queue_is_an_output_error(cups, monkeypatch):
    monkeypatch.setenv("CUPS_SERVER", cups.server)
    with pytest.raises(PrintError, match="the queue refused the job") as error:
        send(find_printer("no-such-queue"), DATA, raw=True)
    assert error.value.exit_code == 5


def test_lp_missing_is_an_output_error(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(PrintError, match="the lp command is missing"):
        send(find_printer("cups:zebra"), DATA, raw=True)


def test_a_printer_that_never_closes_still_gets_the_label(monkeypatch):
    """A thermal printer's raw port takes the bytes, answers ~HS and keeps the
    connection open: printed, without waiting for it to close."""
    import socket
    import threading

    from printer_servers import READY_ANSWER

    monkeypatch.setattr("compounder.api.printers.ANSWER", 0.3)
    server = socket.create_server(("127.0.0.1", 0))
    got: list[bytes] = []

    def hold() -> None:
        connection, _ = server.accept()
        data = b""
        while not data.endswith(b"~HS"):
            data += connection.recv(65536)
        got.append(data)
        connection.sendall(READY_ANSWER)
        threading.Event().wait(2)  # never closes its side in time
        connection.close()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    send(find_printer(f"socket://127.0.0.1:{server.getsockname()[1]}"), DATA, raw=True)
    thread.join(5)
    server.close()
    assert got == [DATA + b"~HS"]


# --- a printer that misbehaves (review of issue 18's printing) ---------------------------

LABELS = b"".join(
    b"^XA\n^FX label %05d\n" % n + b"^FO0,0^GB8,8,8^FS\n" * 500 + b"^XZ\n" for n in range(200)
)  # 200 labels, about 3.6 MB


def _in_thread(function, *args):
    """Run ``function`` in a thread: (thread, outcome list [result or exception])."""
    import threading

    outcome: list = []

    def run() -> None:
        try:
            outcome.append(function(*args))
        except Exception as exc:  # handed to the test
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def test_a_printer_that_keeps_sending_status_is_left_after_the_answer_time(monkeypatch):
    """Some printers send status bytes on the raw port, forever: the wait for the
    printer's answer has a total deadline, not one per read, and bytes that are not a
    host status answer confirm nothing."""
    from printer_servers import Printer

    monkeypatch.setattr("compounder.api.printers.ANSWER", 0.5)
    printer = Printer(talk=True, answer=None)
    try:
        thread, outcome = _in_thread(send, find_printer(printer.uri), DATA, True)
        thread.join(10)
        assert not thread.is_alive(), "still reading the printer's status after 10 s"
        (failure,) = outcome
        assert isinstance(failure, PrintError) and failure.handed == failure.total
        assert "gave no host status answer to ~HS within 0.5 seconds" in str(failure)
        assert printer.received == [DATA]
    finally:
        printer.close()


def test_a_printer_that_talks_and_answers_is_confirmed(monkeypatch):
    """Status bytes of another form around the answer do not hide it."""
    from printer_servers import Printer

    monkeypatch.setattr("compounder.api.printers.ANSWER", 0.5)
    printer = Printer(talk=True)
    try:
        thread, outcome = _in_thread(send, find_printer(printer.uri), DATA, True)
        thread.join(10)
        assert outcome == [""]
        assert printer.got_all.wait(5) and printer.received == [DATA]
    finally:
        printer.close()


def test_a_printer_reading_at_print_speed_gets_a_long_file(monkeypatch):
    """The timeout is for a send that makes no progress, not for the whole file: a
    printer taking a long batch slowly (longer than the timeout in all) gets it all."""
    from printer_servers import Printer

    monkeypatch.setattr("compounder.api.printers.TIMEOUT", 0.4)
    printer = Printer(rate=5_000_000)  # 5 MB/s: about two seconds for the file
    long_file = LABELS * 3  # more than the connection's buffers hold
    try:
        assert send(find_printer(printer.uri), long_file, raw=True) == ""
        assert printer.got_all.wait(10)
        assert printer.received == [long_file]
    finally:
        printer.close()


def test_a_printer_that_stops_reading_part_way_says_how_far_it_got(monkeypatch):
    from printer_servers import Printer

    monkeypatch.setattr("compounder.api.printers.TIMEOUT", 0.4)
    printer = Printer(stall_after=200_000)
    try:
        with pytest.raises(PrintError) as error:
            send(find_printer(printer.uri), LABELS, raw=True)
    finally:
        printer.close()
    failure = error.value
    assert failure.exit_code == 5
    assert 200_000 <= failure.handed < failure.total == len(LABELS)
    assert failure.labels == 200
    assert failure.labels_handed == LABELS[: failure.handed].count(b"^XZ")
    assert 1 <= failure.labels_handed < 200
    assert str(failure) == (
        f"printing stopped part-way: printer {printer.uri}: took nothing for 0.4 seconds "
        f"after {failure.handed} of {len(LABELS)} bytes were handed to the connection: at "
        f"most {failure.labels_handed} of 200 labels reached it (check what printed before "
        "printing the rest)"
    )


def test_a_printer_that_resets_part_way_gets_an_upper_bound_not_a_count():
    """The printer takes 5000 bytes (not one whole label) and resets the connection:
    more than that was handed to the connection, so the message gives at most, never
    "were sent"."""
    from printer_servers import Printer

    printer = Printer(reset_after=5000)
    try:
        with pytest.raises(PrintError) as error:
            send(find_printer(printer.uri), LABELS, raw=True)
    finally:
        printer.close()
    failure = error.value
    assert printer.received == [LABELS[:5000]]  # not one label whole
    assert 5000 <= failure.handed < failure.total == len(LABELS)
    assert failure.labels_handed == LABELS[: failure.handed].count(b"^XZ")
    message = str(failure)
    assert message.startswith(f"printing stopped part-way: printer {printer.uri}: closed the ")
    assert (
        f"after {failure.handed} of {len(LABELS)} bytes were handed to the connection: at most "
        f"{failure.labels_handed} of 200 labels reached it (check what printed before printing "
        "the rest)"
    ) in message
    assert "were sent" not in message


def test_every_byte_handed_then_a_reset_is_not_confirmed():
    """All bytes handed to the connection and then the printer closes it: the label may
    have printed, and the message and the log fields say so (not "1 of 1 sent")."""
    from compounder.api.printers import Progress

    data = b"^XA\n^FDone^FS\n^XZ\n" * 3
    progress = Progress(total=len(data), bytes_handed=len(data))
    fields = progress.fields(data, zpl=True)
    assert fields == {
        "bytes_handed": len(data), "bytes": len(data), "labels_handed_at_most": 3,
        "labels": 3, "print_unconfirmed": True,
    }  # fmt: skip
    problem = "closed the connection (Connection reset by peer)"
    failure = PrintError("socket://10.0.0.5:9100", problem, len(data), len(data), 3, 3)
    assert str(failure) == (
        f"sent, not confirmed: printer socket://10.0.0.5:9100: all {len(data)} bytes were "
        "handed over but the printer closed the connection (Connection reset by peer): the 3 "
        "labels may have printed; check them"
    )
    one = PrintError("socket://10.0.0.5:9100", problem, 27412, 27412, 1, 1)
    assert str(one).endswith(
        "all 27412 bytes were handed over but the printer closed the connection (Connection "
        "reset by peer): the label may have printed; check it"
    )
    part = Progress(total=len(data), bytes_handed=20).fields(data, zpl=True)
    assert part["labels_handed_at_most"] == 1 and "print_unconfirmed" not in part


def test_a_bracketed_ipv6_address():
    from printer_servers import Printer

    printer = Printer(family=__import__("socket").AF_INET6)
    try:
        found = find_printer(printer.uri)
        assert (found.kind, found.address) == ("socket", f"[::1]:{printer.port}")
        assert found.describe() == printer.uri
        assert send(found, DATA, raw=True) == ""
        assert printer.got_all.wait(10) and printer.received == [DATA]
    finally:
        printer.close()
    assert find_printer("socket://[2001:db8::5]").address == "[2001:db8::5]:9100"


@pytest.mark.parametrize(
    "bad",
    [
        "socket://user@host:9100",
        "socket://user:pw@host:9100",
        "socket://127.0.0.1: 19100",
        "socket://host:9100/path",
        "socket://host:9100?x=1",
        "socket://[::1",
        "socket://host:0",
        "socket://",
        "",
        " ",
    ],
)
def test_addresses_in_no_accepted_form_are_input_errors(bad):
    with pytest.raises(InputError) as error:
        find_printer(bad)
    assert error.value.exit_code == 2


def test_lp_s_answer_is_kept_as_the_job_id():
    from compounder.api.printers import job_id

    assert job_id("request id is zq-1 (0 file(s))\n") == "zq-1"
    assert job_id("something else") == "something else"


class FakeSpooler:
    """What pywin32's ``win32print`` is on Windows (it cannot run here): records the
    calls a RAW job makes; ``known`` is the spooler's one printer."""

    def __init__(self, known: str) -> None:
        self.known, self.calls, self.data = known, [], b""

    def OpenPrinter(self, name):
        if name != self.known:
            raise OSError(1801, "The printer name is invalid.")
        self.calls.append(("open", name))
        return 7

    def StartDocPrinter(self, handle, level, info):
        self.calls.append(("doc", info[0], info[2]))
        return 42

    def StartPagePrinter(self, handle):
        self.calls.append(("page",))

    def WritePrinter(self, handle, data):
        self.data += data
        return len(data)

    def EndPagePrinter(self, handle):
        self.calls.append(("end page",))

    def EndDocPrinter(self, handle):
        self.calls.append(("end doc",))

    def ClosePrinter(self, handle):
        self.calls.append(("close",))


@pytest.fixture
def windows(monkeypatch):
    """Windows as the printing code sees it: no ``lp``, the spooler's win32print."""
    import shutil
    import sys

    spooler = FakeSpooler("ZDesigner-ZD420")
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    monkeypatch.setitem(sys.modules, "win32print", spooler)
    return spooler


def test_a_windows_queue_gets_zpl_through_the_spooler_as_a_raw_job(windows):
    printer = find_printer("ZDesigner-ZD420")
    assert send(printer, b"^XA^FDx^FS^XZ", raw=True, title="Compounder label") == "42"
    assert windows.data == b"^XA^FDx^FS^XZ"
    assert windows.calls == [
        ("open", "ZDesigner-ZD420"),
        ("doc", "Compounder label", "RAW"),
        ("page",),
        ("end page",),
        ("end doc",),
        ("close",),
    ]


def test_a_windows_queue_refuses_pdf_and_names_an_unknown_queue(windows):
    with pytest.raises(PrintError, match="sent ZPL only") as caught:
        send(find_printer("ZDesigner-ZD420"), b"%PDF-1.4", raw=False)
    assert caught.value.exit_code == EXIT_OUTPUT and windows.calls == []
    with pytest.raises(PrintError, match="the spooler refused the queue"):
        send(find_printer("no-such-queue"), b"^XA^XZ", raw=True)
