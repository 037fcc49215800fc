"""One chunk of a batch run, processed where it runs (here or in a worker process).

A chunk is a run of consecutive orders. Processing it validates each row into a
``PreparedOrder`` (``batch_orders``); then, unless checking or refused, draws the
chunk's own labels and charts files, writes its part of the manifest and the log rows
of its printed orders under the run's temporary folder, and stores the label snapshots
they refer to in the log (content-addressed: inert until an entry refers to one).
Nothing here is final, and no entry is in the log, until ``batch`` commits the run.
"""

from __future__ import annotations

import contextlib
import gc
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from compounder.atomic import checkpoint
from compounder.batch.order import (
    PreparedOrder,
    RowError,
    RowProblem,
    preparation_key,
    prepare_order,
)
from compounder.batch.order_file import RawRow
from compounder.batch.outputs import PREVIEW_NAME, write_log_part, write_manifest_part
from compounder.core import label_formats as formats
from compounder.core.inventory import ReceivedLot
from compounder.core.label_formats import label_format
from compounder.core.lots import IngredientExpiry
from compounder.log.chain import snapshot_hash, snapshot_json
from compounder.log.kinds import AWAITING_CHECK, CHECK_FIELD, dispense_key
from compounder.log.store import Store

DEFAULT_CHUNK = 5000  # orders a chunk (and a labels file)
PROGRESS_EVERY = 100  # orders drawn between two progress reports

Progress = Callable[[int], None]  # told how many more orders are done


@dataclass(frozen=True)
class BatchOptions:
    config: str | None
    check: bool = False
    skip_invalid: bool = False
    chunk_size: int = DEFAULT_CHUNK
    digest: str = ""  # the order file's content hash: keys this run's log entries
    db: str | None = None  # the log, where the run commits its printed orders
    run_key: str = ""  # the run's own key (its lots are reserved under it)
    ingredient_lots: tuple[IngredientExpiry, ...] = ()  # --lots-file: what preparations use
    label_format: str = "pdf"  # the labels file: pdf, or zpl for a thermal printer
    dpi: int = 203  # the thermal printer's resolution (zpl)
    profile: str | None = None  # the label print-size profile (None: the settings')
    stock: str | None = None  # the stock of rows that name none (the printer's; None: settings')
    received: tuple[ReceivedLot, ...] = ()  # the received lots among them (stock taken)
    order_format: str = "csv"  # the order file's format: csv, jsonl or fhir


@dataclass
class Chunk:
    """A run of consecutive orders, processed (and printed to its own files) together."""

    index: int
    rows: list[RawRow]
    duplicates: dict[int, int]  # line -> line of the first order with the same Rx
    last: bool
    lots: tuple[tuple[str, str], ...] = ()  # planned preparation key -> lot number
    dispensed: tuple[tuple[int, str], ...] = ()  # line -> why the log refuses it
    parts: tuple[tuple[int, tuple[str, int]], ...] = ()  # line -> (group, part) past the 1st


@dataclass
class ChunkResult:
    index: int
    errors: list[RowError]
    rejected: list[tuple[RawRow, str]]
    valid: int
    totals: dict[tuple[str, str, str, str, int], Decimal]  # worksheet key and part
    labels: int = 0
    charts: int = 0
    labels_file: str = ""  # the chunk's labels file, if it drew any
    # each preparation's orders: (Rx, its safety checks as a record keeps them)
    safety: dict[tuple[str, str, str, str, int], list[tuple[str, Any]]] = field(
        default_factory=dict
    )
    screening: list[dict[str, Any]] = field(default_factory=list)  # per valid order


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


def start_worker(queue: Any) -> None:
    """A worker process's start: it dies with the batch that started it (even a batch
    killed outright), leaves Ctrl-C to that batch, and reports progress to ``queue``."""
    import signal

    global _worker_queue
    _worker_queue = queue
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the pool...
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # ...with SIGTERM: no clean-up needed here
    _die_with_parent()


def _die_with_parent() -> None:
    """End this worker when the batch that started it ends, however it ends: on every
    platform a thread watches the parent process (``multiprocessing.parent_process``,
    whichever start method: fork, spawn or forkserver) and ends the worker the moment
    the parent is gone; on Linux the kernel is also asked to (``PR_SET_PDEATHSIG``)."""
    import multiprocessing
    import os
    import threading

    parent = multiprocessing.parent_process()
    if parent is None:  # not a multiprocessing worker: nothing to watch
        return
    threading.Thread(target=_watch, args=(parent.sentinel,), daemon=True).start()
    _request_death_signal()
    if not parent.is_alive():  # the parent died before the watch began
        os._exit(1)


def _watch(sentinel: int) -> None:
    """Wait until the parent process ends, then end this process at once."""
    import os
    from multiprocessing.connection import wait

    wait([sentinel])
    os._exit(1)


def _request_death_signal() -> None:
    """Ask Linux to kill this process when its parent dies (PR_SET_PDEATHSIG); nothing
    elsewhere (the watching thread does it there)."""
    import sys

    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG


def process_in_worker(
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


def _lots_of(
    line: int, lots: dict[str, str], parts: dict[int, tuple[str, int]]
) -> dict[str, str]:
    """The lots an order draws on: its group's, or for an order planned into a later
    preparation of its group (``parts``) that preparation's lot."""
    if line not in parts:
        return lots
    group, part = parts[line]
    return {**lots, group: lots.get(preparation_key(group, part), "")}


# What a lot's compounding record lists of each order dispensed from it.
_DISPENSED_KEYS = ("lot", "fill_date", "kind", "dose_mg", "quantity_ml", "containers")


def _process_chunk(
    chunk: Chunk,
    options: BatchOptions,
    temp_dir: str | None,
    names: tuple[str, str],
    progress: Progress,
) -> ChunkResult:
    index, duplicates, lots = chunk.index, chunk.duplicates, dict(chunk.lots)
    dispensed, parts = dict(chunk.dispensed), dict(chunk.parts)
    prepared: list[PreparedOrder] = []
    errors: list[RowError] = []
    rejected: list[tuple[RawRow, str]] = []
    for row in chunk.rows:
        try:
            if row.line in dispensed:  # a repeat of a logged order, whatever else
                raise RowProblem("rx_number", dispensed[row.line])
            if row.line in duplicates:
                raise RowProblem(
                    "rx_number",
                    f"duplicate Rx number (first on {row.place} {duplicates[row.line]})",
                )
            prepared.append(
                prepare_order(
                    row,
                    options.config,
                    _lots_of(row.line, lots, parts),
                    options.ingredient_lots,
                    options.profile,
                    options.stock,
                )
            )
        except RowProblem as problem:
            error = RowError(
                row.line, row.field_name(problem.column), problem.message, row.place,
                "column" if row.paths is None else "",
            )  # fmt: skip
            errors.append(error)
            rejected.append((row, str(error)))
    from compounder.content.safety import screening_summary

    result = ChunkResult(index, errors, rejected, len(prepared), {})
    result.screening = [
        {
            "line": o.line,
            "rx_number": o.rx,
            **{key: o.manifest.get(key, "") for key in _DISPENSED_KEYS},
            "liver_kidney_history": o.screening.liver_kidney_history,
            **screening_summary(o.screening),
        }
        for o in prepared
        if o.screening is not None
    ]
    for order in prepared:
        key = (*order.worksheet_key, parts.get(order.line, ("", 1))[1])
        result.totals[key] = result.totals.get(key, Decimal(0)) + order.worksheet_ml
        result.safety.setdefault(key, []).append((order.rx, order.safety))
    if options.check or temp_dir is None or (errors and not options.skip_invalid):
        progress(len(chunk.rows))
        return result
    progress(len(errors))  # the rest as they are drawn
    folder = Path(temp_dir)
    manifest, log, snapshots = _draw_chunk(prepared, folder, names, result, options, progress)
    checkpoint(f"batch: chunk {index} drawn")
    write_manifest_part(folder, index, manifest)
    checkpoint(f"batch: chunk {index} manifest written")
    if log:
        # the snapshots go into the log now, from each worker (content-addressed: one
        # no entry refers to yet is inert); the entries wait for the run's commit
        with Store(options.db) as store, store.transaction():
            store.add_snapshots(snapshots.items())
        write_log_part(folder, index, log, {})
        checkpoint(f"batch: chunk {index} log rows written")
    return result


def _draw_chunk(
    prepared: list[PreparedOrder],
    folder: Path,
    names: tuple[str, str],
    result: ChunkResult,
    options: BatchOptions,
    progress: Progress,
) -> tuple[list[dict[str, Any]], list[tuple[int, str, str, str, str]], dict[str, str]]:
    """Draw the chunk's labels and charts files; its manifest rows, and its log rows with
    the snapshots they refer to."""
    from compounder.core.stocks import PAPER
    from compounder.core.units import mm_to_pt
    from compounder.render.canvas import new_canvas
    from compounder.render.chart_pdf import draw_chart
    from compounder.render.textfit import load_layout

    label_layout, chart_layout = load_layout(), load_layout("chart_layout.toml")
    labels_name, charts_name = names
    manifest: list[dict[str, Any]] = []
    log: list[tuple[int, str, str, str, str]] = []
    snapshots: dict[str, str] = {}
    extra: dict[str, Any] = {}
    if label_format(options.label_format).at_dpi:
        extra = {"format": options.label_format, "dpi": options.dpi}
    with contextlib.ExitStack() as label_files:
        writer: Any = None
        chart_canvas = None
        chart_file = None
        chart_pages = 0
        try:
            for order in prepared:
                if writer is None:  # the file is made for the first label
                    writer = _label_writer(options, folder / labels_name, label_layout, label_files)
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
                    for chart in order.chart:  # one a language (en+es: both)
                        chart_pages += draw_chart(chart_canvas, chart, order.paper, chart_layout)
                    row.update(charts_file=charts_name, chart_pages=_span([first, chart_pages]))
                    result.charts += 1
                manifest.append(row)
                log.append(_log_row(order, row, options.digest, snapshots, extra))
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
    if writer is not None:
        result.labels_file = labels_name
    return manifest, log, snapshots


def _label_writer(
    options: BatchOptions, path: Path, layout: Any, files: contextlib.ExitStack
) -> Any:
    """What draws the chunk's labels in the run's format (``core.label_formats``): into
    one PDF or ZPL file at ``path``, or (PNG previews) one file a label in the folder
    ``path``."""
    from compounder.render.label_output import open_writer

    return open_writer(options.label_format, path, layout, options.dpi, files, PREVIEW_NAME)


def _log_row(
    order: PreparedOrder,
    manifest: dict[str, Any],
    digest: str,
    snapshots: dict[str, str],
    extra: dict[str, Any],
) -> tuple[int, str, str, str, str]:
    """What the log keeps of a printed order, ready for SQL: its manifest row and a
    snapshot of its label lines (drawn again by ``reprint`` on the stock and layout
    kept once per run as the snapshot's frame)."""
    from compounder.log.snapshots import contents_body

    frame, frame_hash = _frame_json(order.labels[0][1].id, order.profile)
    snapshots[frame_hash] = frame
    contents = [p.content for p, _ in order.labels if p.part[0] == 1]  # not continuations
    body = contents_body(contents, frame_hash)  # {"contents": ..., "frame": frame_hash}
    body_hash = snapshot_hash(body)
    snapshots[body_hash] = body
    payload = json.dumps(
        {
            **manifest,
            "pdf_sha256": None,
            "snapshot": body_hash,
            "lot_recorded": True,
            CHECK_FIELD: AWAITING_CHECK,  # in the verification queue until checked
            **extra,
        },
        sort_keys=True,
    )
    return (order.line, order.rx, manifest["lot"], payload, dispense_key(digest, order.rx))


def _span(pages: list[int]) -> str:
    low, high = min(pages), max(pages)
    return str(low) if low == high else f"{low}-{high}"


def chunk_names(chunk: Chunk, label_format: str = "pdf") -> tuple[str, str]:
    """The chunk's labels and charts files: numbered when the run has several. PNG
    previews go to a folder of the chunk's own (the run numbers them through)."""
    if formats.label_format(label_format).file_per_label:
        number = f"{chunk.index + 1:04d}"
        charts = "charts.pdf" if chunk.index == 0 and chunk.last else f"charts-{number}.pdf"
        return f"previews-{number}", charts
    if chunk.index == 0 and chunk.last:
        return f"labels.{label_format}", "charts.pdf"
    number = f"{chunk.index + 1:04d}"
    return f"labels-{number}.{label_format}", f"charts-{number}.pdf"


@lru_cache(maxsize=64)
def _frame_json(stock_id: str, profile: str | None = None) -> tuple[str, str]:
    """The stock and layout a run's labels are drawn on, as stored once per run, and its
    hash (the key it is stored under)."""
    from compounder.core.stocks import load_stock
    from compounder.log.snapshots import label_snapshot
    from compounder.render.textfit import load_layout

    frame = label_snapshot([], load_stock(stock_id), load_layout(profile=profile))
    del frame["contents"]
    return snapshot_json(frame)
