"""Scripted batch runs: a day's orders from a file, validated whole, then printed.

One order a row (``orders``). Each row is validated into a ``PreparedOrder``: its labels
laid out on their stock (one per container; for a new patient, ``dose = titrate``, the
label of the first fill), its dosing chart for a titration, its manifest row and its
share of the compounding worksheet. Nothing is printed unless every row is valid, or
``skip_invalid`` sets bad rows aside in ``rejected.csv``.

The file is read here, once, in chunks of orders (``chunk_size``); each chunk gets the
lots of the preparations it needs (reserved in the log in order of first use) and is
processed by ``batch_chunks``, here or in a process pool when ``jobs`` > 1, drawing its
own labels and charts files (and its log rows) under a temporary folder inside the
output folder. A chunk's output depends only on its rows and lots, so a parallel run
gives the same bytes as a serial one. ZPL labels stand alone one after another, so the
chunks' ZPL files are joined into the run's one ``labels.zpl`` (and their manifest rows
and log entries renumbered into it: a run of one chunk or of many writes the same bytes).

One outcome: when the whole run succeeded, its log entries (the planned preparations,
their records, every order, and the run itself with each file's hash) are committed in
one transaction, and then the files are renamed to their final names. A failed or
interrupted run leaves neither; a run killed outright leaves its lock on the folder,
and the next run into the folder finishes it (publishes its files if its entries were
committed) or undoes it (removes its temporary folder, releases its lots). A run holds
a lock on its output folder (``lease``), writes only the files it names, and removes
nothing it did not create.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import shutil
import uuid
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from compounder.atomic import SignalsHeld, checkpoint
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
from compounder.batch.lease import FolderLock, acquire
from compounder.batch.order import (
    group_key,
    order_volume,
    preparation_key,
    run_context,
)
from compounder.batch.order_file import RawRow, file_format, header_of, read_orders
from compounder.batch.outputs import (
    OUTPUT_NAMES,
    LabelsMoved,
    RejectedSpool,
    check_output_names,
    compounding_worksheet,
    file_hashes,
    foreign_outputs,
    join_labels,
    join_manifest,
    number_previews,
    outputs_in,
    publish,
    read_log_part,
    record_rows,
    render_records,
    write_records,
    write_worksheet,
)
from compounder.batch.report import BatchReport
from compounder.content.records import log_place
from compounder.core import label_formats as formats
from compounder.core.inventory import ReceivedLot
from compounder.core.limits import CHUNK_SIZE, check_range
from compounder.core.lots import IngredientExpiry
from compounder.errors import CompounderError, InputError, OutputError
from compounder.log import batches, kinds
from compounder.log.anchor import anchored_by_settings
from compounder.log.entries import repeat_message
from compounder.log.kinds import Kind
from compounder.log.location import log_location
from compounder.log.lot_numbers import end_reservations, reserve_lot
from compounder.log.store import Store

TEMP_PREFIX = ".compounder-batch-"


def _chunks(path: Path, size: int, kind: str | None = None) -> Iterator[Chunk]:
    """The file's rows in chunks of ``size``, duplicate Rx numbers marked (line -> first
    line); a chunk is handed on when the next row is read, so it knows if it is last."""
    first_line: dict[int, int] = {}
    rows: list[RawRow] = []
    duplicates: dict[int, int] = {}
    index = 0
    for row in read_orders(path, kind):
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


def count_orders(path: Path, kind: str | None = None) -> int:
    return sum(1 for _ in read_orders(path, kind))


def _row_group(config: str, row: RawRow) -> tuple[str, date] | None:
    """The planned preparation group of a row's cells (None if they do not say)."""
    v = row.values
    return _group_of(
        config,
        v.get("fill_date", ""),
        v.get("concentration", ""),
        v.get("vehicle", ""),
        v.get("source", ""),
    )


def _plan_parts(
    chunk: Chunk, options: BatchOptions, held: dict[str, tuple[int, Decimal]]
) -> None:
    """Which preparation of its group each order draws on: none is planned larger than
    the largest ``prepare`` makes (``PREPARED_VOLUME_ML``); in file order, an order that
    would take its group's preparation over it starts the next one (part 2, 3...).
    ``held``: each group's current part and the volume planned in it so far (carried
    from chunk to chunk). Rows refused already, or too broken to say, draw nothing."""
    from compounder.core.limits import PREPARED_VOLUME_ML

    largest = PREPARED_VOLUME_ML[1]
    refused = set(chunk.duplicates) | {line for line, _ in chunk.dispensed}
    parts: list[tuple[int, tuple[str, int]]] = []
    for row in chunk.rows:
        group = _row_group(options.config or "", row) if row.line not in refused else None
        if group is None:
            continue
        volume = order_volume(row, options.config, options.ingredient_lots, options.stock)
        if volume is None:
            continue
        part, planned = held.get(group[0], (1, Decimal(0)))
        if planned and planned + volume > largest:
            part, planned = part + 1, Decimal(0)
        held[group[0]] = (part, planned + volume)
        if part > 1:
            parts.append((row.line, (group[0], part)))
    chunk.parts = tuple(parts)


def _reserve_lots(
    chunk: Chunk, config: str, digest: str, store: Store, lots: dict[str, str], run_key: str
) -> None:
    """A lot for each planned preparation the chunk's orders draw on that has none yet,
    in order of first use, allocated in the log once per file content: running the
    same file again reuses them (and prints the same labels). Rows too broken to say
    which preparation they need are skipped here; validation reports them."""
    parts = dict(chunk.parts)
    for row in chunk.rows:
        group = _row_group(config, row)
        if group is None:
            continue
        key = preparation_key(group[0], parts.get(row.line, ("", 1))[1])
        if key not in lots:
            lots[key] = reserve_lot(store, run_key, kinds.planned_key(digest, key), group[1])
    chunk.lots = tuple(sorted(lots.items()))


def _logged_elsewhere(store: Store, digest: str, rxs: Iterable[str]) -> dict[tuple[str, str], int]:
    """The fills of these Rx numbers the log holds from another order file or a
    ``label`` (a run of the same file again is no repeat): (Rx, fill date) -> entry."""
    found: dict[tuple[str, str], int] = {}
    for rx, fill_date, entry_id in batches.dispensed(store, rxs, other_than_file=digest):
        found.setdefault((rx, fill_date), entry_id)
    return found


def _dispensed_before(chunk: Chunk, store: Store, digest: str) -> tuple[tuple[int, str], ...]:
    """The chunk's orders the log holds already for the same fill date (a corrected
    file run again would dispense them twice): each row's line and why it is refused,
    every row that repeats one (a row whose Rx the file repeats too included)."""
    from compounder.core.identity import check_rx

    rows: dict[tuple[str, str], list[int]] = {}
    for row in chunk.rows:
        try:  # a bad Rx number is refused by validation, not looked up
            rx = check_rx(row.values.get("rx_number", "").strip())
        except CompounderError:
            continue
        rows.setdefault((rx, row.values.get("fill_date", "").strip()), []).append(row.line)
    taken = _logged_elsewhere(store, digest, (rx for rx, _ in rows))
    refused = [
        (line, repeat_message(order[1], taken[order]))
        for order, lines in rows.items()
        if order in taken
        for line in lines
    ]
    return tuple(sorted(refused))


def _refuse_repeats(
    store: Store, digest: str, temp: Path, rows: list[tuple[str, ...]], started_after: int
) -> None:
    """Inside the commit: no order this run logs is dispensed already (checked when the
    rows were read, again here under the log's lock). An entry newer than
    ``started_after`` (the log's last when the run began) was logged meanwhile: run
    again, the read-time check refuses that row; an older one the read-time check
    should have refused (a run again would meet it again): the row must go."""
    taken = _logged_elsewhere(store, digest, (rx for _, rx, _, _, _ in rows))
    rxs = {rx for rx, _ in taken}
    for line, rx, _, payload, _ in rows:
        if rx not in rxs:
            continue
        order = (rx, json.loads(payload).get("fill_date", ""))
        if order not in taken:
            continue
        why = repeat_message(order[1], taken[order])
        if taken[order] > started_after:
            problem = (
                f"while this run printed, another run or a label logged the order on line "
                f"{line} ({why}); nothing was printed: run the file again (that row is then "
                "refused; --skip-invalid prints the others)"
            )
        else:
            problem = (
                f"the order on line {line} was logged before this run ({why}); nothing was "
                "printed: take that row out of the file"
            )
        raise OutputError(str(temp.parent), problem)


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


@anchored_by_settings
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
    lots_file: str | Path | None = None,
    label_format: str = "pdf",
    dpi: int = 203,
    profile: str | None = None,
    stock: str | None = None,
    order_format: str | None = None,
) -> BatchReport:
    """Validate every order, then print labels, charts, the worksheet and the manifest.

    Returns a BatchReport; rows in error are in ``report.errors`` (and, with
    ``skip_invalid``, in ``rejected.csv``). Raises CompounderError for a file-level
    problem (unknown columns, not UTF-8, an output folder that cannot be written).
    ``progress``, if given, is called with how many more orders are done, every
    hundred or so, until it has counted every row. ``lots_file``: the ingredient lots
    (CSV ``ingredient,lot,expiry``, as ``prepare --lots-file``) the run's preparations
    are made from: they cap the BUDs and are named on the records (and traced).
    ``label_format`` "zpl" writes the labels for a thermal printer at ``dpi`` instead
    of as PDF (one ``labels.zpl``), "png" a preview of each label at ``dpi`` for a
    screen (``labels-000001.png``..., numbered through the run).
    ``profile``: the labels' print-size profile (default: the settings', else usp17).
    ``stock``: the label stock of the rows that name none (the printer's, when printing;
    default: the settings').
    ``order_format``: csv, jsonl or fhir (FHIR MedicationRequests, ``fhir.request``);
    default: from the file's suffix and content.
    """
    path = Path(orders_file)
    options = batch_options(
        path,
        config,
        check=check,
        skip_invalid=skip_invalid,
        chunk_size=chunk_size,
        jobs=jobs,
        db=db,
        lots_file=lots_file,
        label_format=label_format,
        dpi=dpi,
        profile=profile,
        stock=stock,
        order_format=order_format,
    )
    return _Run(path, Path(output_dir), options, jobs, progress).run()


def batch_options(
    path: Path,
    config: str | Path | None,
    *,
    check: bool,
    skip_invalid: bool,
    chunk_size: int,
    jobs: int | None,
    db: str | Path | None,
    lots_file: str | Path | None,
    label_format: str,
    dpi: int,
    profile: str | None,
    stock: str | None,
    order_format: str | None = None,
) -> BatchOptions:
    """The run's options, checked before any row is read: the settings, profile, stock,
    format and resolution, chunk size and jobs, the order file's header and the lots."""
    from compounder.core.settings import find_config

    config_path = str(find_config(config))
    run_context(config_path)  # settings errors surface before any row is read
    if profile is not None:
        from compounder.core.label_profiles import find_profile

        find_profile(profile)  # an unknown profile is refused before any row is read
    if stock is not None:
        from compounder.core.stocks import load_stock

        load_stock(stock)  # so is an unknown stock
    formats.label_format(label_format)
    formats.check_dpi(dpi)
    check_range(chunk_size, CHUNK_SIZE, "chunk-size")
    if jobs is not None:
        check_range(jobs, (1, os.cpu_count() or 1), "jobs")
    kind = file_format(path, order_format)
    header_of(path, kind)  # a file-level problem (unknown columns...) surfaces first
    ingredient_lots: tuple[IngredientExpiry, ...] = ()
    received: tuple[ReceivedLot, ...] = ()  # the received lots (stock is taken)
    if lots_file:  # received lots read from the log, each usable today (exit 3 if not)
        from compounder.api.planning import resolved_lots_from

        resolved = resolved_lots_from((), Path(lots_file), config=config_path, db=db)
        ingredient_lots = resolved.lots
        received = resolved.received
    if not check:  # --db, COMPOUNDER_DB, [log] url of these settings (workers open it too)
        db = log_location(db, config_path)
    return BatchOptions(
        config_path,
        check,
        skip_invalid,
        chunk_size,
        file_digest(path),
        None if db is None else str(db),
        uuid.uuid4().hex,
        ingredient_lots,
        label_format,
        dpi,
        profile,
        stock,
        received,
        kind,
    )


class _Run:
    """``run_batch``'s steps, in order: take the output folder (``open``), work the
    chunks out and draw them (``collect``), then write the run's own files, log it and
    publish (``finish``); whatever happens, ``close`` leaves all or nothing."""

    def __init__(
        self,
        path: Path,
        out: Path,
        options: BatchOptions,
        jobs: int | None,
        progress: Progress | None,
    ) -> None:
        self.path, self.out, self.options = path, out, options
        assert options.config is not None
        self.config: str = options.config  # the settings file found
        self.jobs, self.progress = jobs, progress
        self.report = BatchReport(checked_only=options.check)
        self.lots: dict[str, str] = {}
        self.temp: Path | None = None
        self.lock: FolderLock | None = None
        self.store: Store | None = None
        self.created = _new_folders(out) if not options.check else []
        self.rejected: RejectedSpool | None = None
        self.committed = self.published = False
        self.names: list[str] = []
        self.chunk_count = 0
        self.label_parts: list[tuple[int, str, int]] = []  # each chunk's labels file and count
        self.started_after = 0  # the log's last entry when the run began
        self.held: dict[str, tuple[int, Decimal]] = {}  # each group's preparation and volume
        self.signals = SignalsHeld()  # held from the commit until the files are published

    def run(self) -> BatchReport:
        if not self.options.check:
            self.open()
        header = header_of(self.path, self.options.order_format)
        self.rejected = RejectedSpool(self.temp, header) if self.temp else None
        try:
            self.collect()
            if self.temp is None or (self.report.errors and not self.options.skip_invalid):
                self.report.labels = self.report.charts = 0
                return self.report
            self.finish()
            return self.report
        except OSError as exc:  # a full disk, a folder that went away: nothing is published
            raise OutputError(str(self.out), exc.strerror or str(exc)) from None
        finally:
            self.close()

    def open(self) -> None:
        """The log, the output folder (made, locked, an abandoned run recovered) and the
        run's temporary folder in it."""
        out, run_key = self.out, self.options.run_key
        _refuse_input_as_output(self.path, out)
        store = self.store = Store(self.options.db)  # a log that cannot be opened stops here
        self.started_after = store.last_entry_id()  # newer entries were logged meanwhile
        try:
            out.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            store.close()
            raise OutputError(
                str(out), "it is not a folder; give a folder for the run's outputs (-o)"
            ) from None
        except OSError as exc:
            store.close()
            raise OutputError(str(out), exc.strerror or str(exc)) from None
        try:
            self.lock, abandoned = acquire(out, run_key, TEMP_PREFIX + run_key)
            if abandoned is not None:
                recover(out, abandoned, store)
            checkpoint("batch: folder locked")
            check_output_names(out)  # no device or pipe named as an output
            temp = out / (TEMP_PREFIX + run_key)
            temp.mkdir()
            self.temp = temp
        except BaseException as exc:
            if self.lock is not None:
                self.lock.release()
            store.close()
            _remove_if_empty(self.created)
            if isinstance(exc, OSError):
                raise OutputError(str(out), exc.strerror or str(exc)) from None
            raise

    def chunks(self) -> Iterator[Chunk]:
        """The file's chunks, each with its repeats found, its orders planned into
        preparations (``_plan_parts``) and their lots reserved."""
        options, store = self.options, self.store
        for chunk in _chunks(self.path, options.chunk_size, options.order_format):
            self.report.orders += len(chunk.rows)
            self.chunk_count += 1
            if store is not None:
                chunk.dispensed = _dispensed_before(chunk, store, options.digest)
            _plan_parts(chunk, options, self.held)
            if store is not None:
                _reserve_lots(chunk, self.config, options.digest, store, self.lots, options.run_key)
            if self.lock is not None:
                self.lock.renew()
            yield chunk

    def collect(self) -> None:
        """Every chunk worked out (and drawn): the report's counts and errors, and the
        worksheet with each preparation's lot."""
        report = self.report
        totals: dict[tuple[str, str, str, str, int], Decimal] = {}
        results = _run_chunks(self.chunks(), self.options, self.temp, self.jobs, self.progress)
        for result in results:
            report.errors += result.errors
            report.labels += result.labels
            report.charts += result.charts
            self.label_parts.append((result.index, result.labels_file, result.labels))
            report.valid += result.valid
            report.screening += result.screening
            for key, value in result.totals.items():
                totals[key] = totals.get(key, Decimal(0)) + value
            for key, orders in result.safety.items():
                report.safety.setdefault(key, []).extend(orders)
            if self.rejected is not None:
                self.rejected.extend(result.rejected)
            if self.lock is not None:
                self.lock.renew()
        report.worksheet = compounding_worksheet(totals, self.config)
        for entry in report.worksheet:
            conc = Decimal(entry["concentration"].split()[0])
            lot_key = group_key(
                date.fromisoformat(entry["fill_date"]), conc, entry["vehicle"], entry["source"]
            )
            entry["lot"] = self.lots.get(preparation_key(lot_key, entry.get("part", 1)), "")

    def finish(self) -> None:
        """The run's own files (joined labels, manifest, worksheet, records), its log
        entries, then its outputs published."""
        temp, out, options, report = self.temp, self.out, self.options, self.report
        assert temp is not None and self.store is not None and self.rejected is not None
        kind = formats.label_format(options.label_format)
        moved = None
        if kind is formats.ZPL and self.chunk_count > 1:  # one labels.zpl a run
            moved = join_labels(temp, self.label_parts, "labels.zpl")
            checkpoint("batch: labels joined")
        elif kind.file_per_label:  # previews numbered through the run
            moved = number_previews(temp, self.label_parts)
            checkpoint("batch: previews numbered")
        join_manifest(temp, self.chunk_count, moved)
        checkpoint("batch: manifest joined")
        self.rejected.close()
        write_worksheet(temp, report)
        checkpoint("batch: worksheet written")
        write_records(
            temp, report, self.lots, self.config, options.ingredient_lots, options.received
        )
        checkpoint("batch: records written")
        self.names = outputs_in(temp)
        check_output_names(out)  # again: none has appeared during the run
        foreign = foreign_outputs(out, self.names, self.path)
        if foreign:
            raise OutputError(
                str(out / foreign[0]),
                "it is not from this run and would be mixed with its outputs; move it "
                "(and any other earlier outputs) away or choose an empty folder",
            )
        _commit(
            self.store,
            report,
            self.lots,
            options.digest,
            options.run_key,
            temp,
            self.names,
            self.chunk_count,
            moved,
            self.started_after,
            self.signals,
        )
        self.committed = True
        report.files = publish(temp, out, self.names)
        self.published = True
        checkpoint("batch: published")
        report.printed = report.valid

    def close(self) -> None:
        """All or nothing: a logged run interrupted while publishing is finished; an
        unlogged one leaves no file, temporary folder or folder it made."""
        temp = self.temp
        if self.committed and not self.published and temp is not None:
            # logged but interrupted while renaming: finish it (it is all or nothing)
            with contextlib.suppress(CompounderError, OSError):
                self.report.files = publish(temp, self.out, self.names)
                self.published = True
        if self.rejected is not None:
            self.rejected.close()
        if self.store is not None:
            with contextlib.suppress(CompounderError, OSError):
                end_reservations(self.store, self.options.run_key)
            self.store.close()
        if self.published or not self.committed:  # else the next run finishes it
            if temp is not None:
                shutil.rmtree(temp, ignore_errors=True)
            if self.lock is not None:
                self.lock.release()
            _remove_if_empty(self.created)  # a run that printed nothing leaves no folder it made
        self.signals.release(deliver=not self.committed)  # committed: the run is done


def _new_folders(out: Path) -> list[Path]:
    """The output folder and its parents that do not exist yet (the run would make
    them), deepest first."""
    missing = []
    folder = out
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    return missing


def _remove_if_empty(folders: list[Path]) -> None:
    """Remove the folders this run made, deepest first, each only if it is empty (a
    folder that existed before the run, or holds anything, is left alone)."""
    for folder in folders:
        with contextlib.suppress(OSError):
            folder.rmdir()


def _refuse_input_as_output(path: Path, out: Path) -> None:
    """The order file must not be one of the run's output files (it would be replaced)."""
    if (
        OUTPUT_NAMES.fullmatch(path.name)
        and out.exists()
        and path.resolve().parent == out.resolve()
    ):
        raise InputError(
            "output",
            str(out),
            f"a folder other than the order file's: {path.name} is also the name of one "
            "of the run's outputs",
        )


def _commit(
    store: Store,
    report: BatchReport,
    lots: dict[str, str],
    digest: str,
    run_key: str,
    temp: Path,
    names: list[str],
    chunks: int,
    moved: dict[int, LabelsMoved] | None = None,
    started_after: int = 0,
    signals: SignalsHeld | None = None,
) -> None:
    """The run's log entries, in one transaction: its planned preparations (the lots it
    used), their records, every printed order (its labels renumbered into the run's one
    labels file when chunks' files were joined: ``moved``), and the run with its files'
    hashes. An order an earlier run of the file logged is dispensed once: if this run
    printed its label otherwise, a ``batch-reprint`` entry says how."""
    with store.transaction():
        checkpoint("batch: transaction begun")
        planned = []
        used = {entry["lot"] for entry in report.worksheet}  # by the orders printed
        for key, lot in sorted(lots.items(), key=lambda item: item[1]):
            if lot not in used:  # reserved for orders that were all refused
                continue
            batch_key = kinds.planned_key(digest, key)
            logged = batches.logged_lot(store, batch_key)
            if logged is not None and logged != lot:
                raise OutputError(
                    str(temp.parent),
                    "another run of the same order file was logged while this one printed; "
                    "run it again",
                )
            payload = json.dumps({"planned_by_batch": digest, "preparation_key": key})
            planned.append((Kind.PREPARATION, None, lot, payload, batch_key))
        batches.append_new(store, planned, digest, Kind.PREPARATION)
        records = record_rows(report, digest)
        _take_stock(store, [r for r in records if not batches.has_entry_key(store, r[4])])
        batches.append_new(store, records, digest, Kind.BATCH_RECORD)
        printed = batches.printed_orders(store, digest)  # by an earlier run of the same file
        for index in range(chunks):
            rows, contents, snapshots = read_log_part(temp, index, (moved or {}).get(index))
            _refuse_repeats(store, digest, temp, rows, started_after)
            store.add_snapshots(snapshots.items())
            batches.append_new(
                store,
                [(Kind.DISPENSE, rx, lot, payload, key) for _, rx, lot, payload, key in rows],
                digest,
                Kind.DISPENSE,
                contents=contents,
            )
            # an order printed before but otherwise now (another format, resolution,
            # profile, stock or file): the label is logged as printed again
            again = [
                (
                    Kind.BATCH_REPRINT,
                    rx,
                    lot,
                    json.dumps({**json.loads(payload), "reprints": printed[rx][0]}, sort_keys=True),
                    None,
                    kinds.reprint_key(digest, run_key, rx),
                )
                for _, rx, lot, payload, _ in rows
                if rx in printed
                and printed[rx][1] != payload
                and _label_fields(printed[rx][1]) != _label_fields(payload)
            ]
            store.append_many(again)
        # the worksheet and records carry the run's place in the chain (the entry that
        # holds their hashes, and the head it follows): written again under the lock
        prev_id, prev_hash = store.head()
        report.log_place = log_place(prev_id + 1, prev_id, prev_hash)
        write_worksheet(temp, report)
        render_records(temp, report)
        hashes = file_hashes(temp, names)
        run = {"files": hashes, "orders_file": digest, "printed": report.valid, "temp": temp.name}
        store.append(Kind.BATCH_RUN, None, None, run, batch_key=kinds.run_key(run_key))
        checkpoint("batch: about to commit")
        if signals is not None:
            signals.hold()  # from here the run may be committing: no taking back
    checkpoint("batch: committed")


def _take_stock(store: Store, records: list[tuple[str, None, str, str, str]]) -> None:
    """The stock the run's new records take from received lots, checked against what
    each lot holds now, under the log's write lock (SafetyError: nothing is logged)."""
    from compounder.api.receiving import take_stock

    uses = [use for row in records for use in json.loads(row[3]).get("stock_used", [])]
    if uses:
        take_stock(store, uses, date.today())


def _label_fields(payload: str) -> dict[str, Any]:
    """What a logged batch order says about its label (its chart's file and pages are
    not the label's)."""
    fields = json.loads(payload)
    for name in ("charts_file", "chart_pages", "reprints"):
        fields.pop(name, None)
    return dict(fields)


def recover(out: Path, abandoned: dict[str, Any], store: Store) -> str:
    """Finish or undo a run that was killed: if its entries were committed, publish the
    files it had not published yet ("finished"); else it is undone ("undone"). Then its
    temporary folder is removed and its lots released. Only the folder named in its
    lock is touched."""
    run_key = str(abandoned.get("run_key", ""))
    temp_name = str(abandoned.get("temp", ""))
    if not run_key or not temp_name.startswith(TEMP_PREFIX) or "/" in temp_name:
        return "nothing"
    temp = out / temp_name
    entry = store.entry_by_key(kinds.run_key(run_key))
    if entry is not None and temp.is_dir():
        publish(temp, out, sorted(kinds.run_files(entry.payload)))
    shutil.rmtree(temp, ignore_errors=True)
    end_reservations(store, run_key)
    return "undone" if entry is None else "finished"


def recover_folder(output_dir: str | Path, db: str | Path | None = None) -> str:
    """Finish or undo a batch run killed while writing to ``output_dir`` (what the next
    run into the folder does first): "finished", "undone" or "nothing" (no abandoned
    run). OutputError if a run is writing to it now."""
    out = Path(output_dir)
    if not out.is_dir():
        return "nothing"
    with Store(db) as store:
        lock, abandoned = acquire(out, uuid.uuid4().hex, "")
        try:
            return "nothing" if abandoned is None else recover(out, abandoned, store)
        finally:
            lock.release()


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

    if temp is not None:
        from compounder.render.preload import preload_drawing

        preload_drawing()  # once, here: the workers start with it (and records.pdf needs it)
    # the platform's start method (fork on Linux, spawn on macOS and Windows), unless
    # COMPOUNDER_START_METHOD names another (the tests run the batch under both)
    context = multiprocessing.get_context(os.environ.get("COMPOUNDER_START_METHOD") or None)
    queue: Any = context.SimpleQueue() if progress else None
    pool = context.Pool(jobs, initializer=start_worker, initargs=(queue,))
    try:
        pending: list[Any] = []
        for chunk in itertools.chain([first], chunks):
            pending.append(
                pool.apply_async(
                    process_in_worker,
                    (chunk, options, temp_name, chunk_names(chunk, options.label_format)),
                )
            )
            if len(pending) > jobs:  # bounded: memory does not grow with the file
                yield _result(pending.pop(0), queue, progress)
        for future in pending:
            yield _result(future, queue, progress)
    except BaseException:
        pool.terminate()  # a failure, Ctrl-C or SIGTERM: the workers stop now
        raise
    else:
        pool.close()
    finally:
        pool.join()


def _result(future: Any, queue: Any, progress: Progress | None) -> ChunkResult:
    """A chunk's result, passing on the workers' progress reports while it is awaited."""
    if queue is None or progress is None:
        return future.get()  # type: ignore[no-any-return]
    while True:
        done = future.ready()  # reports sent before the result are in the queue by now
        while not queue.empty():
            progress(queue.get())
        if done:
            return future.get()  # type: ignore[no-any-return]
        future.wait(0.1)
