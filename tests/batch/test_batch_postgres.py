"""Batch runs logging to a shared PostgreSQL server: alongside other workstations'
records, and with the server stopped in the middle of a run."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from compounder.batch.run import TEMP_PREFIX
from compounder.batch.synthetic import write_orders
from compounder.log.store import Store

pytestmark = pytest.mark.slow
CONFIG = Path(__file__).resolve().parents[2] / "examples" / "compounder.toml"


def batch(orders: Path, out: Path, url: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "compounder", "batch", str(orders), "-o", str(out)]
    command += ["--config", str(CONFIG), "--db", url, "--jobs", "1", "--chunk-size", "100"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def record(url: str, output: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "compounder", "record", "--rx", "1234567"]
    command += ["--concentration", "1mg/mL", "--volume", "30mL", "--from", "tablets"]
    command += ["--prepared-by", "JD", "--checked-by", "MK", "--date", "2026-12-01"]
    command += ["-o", str(output), "--db", url, "--config", str(CONFIG)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_batch_and_records_share_one_server(log_db, tmp_path):
    """On both backends; the records are dated ahead (--date 2026-12-01), which once let
    them take a lot the running batch had reserved."""
    url = log_db
    Store(url).close()
    orders = write_orders(tmp_path / "orders.csv", 600, titrations=False)
    running = batch(orders, tmp_path / "out", url)
    records = [record(url, tmp_path / f"record-{n}.pdf") for n in range(6)]
    outcomes = [(*p.communicate(timeout=600), p.returncode) for p in [running, *records]]
    assert [code for _, _, code in outcomes] == [0] * 7, [err for _, err, _ in outcomes]
    with Store(url) as store:
        assert store.verify().ok
        lots = [
            row[0] for row in store.db.execute("SELECT lot FROM entries WHERE kind='preparation'")
        ]
        assert store.count("batch-run") == 1
        assert store.count("dispense") == 600
        assert store.count("preparation") == len(lots) >= 7
    assert len(lots) == len(set(lots))  # no lot twice, whoever asked for it
    recorded = {p.name.removeprefix("record-") for p in tmp_path.glob("record-*.pdf")}
    assert len(recorded) == 6
    assert len(list((tmp_path / "out").glob("labels-*.pdf"))) == 6


def test_a_server_stopped_mid_batch_leaves_nothing_half_written(tmp_path):
    from pg_server import Server

    server = Server()
    try:
        url = server.new_database()
        Store(url).close()
        orders = write_orders(tmp_path / "orders.csv", 2000, titrations=False)
        out = tmp_path / "out"
        running = batch(orders, out, url)
        deadline = time.monotonic() + 120
        while not list(out.glob(f"{TEMP_PREFIX}*/*")) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert running.poll() is None, "the batch ended before the server could be stopped"
        server.stop("immediate")
        _, errors = running.communicate(timeout=300)
        assert running.returncode == 4, errors
        assert errors.count("\n") == 1 and "Traceback" not in errors
        assert errors.startswith("compounder: error: postgresql://postgres@/")
        assert "cannot be reached" in errors or "lost its connection" in errors
        # nothing published (and the folder the run made is removed when left empty)
        assert not out.exists() or not [p for p in os.listdir(out) if not p.startswith(".")]
        server.start()
        with Store(url) as store:
            assert store.count() == 0 and store.verify().ok  # nothing logged
        again = batch(orders, out, url)
        _, errors = again.communicate(timeout=600)
        assert again.returncode == 0, errors
        with Store(url) as store:
            assert store.verify().ok
            assert store.count("dispense") == 2000
        assert len(list(out.glob("labels-*.pdf"))) == 20
    finally:
        server.close()


def test_a_rerun_in_another_format_logs_batch_reprints(log_db, tmp_path):
    """On both backends: the same file printed again as ZPL keeps its dispense entries
    and logs how each order was printed now; the same ZPL run again logs nothing."""
    from compounder.batch.run import run_batch

    orders = write_orders(tmp_path / "orders.csv", 4, titrations=False)
    run_batch(orders, tmp_path / "pdf", CONFIG, db=log_db)
    for name in ("zpl", "zpl-again"):
        run_batch(orders, tmp_path / name, CONFIG, db=log_db, label_format="zpl")
    with Store(log_db) as store:
        assert store.count("dispense") == 4 and store.count("batch-reprint") == 4
        assert store.latest_label("5000000").payload["format"] == "zpl"
        assert store.verify().ok
