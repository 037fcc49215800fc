"""Batch runs through the Python API: outputs, safety, determinism, parallelism."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import DATA, decode_barcodes, pdf_pages

from compounder.batch.outputs import neutralise
from compounder.batch.run import run_batch
from compounder.batch.synthetic import write_orders
from compounder.errors import DataFileError, OutputError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ORDERS = DATA / "orders"
OUTPUTS = [
    "charts.pdf",
    "labels.pdf",
    "manifest.csv",
    "manifest.json",
    "records.pdf",
    "worksheet.txt",
]


def files(folder: Path) -> dict[str, bytes]:
    """A run's outputs, to compare: byte for byte, but for the worksheet's and the
    records' log witness (each run's entry sits elsewhere in the chain), whose text is
    compared without it."""
    return {p.name: _unwitnessed(p) for p in sorted(folder.iterdir()) if p.is_file()}


WITNESS = re.compile(
    r"\n?(Compounding\s+log\n)?Logged\s+as\s+entry\s+\d+,\s+after\s+chain\s+head\s.*?\)\n?",
    re.S,
)


def _unwitnessed(path: Path) -> bytes:
    if path.name == "worksheet.txt":
        return WITNESS.sub("\n", path.read_text()).encode()
    if path.name == "records.pdf":
        pages = [page.extract_text() for page in pdf_pages(path.read_bytes())]
        return WITNESS.sub("\n", "\f".join(pages)).encode()
    return path.read_bytes()


def test_the_worksheet_and_records_carry_the_runs_place_in_the_log(tmp_path, example_config):
    from compounder.log.entries import verify_log
    from compounder.log.store import Store

    report = run_batch(EXAMPLES / "orders.csv", tmp_path / "out", example_config)
    with Store(None) as store:
        last, before = store.db.execute(
            "SELECT id, prev_hash FROM entries ORDER BY id DESC LIMIT 1"
        ).fetchone()
        kind = store.db.execute("SELECT kind FROM entries WHERE id = ?", (last,)).fetchone()[0]
    assert kind == "batch-run"  # the entry holding the worksheet's and records' hashes
    place = f"Logged as entry {last}, after chain head {last - 1}:{before}"
    assert report.log_place == {"entry": last, "follows": f"{last - 1}:{before}"}
    assert place in (tmp_path / "out" / "worksheet.txt").read_text()
    pages = pdf_pages((tmp_path / "out" / "records.pdf").read_bytes())
    assert all(place in " ".join(page.extract_text().split()) for page in pages[-1:])
    assert verify_log(None, f"{last - 1}:{before}").ok


def test_example_file_end_to_end(tmp_path, example_config):
    report = run_batch(EXAMPLES / "orders.csv", tmp_path, example_config)
    assert report.ok and report.orders == report.printed == 8
    assert sorted(p.name for p in tmp_path.iterdir()) == OUTPUTS
    manifest = json.loads((tmp_path / "manifest.json").read_text())["orders"]
    assert [m["rx_number"] for m in manifest] == [str(1000101 + i) for i in range(8)]
    labels = pdf_pages((tmp_path / "labels.pdf").read_bytes())
    # 12 labels on 11 pages: a dated titration fill (line 6) continues on "Label 2 of 2",
    # and the Avery 5163 order's two labels share one sheet
    assert report.labels == 12 and len(labels) == 11
    assert "Label 2 of 2" in labels[7].extract_text()
    assert manifest[5]["label_pages"] == "7-8" and manifest[6]["label_pages"] == "9"
    # labels in file order; an order needing two bottles is numbered 1 of 2, 2 of 2
    assert "Jane Doe" in labels[0].extract_text()
    assert "Container 1 of 2" in labels[4].extract_text()
    assert "Container 2 of 2" in labels[5].extract_text()
    assert manifest[4]["label_pages"] == "5-6"
    assert decode_barcodes((tmp_path / "labels.pdf").read_bytes(), page=2) == ["1000103261201"]
    charts = pdf_pages((tmp_path / "charts.pdf").read_bytes())
    assert report.charts == 3 and len(charts) == 13  # the handout: 4, 5 and 4 pages
    assert manifest[3]["chart_pages"] == "5-9"
    assert "Su calendario de dosis" in charts[4].extract_text()
    sheet = (tmp_path / "worksheet.txt").read_text()
    assert "8 x 50 mg tablets, make up to 400 mL" in sheet
    assert "Jane" not in (tmp_path / "manifest.csv").read_text()  # no patient names


def test_every_kind_of_bad_row_is_reported_in_one_pass(tmp_path, example_config):
    report = run_batch(ORDERS / "bad-rows.csv", tmp_path, example_config)
    got = [(e.line, e.column) for e in report.errors]
    assert got == [
        (3, "dose"),
        (4, "dose"),
        (5, "dose"),
        (6, "fill_date"),
        (7, "concentration"),
        (8, "quantity"),
        (9, "days_supply"),
        (10, "vehicle"),
        (11, "rx_number"),
        (12, "rx_number"),
        (13, "patient_name"),
        (14, "dose_time"),
        (15, "days_supply"),
        (16, "quantity"),
        (17, "start_date"),
        (18, "strength_changed"),
        (19, "refills"),
        (20, ""),
    ]
    messages = {e.line: e.message for e in report.errors}
    assert messages[3] == (
        "refused: dose 5 mg is above the ceiling of 4.5 mg a day; check the prescription; if "
        "the prescriber wrote it, give a reason in the off_protocol_reason column and the "
        "pharmacist's initials in the pharmacist column"
    )
    assert messages[11] == "duplicate Rx number (first on line 2)"
    assert "王" not in str(report.errors[10]) or "U+738B" in str(report.errors[10])
    assert messages[9].startswith("30 days is more than the BUD allows (14 days in water)")
    assert list(tmp_path.iterdir()) == []  # nothing printed, not even a temp folder


def test_skip_invalid_prints_good_rows_and_sets_bad_ones_aside(tmp_path, example_config):
    report = run_batch(ORDERS / "bad-rows.csv", tmp_path, example_config, skip_invalid=True)
    assert report.printed == 2 and len(report.errors) == 18
    assert "rejected.csv" in [p.name for p in tmp_path.iterdir()]
    import csv

    rows = list(csv.reader((tmp_path / "rejected.csv").read_text("utf-8").splitlines()))
    header = rows[0]
    assert header[-1] == "reason" and header[0] == "rx_number"
    assert len(rows) == 19
    original = list(csv.reader((ORDERS / "bad-rows.csv").read_text("utf-8").splitlines()))
    assert rows[1][:-1] == original[2]  # unchanged
    assert rows[1][-1].startswith("line 3, column dose: refused: dose 5 mg")
    formula = next(r for r in rows if r[0] == "2000017")
    assert formula[2] == "'=HYPERLINK(1)"  # neutralised for spreadsheets
    manifest = json.loads((tmp_path / "manifest.json").read_text())["orders"]
    assert [m["rx_number"] for m in manifest] == ["2000001", "2000020"]


def test_neutralise():
    assert [neutralise(c) for c in ["=1+1", "+1", "-5 mL", "@SUM", "plain", ""]] == [
        "'=1+1",
        "'+1",
        "'-5 mL",
        "'@SUM",
        "plain",
        "",
    ]


def test_check_prints_nothing(tmp_path, example_config):
    report = run_batch(EXAMPLES / "orders.csv", tmp_path / "out", example_config, check=True)
    assert report.ok and report.valid == 8 and report.printed == 0
    assert not (tmp_path / "out").exists()


def test_spreadsheet_export_with_bom_and_crlf(tmp_path, example_config):
    report = run_batch(ORDERS / "excel-export.csv", tmp_path, example_config)
    assert report.ok and report.printed == 2
    text = pdf_pages((tmp_path / "labels.pdf").read_bytes())[0].extract_text()
    assert text.splitlines()[0] == "Zoë Ñúñez-Øvergård"
    assert (
        "Prescriber: Smith, Dr A."
        in pdf_pages((tmp_path / "labels.pdf").read_bytes())[1].extract_text()
    )


def test_json_lines(tmp_path, example_config):
    report = run_batch(ORDERS / "orders.jsonl", tmp_path, example_config)
    assert report.ok and report.printed == 2 and report.charts == 1
    text = pdf_pages((tmp_path / "labels.pdf").read_bytes())[1].extract_text()
    assert "NOTE STRENGTH" in text


def test_bad_json_lines(tmp_path, example_config):
    report = run_batch(ORDERS / "bad.jsonl", tmp_path, example_config, skip_invalid=True)
    assert [(e.line, e.column) for e in report.errors] == [(2, ""), (3, "")]
    assert "unknown field 'colour'" in report.errors[1].message
    rejected = (tmp_path / "rejected.csv").read_text().splitlines()
    assert rejected[0] == "raw,reason"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("unknown-column.csv", "unknown column 'dosage'"),
        ("missing-column.csv", "missing column(s) prescriber"),
    ],
)
def test_file_level_errors(tmp_path, example_config, name, message):
    with pytest.raises(DataFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run_batch(ORDERS / name, tmp_path, example_config)


def test_two_runs_are_byte_identical(tmp_path, example_config):
    run_batch(EXAMPLES / "orders.csv", tmp_path / "a", example_config)
    run_batch(EXAMPLES / "orders.csv", tmp_path / "b", example_config)
    assert files(tmp_path / "a") == files(tmp_path / "b")


@pytest.fixture(params=["fork", "spawn"])
def start_method(request, monkeypatch):
    """A parallel run under each process start method: fork (Linux's default) and
    spawn (macOS's and Windows')."""
    monkeypatch.setenv("COMPOUNDER_START_METHOD", request.param)
    return request.param


def test_parallel_run_gives_the_same_bytes_as_serial(tmp_path, example_config, start_method):
    orders = write_orders(tmp_path / "orders.csv", 60)
    serial = run_batch(orders, tmp_path / "serial", example_config, chunk_size=20, jobs=1)
    parallel = run_batch(orders, tmp_path / "parallel", example_config, chunk_size=20, jobs=2)
    assert serial.ok and parallel.ok
    first = files(tmp_path / "serial")
    assert sorted(first) == [
        "charts-0001.pdf",
        "charts-0002.pdf",
        "charts-0003.pdf",
        "labels-0001.pdf",
        "labels-0002.pdf",
        "labels-0003.pdf",
        "manifest.csv",
        "manifest.json",
        "records.pdf",
        "worksheet.txt",
    ]
    assert first == files(tmp_path / "parallel")


def test_rerun_replaces_its_own_names_and_refuses_to_mix_with_other_outputs(
    tmp_path, example_config
):
    out = tmp_path / "out"
    run_batch(EXAMPLES / "orders.csv", out, example_config)
    first = files(out)
    run_batch(EXAMPLES / "orders.csv", out, example_config)  # the same names: replaced
    assert files(out) == first
    orders = write_orders(tmp_path / "orders.csv", 30)
    before = files(out)
    with pytest.raises(OutputError, match="not from this run and would be mixed"):
        run_batch(orders, out, example_config, chunk_size=10)  # labels-0001.pdf... not labels.pdf
    assert files(out) == before  # nothing published, nothing removed
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_interrupted_run_leaves_no_partial_output(tmp_path, example_config, how):
    orders = write_orders(tmp_path / "orders.csv", 1000)  # ten chunks: time to interrupt
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "compounder",
        "batch",
        str(orders),
        "-o",
        str(out),
        "--config",
        str(example_config),
        "--chunk-size",
        "100",
        "--jobs",
        "1",
    ]
    paused = tmp_path / "paused"  # the run waits there once its first chunk is drawn
    env = {
        **os.environ,
        "COMPOUNDER_PAUSE_AT": "batch: chunk 0 drawn",
        "COMPOUNDER_PAUSED": str(paused),
    }
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not paused.exists():
        assert process.poll() is None, "the run ended before its first chunk was drawn"
        time.sleep(0.01)
    assert list(out.glob(".compounder-batch-*/labels-0001.pdf"))  # drawn, not published
    os.kill(process.pid, how)
    _, stderr = process.communicate(timeout=30)
    finals = [p.name for p in out.glob("*") if not p.name.startswith(".")]
    assert finals == []  # no output under its final name
    if how == signal.SIGINT:
        assert not out.exists()  # the temporary folder was removed, and the one it made
        assert process.returncode == 130
        assert stderr.decode() == "compounder: interrupted\n"  # and no traceback
    clean = run_batch(orders, tmp_path / "clean", example_config, chunk_size=100, jobs=1)
    again = run_batch(orders, out, example_config, chunk_size=100, jobs=1)
    assert clean.ok and again.ok
    assert files(out) == files(tmp_path / "clean")
    assert not list(out.glob(".compounder-batch-*"))  # the killed run's folder is gone


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    import csv

    from compounder.batch.order_file import COLUMNS

    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_orders_alike_but_for_different_patients_keep_their_own_lines(tmp_path, example_config):
    # the same prescription three times: worked out once, each label still its own
    from compounder.batch.synthetic import order_row

    people = [("Ann Lee", "2000001", "Dr Q. Adams"), ("Bo Chan", "2000002", "Dr R. Baker")]
    people.append(("Cy Diaz", "2000003", "Dr Q. Adams"))
    rows = []
    for name, rx, prescriber in people:
        row = order_row(1, titrations=False)
        row.update(patient_name=name, rx_number=rx, prescriber=prescriber)
        rows.append(row)
    report = run_batch(_write(tmp_path / "o.csv", rows), tmp_path / "out", example_config)
    assert report.ok and report.labels == 3
    data = (tmp_path / "out" / "labels.pdf").read_bytes()
    pages = [page.extract_text() for page in pdf_pages(data)]
    for index, (name, rx, prescriber) in enumerate(people):
        others = [p for p in people if p[0] != name]
        assert name in pages[index] and f"Rx: {rx}" in pages[index]
        assert f"Prescriber: {prescriber}" in pages[index]
        assert not any(other[0] in pages[index] for other in others)
        filled = rows[index]["fill_date"][2:].replace("-", "")
        assert decode_barcodes(data, page=index) == [rx + filled]  # the Rx and the fill date
    texts = [
        p.replace(name, "").replace(rx, "").replace(doc, "")
        for p, (name, rx, doc) in zip(pages, people, strict=True)
    ]
    assert texts[0] == texts[1] == texts[2]  # and everything else the same


@pytest.mark.parametrize(
    ("count", "names"), [(4, ["labels.pdf"]), (5, ["labels-0001.pdf", "labels-0002.pdf"])]
)
def test_chunk_files_are_numbered_only_when_there_are_several(
    tmp_path, example_config, count, names
):
    orders = write_orders(tmp_path / "orders.csv", count, titrations=False)
    report = run_batch(orders, tmp_path / "out", example_config, chunk_size=4)
    assert report.ok and report.orders == count
    assert sorted(p.name for p in (tmp_path / "out").glob("labels*.pdf")) == names


def test_lots_follow_first_use_across_chunks_serial_or_parallel(tmp_path, example_config):
    # a second preparation the same day (from powder) first needed in the second chunk
    from compounder.batch.synthetic import order_row

    rows = [order_row(i, titrations=False) for i in range(6)]
    for row in rows[4:]:
        row["source"] = "powder-hcl"
    orders = _write(tmp_path / "o.csv", rows)
    lots = {}
    for jobs in (1, 2):
        db = tmp_path / f"log-{jobs}.sqlite"
        run_batch(orders, tmp_path / f"out{jobs}", example_config, chunk_size=3, jobs=jobs, db=db)
        manifest = json.loads((tmp_path / f"out{jobs}" / "manifest.json").read_text())["orders"]
        lots[jobs] = [m["lot"] for m in manifest]
    assert lots[1] == lots[2] == ["20261201-001"] * 4 + ["20261201-002"] * 2
    assert files(tmp_path / "out1") == files(tmp_path / "out2")


def test_collector_settings_are_restored_after_a_chunk():
    import gc

    from compounder.batch.chunks import _fewer_collections

    before = gc.get_threshold()
    with pytest.raises(RuntimeError), _fewer_collections():
        assert gc.get_threshold() != before
        raise RuntimeError
    assert gc.get_threshold() == before


@pytest.mark.parametrize("jobs", [1, 2])
def test_progress_is_reported_order_by_order(tmp_path, example_config, jobs, start_method):
    orders = write_orders(tmp_path / "orders.csv", 450, titrations=False)
    reports: list[int] = []
    report = run_batch(
        orders, tmp_path / "out", example_config, chunk_size=200, jobs=jobs, progress=reports.append
    )
    assert report.ok and sum(reports) == 450
    assert len([n for n in reports if n]) >= 5  # in steps, not once a chunk


def test_progress_counts_bad_rows_and_checked_ones(tmp_path, example_config):
    reports: list[int] = []
    report = run_batch(ORDERS / "bad-rows.csv", tmp_path, example_config, progress=reports.append)
    assert sum(reports) == report.orders
    reports.clear()
    run_batch(
        EXAMPLES / "orders.csv", tmp_path, example_config, check=True, progress=reports.append
    )
    assert sum(reports) == 8


def _zpl_rows() -> list[dict[str, str]]:
    """Orders with continuation labels (a small stock), a bad row and a whole chunk of
    bad rows (set aside with skip_invalid), for runs of one chunk and of several."""
    from compounder.batch.synthetic import order_row

    rows = [order_row(i, titrations=False) for i in range(14)]
    for row in rows[1::3]:
        row["stock"] = "avery-5163"
    rows[2]["dose"] = "12 mg"  # over the protocol's ceiling: refused
    for row in rows[5:10]:
        row["fill_date"] = "2026-02-30"  # no such day
    return rows


def _dispense_payloads(db: Path) -> list[tuple[str, str, str]]:
    from compounder.log.entries import open_store

    with open_store(db) as store:
        return [
            (e.rx or "", e.payload["labels_file"], e.payload["label_pages"])
            for e in store.entries_of_kind("dispense")
        ]


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_zpl_run_of_several_chunks_writes_one_labels_file(
    tmp_path, example_config, jobs, start_method
):
    """Issue 18: one labels.zpl a run, whatever the chunk size; the manifest and the log
    point into it exactly as for a run of one chunk."""
    from compounder.log.entries import open_store

    orders = _write(tmp_path / "o.csv", _zpl_rows())
    common = dict(skip_invalid=True, label_format="zpl", jobs=jobs)
    one = run_batch(orders, tmp_path / "one", example_config, db=tmp_path / "1.db", **common)
    many = run_batch(
        orders, tmp_path / "many", example_config, db=tmp_path / "n.db", chunk_size=5, **common
    )
    assert one.printed == many.printed == 8 and many.labels == one.labels > 8
    assert sorted(p.name for p in (tmp_path / "many").glob("labels*")) == ["labels.zpl"]
    data = (tmp_path / "many" / "labels.zpl").read_bytes()
    assert data == (tmp_path / "one" / "labels.zpl").read_bytes()
    assert data.count(b"^XA") == many.labels

    def pages(folder: str, name: str) -> list[tuple[str, str, str]]:
        text = (tmp_path / folder / name).read_text(encoding="utf-8")
        rows = (
            json.loads(text)["orders"]
            if name.endswith("json")
            else list(csv.DictReader(io.StringIO(text)))
        )
        return [(r["rx_number"], r["labels_file"], r["label_pages"]) for r in rows]

    for name in ("manifest.json", "manifest.csv"):
        assert pages("many", name) == pages("one", name)
    assert any("-" in span for _, _, span in pages("many", "manifest.json"))  # spans moved too
    assert _dispense_payloads(tmp_path / "n.db") == _dispense_payloads(tmp_path / "1.db")
    with open_store(tmp_path / "n.db") as store:
        assert store.verify().ok  # the renumbered entries' hashes are their own
        (run,) = store.entries_of_kind("batch-run")
    assert run.payload["files"]["labels.zpl"] == hashlib.sha256(data).hexdigest()


def test_a_rerun_that_prints_an_order_otherwise_logs_it_printed_again(tmp_path, example_config):
    """The same order file run again in another format, resolution or profile: each
    order stays dispensed once, and a batch-reprint entry says how it was printed now
    (reprint draws what was printed last); a rerun printed the same way logs nothing."""
    from compounder.api.recording import reprint_label
    from compounder.log.entries import open_store

    orders = write_orders(tmp_path / "orders.csv", 3, titrations=False)
    db = tmp_path / "log.db"

    def run(name: str, **options) -> None:
        assert run_batch(orders, tmp_path / name, example_config, db=db, **options).ok

    def entries(rx: str) -> list[tuple[str, str, str]]:
        with open_store(db) as store:
            return [
                (e.kind, e.payload.get("format", "pdf"), str(e.payload.get("dpi", "")))
                for e in store.history(rx)
            ]

    run("pdf")
    run("zpl", label_format="zpl", dpi=300)
    run("zpl-again", label_format="zpl", dpi=300)  # printed the same way: nothing new
    run("large", profile="large-print")
    rx = json.loads((tmp_path / "pdf" / "manifest.json").read_text())["orders"][0]["rx_number"]
    assert entries(rx) == [("dispense", "pdf", ""), ("batch-reprint", "zpl", "300"),
                           ("batch-reprint", "pdf", "")]  # fmt: skip
    with open_store(db) as store:
        assert store.count("dispense") == 3 and store.count("batch-reprint") == 6
        first, zpl, large = store.history(rx)
        assert zpl.payload["reprints"] == first.id and large.payload["reprints"] == zpl.id
        assert zpl.payload["labels_file"] == "labels.zpl"
        assert store.verify().ok
    reprint_label(rx, tmp_path / "again.pdf", db)  # the large-print label, printed last
    page = pdf_pages((tmp_path / "again.pdf").read_bytes())[0]
    assert min(c["size"] for c in page.chars if c["top"] < 30) == 18  # large print's name
    run("pdf-again")  # printed as first: logged again, as it differs from the last
    assert [kind for kind, _, _ in entries(rx)][-1] == "batch-reprint"


_HEAD = "rx_number,patient_name,prescriber,fill_date,concentration,dose,quantity\n"


def test_a_lot_reserved_only_for_refused_orders_is_not_logged(tmp_path, example_config):
    """--skip-invalid: a preparation only refused rows needed is neither planned in the
    log nor on the worksheet (a lot is taken only by a preparation with a record)."""
    from compounder.log.entries import open_store

    orders = tmp_path / "mix.csv"
    orders.write_text(
        _HEAD + "1,A B,Dr A,2026-12-01,1 mg/mL,3 mg,30 mL\n"
        "2,C D,Dr A,2026-12-01,0.5 mg/mL,9 mg,30 mL\n"  # its own strength, and refused
    )
    db = tmp_path / "log.db"
    report = run_batch(orders, tmp_path / "out", example_config, db=db, skip_invalid=True)
    assert report.printed == 1 and len(report.errors) == 1
    with open_store(db) as store:
        assert [e.lot for e in store.entries_of_kind("preparation")] == ["20261201-001"]
        assert store.count("batch-record") == 1
    bad = tmp_path / "bad.csv"
    bad.write_text(_HEAD + "3,E F,Dr A,2026-12-02,1 mg/mL,9 mg,30 mL\n")
    run_batch(bad, tmp_path / "out2", example_config, db=db, skip_invalid=True)
    with open_store(db) as store:
        assert store.count("preparation") == 1  # nothing printed, nothing planned


def test_an_order_dispensed_by_another_file_is_refused(tmp_path, predating_config):
    """A corrected order file run again would dispense its good orders twice: they are
    refused (their line, the Rx column, the entry), the corrected ones are printed;
    the same file again is no repeat, and a refill (another fill date) is a new order."""
    from compounder.log.entries import open_store

    db = tmp_path / "log.db"
    first = tmp_path / "first.csv"
    first.write_text(
        _HEAD + "11,A B,Dr A,2026-12-01,1 mg/mL,3 mg,30 mL\n"
        "12,C D,Dr A,2026-12-01,1 mg/mL,9 mg,30 mL\n"
    )
    config = predating_config  # the refill is dated after today: a site that pre-dates
    assert run_batch(first, tmp_path / "a", config, db=db, skip_invalid=True).printed == 1
    assert run_batch(first, tmp_path / "a2", config, db=db, skip_invalid=True).printed == 1
    fixed = tmp_path / "fixed.csv"
    fixed.write_text(first.read_text().replace("9 mg", "3 mg"))
    report = run_batch(fixed, tmp_path / "b", predating_config, db=db)
    assert report.printed == 0
    (error,) = report.errors
    assert (error.line, error.column) == (2, "rx_number")
    assert "dispensed for 2026-12-01 already (log entry" in error.message
    report = run_batch(fixed, tmp_path / "c", predating_config, db=db, skip_invalid=True)
    assert report.printed == 1  # the corrected order alone
    refill = tmp_path / "refill.csv"
    refill.write_text(_HEAD + "11,A B,Dr A,2026-12-15,1 mg/mL,3 mg,30 mL\n")
    assert run_batch(refill, tmp_path / "d", predating_config, db=db).printed == 1
    with open_store(db) as store:
        assert sorted(e.payload["fill_date"] for e in store.entries_of_kind("dispense")) == [
            "2026-12-01", "2026-12-01", "2026-12-15",
        ]  # fmt: skip


def test_a_rerun_in_other_chunks_logs_no_reprint_for_the_same_labels(tmp_path, example_config):
    """Only the charts' file names differ between a run of one chunk and of several."""
    from compounder.log.entries import open_store

    orders = write_orders(tmp_path / "orders.csv", 25)  # titrations: charts too
    db = tmp_path / "log.db"
    run_batch(orders, tmp_path / "one", example_config, db=db, label_format="zpl")
    run_batch(orders, tmp_path / "many", example_config, db=db, label_format="zpl", chunk_size=5)
    assert sorted(p.name for p in (tmp_path / "many").glob("charts*")) != ["charts.pdf"]
    with open_store(db) as store:
        assert store.count("batch-reprint") == 0


def test_an_order_logged_while_the_run_printed_stops_its_commit(tmp_path, example_config):
    """Two workstations at once: a label for an order of the file is logged after the
    run read its rows and before it commits. The commit checks again, under the log's
    lock: nothing is published or logged, and the next run refuses the row."""
    from conftest import LABEL_ARGS

    from compounder.cli.app import app
    from compounder.log.entries import open_store

    orders = tmp_path / "orders.csv"
    orders.write_text(_HEAD + "1234567,Jane Doe,Dr A,2026-12-01,1 mg/mL,1.5 mg,21 mL\n")
    db, out, paused = tmp_path / "log.db", tmp_path / "out", tmp_path / "paused"
    env = {**os.environ, "COMPOUNDER_PAUSE_AT": "batch: records written",
           "COMPOUNDER_PAUSED": str(paused)}  # fmt: skip
    command = [sys.executable, "-m", "compounder", "batch", str(orders), "-o", str(out),
               "--config", str(example_config), "--db", str(db)]  # fmt: skip
    run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 60
    while not paused.exists() and time.monotonic() < deadline:
        assert run.poll() is None, run.communicate()
        time.sleep(0.02)
    with pytest.raises(SystemExit) as done:  # the other workstation's label
        app([*LABEL_ARGS, "--config", str(example_config), "--db", str(db),
             "-o", str(tmp_path / "l.pdf")])  # fmt: skip
    assert done.value.code == 0
    paused.unlink()
    _, err = run.communicate(timeout=60)
    assert run.returncode == 5, err
    assert b"another run or a label logged the order on line 2" in err
    assert not [p for p in out.glob("*")] if out.exists() else True
    with open_store(db) as store:
        assert store.count("dispense") == 0 and store.count("batch-run") == 0
    again = run_batch(orders, out, example_config, db=db)
    assert [(e.line, e.column) for e in again.errors] == [(2, "rx_number")]


def test_a_corrected_order_can_be_dispensed_again(tmp_path, predating_config):
    """The remedy the refusal names: a dispensing logged wrong is corrected, and the
    corrected order is then printed (the correction releases it)."""
    from compounder.log.entries import correct_entry, open_store

    db = tmp_path / "log.db"
    wrong = tmp_path / "wrong.csv"
    wrong.write_text(_HEAD + "31,A B,Dr A,2026-12-08,1 mg/mL,2 mg,20 mL\n")
    right = tmp_path / "right.csv"
    right.write_text(_HEAD + "31,A B,Dr A,2026-12-08,1 mg/mL,3 mg,30 mL\n")
    run_batch(wrong, tmp_path / "a", predating_config, db=db)
    (error,) = run_batch(right, tmp_path / "b", predating_config, db=db).errors
    with open_store(db) as store:
        (first,) = store.entries_of_kind("dispense")
    assert f"'compounder correct --entry {first.id}' first" in error.message
    correct_entry(first.id, "dose was 3 mg, not 2 mg", db, by="JD")
    assert run_batch(right, tmp_path / "b", predating_config, db=db).printed == 1


def test_a_pre_printed_titration_holds_every_fill_it_labels(tmp_path, example_config):
    """label --titration --fill all dispenses every fill: a batch order for a later
    fill of the same Rx is a repeat; a label for an order a batch dispensed says so."""
    from compounder.cli.app import app

    db = tmp_path / "log.db"
    args = ["label", "--rx", "41", "--patient", "Pat One", "--prescriber", "Dr X",
            "--titration", "--start-date", "2026-12-01", "--fill", "all", "-c", "1mg/mL",
            "--config", str(example_config), "--db", str(db),
            "-o", str(tmp_path / "t.pdf")]  # fmt: skip
    with pytest.raises(SystemExit) as done:
        app(args)
    assert done.value.code == 0
    later = tmp_path / "later.csv"
    later.write_text(_HEAD + "41,Pat One,Dr X,2026-12-15,1 mg/mL,2 mg,31 mL\n")
    (error,) = run_batch(later, tmp_path / "b", example_config, db=db).errors
    assert "dispensed for 2026-12-15 already" in error.message


def test_a_label_for_an_order_a_batch_dispensed_says_so(cli, tmp_path, example_config):
    from conftest import LABEL_ARGS

    db = tmp_path / "log.db"
    orders = tmp_path / "orders.csv"
    orders.write_text(_HEAD + "1234567,Jane Doe,Dr A,2026-12-01,1 mg/mL,1.5 mg,21 mL\n")
    assert run_batch(orders, tmp_path / "out", example_config, db=db).printed == 1
    result = cli(*LABEL_ARGS, "--config", str(example_config), "--db", str(db),
                 "-o", str(tmp_path / "l.pdf"))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "Note: this Rx was dispensed for 2026-12-01 already (log entry" in result.stdout
