"""A job smaller than the connection's send buffer is handed over at once: the send
waits until the printer has acknowledged every byte, so a printer that stops taking it,
or resets, part-way is not a label printed (real loopback printers)."""

from __future__ import annotations

import pytest
from printer_servers import Printer

from compounder.api.printers import PrintError, find_printer, send

JOB = b"".join(
    b"^XA\n^FX label %03d\n" % n + b"^FO0,0^GB8,8,8^FS\n" * 50 + b"^XZ\n" for n in range(200)
)  # 200 labels, about 190 KB: less than the send buffer


def _send(printer: Printer) -> PrintError:
    try:
        with pytest.raises(PrintError) as error:
            send(find_printer(printer.uri), JOB, raw=True)
    finally:
        printer.close()
    return error.value


def test_the_job_fits_the_send_buffer():
    assert 150_000 < len(JOB) < 200_000


def test_a_printer_that_stalls_after_taking_part_of_a_small_job(monkeypatch):
    monkeypatch.setattr("compounder.api.printers.TIMEOUT", 0.5)
    failure = _send(Printer(stall_after=20_000))
    assert failure.exit_code == 5
    assert 20_000 <= failure.handed < failure.total == len(JOB)
    assert failure.labels == 200 and failure.labels_handed == JOB[: failure.handed].count(b"^XZ")
    assert str(failure) == (
        f"printing stopped part-way: printer {failure.printer}: took nothing for 0.5 seconds "
        f"after {failure.handed} of {len(JOB)} bytes were handed to the connection: at most "
        f"{failure.labels_handed} of 200 labels reached it (check what printed before "
        "printing the rest)"
    )


def test_a_printer_that_resets_after_taking_part_of_a_small_job():
    printer = Printer(reset_after=20_000)
    failure = _send(printer)
    assert printer.received == [JOB[:20_000]]
    assert 20_000 <= failure.handed < failure.total == len(JOB)
    assert str(failure).startswith(
        f"printing stopped part-way: printer {failure.printer}: closed the connection ("
    )


def test_a_printer_that_takes_it_all_still_prints(listener):
    assert send(find_printer(listener.uri), JOB, raw=True) == ""
    assert listener.wait() == [JOB]


def test_a_reset_after_every_byte_is_acknowledged_is_not_confirmed():
    """The printer reads the whole job, then resets instead of closing: it may have
    printed, so the send says not confirmed (never printed)."""
    printer = Printer(reset_after=len(JOB))
    failure = _send(printer)
    assert printer.received == [JOB]
    assert failure.handed == failure.total == len(JOB)
    assert str(failure).startswith(
        f"sent, not confirmed: printer {failure.printer}: all {len(JOB)} bytes were handed "
        "over but the printer closed the connection (Connection reset by peer)"
    )
    assert str(failure).endswith("the 200 labels may have printed; check them")
