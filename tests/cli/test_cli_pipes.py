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
