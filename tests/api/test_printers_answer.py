"""A printer's receipt is a printer's answer (issue 23, item 4): after a ZPL job the
raw socket is asked ``~HS`` and only a host status answer with nothing stopping the
label is "printed". Listeners that never read, never accept, or read and stall, are
"sent, not confirmed" (exit 5); one answering as a Zebra printer does is printed."""

from __future__ import annotations

import json

import pytest
from printer_servers import (
    READY_ANSWER,
    TALK,
    Listener,
    NeverAccepts,
    NeverReads,
    Printer,
    host_status,
)

from compounder.api.printers import HostStatus, PrintError, find_printer, send

DATA = b"^XA\n^FO50,50^FDtest^FS\n^XZ\n"


@pytest.fixture(autouse=True)
def short_answer(monkeypatch):
    monkeypatch.setattr("compounder.api.printers.ANSWER", 0.5)


def _unconfirmed(uri: str, data: bytes = DATA) -> PrintError:
    with pytest.raises(PrintError) as error:
        send(find_printer(uri), data, raw=True)
    failure = error.value
    assert failure.exit_code == 5
    assert failure.handed == failure.total == len(data)
    assert str(failure).startswith(f"sent, not confirmed: printer {uri}: all {len(data)} bytes")
    assert str(failure).endswith("the label may have printed; check it")
    return failure


@pytest.mark.parametrize("small_buffer", [False, True])
def test_a_printer_that_never_reads_is_not_confirmed(small_buffer):
    never_reads = Printer(stall_after=0, answer=None) if small_buffer else NeverReads()
    try:
        failure = _unconfirmed(never_reads.uri)
    finally:
        never_reads.close()
    assert "gave no host status answer to ~HS within 0.5 seconds" in failure.problem


def test_a_port_that_never_accepts_is_not_confirmed():
    never_accepts = NeverAccepts()
    try:
        failure = _unconfirmed(never_accepts.uri)
    finally:
        never_accepts.close()
    assert "gave no host status answer" in failure.problem


def test_a_printer_that_reads_then_stalls_is_not_confirmed():
    stalls = Printer(stall_after=len(DATA), answer=None)
    try:
        _unconfirmed(stalls.uri)
        assert stalls.received == [DATA]
    finally:
        stalls.close()


def test_a_printer_that_closes_without_answering_is_not_confirmed():
    closes = Listener(status=b"")
    try:
        failure = _unconfirmed(closes.uri)
    finally:
        closes.close()
    assert failure.problem in (
        "gave no host status answer to ~HS within 0.5 seconds",
        "closed the connection before answering ~HS",
    )


def test_a_zebra_that_answers_ready_printed_it():
    zebra = Listener()
    try:
        assert send(find_printer(zebra.uri), DATA, raw=True) == ""
        assert zebra.wait() == [DATA] and zebra.queries == 1
    finally:
        zebra.close()


@pytest.mark.parametrize(
    ("status", "said"),
    [
        ({"paper_out": 1}, "paper out"),
        ({"paused": 1}, "paused"),
        ({"head_up": 1}, "the head open"),
        ({"partial": 1}, "a partial format (the label is incomplete)"),
        ({"ribbon_out": 1, "transfer": 1}, "ribbon out"),
        ({"paper_out": 1, "paused": 1}, "paper out, paused"),
    ],
)
def test_a_zebra_that_cannot_print_now_is_not_confirmed(status, said):
    zebra = Listener(status=host_status(**status))
    try:
        failure = _unconfirmed(zebra.uri)
    finally:
        zebra.close()
    assert failure.problem == f"answered ~HS with {said}"


def test_ribbon_out_on_a_direct_thermal_printer_is_no_stop():
    zebra = Listener(status=host_status(ribbon_out=1, transfer=0))
    try:
        assert send(find_printer(zebra.uri), DATA, raw=True) == ""
    finally:
        zebra.close()


def test_the_answer_as_the_manual_gives_it():
    status = HostStatus.parse(READY_ANSWER)
    assert status is not None and status.stops() == []
    assert len(status.first) == 12 and len(status.second) == 11
    assert HostStatus.parse(READY_ANSWER[:-20]) is None  # the third string not yet whole
    assert HostStatus.parse(TALK * 5) is None  # status in another form
    assert HostStatus.parse(TALK + READY_ANSWER + TALK) == status
    wrong = READY_ANSWER.replace(b"030,0,0,1218", b"030,0,0")  # string 1 short
    assert HostStatus.parse(wrong) is None


def test_a_pdf_on_a_raw_port_is_never_more_than_sent():
    zebra = Listener()
    try:
        with pytest.raises(PrintError) as error:
            send(find_printer(zebra.uri), b"%PDF-1.4 ...", raw=False)
        assert zebra.wait() == [b"%PDF-1.4 ..."] and zebra.queries == 0
    finally:
        zebra.close()
    assert "cannot be asked whether it took a PDF" in error.value.problem
    assert str(error.value).startswith("sent, not confirmed:")


BASE = ["label", "--rx", "1234567", "--patient", "Jane Doe", "--prescriber", "Dr A. Smith"]
DOSE = ["--dose", "1.5mg", "--concentration", "1mg/mL", "--quantity", "21mL"]
DOSE += ["--fill-date", "2026-12-01"]


@pytest.mark.parametrize("kind", ["never-reads", "never-accepts"])
def test_label_to_a_listener_that_never_reads_is_exit_5_logged_unconfirmed(
    cli, tmp_path, example_config, kind
):
    """The issue's reproduction: a listener that accepts and never reads (or never
    accepts) got "Printed 1 label", printed true, exit 0."""
    server = NeverReads() if kind == "never-reads" else NeverAccepts()
    db = tmp_path / "log.db"
    target = tmp_path / "l.zpl"
    try:
        result = cli(
            *BASE, *DOSE, "--config", str(example_config), "--db", str(db), "-o", str(target),
            "--print", server.uri, "--json",
        )  # fmt: skip
    finally:
        server.close()
    assert result.exit_code == 5, result.stderr
    assert "Printed" not in result.stdout
    assert "error: sent, not confirmed" in result.stderr
    printing = json.loads(result.stdout)["printing"]
    assert printing["printed"] is False and printing["print_unconfirmed"] is True
    assert target.is_file()  # the label and its entry committed first
    history = cli("history", "--rx", "1234567", "--db", str(db), "--json")
    label, printed = json.loads(history.stdout)["entries"]
    assert (label["kind"], printed["kind"]) == ("label", "print")
    assert printed["payload"]["prints"] == label["id"]
    assert printed["payload"]["printed"] is False
    table = cli("history", "--rx", "1234567", "--db", str(db)).stdout
    assert f"print of {label['id']} (not confirmed)" in table


def test_batch_to_a_listener_that_never_reads_is_not_printed(
    cli, tmp_path, example_config, monkeypatch
):
    """A batch's labels outgrow the buffers: it stops part-way or is not confirmed,
    never printed."""
    from compounder.log.entries import open_store

    monkeypatch.setattr("compounder.api.printers.TIMEOUT", 0.5)
    server = NeverReads()
    db = tmp_path / "log.db"
    orders = example_config.parent / "orders.csv"
    try:
        result = cli(
            "batch", str(orders), "--config", str(example_config), "--db", str(db),
            "-o", str(tmp_path / "out"), "--print", server.uri,
        )  # fmt: skip
    finally:
        server.close()
    assert result.exit_code == 5, result.stderr
    assert "Printed labels.zpl" not in result.stdout
    with open_store(db) as store:
        (entry,) = store.entries_of_kind("batch-print")
    assert entry.payload["printed"] is False and entry.payload["printed_files"] == []
