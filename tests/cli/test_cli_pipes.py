"""Pipes: ``batch -`` reads the order file from standard input, ``-o -`` writes a
label or chart to standard output (logged), and a reader that stops reading ends a
command quietly with exit 141 (docs/json-contracts.md)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ORDERS = (EXAMPLES / "orders.csv").read_text(encoding="utf-8")
CONFIG = str(EXAMPLES / "compounder.toml")


def as_jsonl(text: str) -> str:
    return "".join(json.dumps(row) + "\n" for row in csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("form", ["csv", "jsonl"])
def test_batch_reads_the_orders_from_standard_input(cli, tmp_path, form):
    """The same run from the file and from stdin (CSV, or JSON Lines told by its '{'):
    the same manifest."""
    text = ORDERS if form == "csv" else as_jsonl(ORDERS)
    piped = cli("batch", "-", "-o", str(tmp_path / "piped"), "--config", CONFIG,
                "--db", str(tmp_path / "piped.db"), input=text)  # fmt: skip
    assert piped.exit_code == 0, piped.stderr
    named = cli("batch", str(EXAMPLES / "orders.csv"), "-o", str(tmp_path / "named"),
                "--config", CONFIG, "--db", str(tmp_path / "named.db"))  # fmt: skip
    assert named.exit_code == 0, named.stderr
    rows = [
        json.loads((tmp_path / out / "manifest.json").read_text(encoding="utf-8"))["orders"]
        for out in ("piped", "named")
    ]
    assert len(rows[0]) == 8
    assert [r["rx_number"] for r in rows[0]] == [r["rx_number"] for r in rows[1]]
    assert not list(Path(tempfile.gettempdir()).glob(".compounder-orders-*"))  # removed


def test_fhir_from_standard_input_is_told_by_its_content(cli):
    """A FHIR Bundle piped in is read as FHIR, as the same file named .json is."""
    bundle = Path(__file__).resolve().parents[1] / "data" / "fhir" / "bundle-patient.json"
    piped = cli("batch", "-", "--check", "--config", CONFIG, "--json",
                input=bundle.read_text(encoding="utf-8"))  # fmt: skip
    named = cli("batch", str(bundle), "--check", "--config", CONFIG, "--json")
    assert piped.exit_code == named.exit_code == 0, piped.stderr
    assert json.loads(piped.stdout) == json.loads(named.stdout)


def test_a_bad_row_from_standard_input_is_named_as_such(cli, tmp_path):
    text = ORDERS.replace("1000103,Robert Brown,Dr K. Patel,2026-12-01,1 mg/mL,3 mg",
                          "1000103,Robert Brown,Dr K. Patel,2026-12-01,1 mg/mL,99 mg")  # fmt: skip
    result = cli("batch", "-", "--check", "--config", CONFIG, input=text)
    assert result.exit_code == 2
    assert result.stderr.startswith("compounder: error: standard input line 4, column dose:")
    assert "Robert" not in result.stderr


def test_a_bad_header_from_standard_input_names_standard_input(cli):
    result = cli("batch", "-", "--check", "--config", CONFIG, "--json", input="foo,bar\n1,2\n")
    assert result.exit_code == 4
    error = json.loads(result.stdout)["error"]
    assert (error["file"], error["where"], error["field"]) == ("standard input", "line 1", None)
    assert error["message"].startswith("standard input: line 1: unknown column 'foo'")
    empty = cli("batch", "-", "--check", "--config", CONFIG, input="")
    assert empty.exit_code == 4
    assert empty.stderr == (
        "compounder: error: standard input: is empty; expected a header line and one order a line\n"
    )


@pytest.mark.slow
def test_batch_dash_at_a_terminal_refuses_rather_than_waits(tmp_path):
    """No order file piped in (a terminal): refused at once, exit 2."""
    import pty

    primary, secondary = pty.openpty()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "compounder", "batch", "-", "--check", "--config", CONFIG],
            stdin=secondary, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    finally:
        os.close(primary)
        os.close(secondary)
    assert result.returncode == 2
    assert "orders: '-' is not accepted; expected an order file piped in" in result.stderr


# --- -o -: a label or chart to standard output --------------------------------------

LABEL = ["label", "--rx", "1234567", "--patient", "Jane Doe", "--prescriber", "Dr A. Smith",
         "--dose", "1.5mg", "--concentration", "1mg/mL", "--quantity", "25mL",
         "--fill-date", "2026-12-01", "--config", CONFIG]  # fmt: skip


def history(cli, db) -> list[dict]:
    result = cli("history", "--rx", "1234567", "--db", str(db), "--json")
    return json.loads(result.stdout)["entries"] if result.exit_code == 0 else []


@pytest.mark.parametrize("form", ["pdf", "zpl"])
def test_a_label_to_standard_output_is_logged_and_reprints_the_same(
    cli, tmp_path, monkeypatch, form
):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "log.db"
    result = cli(*LABEL, "--db", str(db), "--format", form, "-o", "-")
    assert result.exit_code == 0, result.stderr
    data = result.stdout_bytes
    assert data.startswith(b"%PDF" if form == "pdf" else b"^XA")
    assert result.stderr.startswith("Wrote 1 label to standard output\n")
    assert not (tmp_path / "-").exists()  # no file named "-"
    (entry,) = history(cli, db)
    assert entry["kind"] == "label" and entry["payload"]["to_stdout"] is True
    again = cli("reprint", "--rx", "1234567", "--db", str(db), "-o", str(tmp_path / f"r.{form}"))
    assert again.exit_code == 0, again.stderr
    assert (tmp_path / f"r.{form}").read_bytes() == data  # byte for byte what went out
    piped = cli("reprint", "--rx", "1234567", "--db", str(db), "-o", "-")
    assert piped.exit_code == 0 and piped.stdout_bytes == data
    assert history(cli, db)[-1]["payload"]["to_stdout"] is True


def test_a_chart_to_standard_output(cli, tmp_path, monkeypatch):
    from conftest import pdf_pages

    monkeypatch.chdir(tmp_path)
    result = cli("chart", "--concentration", "1mg/mL", "--config", CONFIG, "-o", "-")
    assert result.exit_code == 0, result.stderr
    assert len(pdf_pages(result.stdout_bytes)) >= 1
    assert result.stderr.startswith("Wrote the dosing chart (7 steps) to standard output")
    assert list(tmp_path.iterdir()) == []


def test_what_standard_output_cannot_take_is_refused_before_anything_is_logged(cli, tmp_path):
    db = tmp_path / "log.db"
    with_json = cli(*LABEL, "--db", str(db), "-o", "-", "--json")
    assert with_json.exit_code == 2
    assert json.loads(with_json.stdout)["error"]["field"] == "output"
    previews = cli(*LABEL[:7], "--concentration", "1mg/mL", "--titration", "--start-date",
                   "2026-12-01", "--fill", "all", "--config", CONFIG, "--db", str(db),
                   "--format", "png", "-o", "-")  # fmt: skip
    assert previews.exit_code == 2, previews.stderr
    assert "standard output takes one file" in previews.stderr and previews.stdout == ""
    chart = cli("chart", "--concentration", "1mg/mL", "--config", CONFIG, "-o", "-", "--json")
    assert chart.exit_code == 2 and json.loads(chart.stdout)["error"]["field"] == "output"
    assert history(cli, db) == []


def test_nothing_goes_out_when_the_entry_cannot_be_committed(cli, tmp_path):
    """The log cannot be written (a folder where the log file should be): exit 4, and
    not a byte on standard output."""
    (tmp_path / "log.db").mkdir()
    result = cli(*LABEL, "--db", str(tmp_path / "log.db"), "-o", "-")
    assert result.exit_code == 4
    assert result.stdout_bytes == b""


def test_a_printer_that_fails_still_gets_the_label_out(cli, tmp_path):
    """-o - and --print: the entry is committed, the label goes to standard output as a
    file would be written, then the printer's failure (exit 5)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    db = tmp_path / "log.db"
    result = cli(*LABEL, "--db", str(db), "--format", "zpl", "-o", "-",
                 "--print", f"socket://127.0.0.1:{port}")  # fmt: skip
    assert result.exit_code == 5
    assert result.stdout_bytes.startswith(b"^XA")
    assert "not printed" in result.stderr
    assert [e["kind"] for e in history(cli, db)] == ["label", "print"]


def run_into_a_closed_pipe(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone: every write fails with EPIPE
    try:
        return subprocess.run(
            [sys.executable, "-m", "compounder", *args], stdout=write_end,
            stderr=subprocess.PIPE, text=True, timeout=120, check=False, cwd=cwd,
        )  # fmt: skip
    finally:
        os.close(write_end)


@pytest.mark.slow
def test_a_label_into_a_closed_pipe_is_exit_141_and_stays_logged(cli, tmp_path):
    """The entry is committed before the bytes go out: a reader that has gone leaves
    the label logged (as sent to standard output; reprint gives it again), exit 141,
    nothing on stderr."""
    db = tmp_path / "log.db"
    result = run_into_a_closed_pipe(*LABEL, "--db", str(db), "-o", "-", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (141, "")
    (entry,) = history(cli, db)
    assert entry["payload"]["to_stdout"] is True
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith("log.db")] == []


def test_outputs_that_are_not_one_label_or_chart_refuse_standard_output(cli, tmp_path):
    """record, stock and batch write files standard output cannot stand for: "-" is
    refused (exit 5), never a file or folder named "-"."""
    runs = [
        ["record", "--rx", "1234567", "--concentration", "1mg/mL", "--volume", "30mL",
         "--from", "tablets", "--prepared-by", "JD", "--checked-by", "MK"],
        ["stock"],
        ["batch", str(EXAMPLES / "orders.csv")],
    ]  # fmt: skip
    for args in runs:
        result = cli(*args, "--config", CONFIG, "--db", str(tmp_path / "log.db"), "-o", "-")
        assert result.exit_code == 5, (args, result.stderr)
        assert result.stderr.startswith("compounder: error: cannot write -: ")
    assert not Path("-").exists() and not (tmp_path / "-").exists()
