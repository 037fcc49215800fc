"""Scripted batch runs: a day's orders from a file, validated whole, then printed.

One order a row (``orders``). Each row is validated into a ``PreparedOrder``: its labels
laid out on their stock (one per container; for a new patient, ``dose = titrate``, the
label of the first fill), its dosing chart for a titration, its manifest row and its
share of the compounding worksheet. Nothing is printed unless every row is valid, or
``skip_invalid`` sets bad rows aside in ``rejected.csv``.

Work is done in chunks of orders (``chunk_size``), each drawing its own labels and
charts files under a temporary folder inside the output folder; chunks run in a process
pool when ``jobs`` > 1. A chunk's output depends only on its rows, so a parallel run
gives the same bytes as a serial one. Only when the whole run succeeded are the files
renamed to their final names; an interrupted or failed run leaves none of them.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import itertools
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from compounder.batch_orders import (
    PreparedOrder,
    RowError,
    RowProblem,
    group_key,
    prepare_order,
    run_context,
)
from compounder.batch_outputs import (
    RejectedSpool,
    compounding_worksheet,
    join_manifest,
    log_records,
    publish,
    remove_abandoned_temps,
    write_manifest_part,
    write_records,
    write_worksheet,
)
from compounder.errors import CompounderError, InputError, OutputError
from compounder.orders import RawRow, header_of, read_orders
from compounder.store import Store

DEFAULT_CHUNK = 5000
PROGRESS_EVERY = 100  # orders drawn between two progress reports

Progress = Callable[[int], None]  # told how many more orders are done


@dataclass(frozen=True)
class BatchOptions:
    config: str | None
    check: bool = False
    skip_invalid: bool = False
    chunk_size: int = DEFAULT_CHUNK
    digest: str = ""  # the order file's content hash: keys this run's log entries
    db: str | None = None  # the log, where each chunk stages its printed orders
    run_key: str = ""  # what they are staged under until the run commits them


@dataclass
class Chunk:
    """A run of consecutive orders, processed (and printed to its own files) together."""

    index: int
    rows: list[RawRow]
    duplicates: dict[int, int]  # line -> line of the first order with the same Rx
    last: bool
    lots: tuple[tuple[str, str], ...] = ()  # planned preparation key -> lot number


@dataclass
class ChunkResult:
    index: int
    errors: list[RowError]
    rejected: list[tuple[RawRow, str]]
    valid: int
    totals: dict[tuple[str, str, str, str], Decimal]
    labels: int = 0
    charts: int = 0


def process_chunk(
    chunk: Chunk,
    options: BatchOptions,
    temp_dir: str | None,
    names: tuple[str, str],
    progress: Progress | None = None,
) -> ChunkResult:
    """Validate a chunk's rows and (unless checking) draw its labels and charts files;
    ``progress`` is told how many orders are done as they are."""
    with _fewer_collections():
        return _process_chunk(chunk, options, temp_dir, names, progress or _no_progress)


def _no_progress(done: int) -> None:
    pass


# A worker process's way to report progress: a queue the main process reads.
_worker_queue: Any = None


def _start_worker(queue: Any) -> None:
    global _worker_queue
    _worker_queue = queue


def _process_in_worker(
    chunk: Chunk, options: BatchOptions, temp_dir: str | None, names: tuple[str, str]
) -> ChunkResult:
    progress = _worker_queue.put if _worker_queue is not None else None
    return process_chunk(chunk, options, temp_dir, names, progress)


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often (a tenth of the time of a batch went
    to it, walking the chunk's thousands of laid-out labels again and again; they are
    freed by reference counting when the chunk is done). Restored afterwards."""
    before = gc.get_threshold()
    gc.set_threshold(100_000, 50, 1000)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _process_chunk(
    chunk: Chunk,
    options: BatchOptions,
    temp_dir: str | None,
    names: tuple[str, str],
    progress: Progress,
) -> ChunkResult:
    index, duplicates, lots = chunk.index, chunk.duplicates, dict(chunk.lots)
    prepared: list[PreparedOrder] = []
    errors: list[RowError] = []
    rejected: list[tuple[RawRow, str]] = []
    for row in chunk.rows:
        try:
            if row.line in duplicates:
                raise RowProblem(
                    "rx_number", f"duplicate Rx number (first on line {duplicates[row.line]})"
                )
            prepared.append(prepare_order(row, options.config, lots))
        except RowProblem as problem:
            error = RowError(row.line, problem.column, problem.message)
            errors.append(error)
            rejected.append((row, str(error)))
    result = ChunkResult(index, errors, rejected, len(prepared), {})
    for order in prepared:
        result.totals[order.worksheet_key] = (
            result.totals.get(order.worksheet_key, Decimal(0)) + order.worksheet_ml
        )
    if options.check or temp_dir is None or (errors and not options.skip_invalid):
        progress(len(chunk.rows))
        return result
    progress(len(errors))  # the rest as they are drawn
    folder = Path(temp_dir)
    manifest, log, snapshots = _draw_chunk(
        prepared, folder, names, result, options.digest, progress
    )
    write_manifest_part(folder, index, manifest)
    if log:
        with Store(options.db) as store:
            store.stage(options.run_key, log, snapshots)
    return result


def _draw_chunk(
    prepared: list[PreparedOrder],
    folder: Path,
    names: tuple[str, str],
    result: ChunkResult,
    digest: str,
    progress: Progress,
) -> tuple[list[dict[str, Any]], list[tuple[int, str, str, str, str]], dict[str, str]]:
    """Draw the chunk's labels and charts files; its manifest rows, and its log rows with
    the snapshots they refer to."""
    from compounder.chart_pdf import draw_chart
    from compounder.drawing import new_canvas
    from compounder.label_pdf import LabelWriter
    from compounder.stocks import PAPER, mm_to_pt
    from compounder.textfit import load_layout

    label_layout, chart_layout = load_layout(), load_layout("chart_layout.toml")
    labels_name, charts_name = names
    manifest: list[dict[str, Any]] = []
    log: list[tuple[int, str, str, str, str]] = []
    snapshots: dict[str, str] = {}
    with (folder / labels_name).open("wb") as label_file:
        writer = None
        chart_canvas = None
        chart_file = None
        chart_pages = 0
        try:
            for order in prepared:
                if writer is None:
                    writer = LabelWriter(label_file, label_layout)
                pages = [writer.add(placed, stock) for placed, stock in order.labels]
                row = dict(order.manifest)
                row.update(
                    labels_file=labels_name,
                    label_pages=_span(pages),
                    charts_file="",
                    chart_pages="",
                )
                result.labels += len(pages)
                if order.chart is not None:
                    if chart_canvas is None:
                        chart_file = (folder / charts_name).open("wb")
                        size = tuple(mm_to_pt(v) for v in PAPER[order.paper])
                        chart_canvas = new_canvas(chart_file, size, "Dosing charts")
                    first = chart_pages + 1
                    chart_pages += draw_chart(chart_canvas, order.chart, order.paper, chart_layout)
                    row.update(charts_file=charts_name, chart_pages=_span([first, chart_pages]))
                    result.charts += 1
                manifest.append(row)
                log.append(_log_row(order, row, digest, snapshots))
                if len(manifest) % PROGRESS_EVERY == 0:
                    progress(PROGRESS_EVERY)
            progress(len(manifest) % PROGRESS_EVERY)
            if writer is not None:
                writer.close()
            if chart_canvas is not None:
                chart_canvas.save()
        finally:
            if chart_file is not None:
                chart_file.close()
    if writer is None:
        (folder / labels_name).unlink()
    return manifest, log, snapshots


def _log_row(
    order: PreparedOrder, manifest: dict[str, Any], digest: str, snapshots: dict[str, str]
) -> tuple[int, str, str, str, str]:
    """What the log keeps of a printed order, ready for SQL: its manifest row and a
    snapshot of its label lines (drawn again by ``reprint`` on the stock and layout
    kept once per run as the snapshot's frame)."""
    from compounder.snapshots import contents_snapshot

    frame = _frame_json(order.labels[0][1].id)
    frame_hash = hashlib.sha256(frame.encode()).hexdigest()
    snapshots[frame_hash] = frame
    body = json.dumps(
        {"contents": contents_snapshot([p.content for p, _ in order.labels]), "frame": frame_hash},
        sort_keys=True,
    )
    body_hash = hashlib.sha256(body.encode()).hexdigest()
    snapshots[body_hash] = body
    payload = json.dumps({**manifest, "pdf_sha256": None, "snapshot": body_hash}, sort_keys=True)
    return (order.line, order.rx, manifest["lot"], payload, f"dispense:{digest}:{order.rx}")


def _span(pages: list[int]) -> str:
    low, high = min(pages), max(pages)
    return str(low) if low == high else f"{low}-{high}"


# ---------------------------------------------------------------- the whole run


@dataclass
class BatchReport:
    """What a run did, for the summary and for scripts."""

    orders: int = 0
    valid: int = 0
    printed: int = 0
    errors: list[RowError] = field(default_factory=list)
    labels: int = 0
    charts: int = 0
    files: list[str] = field(default_factory=list)
    worksheet: list[dict[str, Any]] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    checked_only: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "orders": self.orders,
            "valid": self.valid,
            "printed": self.printed,
            "rejected": len(self.errors),
            "labels": self.labels,
            "charts": self.charts,
            "files": self.files,
            "checked_only": self.checked_only,
            "errors": [
                {"line": e.line, "column": e.column, "message": e.message} for e in self.errors
            ],
            "worksheet": self.worksheet,
        }


def _chunks(path: Path, size: int) -> Iterator[Chunk]:
    """The file's rows in chunks of ``size``, duplicate Rx numbers marked (line -> first
    line); a chunk is handed on when the next row is read, so it knows if it is last."""
    first_line: dict[int, int] = {}
    rows: list[RawRow] = []
    duplicates: dict[int, int] = {}
    index = 0
    for row in read_orders(path):
        if len(rows) >= size:
            yield Chunk(index, rows, duplicates, last=False)
            index, rows, duplicates = index + 1, [], {}
        rx = row.values.get("rx_number", "").strip()
        if rx:
            # a 64-bit hash, not the text: memory stays flat for big files; two different
            # Rx numbers sharing a hash (about 1 in 10^9 for 100,000 rows) would only
            # refuse a row, never print one
            key = hash(rx)
            if key in first_line:
                duplicates[row.line] = first_line[key]
            else:
                first_line[key] = row.line
        rows.append(row)
    if rows:
        yield Chunk(index, rows, duplicates, last=True)


def count_orders(path: Path) -> int:
    return sum(1 for _ in read_orders(path))


def _reserve_lots(
    chunk: Chunk, config: str, digest: str, store: Store, lots: dict[str, str]
) -> None:
    """A lot for each planned preparation the chunk's orders draw on that has none yet,
    in order of first use, allocated in the log once per file content: running the
    same file again reuses them (and prints the same labels). Rows too broken to say
    which preparation they need are skipped here; validation reports them."""
    for row in chunk.rows:
        v = row.values
        group = _group_of(
            config,
            v.get("fill_date", ""),
            v.get("concentration", ""),
            v.get("vehicle", ""),
            v.get("source", ""),
        )
        if group is not None and group[0] not in lots:
            key, day = group
            payload = {"planned_by_batch": digest, "preparation_key": key}
            lots[key] = store.planned_preparation(f"batch:{digest}:{key}", day, payload)
    chunk.lots = tuple(sorted(lots.items()))


@lru_cache(maxsize=1024)
def _group_of(
    config: str, fill_date: str, concentration: str, vehicle: str, source: str
) -> tuple[str, date] | None:
    """The planned preparation of an order's cells (None if they do not say)."""
    from compounder.api import parse_concentration
    from compounder.dates import parse_date
    from compounder.vehicles import find_vehicle

    context = run_context(config)
    settings = context["settings"]
    try:
        day = parse_date(fill_date, "fill_date")
        conc = parse_concentration(concentration or settings.concentration)
        vehicle_id = find_vehicle(vehicle or settings.vehicle).id
        source_id = context["sources"].find(source or settings.source).id
    except CompounderError:
        return None
    return group_key(day, conc, vehicle_id, source_id), day


def file_digest(path: Path) -> str:
    """The order file's content hash (read in blocks: memory stays flat)."""
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(block)
    return hasher.hexdigest()[:16]


def run_batch(
    orders_file: str | Path,
    output_dir: str | Path,
    config: str | Path | None = None,
    *,
    check: bool = False,
    skip_invalid: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
    jobs: int | None = None,
    progress: Progress | None = None,
    db: str | Path | None = None,
) -> BatchReport:
    """Validate every order, then print labels, charts, the worksheet and the manifest.

    Returns a BatchReport; rows in error are in ``report.errors`` (and, with
    ``skip_invalid``, in ``rejected.csv``). Raises CompounderError for a file-level
    problem (unknown columns, not UTF-8, an output folder that cannot be written).
    ``progress``, if given, is called with how many more orders are done, every
    hundred or so, until it has counted every row.
    """
    from compounder.config import find_config

    path = Path(orders_file)
    out = Path(output_dir)
    config_path = str(find_config(config))
    run_context(config_path)  # settings errors surface before any row is read
    if chunk_size < 1:
        raise InputError("chunk-size", str(chunk_size), "a whole number of orders >= 1")
    header_of(path)  # a file-level problem (unknown columns...) surfaces first
    digest = file_digest(path)
    run_key = uuid.uuid4().hex
    options = BatchOptions(
        config_path,
        check,
        skip_invalid,
        chunk_size,
        digest,
        None if db is None else str(db),
        run_key,
    )
    report = BatchReport(checked_only=check)
    lots: dict[str, str] = {}
    temp: Path | None = None
    if not check:
        try:
            out.mkdir(parents=True, exist_ok=True)
            remove_abandoned_temps(out)
            temp = Path(tempfile.mkdtemp(prefix=f".compounder-batch-{os.getpid()}-", dir=out))
        except OSError as exc:
            raise OutputError(str(out), exc.strerror or str(exc)) from None
    rejected = RejectedSpool(temp, header_of(path)) if temp else None
    store = None if check else Store(db)
    committed = False
    chunk_count = 0

    def chunks() -> Iterator[Chunk]:
        nonlocal chunk_count
        for chunk in _chunks(path, chunk_size):
            report.orders += len(chunk.rows)
            chunk_count += 1
            if store is not None:
                _reserve_lots(chunk, config_path, digest, store, lots)
            yield chunk

    try:
        totals: dict[tuple[str, str, str, str], Decimal] = {}
        for result in _run_chunks(chunks(), options, temp, jobs, progress):
            report.errors += result.errors
            report.labels += result.labels
            report.charts += result.charts
            report.valid += result.valid
            for key, value in result.totals.items():
                totals[key] = totals.get(key, Decimal(0)) + value
            if rejected is not None:
                rejected.extend(result.rejected)
        report.worksheet = compounding_worksheet(totals, config_path)
        for entry in report.worksheet:
            conc = Decimal(entry["concentration"].split()[0])
            lot_key = group_key(
                date.fromisoformat(entry["fill_date"]), conc, entry["vehicle"], entry["source"]
            )
            entry["lot"] = lots.get(lot_key, "")
        if temp is None or rejected is None or (report.errors and not skip_invalid):
            report.labels = report.charts = 0
            return report
        join_manifest(temp, chunk_count)
        rejected.close()
        write_worksheet(temp, report)
        write_records(temp, report, lots, config_path)
        report.files = publish(temp, out)
        report.printed = report.valid
        assert store is not None
        log_records(store, report, digest)
        store.commit_staged(run_key)
        committed = True
        return report
    finally:
        if rejected is not None:
            rejected.close()
        if store is not None:
            if not committed:
                store.drop_staged(run_key)
            store.close()
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)


def _chunk_names(chunk: Chunk) -> tuple[str, str]:
    if chunk.index == 0 and chunk.last:
        return "labels.pdf", "charts.pdf"
    return f"labels-{chunk.index + 1:04d}.pdf", f"charts-{chunk.index + 1:04d}.pdf"


def _run_chunks(
    chunks: Iterator[Chunk],
    options: BatchOptions,
    temp: Path | None,
    jobs: int | None,
    progress: Progress | None = None,
) -> Iterator[ChunkResult]:
    """Each chunk processed, in order: here, or in a pool of ``jobs`` processes (by
    default one per core) when the file has more than one chunk."""
    temp_name = str(temp) if temp else None
    first = next(chunks, None)
    if first is None:
        return
    if jobs is None:
        jobs = 1 if first.last else (os.cpu_count() or 1)
    if jobs <= 1 or first.last:
        for chunk in itertools.chain([first], chunks):
            yield process_chunk(chunk, options, temp_name, _chunk_names(chunk), progress)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if temp is not None:
        _load_drawing()  # once, here: the workers start with it (and records.pdf needs it)
    queue: Any = multiprocessing.SimpleQueue() if progress else None
    with ProcessPoolExecutor(
        max_workers=jobs, initializer=_start_worker, initargs=(queue,)
    ) as pool:
        pending: list[Any] = []
        for chunk in itertools.chain([first], chunks):
            pending.append(
                pool.submit(_process_in_worker, chunk, options, temp_name, _chunk_names(chunk))
            )
            if len(pending) > jobs:  # bounded: memory does not grow with the file
                yield _result(pending.pop(0), queue, progress)
        for future in pending:
            yield _result(future, queue, progress)


def _result(future: Any, queue: Any, progress: Progress | None) -> ChunkResult:
    """A chunk's result, passing on the workers' progress reports while it is awaited."""
    from concurrent.futures import wait

    if queue is None or progress is None:
        return future.result()  # type: ignore[no-any-return]
    while not future.done():
        wait([future], timeout=0.1)
        while not queue.empty():
            progress(queue.get())
    while not queue.empty():  # reports sent just before the result
        progress(queue.get())
    return future.result()  # type: ignore[no-any-return]


def _load_drawing() -> None:
    """Import the PDF drawing code and register the fonts."""
    from reportlab.graphics.barcode import code128  # noqa: F401

    from compounder import chart_pdf, label_pdf  # noqa: F401
    from compounder.fonts import register_fonts

    register_fonts()


@lru_cache(maxsize=64)
def _frame_json(stock_id: str) -> str:
    """The stock and layout a run's labels are drawn on, as stored once per run."""
    from compounder.snapshots import label_snapshot
    from compounder.stocks import load_stock
    from compounder.textfit import load_layout

    frame = label_snapshot([], load_stock(stock_id), load_layout())
    del frame["contents"]
    return json.dumps(frame, sort_keys=True)
