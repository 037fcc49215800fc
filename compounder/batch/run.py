"""Scripted batch runs: a day's orders from a file, validated whole, then printed.

One order a row (``orders``). Each row is validated into a ``PreparedOrder``: its labels
laid out on their stock (one per container; for a new patient, ``dose = titrate``, the
label of the first fill), its dosing chart for a titration, its manifest row and its
share of the compounding worksheet. Nothing is printed unless every row is valid, or
``skip_invalid`` sets bad rows aside in ``rejected.csv``.

The file is read here, once, in chunks of orders (``chunk_size``); each chunk gets the
lots of the preparations it needs (reserved in the log in order of first use) and is
processed by ``batch_chunks``, here or in a process pool when ``jobs`` > 1, drawing its
own labels and charts files under a temporary folder inside the output folder. A
chunk's output depends only on its rows and lots, so a parallel run gives the same bytes
as a serial one. Only when the whole run succeeded are the files renamed to their final
names and the staged log entries committed; an interrupted or failed run leaves none.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from compounder.batch.chunks import (
    DEFAULT_CHUNK,
    BatchOptions,
    Chunk,
    ChunkResult,
    Progress,
    chunk_names,
    process_chunk,
    process_in_worker,
    start_worker,
)
from compounder.batch.order import RowError, group_key, run_context
from compounder.batch.order_file import RawRow, header_of, read_orders
from compounder.batch.outputs import (
    RejectedSpool,
    compounding_worksheet,
    join_manifest,
    log_records,
    publish,
    remove_abandoned_temps,
    write_records,
    write_worksheet,
)
from compounder.core.limits import CHUNK_SIZE, check_range
from compounder.errors import CompounderError, InputError, OutputError
from compounder.log.store import Store


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
    from compounder.api.planning import parse_concentration
    from compounder.core.dates import parse_date
    from compounder.core.vehicles import find_vehicle

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
    label_format: str = "pdf",
    dpi: int = 203,
    profile: str | None = None,
) -> BatchReport:
    """Validate every order, then print labels, charts, the worksheet and the manifest.

    Returns a BatchReport; rows in error are in ``report.errors`` (and, with
    ``skip_invalid``, in ``rejected.csv``). Raises CompounderError for a file-level
    problem (unknown columns, not UTF-8, an output folder that cannot be written).
    ``progress``, if given, is called with how many more orders are done, every
    hundred or so, until it has counted every row. ``label_format`` "zpl" writes the
    labels for a thermal printer at ``dpi`` instead of as PDF. ``profile``: the labels'
    print-size profile (default: the settings', else usp17).
    """
    from compounder.core.settings import find_config

    path = Path(orders_file)
    out = Path(output_dir)
    config_path = str(find_config(config))
    run_context(config_path)  # settings errors surface before any row is read
    if profile is not None:
        from compounder.core.label_profiles import find_profile

        find_profile(profile)  # an unknown profile is refused before any row is read
    if label_format not in ("pdf", "zpl"):
        raise InputError("format", label_format, "pdf or zpl (png previews: compounder label)")
    if dpi not in (203, 300):
        raise InputError("dpi", str(dpi), "203 or 300")
    check_range(chunk_size, CHUNK_SIZE, "chunk-size")
    if jobs is not None:
        check_range(jobs, (1, os.cpu_count() or 1), "jobs")
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
        label_format,
        dpi,
        profile,
    )
    report = BatchReport(checked_only=check)
    lots: dict[str, str] = {}
    temp: Path | None = None
    store = None if check else Store(db)  # a log that cannot be opened stops the run here
    if not check:
        try:
            out.mkdir(parents=True, exist_ok=True)
            remove_abandoned_temps(out)
            temp = Path(tempfile.mkdtemp(prefix=f".compounder-batch-{os.getpid()}-", dir=out))
        except OSError as exc:
            raise OutputError(str(out), exc.strerror or str(exc)) from None
    rejected = RejectedSpool(temp, header_of(path)) if temp else None
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
            names = chunk_names(chunk, options.label_format)
            yield process_chunk(chunk, options, temp_name, names, progress)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if temp is not None:
        from compounder.render.canvas import preload_drawing

        preload_drawing()  # once, here: the workers start with it (and records.pdf needs it)
    queue: Any = multiprocessing.SimpleQueue() if progress else None
    with ProcessPoolExecutor(max_workers=jobs, initializer=start_worker, initargs=(queue,)) as pool:
        pending: list[Any] = []
        for chunk in itertools.chain([first], chunks):
            pending.append(
                pool.submit(
                    process_in_worker,
                    chunk,
                    options,
                    temp_name,
                    chunk_names(chunk, options.label_format),
                )
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
    while True:
        done = future.done()  # reports sent before the result are in the queue by now
        while not queue.empty():
            progress(queue.get())
        if done:
            return future.result()  # type: ignore[no-any-return]
        wait([future], timeout=0.1)
