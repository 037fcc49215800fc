"""Sending to printers for real: a loopback listener as a thermal printer's raw port,
and a private CUPS daemon with a raw queue pointing at that listener."""

from __future__ import annotations

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
    assert job.startswith("request id is zebra-api-")
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
    """A thermal printer's raw port takes the bytes and keeps the connection open."""
    import socket
    import threading

    monkeypatch.setattr("compounder.api.printers.LINGER", 0.3)
    server = socket.create_server(("127.0.0.1", 0))
    got: list[bytes] = []

    def hold() -> None:
        connection, _ = server.accept()
        data = b""
        while len(data) < len(DATA):
            data += connection.recv(65536)
        got.append(data)
        threading.Event().wait(2)  # never closes its side in time
        connection.close()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    send(find_printer(f"socket://127.0.0.1:{server.getsockname()[1]}"), DATA, raw=True)
    thread.join(5)
    server.close()
    assert got == [DATA]
