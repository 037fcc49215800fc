"""What `label`, `reprint` and `batch` do when a printer misbehaves: the label and its
entry are committed before the label is sent, the outcome is its own `print` entry,
no wait is unbounded, and scripts get the outcome in their JSON.

The misbehaving printers are real loopback listeners (tests/printer_servers.py); the
commands that must not hang run as processes with a deadline."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from printer_servers import Printer, closed_port

BASE = ["label", "--rx", "1234567", "--patient", "Jane Doe", "--prescriber", "Dr A. Smith"]
DOSE = ["--dose", "1.5mg", "--concentration", "1mg/mL", "--quantity", "21mL"]
DOSE += ["--fill-date", "2026-12-01"]


def history(cli, db, rx: str = "1234567") -> list[dict]:
    result = cli("history", "--rx", rx, "--db", str(db), "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["entries"]


def compounder(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "compounder", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.fixture
def talking():
    """A printer that keeps sending status bytes once it has the label."""
    printer = Printer(talk=True)
    yield printer
    printer.close()


def test_a_talking_printer_neither_holds_the_log_nor_keeps_the_command(
    cli, tmp_path, example_config, talking
):
    db = tmp_path / "log.db"
    common = ["--config", str(example_config), "--db", str(db)]
    label = compounder(*BASE, *DOSE, *common, "--print", talking.uri, "-o", str(tmp_path / "a.zpl"))
    try:
        assert talking.got_all.wait(60), label.stderr.read() if label.poll() else "no label"
        # the printer has the label and is talking: another command on the same log
        # goes ahead (the label's transaction committed before the label was sent)
        other = subprocess.run(
            [sys.executable, "-m", "compounder", "label", "--rx", "7654321",
             "--patient", "John Roe", "--prescriber", "Dr A. Smith", *DOSE, *common,
             "-o", str(tmp_path / "b.pdf")],
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
        assert other.returncode == 0, other.stderr
        out, err = label.communicate(timeout=30)  # the answer is read for a while only
    finally:
        label.kill()
        label.wait()
    assert label.returncode == 0, err
    assert f"Printed 1 label on {talking.uri}" in out
    first, printed = history(cli, db)
    assert (first["kind"], printed["kind"]) == ("label", "print")
    assert printed["payload"] == {"prints": first["id"], "printer": talking.uri, "printed": True}
    table = cli("history", "--rx", "1234567", "--db", str(db)).stdout
    assert f"print of {first['id']} (printed)" in table


def test_sigterm_while_awaiting_the_answer_keeps_the_label_and_logs_it_unconfirmed(
    cli, tmp_path, example_config
):
    """The printer has every byte and talks, but has not answered ~HS yet: SIGTERM keeps
    the label (committed first) and logs the print as not printed, every byte handed
    (it may have printed): never printed without the printer's answer."""
    talking = Printer(talk=True, answer=None)
    db = tmp_path / "log.db"
    label = compounder(
        *BASE, *DOSE, "--config", str(example_config), "--db", str(db), "--print", talking.uri
    )
    try:
        while not talking.received or b"^XZ" not in talking.received[0]:
            assert label.poll() is None, label.stderr.read() if label.stderr else ""
            talking.got_all.wait(0.05)
        label.send_signal(signal.SIGTERM)
        _, err = label.communicate(timeout=30)
    finally:
        label.kill()
        label.wait()
        talking.close()
    assert label.returncode == 143, err
    assert talking.received[0].count(b"^XA") == 1
    first, printed = history(cli, db)
    assert (first["kind"], printed["kind"]) == ("label", "print")
    p = printed["payload"]
    assert p["printed"] is False and p["print_unconfirmed"] is True
    assert p["print_error"] == "interrupted while sending; it may have printed"
    assert p["bytes_handed"] == p["bytes"]
    table = cli("history", "--rx", "1234567", "--db", str(db)).stdout
    assert f"print of {first['id']} (not confirmed)" in table


def test_a_stuck_printer_interrupted_is_logged_not_printed(cli, tmp_path, example_config):
    """A printer that stops reading part-way: SIGTERM before the send's own timeout
    leaves the label (and its file) committed and a print entry saying it was
    interrupted and how far it got."""
    from compounder.batch.synthetic import write_orders

    orders = write_orders(tmp_path / "orders.csv", 30, titrations=False)
    db = tmp_path / "log.db"
    out = tmp_path / "out"
    stuck = Printer(stall_after=60_000)
    batch = compounder(
        "batch", str(orders), "-o", str(out), "--config", str(example_config), "--db", str(db),
        "--print", stuck.uri,
    )  # fmt: skip
    try:
        while not stuck.received or len(stuck.received[0]) < 60_000:
            assert batch.poll() is None, batch.stderr.read() if batch.stderr else ""
            stuck.got_all.wait(0.1)
        batch.send_signal(signal.SIGTERM)
        _, err = batch.communicate(timeout=30)
    finally:
        batch.kill()
        batch.wait()
        stuck.close()
    assert batch.returncode == 143, err
    assert (out / "labels.zpl").is_file()  # the run was committed before printing
    from compounder.log.entries import open_store

    with open_store(db) as store:
        (entry,) = store.entries_of_kind("batch-print")
    payload = entry.payload
    assert payload["printed"] is False and payload["printed_files"] == []
    assert payload["print_error"] == "interrupted while sending; it may have printed"
    assert (
        60_000 <= payload["bytes_handed"] < payload["bytes"] == (out / "labels.zpl").stat().st_size
    )
    assert payload["labels"] == 30 and payload["labels_handed_at_most"] < 30


def test_a_batch_cut_off_part_way_says_how_far_it_got(cli, tmp_path, example_config, monkeypatch):
    from compounder.batch.synthetic import write_orders
    from compounder.log.entries import open_store

    monkeypatch.setattr("compounder.api.printers.TIMEOUT", 0.5)
    orders = write_orders(tmp_path / "orders.csv", 30, titrations=False)
    db = tmp_path / "log.db"
    out = tmp_path / "out"
    stuck = Printer(stall_after=60_000)
    try:
        result = cli(
            "batch", str(orders), "-o", str(out), "--config", str(example_config),
            "--db", str(db), "--print", stuck.uri,
        )  # fmt: skip
    finally:
        stuck.close()
    assert result.exit_code == 5
    with open_store(db) as store:
        (entry,) = store.entries_of_kind("batch-print")
    p = entry.payload
    size = (out / "labels.zpl").stat().st_size
    assert p["printed"] is False and 60_000 <= p["bytes_handed"] < p["bytes"] == size
    assert p["labels"] == 30 and p["labels_handed_at_most"] < 30
    assert p["print_error"] == "took nothing for 0.5 seconds"
    message = result.stderr.strip().splitlines()[-1]
    assert message == (
        f"compounder: error: printing stopped part-way: printer {stuck.uri}: took nothing "
        f"for 0.5 seconds after {p['bytes_handed']} of {size} bytes were handed to the "
        f"connection: at most {p['labels_handed_at_most']} of 30 labels reached it (check what "
        "printed before printing the rest)"
    )


def test_a_batch_reset_part_way_logs_an_upper_bound(cli, tmp_path, example_config):
    """The printer takes 5000 bytes and resets: the entry and the message give what was
    handed to the connection as an upper bound, and the history says not printed."""
    from compounder.batch.synthetic import write_orders
    from compounder.log.entries import open_store

    orders = write_orders(tmp_path / "orders.csv", 30, titrations=False)
    db = tmp_path / "log.db"
    out = tmp_path / "out"
    resetting = Printer(reset_after=5000)
    try:
        result = cli(
            "batch", str(orders), "-o", str(out), "--config", str(example_config),
            "--db", str(db), "--print", resetting.uri,
        )  # fmt: skip
    finally:
        resetting.close()
    assert result.exit_code == 5
    assert resetting.received == [(out / "labels.zpl").read_bytes()[:5000]]
    with open_store(db) as store:
        (entry,) = store.entries_of_kind("batch-print")
    p = entry.payload
    size = (out / "labels.zpl").stat().st_size
    assert p["printed"] is False and 5000 <= p["bytes_handed"] < p["bytes"] == size
    assert "bytes_sent" not in p and "labels_sent" not in p and "print_unconfirmed" not in p
    handed = (out / "labels.zpl").read_bytes()[: p["bytes_handed"]].count(b"^XZ")
    assert p["labels_handed_at_most"] == handed < 30
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith(
        f"compounder: error: printing stopped part-way: printer {resetting.uri}: closed the "
        "connection"
    )
    assert message.endswith(
        f"after {p['bytes_handed']} of {size} bytes were handed to the connection: at most "
        f"{handed} of 30 labels reached it (check what printed before printing the rest)"
    )


@pytest.mark.parametrize("command", ["label", "reprint", "batch"])
def test_an_empty_printer_is_refused(cli, tmp_path, example_config, command):
    db = tmp_path / "log.db"
    common = ["--config", str(example_config), "--db", str(db)]
    if command == "label":
        args = [*BASE, *DOSE, *common, "--print", ""]
    elif command == "reprint":
        assert cli(*BASE, *DOSE, *common, "-o", str(tmp_path / "l.pdf")).exit_code == 0
        args = ["reprint", "--rx", "1234567", "--db", str(db), "--print", ""]
    else:
        orders = example_config.parent / "orders.csv"
        args = ["batch", str(orders), *common, "-o", str(tmp_path / "out"), "--print", ""]
    before = len(history(cli, db)) if db.exists() else 0
    result = cli(*args)
    assert result.exit_code == 2, result.stdout
    assert "error: print: '' is not accepted" in result.stderr
    assert "Printed" not in result.stdout and "Reprinted" not in result.stdout
    assert (len(history(cli, db)) if db.exists() else 0) == before
    assert not (tmp_path / "out").exists()


def test_ipv6_and_user_addresses(cli, tmp_path, example_config):
    import socket

    v6 = Printer(family=socket.AF_INET6)
    db = tmp_path / "log.db"
    common = [*BASE, *DOSE, "--config", str(example_config), "--db", str(db)]
    try:
        result = cli(*common, "--print", v6.uri)
        assert result.exit_code == 0, result.stderr
        assert v6.got_all.wait(10) and v6.received[0].count(b"^XA") == 1
    finally:
        v6.close()
    result = cli(*common, "--print", "socket://user@127.0.0.1:9100")
    assert result.exit_code == 2
    assert "socket://HOST:PORT" in result.stderr
    assert len(history(cli, db)) == 2  # the IPv6 label and its print; nothing more


def test_label_json_says_whether_it_printed(cli, tmp_path, example_config, listener):
    db = tmp_path / "log.db"
    common = [*BASE, *DOSE, "--config", str(example_config), "--db", str(db), "--json"]
    result = cli(*common, "--print", listener.uri)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    label, printed = history(cli, db)
    assert data["printing"] == {
        "entry": printed["id"], "prints": label["id"], "printer": listener.uri, "printed": True,
    }  # fmt: skip
    refused = f"socket://127.0.0.1:{closed_port()}"
    result = cli(*common, "--print", refused)
    assert result.exit_code == 5
    data = json.loads(result.stdout)  # the label is written and logged: JSON says so
    assert data["printing"]["printed"] is False
    assert data["printing"]["print_error"] == "refused the connection"
    assert data["labels"] and "not printed" in result.stderr
    assert json.loads(cli(*common, "-o", str(tmp_path / "l.pdf")).stdout)["printing"] is None


def test_reprint_json(cli, tmp_path, example_config, listener):
    db = tmp_path / "log.db"
    assert cli(*BASE, *DOSE, "--config", str(example_config), "--db", str(db),
               "-o", str(tmp_path / "l.zpl")).exit_code == 0  # fmt: skip
    again = tmp_path / "again.zpl"
    result = cli("reprint", "--rx", "1234567", "--db", str(db), "-o", str(again),
                 "--print", listener.uri, "--json")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    label, reprint, printed = history(cli, db)
    assert data == {
        "schema_version": 1,
        "rx": "1234567",
        "reprints": label["id"],
        "entry": reprint["id"],
        "format": "zpl",
        "files": [str(again)],
        "printing": {
            "entry": printed["id"], "prints": reprint["id"], "printer": listener.uri,
            "printed": True,
        },
    }  # fmt: skip
    refused = f"socket://127.0.0.1:{closed_port()}"
    result = cli("reprint", "--rx", "1234567", "--db", str(db), "--print", refused, "--json")
    assert result.exit_code == 5
    assert json.loads(result.stdout)["printing"]["printed"] is False


def test_batch_json_carries_the_printing_outcome(cli, tmp_path, example_config, listener):
    orders = example_config.parent / "orders.csv"
    db = tmp_path / "log.db"
    common = ["batch", str(orders), "--config", str(example_config), "--db", str(db), "--json"]
    result = cli(*common, "-o", str(tmp_path / "out"), "--print", listener.uri)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)  # nothing but the JSON on stdout
    assert data["printing"]["printed"] is True
    assert data["printing"]["printed_files"] == ["labels.zpl"]
    assert data["printing"]["printer"] == listener.uri
    refused = f"socket://127.0.0.1:{closed_port()}"
    result = cli(*common, "-o", str(tmp_path / "again"), "--print", refused)
    assert result.exit_code == 5
    data = json.loads(result.stdout)
    assert data["printing"]["printed"] is False
    assert data["printing"]["print_error"] == "refused the connection"
    assert data["printed"] > 0  # the run itself was made and logged


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ('uri = "socket://127.0.0.1: 19100"', "uri"),
        ('uri = "cups:my queue"', "uri"),
        ('uri = "socket://127.0.0.1:9100"\nstock = "no-such-stock"', "stock"),
    ],
)
def test_bad_printer_settings_exit_4_naming_the_file_and_key(
    cli, tmp_path, example_config, table, key
):
    config = tmp_path / "compounder.toml"
    text = example_config.read_text(encoding="utf-8")
    config.write_text(text[: text.index("[printers.")] + f"[printers.x]\n{table}\n", "utf-8")
    result = cli(*BASE, *DOSE, "--config", str(config), "--db", str(tmp_path / "l.db"),
                 "--print", "x")  # fmt: skip
    assert result.exit_code == 4
    assert result.stderr.startswith(f"compounder: error: {config}: printers.x.{key}: ")


TITRATION = ["--titration", "--start-date", "2026-12-01", "--fill", "all", "--format", "zpl"]


@pytest.mark.parametrize("misbehaving", ["stall", "reset"])
def test_a_small_job_the_printer_stops_taking_is_not_logged_printed(
    cli, tmp_path, example_config, monkeypatch, misbehaving
):
    """The titration labels (about 190 KB) fit the connection's send buffer, so every
    byte is handed at once: a printer that takes 20,000 bytes and then stalls or resets
    is not a label printed (exit 5, an upper bound of what it took). The send buffer is
    made larger, as the kernel's defaults are on many systems, so the whole job fits."""
    monkeypatch.setattr("compounder.api.printers.TIMEOUT", 0.5)
    monkeypatch.setattr("compounder.api.printers.SEND_BUFFER", 1024 * 1024)
    db = tmp_path / "log.db"
    out = tmp_path / "labels.zpl"
    after = {"stall_after" if misbehaving == "stall" else "reset_after": 20_000}
    printer = Printer(**after)
    try:
        result = cli(
            *BASE[:-2], "--prescriber", "Dr A. Smith", *TITRATION, "--concentration", "1mg/mL",
            "--config", str(example_config), "--db", str(db), "-o", str(out),
            "--print", printer.uri,
        )  # fmt: skip
    finally:
        printer.close()
    assert result.exit_code == 5, result.stderr
    size = out.stat().st_size
    assert 150_000 < size < 256 * 1024
    *_, printed = history(cli, db)
    assert printed["kind"] == "print" and printed["payload"]["printed"] is False
    p = printed["payload"]
    assert 20_000 <= p["bytes_handed"] < p["bytes"] == size and "print_unconfirmed" not in p
    assert p["bytes_handed"] < 100_000  # what it acknowledged, not what was handed
    message = result.stderr.strip().splitlines()[-1]
    problem = "took nothing for 0.5 seconds" if misbehaving == "stall" else "closed the connection"
    assert message.startswith(
        f"compounder: error: printing stopped part-way: printer {printer.uri}: {problem}"
    )
    assert f"after {p['bytes_handed']} of {size} bytes were handed to the connection" in message


def test_a_signal_at_the_commit_keeps_the_label_and_stops_before_sending(
    cli, tmp_path, example_config
):
    """SIGTERM while the label's entry commits: the label and its entry are kept (the
    signal waits until the file is final), then the command stops before sending, and
    logs the label as not printed."""
    from compounder.log.store import Store

    printer = Printer()
    db, paused = tmp_path / "log.db", tmp_path / "paused"
    Store(db).close()  # made beforehand: the label's is the first commit
    env = {**os.environ, "COMPOUNDER_PAUSE_AT": "log: committing"}
    env["COMPOUNDER_PAUSED"] = str(paused)
    common = ["--config", str(example_config), "--db", str(db), "-o", str(tmp_path / "a.zpl")]
    label = subprocess.Popen(
        [sys.executable, "-m", "compounder", *BASE, *DOSE, *common, "--print", printer.uri],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while not paused.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        label.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        while label.poll() is None and time.monotonic() < deadline + 60:
            paused.unlink(missing_ok=True)  # (and the print entry's commit, later)
            time.sleep(0.02)
        _, err = label.communicate(timeout=60)
    finally:
        label.kill()
        label.wait()
        printer.close()
    assert label.returncode == 143, err
    assert printer.received == []  # never sent
    assert (tmp_path / "a.zpl").read_bytes().startswith(b"^XA")
    kinds = [(e["kind"], e["payload"].get("printed")) for e in history(cli, db)]
    assert kinds == [("label", None), ("print", False)]
