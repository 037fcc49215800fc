"""One chunk of a batch run: its files' names, its rows checked and counted, and (unless
checking) its labels, charts, manifest part and staged log rows."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import EXAMPLE_CONFIG, pdf_pages

from compounder.batch.chunks import BatchOptions, Chunk, chunk_names, process_chunk
from compounder.batch.order import RowError
from compounder.batch.order_file import read_orders
from compounder.batch.outputs import read_log_part
from compounder.core.settings import find_config
from compounder.log.batches import append_new
from compounder.log.store import Store

CONFIG = str(find_config(EXAMPLE_CONFIG))
EXAMPLE_ORDERS = EXAMPLE_CONFIG.parent / "orders.csv"
WATER_1 = ("2026-12-01", "1", "water", "tablet-50mg", 1)  # and its preparation (part)


def chunk(index: int, last: bool) -> Chunk:
    return Chunk(index, [], {}, last)


@pytest.mark.parametrize(
    ("index", "last", "names"),
    [
        (0, True, ("labels.pdf", "charts.pdf")),  # the only chunk: plain names
        (0, False, ("labels-0001.pdf", "charts-0001.pdf")),  # the first of several
        (1, False, ("labels-0002.pdf", "charts-0002.pdf")),
        (9, True, ("labels-0010.pdf", "charts-0010.pdf")),  # the last of ten
        (1233, False, ("labels-1234.pdf", "charts-1234.pdf")),
    ],
)
def test_chunk_names_are_numbered_from_1_when_there_are_several(index, last, names):
    assert chunk_names(chunk(index, last)) == names


def test_names_sort_in_chunk_order():
    names = [chunk_names(chunk(i, i == 11))[0] for i in range(12)]
    assert sorted(names) == names


@pytest.fixture(scope="module")
def first_three():
    # 1000101: titration, first fill 14 x 1.5 mL = 21 mL + 10% = 23.1 -> 24 mL
    # 1000102: 4.5 mg for 14 days: 14 x 4.5 mL = 63 mL + 10% = 69.3 -> 70 mL
    # 1000103: 42 mL as written; all three at 1 mg/mL in water from tablets on 2026-12-01
    return list(read_orders(EXAMPLE_ORDERS))[:3]


def test_checking_counts_valid_rows_and_the_worksheet_totals(first_three):
    result = process_chunk(
        Chunk(0, first_three, {}, True), BatchOptions(CONFIG, check=True), None, ("l", "c")
    )
    assert (result.valid, result.errors, result.labels, result.charts) == (3, [], 0, 0)
    assert result.totals == {WATER_1: Decimal(24 + 70 + 42)}


def test_a_duplicate_rx_is_an_error_on_its_row(first_three):
    duplicates = {first_three[2].line: first_three[0].line}  # line 4 repeats line 2's Rx
    result = process_chunk(
        Chunk(0, first_three, duplicates, True), BatchOptions(CONFIG, check=True), None, ("l", "c")
    )
    assert result.errors == [RowError(4, "rx_number", "duplicate Rx number (first on line 2)")]
    assert [(row.line, reason) for row, reason in result.rejected] == [
        (4, "line 4, column rx_number: duplicate Rx number (first on line 2)")
    ]
    assert result.valid == 2 and result.totals == {WATER_1: Decimal(24 + 70)}


def test_a_chunk_with_errors_draws_nothing_unless_skipping(first_three, tmp_path):
    duplicates = {first_three[2].line: first_three[0].line}
    options = BatchOptions(CONFIG, db=str(tmp_path / "log.db"), run_key="r", digest="d")
    result = process_chunk(
        Chunk(0, first_three, duplicates, True), options, str(tmp_path), ("l.pdf", "c.pdf")
    )
    assert result.labels == 0 and sorted(p.name for p in tmp_path.iterdir()) == []
    skipping = BatchOptions(
        CONFIG, skip_invalid=True, db=str(tmp_path / "log.db"), run_key="r", digest="d"
    )
    result = process_chunk(
        Chunk(0, first_three, duplicates, True), skipping, str(tmp_path), ("l.pdf", "c.pdf")
    )
    assert (result.valid, result.labels, result.charts) == (2, 2, 1)


def test_a_chunk_draws_its_files_writes_its_manifest_part_and_its_log_rows(first_three, tmp_path):
    out = tmp_path / "temp"
    out.mkdir()
    db = tmp_path / "log.db"
    lots = (("2026-12-01|1|water|tablet-50mg", "20261201-007"),)
    options = BatchOptions(CONFIG, db=str(db), run_key="run-1", digest="abc")
    the_chunk = Chunk(1, first_three, {}, False, lots)
    done: list[int] = []
    result = process_chunk(the_chunk, options, str(out), chunk_names(the_chunk), done.append)
    assert sum(done) == 3  # every order reported as done, once
    assert (result.valid, result.labels, result.charts) == (3, 3, 1)
    assert sorted(p.name for p in out.iterdir()) == [
        "charts-0002.pdf",
        "labels-0002.pdf",
        "log-0001.tsv.part",
        "manifest-0001.csv.part",
        "manifest-0001.json.part",
    ]
    labels = pdf_pages((out / "labels-0002.pdf").read_bytes())
    assert len(labels) == 3
    assert "Jane Doe" in labels[0].extract_text()
    assert "Lot: 20261201-007" in labels[2].extract_text()
    assert len(pdf_pages((out / "charts-0002.pdf").read_bytes())) == 4  # one titration
    manifest = json.loads("[" + (out / "manifest-0001.json.part").read_text() + "]")
    assert [(m["line"], m["rx_number"], m["quantity_ml"], m["label_pages"]) for m in manifest] == [
        (2, "1000101", "24", "1"),
        (3, "1000102", "70", "2"),
        (4, "1000103", "42", "3"),
    ]
    assert (manifest[0]["charts_file"], manifest[0]["chart_pages"]) == ("charts-0002.pdf", "1-4")
    assert manifest[1]["charts_file"] == "" and manifest[1]["lot"] == "20261201-007"
    parts = (out / "manifest-0001.json.part").read_text() + (
        out / "manifest-0001.csv.part"
    ).read_text()
    assert "Jane" not in parts and "Doe" not in parts  # no patient names
    with Store(db) as store:
        assert store.count() == 0  # no entry in the log until the run commits
    rows, contents, _ = read_log_part(out, 1)
    with Store(db) as store, store.transaction():  # as the run commits them
        assert append_new(store, [("dispense", *row[1:]) for row in rows], contents=contents) == 3
    with Store(db) as store:
        entry = store.latest_label("1000103")
        assert entry is not None and entry.kind == "dispense" and entry.lot == "20261201-007"
        snapshot = store.snapshot(entry.payload["snapshot"])
        frame = store.snapshot(snapshot["frame"])
    assert frame["stock"]["id"] == "thermal-4x3"
    assert snapshot["contents"][0]["rx"] == "1000103"


def test_a_chunk_of_only_bad_rows_leaves_no_labels_file(tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "rx_number,patient_name,prescriber,fill_date,concentration,dose,quantity\n"
        "1,Jane Doe,Dr A. Smith,2026-12-01,1 mg/mL,1.5 mg,not a volume\n"
    )
    rows = list(read_orders(orders))
    options = BatchOptions(CONFIG, skip_invalid=True, db=str(tmp_path / "log.db"), run_key="r")
    out = tmp_path / "temp"
    out.mkdir()
    result = process_chunk(
        Chunk(0, rows, {}, True), options, str(out), ("labels.pdf", "charts.pdf")
    )
    assert result.valid == 0 and len(result.errors) == 1
    assert not (out / "labels.pdf").exists() and not (out / "charts.pdf").exists()
    assert Path(out / "manifest-0000.json.part").read_text() == ""


@pytest.mark.parametrize(
    ("index", "last", "names"),
    [
        (0, True, ("previews-0001", "charts.pdf")),  # previews: always a chunk's own folder
        (2, False, ("previews-0003", "charts-0003.pdf")),
    ],
)
def test_png_previews_are_drawn_into_a_folder_of_the_chunks_own(index, last, names):
    assert chunk_names(chunk(index, last), "png") == names


WATCHED_POOL = '''
import multiprocessing, sys, time
from compounder.batch import chunks

def start(queue):
    chunks._request_death_signal = lambda: None  # as on macOS and Windows: no prctl
    chunks.start_worker(queue)

if __name__ == "__main__":
    pool = multiprocessing.get_context(sys.argv[1]).Pool(2, initializer=start, initargs=(None,))
    pool.map(abs, range(4))  # both workers started
    busy = [pool.apply_async(time.sleep, (60,)) for _ in range(2)]  # and working
    time.sleep(0.5)
    print(*[p.pid for p in multiprocessing.active_children()], flush=True)
    time.sleep(120)
'''


@pytest.mark.slow
@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_workers_watch_their_parent_without_the_linux_death_signal(tmp_path, method):
    """Workers end with a batch killed outright on every platform: they watch the
    parent themselves (forced here by turning Linux's PR_SET_PDEATHSIG off)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "pool.py"
    script.write_text(WATCHED_POOL)
    process = subprocess.Popen(
        [sys.executable, str(script), method], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    workers = [int(pid) for pid in process.stdout.readline().split()]
    assert len(workers) == 2

    def alive(pid: int) -> bool:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return False
        return state != "Z"

    assert all(alive(pid) for pid in workers)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    process.stdout.close()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in workers)
