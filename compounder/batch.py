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
import csv
import hashlib
import io
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from compounder.errors import CompounderError, InputError, OutputError
from compounder.orders import RawRow, header_of, read_orders
from compounder.store import Store
from compounder.units import format_number, format_quantity

DEFAULT_CHUNK = 5000
TITRATE = "titrate"
_TRUE = {"yes", "y", "true", "1"}
_FALSE = {"no", "n", "false", "0", ""}
# Which order column a library error's field belongs to.
_COLUMN_OF = {
    "rx": "rx_number",
    "patient": "patient_name",
    "patient name": "patient_name",
    "prescriber": "prescriber",
    "fill-date": "fill_date",
    "concentration": "concentration",
    "dose": "dose",
    "quantity": "quantity",
    "protocol": "protocol",
    "start-date": "start_date",
    "vehicle": "vehicle",
    "from": "source",
    "stock": "stock",
    "language": "language",
    "dose-time": "dose_time",
    "lot-expiry": "fill_date",
}


@dataclass(frozen=True)
class RowError:
    """Why one row was refused: its line, the column at fault and the reason."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class RowProblem(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def _message(exc: CompounderError) -> str:
    if isinstance(exc, InputError):
        shown = "the value given" if exc.private else repr(exc.value)
        return f"{shown} is not accepted; expected {exc.expected}"
    return str(exc)


def _in_column(column: str, work: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run ``work``; any CompounderError becomes a RowProblem in ``column``."""
    try:
        return work(*args, **kwargs)
    except RowProblem:
        raise
    except CompounderError as exc:
        field_name = getattr(exc, "field", "")
        raise RowProblem(_COLUMN_OF.get(field_name, column), _message(exc)) from None


@dataclass
class PreparedOrder:
    """A valid order, laid out and ready to draw."""

    line: int
    rx: str
    labels: list[tuple[Any, Any]]  # (PlacedLabel, LabelStock)
    chart: Any | None  # ChartContent
    paper: str
    manifest: dict[str, Any]
    worksheet_key: tuple[str, str, str, str]
    worksheet_ml: Decimal
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BatchOptions:
    config: str | None
    check: bool = False
    skip_invalid: bool = False
    chunk_size: int = DEFAULT_CHUNK
    lots: tuple[tuple[str, str], ...] = ()  # planned preparation key -> lot number
    digest: str = ""  # the order file's content hash: keys this run's log entries


@cache
def _context(config: str | None) -> dict[str, Any]:
    """Everything a worker loads once: settings, catalogues, rules, layouts."""
    from compounder.api import _bud_rules
    from compounder.config import load_settings
    from compounder.fills import load_dispensing
    from compounder.sources import load_sources
    from compounder.syringes import load_catalogue
    from compounder.textfit import load_layout

    settings = load_settings(config)
    return {
        "settings": settings,
        "rules": _bud_rules(settings),
        "dispensing": load_dispensing(),
        "sources": load_sources(),
        "catalogue": load_catalogue(),
        "label_layout": load_layout(),
        "chart_layout": load_layout("chart_layout.toml"),
    }


def _flag(text: str, column: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise RowProblem(column, f"{text!r} is not accepted; expected yes or no")


def _whole(text: str, column: str, low: int, high: int) -> int:
    if not text.isdigit() or not low <= int(text) <= high:
        raise RowProblem(
            column, f"{text!r} is not accepted; expected a whole number from {low} to {high}"
        )
    return int(text)


def group_key(day: date, concentration: Decimal, vehicle_id: str, source_id: str) -> str:
    """The planned preparation an order's liquid comes from."""
    return f"{day.isoformat()}|{format_number(concentration)}|{vehicle_id}|{source_id}"


def prepare_order(
    row: RawRow, config: str | None, lots: dict[str, str] | None = None
) -> PreparedOrder:
    """Validate and lay out one order; RowProblem (column and reason) if it is refused."""
    from compounder.api import parse_concentration, parse_dose, parse_volume, plan_titration
    from compounder.chart import build_chart
    from compounder.config import DOSE_TIMES
    from compounder.dates import parse_date
    from compounder.fills import dispense_volume, plan_fills
    from compounder.label_pdf import place_label
    from compounder.labels import (
        Direction,
        LabelOrder,
        build_label,
        check_name,
        check_rx,
        default_lot,
    )
    from compounder.protocols import load_protocol
    from compounder.stocks import load_stock
    from compounder.vehicles import find_vehicle
    from compounder.wording import load_wording

    if row.problem:
        raise RowProblem("", row.problem)
    ctx = _context(config)
    settings = ctx["settings"]
    v = row.values

    def get(column: str, default: str = "") -> str:
        return v.get(column, "").strip() or default

    for column in ("rx_number", "patient_name", "prescriber", "fill_date", "dose"):
        if not get(column):
            raise RowProblem(column, "is empty; a value is required")
    rx = _in_column("rx_number", check_rx, get("rx_number"))
    patient = _in_column("patient_name", check_name, get("patient_name"), "patient")
    prescriber = _in_column("prescriber", check_name, get("prescriber"), "prescriber")
    fill_date = _in_column("fill_date", parse_date, get("fill_date"), "fill_date")
    concentration = _in_column(
        "concentration", parse_concentration, get("concentration", settings.concentration)
    )
    protocol = _in_column("protocol", load_protocol, get("protocol", "ldn-standard"))
    if "/" in get("protocol") or get("protocol").endswith(".toml"):
        raise RowProblem("protocol", "must be a protocol id, not a file")
    dose_time = get("dose_time", settings.dose_time)
    if dose_time not in DOSE_TIMES:
        raise RowProblem("dose_time", f"{dose_time!r} is not accepted; expected bedtime or morning")
    vehicle = _in_column("vehicle", find_vehicle, get("vehicle", settings.vehicle))
    source = _in_column("source", ctx["sources"].find, get("source", settings.source))
    stock = _in_column("stock", load_stock, get("stock", settings.stock))
    if "/" in get("stock") or get("stock").endswith(".toml"):
        raise RowProblem("stock", "must be a stock id, not a file")
    wording = _in_column("language", load_wording, get("language", "en"))
    strength_changed = _flag(get("strength_changed"), "strength_changed")
    refills = _whole(get("refills"), "refills", 0, 99) if get("refills") else None
    if get("patient_dob"):
        dob = _in_column("patient_dob", parse_date, get("patient_dob"), "patient_dob")
        if not date(1900, 1, 1) <= dob <= fill_date:
            raise RowProblem(
                "patient_dob",
                "is not accepted; expected a date of birth between 1900-01-01 and the fill date",
            )
    rules, dispensing = ctx["rules"], ctx["dispensing"]
    warning_ids = tuple(dict.fromkeys((*source.warnings, *vehicle.warnings)))
    base = {
        "rx": rx,
        "patient": patient,
        "prescriber": prescriber,
        "concentration_mg_ml": concentration,
        "warning_ids": warning_ids,
        "dose_time": dose_time,
        "strength_changed": strength_changed,
        "refills": refills,
    }
    dose_text = get("dose").lower()
    quantity_text, days_text = get("quantity"), get("days_supply")
    chart = None
    notes: list[str] = []
    if dose_text == TITRATE:
        if quantity_text or days_text:
            column = "quantity" if quantity_text else "days_supply"
            raise RowProblem(
                column,
                "must be empty for a titrate order (its fills are planned from the protocol)",
            )
        start = _in_column("start_date", parse_date, get("start_date") or fill_date, "start_date")
        plan = _in_column(
            "concentration",
            lambda: plan_titration(protocol, concentration, start).require_measurable(),
        )
        schedule = _in_column("start_date", plan_fills, plan, vehicle, rules, dispensing, fill_date)
        first = schedule.fills[0]
        spans = len(first.segments) > 1
        directions = tuple(
            Direction(s.step, s.first_day if spans else None, s.last_day if spans else None)
            for s in first.segments
        )
        bud, quantity, days = first.bud, first.dispense_ml, first.days
        fill_number = (1, len(schedule.fills))
        chart = _in_column(
            "patient_name",
            build_chart,
            plan,
            settings,
            wording,
            vehicle.storage,
            dose_time,
            patient,
        )
        doses = [format_number(s.step.dose_mg) for s in first.segments]
    else:
        if get("start_date"):
            raise RowProblem("start_date", "is only for dose = titrate")
        dose_mg = _in_column("dose", parse_dose, get("dose"))
        _in_column("dose", protocol.check_dose, dose_mg)
        step = _in_column("concentration", _dose_step, protocol, concentration, dose_mg)
        directions = (Direction(step),)
        bud = _in_column("fill_date", _bud, fill_date, vehicle.id, config)
        if quantity_text and days_text:
            raise RowProblem("days_supply", "give quantity or days_supply, not both")
        if days_text:
            days = _whole(days_text, "days_supply", 1, 366)
            if days > bud.days_of_use:
                raise RowProblem(
                    "days_supply",
                    f"{days} days is more than the BUD allows "
                    f"({bud.days_of_use} days in {vehicle.id}); dispense at most "
                    f"{bud.days_of_use} days",
                )
            quantity = dispense_volume(step.volume_ml * days, dispensing)
        elif quantity_text:
            quantity = _in_column("quantity", parse_volume, quantity_text, "quantity")
            if quantity < step.volume_ml:
                raise RowProblem(
                    "quantity",
                    f"{quantity_text!r} is less than one dose "
                    f"({format_quantity(step.volume_ml, 'mL')})",
                )
            days = int(quantity // step.volume_ml)
            if days > bud.days_of_use:
                notes.append(f"holds {days} days of doses; the BUD allows {bud.days_of_use}")
        else:
            raise RowProblem("quantity", "is empty; give quantity or days_supply")
        fill_number = None
        doses = [format_number(step.dose_mg)]
    lot = (lots or {}).get(group_key(fill_date, concentration, vehicle.id, source.id)) or (
        default_lot(fill_date, rx)
    )
    containers = dispensing.containers(quantity)
    orders = [
        LabelOrder(
            directions=directions,
            quantity_ml=part,
            fill_date=fill_date,
            bud=bud,
            lot=lot,
            fill_number=fill_number,
            container=(n, len(containers)) if len(containers) > 1 else None,
            **base,
        )
        for n, part in enumerate(containers, start=1)
    ]
    placed = []
    for order in orders:
        content = _in_column("patient_name", build_label, order, settings, wording)
        placed.append((_in_column("dose", place_label, content, stock, ctx["label_layout"]), stock))
    manifest = {
        "line": row.line,
        "rx_number": rx,
        "kind": TITRATE if dose_text == TITRATE else "dose",
        "dose_mg": " then ".join(doses),
        "concentration": format_quantity(concentration, "mg/mL"),
        "vehicle": vehicle.id,
        "source": source.id,
        "fill_date": fill_date.isoformat(),
        "days": days,
        "quantity_ml": format_number(quantity),
        "containers": len(containers),
        "container_ml": " + ".join(format_number(c) for c in containers),
        "lot": lot,
        "bud": bud.bud.isoformat(),
        "bud_basis": bud.basis.basis,
        "stock": stock.id,
        "notes": "; ".join(notes),
    }
    key = (fill_date.isoformat(), format_number(concentration), vehicle.id, source.id)
    return PreparedOrder(
        row.line, rx, placed, chart, settings.paper, manifest, key, quantity, notes
    )


@lru_cache(maxsize=1024)
def _bud(fill_date: date, vehicle_id: str, config: str | None) -> Any:
    """The BUD of a fill (the day's orders share a few dates and vehicles)."""
    from compounder.bud import beyond_use_date
    from compounder.vehicles import find_vehicle

    return beyond_use_date(fill_date, find_vehicle(vehicle_id), _context(config)["rules"])


@lru_cache(maxsize=1024)
def _dose_step(protocol: Any, concentration: Decimal, dose_mg: Decimal) -> Any:
    """The measurable step for a fixed dose (orders repeat the same few doses)."""
    from compounder.api import plan_titration

    plan = plan_titration(protocol, concentration, dose=format_quantity(dose_mg, "mg"))
    return plan.require_measurable().steps[0]


@dataclass
class ChunkResult:
    index: int
    errors: list[RowError]
    rejected: list[tuple[RawRow, str]]
    manifest: list[dict[str, Any]]
    totals: dict[tuple[str, str, str, str], Decimal]
    labels: int
    charts: int
    log: list[tuple[int, str, str, str, str]] = field(default_factory=list)
    snapshots: dict[str, str] = field(default_factory=dict)


def process_chunk(
    index: int,
    rows: list[RawRow],
    duplicates: dict[int, int],
    options: BatchOptions,
    temp_dir: str | None,
    names: tuple[str, str],
) -> ChunkResult:
    """Validate a chunk's rows and (unless checking) draw its labels and charts files."""
    prepared: list[PreparedOrder] = []
    errors: list[RowError] = []
    rejected: list[tuple[RawRow, str]] = []
    for row in rows:
        try:
            if row.line in duplicates:
                raise RowProblem(
                    "rx_number", f"duplicate Rx number (first on line {duplicates[row.line]})"
                )
            prepared.append(prepare_order(row, options.config, dict(options.lots)))
        except RowProblem as problem:
            error = RowError(row.line, problem.column, problem.message)
            errors.append(error)
            rejected.append((row, str(error)))
    result = ChunkResult(index, errors, rejected, [], {}, 0, 0)
    for order in prepared:
        result.totals[order.worksheet_key] = (
            result.totals.get(order.worksheet_key, Decimal(0)) + order.worksheet_ml
        )
    if options.check or temp_dir is None or (errors and not options.skip_invalid):
        result.manifest = [order.manifest for order in prepared]
        return result
    _draw_chunk(prepared, Path(temp_dir), names, result, options.digest)
    return result


def _draw_chunk(
    prepared: list[PreparedOrder],
    folder: Path,
    names: tuple[str, str],
    result: ChunkResult,
    digest: str = "",
) -> None:
    from compounder.chart_pdf import draw_chart
    from compounder.drawing import new_canvas
    from compounder.label_pdf import LabelWriter
    from compounder.stocks import PAPER, mm_to_pt

    ctx_layouts = None
    labels_name, charts_name = names
    with (folder / labels_name).open("wb") as label_file:
        writer = None
        chart_canvas = None
        chart_file = None
        chart_pages = 0
        try:
            for order in prepared:
                if ctx_layouts is None:
                    ctx_layouts = _context_layouts(order)
                if writer is None:
                    writer = LabelWriter(label_file, ctx_layouts[0])
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
                    chart_pages += draw_chart(
                        chart_canvas, order.chart, order.paper, ctx_layouts[1]
                    )
                    row.update(charts_file=charts_name, chart_pages=_span([first, chart_pages]))
                    result.charts += 1
                result.manifest.append(row)
                result.log.append(_log_row(order, row, digest, result.snapshots))
            if writer is not None:
                writer.close()
            if chart_canvas is not None:
                chart_canvas.save()
        finally:
            if chart_file is not None:
                chart_file.close()
    if writer is None:
        (folder / labels_name).unlink()


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


def _context_layouts(order: PreparedOrder) -> tuple[Any, Any]:
    from compounder.textfit import load_layout

    return load_layout(), load_layout("chart_layout.toml")


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


def _chunks(path: Path, size: int) -> Iterator[tuple[list[RawRow], dict[int, int]]]:
    """Rows in chunks, with duplicate Rx numbers marked (line -> first line)."""
    first_line: dict[int, int] = {}
    chunk: list[RawRow] = []
    duplicates: dict[int, int] = {}
    for row in read_orders(path):
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
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk, duplicates
            chunk, duplicates = [], {}
    if chunk:
        yield chunk, duplicates


def count_orders(path: Path) -> int:
    return sum(1 for _ in read_orders(path))


def plan_groups(path: Path, config: str) -> tuple[int, list[tuple[str, date]]]:
    """The number of orders and the preparations they draw on, in order of first use
    (rows too broken to say are skipped here; validation reports them)."""
    from compounder.api import parse_concentration
    from compounder.dates import parse_date
    from compounder.vehicles import find_vehicle

    settings = _context(config)["settings"]
    sources = _context(config)["sources"]
    count = 0
    keys: dict[str, date] = {}
    for row in read_orders(path):
        count += 1
        v = row.values
        try:
            day = parse_date(v.get("fill_date", ""), "fill_date")
            conc = parse_concentration(v.get("concentration") or settings.concentration)
            vehicle = find_vehicle(v.get("vehicle") or settings.vehicle).id
            source = sources.find(v.get("source") or settings.source).id
        except CompounderError:
            continue
        keys.setdefault(group_key(day, conc, vehicle, source), day)
    return count, list(keys.items())


def file_digest(path: Path) -> str:
    """The order file's content hash (read in blocks: memory stays flat)."""
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(block)
    return hasher.hexdigest()[:16]


def _reserve_lots(digest: str, groups: list[tuple[str, date]], db: Any) -> dict[str, str]:
    """One lot per planned preparation, allocated in the log once per file content:
    running the same file again reuses them (and prints the same labels)."""
    from compounder.store import Store

    lots = {}
    with Store(db) as store:
        for key, day in groups:
            payload = {"planned_by_batch": digest, "preparation_key": key}
            lots[key] = store.planned_preparation(f"batch:{digest}:{key}", day, payload)
    return lots


def run_batch(
    orders_file: str | Path,
    output_dir: str | Path,
    config: str | Path | None = None,
    *,
    check: bool = False,
    skip_invalid: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
    db: str | Path | None = None,
) -> BatchReport:
    """Validate every order, then print labels, charts, the worksheet and the manifest.

    Returns a BatchReport; rows in error are in ``report.errors`` (and, with
    ``skip_invalid``, in ``rejected.csv``). Raises CompounderError for a file-level
    problem (unknown columns, not UTF-8, an output folder that cannot be written).
    """
    from compounder.config import find_config

    path = Path(orders_file)
    out = Path(output_dir)
    config_path = str(find_config(config))
    _context(config_path)  # settings errors surface before any row is read
    if chunk_size < 1:
        raise InputError("chunk-size", str(chunk_size), "a whole number of orders >= 1")
    total, groups = plan_groups(path, config_path)
    digest = file_digest(path)
    lots = {} if check else _reserve_lots(digest, groups, db)
    options = BatchOptions(
        config_path, check, skip_invalid, chunk_size, tuple(sorted(lots.items())), digest
    )
    chunk_count = max(1, -(-total // chunk_size))
    if jobs is None:
        jobs = (os.cpu_count() or 1) if chunk_count > 1 else 1
    report = BatchReport(orders=total, checked_only=check)
    temp: Path | None = None
    if not check:
        try:
            out.mkdir(parents=True, exist_ok=True)
            _remove_abandoned_temps(out)
            temp = Path(tempfile.mkdtemp(prefix=f".compounder-batch-{os.getpid()}-", dir=out))
        except OSError as exc:
            raise OutputError(str(out), exc.strerror or str(exc)) from None
    manifest_rows = _ManifestSpool(temp) if temp else None
    rejected = _RejectedSpool(temp, header_of(path)) if temp else None
    store = None if check else Store(db)
    run_key = uuid.uuid4().hex
    committed = False
    try:
        totals: dict[tuple[str, str, str, str], Decimal] = {}
        for result in _run_chunks(path, options, temp, chunk_count, jobs):
            report.errors += result.errors
            report.labels += result.labels
            report.charts += result.charts
            report.valid += len(result.manifest)
            for key, value in result.totals.items():
                totals[key] = totals.get(key, Decimal(0)) + value
            if manifest_rows is not None and rejected is not None and store is not None:
                manifest_rows.extend(result.manifest)
                rejected.extend(result.rejected)
                if result.log:  # while the next chunks are still being drawn
                    store.stage(run_key, result.log, result.snapshots)
            if progress:
                progress(len(result.manifest) + len(result.errors))
        report.worksheet = _worksheet(totals, config_path)
        for entry in report.worksheet:
            conc = Decimal(entry["concentration"].split()[0])
            lot_key = group_key(
                date.fromisoformat(entry["fill_date"]), conc, entry["vehicle"], entry["source"]
            )
            entry["lot"] = lots.get(lot_key, "")
        if (
            temp is None
            or manifest_rows is None
            or rejected is None
            or (report.errors and not skip_invalid)
        ):
            report.labels = report.charts = 0
            return report
        manifest_rows.close()
        rejected.close()
        _write_worksheet(temp, report)
        _write_records(temp, report, lots, config_path)
        report.files = _publish(temp, out)
        report.printed = report.valid
        assert store is not None
        _log_records(store, report, digest)
        store.commit_staged(run_key)
        committed = True
        return report
    finally:
        for spool in (manifest_rows, rejected):
            if spool is not None:
                spool.close()
        if store is not None:
            if not committed:
                store.drop_staged(run_key)
            store.close()
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)


def _remove_abandoned_temps(out: Path) -> None:
    """Remove the temporary folders of runs that were killed (their process is gone)."""
    for folder in out.glob(".compounder-batch-*-*"):
        pid = folder.name.split("-")[2]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _chunk_names(index: int, count: int) -> tuple[str, str]:
    if count == 1:
        return "labels.pdf", "charts.pdf"
    return f"labels-{index + 1:04d}.pdf", f"charts-{index + 1:04d}.pdf"


def _run_chunks(
    path: Path, options: BatchOptions, temp: Path | None, count: int, jobs: int
) -> Iterator[ChunkResult]:
    chunks = _chunks(path, options.chunk_size)
    temp_name = str(temp) if temp else None
    if jobs <= 1 or count <= 1:
        for index, (rows, duplicates) in enumerate(chunks):
            yield process_chunk(
                index, rows, duplicates, options, temp_name, _chunk_names(index, count)
            )
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=jobs) as pool:
        pending: list[Any] = []
        for index, (rows, duplicates) in enumerate(chunks):
            pending.append(
                pool.submit(
                    process_chunk,
                    index,
                    rows,
                    duplicates,
                    options,
                    temp_name,
                    _chunk_names(index, count),
                )
            )
            if len(pending) > jobs:  # bounded: memory does not grow with the file
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()


MANIFEST_COLUMNS = (
    "line",
    "rx_number",
    "kind",
    "dose_mg",
    "concentration",
    "vehicle",
    "source",
    "fill_date",
    "days",
    "quantity_ml",
    "containers",
    "container_ml",
    "lot",
    "bud",
    "bud_basis",
    "stock",
    "labels_file",
    "label_pages",
    "charts_file",
    "chart_pages",
    "notes",
)


class _ManifestSpool:
    """manifest.json and manifest.csv, written as rows arrive (no patient names)."""

    def __init__(self, folder: Path) -> None:
        self.json = (folder / "manifest.json").open("w", encoding="utf-8")
        self.csv_file = (folder / "manifest.csv").open("w", encoding="utf-8", newline="")
        self.csv = csv.DictWriter(self.csv_file, MANIFEST_COLUMNS, extrasaction="ignore")
        self.csv.writeheader()
        self.json.write("[")
        self.count = 0

    def extend(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            self.json.write(
                ("," if self.count else "")
                + "\n  "
                + json.dumps(row, ensure_ascii=False, sort_keys=True)
            )
            self.csv.writerow(row)
            self.count += 1

    def close(self) -> None:
        if not self.json.closed:
            self.json.write("\n]\n")
            self.json.close()
        self.csv_file.close()


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """A cell a spreadsheet would run as a formula, made inert with a leading quote."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


class _RejectedSpool:
    """rejected.csv: each bad row as it was, plus the reason (only if there are any)."""

    def __init__(self, folder: Path, header: list[str]) -> None:
        self.path = folder / "rejected.csv"
        self.header = header
        self.file: io.TextIOWrapper | None = None
        self.writer: Any = None

    def extend(self, rows: list[tuple[RawRow, str]]) -> None:
        for row, reason in rows:
            if self.file is None:
                self.file = self.path.open("w", encoding="utf-8", newline="")
                self.writer = csv.writer(self.file)
                self.writer.writerow([*self.header, "reason"])
            cells = list(row.raw) if isinstance(row.raw, tuple) else [row.raw]
            if len(cells) < len(self.header):
                cells += [""] * (len(self.header) - len(cells))
            self.writer.writerow([neutralise(c) for c in cells] + [neutralise(reason)])

    def close(self) -> None:
        if self.file is not None and not self.file.closed:
            self.file.close()


def _worksheet(
    totals: dict[tuple[str, str, str, str], Decimal], config: str
) -> list[dict[str, Any]]:
    """What to compound in total, by fill date, concentration, vehicle and source."""
    from compounder.preparation import prepare

    ctx = _context(config)
    sheet = []
    for (day, conc, vehicle_id, source_id), volume in sorted(totals.items()):
        from compounder.vehicles import find_vehicle

        source = ctx["sources"].find(source_id)
        vehicle = find_vehicle(vehicle_id)
        entry: dict[str, Any] = {
            "fill_date": day,
            "concentration": f"{conc} mg/mL",
            "vehicle": vehicle_id,
            "source": source_id,
            "volume_needed_ml": format_number(volume),
        }
        if source.form == "tablet":
            prep = prepare(
                Decimal(conc),
                volume,
                source,
                vehicle,
                ctx["sources"],
                ctx["rules"],
                date.fromisoformat(day),
            )
            entry.update(
                tablets=prep.tablets,
                tablet_strength_mg=format_number(source.strength_mg or Decimal(0)),
                make_up_to_ml=format_number(prep.final_volume_ml),
                excess_ml=format_number(prep.excess_ml),
                bud=prep.bud.bud.isoformat(),
            )
        else:
            drug = Decimal(conc) * volume
            entry.update(
                drug_needed_mg=format_number(drug),
                note="weigh with 'compounder prepare --from powder' and the "
                "certificate's assay and water",
            )
        sheet.append(entry)
    return sheet


def _write_worksheet(folder: Path, report: BatchReport) -> None:
    from compounder.reports import worksheet_report

    (folder / "worksheet.txt").write_text(worksheet_report(report.worksheet), encoding="utf-8")


#: Files a run may leave in its output folder; older ones a new run did not write go.
OUTPUT_PATTERNS = (
    "records.pdf",
    "labels*.pdf",
    "charts*.pdf",
    "manifest.json",
    "manifest.csv",
    "worksheet.txt",
    "rejected.csv",
)


def _publish(temp: Path, out: Path) -> list[str]:
    """Rename every finished file into place (each rename is atomic), then remove the
    outputs of an earlier run that this run did not write."""
    names = sorted(
        p.name for p in temp.iterdir() if any(p.match(pattern) for pattern in OUTPUT_PATTERNS)
    )
    published = []
    for name in names:
        final = out / name
        try:
            os.replace(temp / name, final)
        except OSError as exc:
            raise OutputError(str(final), exc.strerror or str(exc)) from None
        published.append(str(final))
    for pattern in OUTPUT_PATTERNS:
        for stale in out.glob(pattern):
            if stale.name not in names:
                with contextlib.suppress(FileNotFoundError):
                    stale.unlink()
    return published


def _write_records(temp: Path, report: BatchReport, lots: dict[str, str], config: str) -> None:
    """records.pdf: the compounding record of every preparation the run plans (a powder
    one leaves the weighing blank: it needs the certificate's assay and water)."""
    from datetime import datetime

    from compounder.bud import beyond_use_date
    from compounder.preparation import prepare
    from compounder.records import compounding_record, planned_powder_record
    from compounder.vehicles import find_vehicle

    ctx = _context(config)
    records = []
    for entry in report.worksheet:
        day = date.fromisoformat(entry["fill_date"])
        at = datetime.combine(day, datetime.min.time())
        source = ctx["sources"].find(entry["source"])
        vehicle = find_vehicle(entry["vehicle"])
        conc = Decimal(entry["concentration"].split()[0])
        volume = Decimal(entry["volume_needed_ml"])
        if "tablets" in entry:
            prep = prepare(conc, volume, source, vehicle, ctx["sources"], ctx["rules"], day)
            record = compounding_record(prep, entry["lot"], None, "________", "________", (), at)
        else:
            bud = beyond_use_date(day, vehicle, ctx["rules"])
            record = planned_powder_record(
                conc, volume, source, vehicle, bud, entry["lot"], ctx["sources"].dose_salt, at
            )
        records.append(record)
    report.records = records
    if records:
        _render_records(temp / "records.pdf", records)


def _render_records(target: Path, records: list[dict[str, Any]]) -> None:
    from compounder.drawing import new_canvas
    from compounder.record_pdf import draw_record
    from compounder.stocks import PAPER, mm_to_pt

    with target.open("wb") as handle:
        canvas = new_canvas(
            handle, tuple(mm_to_pt(v) for v in PAPER["letter"]), "Compounding records"
        )
        for record in records:
            draw_record(canvas, record, "letter")
        canvas.save()


@lru_cache(maxsize=64)
def _frame_json(stock_id: str) -> str:
    """The stock and layout a run's labels are drawn on, as stored once per run."""
    from compounder.snapshots import label_snapshot
    from compounder.stocks import load_stock
    from compounder.textfit import load_layout

    frame = label_snapshot([], load_stock(stock_id), load_layout())
    del frame["contents"]
    return json.dumps(frame, sort_keys=True)


def _log_records(store: Any, report: BatchReport, digest: str) -> None:
    """The run's compounding records, in the log once per run."""
    for record in report.records:
        store.log(
            "batch-record",
            None,
            record["lot"],
            record,
            batch_key=f"batch-record:{digest}:{record['lot']}",
        )
