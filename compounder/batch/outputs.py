"""What a batch run leaves behind besides labels and charts, and how it is published.

The manifest (JSON, the ``manifest`` contract of core/contracts.py, and CSV; no
patient names), ``rejected.csv`` (bad rows unchanged,
formula cells neutralised), the compounding worksheet, ``records.pdf``, the records'
log entries, and ``publish``: renaming finished files into place.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compounder.batch.order import describe_group, run_context
from compounder.batch.order_file import RawRow

if TYPE_CHECKING:
    from compounder.batch.report import BatchReport
    from compounder.core.inventory import ReceivedLot
    from compounder.core.lots import IngredientExpiry
from compounder.core.identity import escaped
from compounder.core.units import format_number


def write_log_part(
    folder: Path, index: int, rows: list[tuple[int, str, str, str, str]], snapshots: dict[str, str]
) -> None:
    """One chunk's log rows (line, Rx, lot, payload JSON, key), each with its entry's
    content hash (worked out here, in the worker), and any snapshots they refer to, for
    the run to commit into the log with its files (``read_log_part``). One
    tab-separated line each: JSON text and checked ids hold no tab or line break."""
    from compounder.log.chain import content_hash
    from compounder.log.kinds import Kind

    with (folder / f"log-{index:04d}.tsv.part").open("w", encoding="utf-8") as part:
        part.writelines(f"S\t{digest}\t{body}\n" for digest, body in snapshots.items())
        part.writelines(
            f"E\t{line}\t{rx}\t{lot}\t{key}\t"
            f"{content_hash(Kind.DISPENSE, rx, lot, None, key, payload)}\t{payload}\n"
            for line, rx, lot, payload, key in rows
        )


def read_log_part(
    folder: Path, index: int, moved: LabelsMoved | None = None
) -> tuple[list[tuple[str, ...]], list[str], dict[str, str]]:
    """A chunk's log rows (line, Rx, lot, payload, key), their content hashes and its
    snapshots, as ``write_log_part`` wrote them; with ``moved``, each row's labels are
    renumbered into the run's one labels file (and its content hash worked out again)."""
    from compounder.log.chain import content_hash
    from compounder.log.kinds import Kind

    path = folder / f"log-{index:04d}.tsv.part"
    rows: list[tuple[str, ...]] = []
    contents: list[str] = []
    snapshots: dict[str, str] = {}
    if not path.exists():  # a chunk with nothing printed
        return rows, contents, snapshots
    with path.open(encoding="utf-8") as part:
        for text in part:
            if text.startswith("S\t"):
                _, digest, body = text.rstrip("\n").split("\t", 2)
                snapshots[digest] = body
            else:
                _, line, rx, lot, key, content, payload = text.rstrip("\n").split("\t", 6)
                if moved is not None:
                    payload = json.dumps(moved.renumber(json.loads(payload)), sort_keys=True)
                    content = content_hash(Kind.DISPENSE, rx, lot, None, key, payload)
                rows.append((line, rx, lot, payload, key))
                contents.append(content)
    return rows, contents, snapshots


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
    "screening",
    "screening_hits",
    "not_screened",
    "acknowledged",
    "override",
    "pharmacist",
    "liver_kidney_history",
    "off_protocol_reason",
)


def write_manifest_part(folder: Path, index: int, rows: list[dict[str, Any]]) -> None:
    """One chunk's manifest rows (no patient names), as parts that ``join_manifest``
    puts together in chunk order: written by the process that drew the chunk."""
    with (folder / f"manifest-{index:04d}.json.part").open("w", encoding="utf-8") as part:
        part.write(_manifest_json_rows(rows))
    with (folder / f"manifest-{index:04d}.csv.part").open(
        "w", encoding="utf-8", newline=""
    ) as part:
        csv.DictWriter(part, MANIFEST_COLUMNS, extrasaction="ignore").writerows(
            _typed_cells_neutralised(row) for row in rows
        )


#: the manifest's yes/no columns: true/false in manifest.json (as in manifest.csv and
#: the log entries: "yes", else "no" or "")
BOOLEAN_COLUMNS = ("acknowledged", "liver_kidney_history")


def _manifest_json_rows(rows: list[dict[str, Any]]) -> str:
    """Manifest rows as manifest.json holds them (its yes/no columns as booleans),
    between the brackets of its ``orders``."""
    return ",".join(
        "\n  " + json.dumps(_json_row(row), ensure_ascii=False, sort_keys=True) for row in rows
    )


def _json_row(row: dict[str, Any]) -> dict[str, Any]:
    flags = {key: row[key] in (True, "yes") for key in BOOLEAN_COLUMNS if key in row}
    return {**row, **flags} if flags else row


# The manifest's columns that hold text typed by a person (the rest Compounder writes).
_TYPED_COLUMNS = (
    "rx_number",
    "screening_hits",
    "not_screened",
    "override",
    "pharmacist",
    "off_protocol_reason",
)


def _typed_cells_neutralised(row: dict[str, Any]) -> dict[str, Any]:
    typed = {
        k: neutralise(row[k]) for k in _TYPED_COLUMNS if isinstance(row.get(k), str) and row[k]
    }
    return {**row, **typed} if typed else row


@dataclass(frozen=True)
class LabelsMoved:
    """Where a chunk's labels went when the run numbered them through: the file's name
    (a ``str.format`` pattern given the order's first label's number: one file for
    all, or a preview's own), and how many labels come before the chunk's first."""

    name: str
    before: int

    def renumber(self, row: dict[str, Any]) -> dict[str, Any]:
        """A manifest row (or a log payload) pointing into the run's numbering."""
        if not row.get("labels_file"):
            return row
        low, _, high = str(row["label_pages"]).partition("-")
        pages = [int(low) + self.before] + ([int(high) + self.before] if high else [])
        return {
            **row,
            "labels_file": self.name.format(pages[0]),
            "label_pages": "-".join(str(p) for p in pages),
        }


def join_labels(
    folder: Path, parts: list[tuple[int, str, int]], name: str
) -> dict[int, LabelsMoved]:
    """One labels file ``name`` from the chunks' own (``parts``: each chunk's index,
    file and number of labels, in order), each part then removed. For formats whose
    labels stand alone one after another (ZPL: one ``^XA`` ... ``^XZ`` each). Returns
    where each chunk's labels went, to renumber its manifest rows and log entries."""
    with (folder / name).open("wb") as joined:
        for _, part_name, count in parts:
            part = folder / part_name
            if count and part.exists():
                with part.open("rb") as handle:
                    shutil.copyfileobj(handle, joined, 1 << 20)
                part.unlink()
    return _numbered_through(parts, name)


def number_previews(folder: Path, parts: list[tuple[int, str, int]]) -> dict[int, LabelsMoved]:
    """The chunks' PNG previews (``parts``: each chunk's index, folder and number of
    labels, in order), renamed into ``folder`` numbered through the run; each chunk's
    folder then removed. Returns where each chunk's labels went."""
    moved = _numbered_through(parts, PREVIEW_NAME)
    for index, part_name, count in parts:
        if part_name:
            part = folder / part_name
            for number in range(1, count + 1):
                os.replace(
                    part / PREVIEW_NAME.format(number),
                    folder / moved[index].name.format(moved[index].before + number),
                )
            part.rmdir()
    return moved


def _numbered_through(parts: list[tuple[int, str, int]], name: str) -> dict[int, LabelsMoved]:
    """Where each chunk's labels go when the run numbers them through (``parts``: each
    chunk's index, file and number of labels, in order)."""
    moved: dict[int, LabelsMoved] = {}
    before = 0
    for index, _, count in parts:
        moved[index] = LabelsMoved(name, before)
        before += count
    return moved


def join_manifest(folder: Path, chunks: int, moved: dict[int, LabelsMoved] | None = None) -> None:
    """manifest.json and manifest.csv from the chunks' parts (each part then removed);
    the rows of a chunk in ``moved`` are renumbered into the run's one labels file.
    manifest.json is an object: its ``schema_version``, then the rows in ``orders``."""
    from compounder.core.contracts import VERSIONS

    with (
        (folder / "manifest.json").open("w", encoding="utf-8") as json_file,
        (folder / "manifest.csv").open("w", encoding="utf-8", newline="") as csv_file,
    ):
        csv.DictWriter(csv_file, MANIFEST_COLUMNS).writeheader()
        json_file.write(f'{{"schema_version": {VERSIONS["manifest"]}, "orders": [')
        first = True
        for index in range(chunks):
            json_part = folder / f"manifest-{index:04d}.json.part"
            csv_part = folder / f"manifest-{index:04d}.csv.part"
            if not json_part.exists():  # a chunk with nothing printed
                continue
            text = json_part.read_text(encoding="utf-8")
            chunk_moved = (moved or {}).get(index)
            if chunk_moved is not None and text:
                rows = [chunk_moved.renumber(row) for row in json.loads("[" + text + "]")]
                text = _manifest_json_rows(rows)
            if text:
                json_file.write(text if first else "," + text)
                first = False
            if chunk_moved is not None:
                with csv_part.open(encoding="utf-8", newline="") as part:
                    rows = [
                        chunk_moved.renumber(dict(row))
                        for row in csv.DictReader(part, MANIFEST_COLUMNS)
                    ]
                csv.DictWriter(csv_file, MANIFEST_COLUMNS).writerows(rows)
            else:
                with csv_part.open(encoding="utf-8", newline="") as part:
                    shutil.copyfileobj(part, csv_file)
            json_part.unlink()
            csv_part.unlink()
        json_file.write("\n]}\n")


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FIRST_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def neutralise(cell: str) -> str:
    """A CSV cell made safe: control and invisible characters escaped (``escaped``,
    as the terminal shows them), and a cell a spreadsheet would run as a formula (also
    after leading spaces) made inert with a leading quote."""
    cell = escaped(cell)
    if cell[:1] not in _FIRST_SAFE and (
        cell.startswith(_FORMULA_START) or cell.lstrip().startswith(_FORMULA_START)
    ):
        return "'" + cell
    return cell


class RejectedSpool:
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


def compounding_worksheet(
    totals: dict[tuple[str, str, str, str, int], Decimal], config: str
) -> list[dict[str, Any]]:
    """What to compound in total, by fill date, concentration, vehicle, source and
    preparation (a group planned in several preparations, none over the largest
    ``prepare`` makes: each entry of it says its ``part``, 1, 2...)."""
    from compounder.core.preparation import prepare

    ctx = run_context(config)
    sheet = []
    split = {key[:4] for key in totals if key[4] > 1}
    for (day, conc, vehicle_id, source_id, part), volume in sorted(totals.items()):
        from compounder.core.vehicles import find_vehicle

        source = ctx["sources"].find(source_id)
        vehicle = find_vehicle(vehicle_id)
        entry: dict[str, Any] = {
            "fill_date": day,
            "concentration": f"{conc} mg/mL",
            "vehicle": vehicle_id,
            "source": source_id,
            "volume_needed_ml": format_number(volume),
        }
        if (day, conc, vehicle_id, source_id) in split:
            entry["part"] = part
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


def write_worksheet(folder: Path, report: BatchReport) -> None:
    from compounder.content.reports import worksheet_report

    text = worksheet_report(report.worksheet, report.log_place)
    (folder / "worksheet.txt").write_text(text, encoding="utf-8")


#: A batch's PNG preview of a label, by its number in the run (from 1).
PREVIEW_NAME = "labels-{:06d}.png"

#: The names a run's outputs take (chunked files are numbered: labels-0001.pdf...).
OUTPUT_NAMES = re.compile(
    r"(records\.pdf|(labels|charts)(-\d{4})?\.pdf|labels(-\d{4})?\.zpl|labels-\d{6}\.png"
    r"|manifest\.json"
    r"|manifest\.csv"
    r"|worksheet\.txt|rejected\.csv)"
)


def outputs_in(temp: Path) -> list[str]:
    """The finished output files of a run, by name."""
    return sorted(p.name for p in temp.iterdir() if OUTPUT_NAMES.fullmatch(p.name))


def check_output_names(out: Path) -> None:
    """OutputError for anything named as a run's output in ``out`` that is not a regular
    file (a device, a pipe: ``atomic.check_output_path``), before any work is done."""
    from compounder.atomic import check_output_path

    for name in outputs_in(out):
        check_output_path(out / name)


def foreign_outputs(out: Path, names: list[str], keep: Path | None) -> list[str]:
    """Files in ``out`` named as a run's outputs that this run will not replace (an
    earlier run's ``labels-0003.pdf``...): left beside this run's they would be taken
    for its own. ``keep`` (the order file) is never counted."""
    found = []
    for path in out.iterdir():
        if OUTPUT_NAMES.fullmatch(path.name) and path.name not in names:
            if keep is not None and path.exists() and keep.exists() and path.samefile(keep):
                continue
            found.append(path.name)
    return sorted(found)


def publish(temp: Path, out: Path, names: list[str]) -> list[str]:
    """Rename each of the run's finished files into place (each rename is atomic). It
    replaces only files of the same names, and removes nothing else."""
    from compounder.atomic import checkpoint, replace_into

    published = []
    for name in names:
        final = out / name
        source = temp / name
        if source.exists():  # a recovered run may have published some already
            replace_into(source, final)  # never over a device or a pipe
            checkpoint(f"batch: published {name}")
        published.append(str(final))
    return published


def file_hashes(folder: Path, names: list[str]) -> dict[str, str]:
    """Each file's SHA-256, as the run's log entry keeps it."""
    import hashlib

    hashes = {}
    for name in names:
        digest = hashlib.sha256()
        with (folder / name).open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        hashes[name] = digest.hexdigest()
    return hashes


# What a lot's record keeps of each order dispensed from it (no patient names).
_DISPENSED = (
    "rx_number", "fill_date", "kind", "dose_mg", "quantity_ml", "containers",
    "liver_kidney_history", "text",
)  # fmt: skip


def skipped_lots(lots: dict[str, str], used: set[str]) -> list[tuple[str, str]]:
    """The lot numbers a run reserved but did not use (every order for that preparation
    was refused), each with why, so that a gap in the day's numbers is explained."""
    skipped = []
    for key, lot in sorted(lots.items(), key=lambda item: item[1]):
        if lot and lot not in used:
            skipped.append(
                (lot, f"reserved for {describe_group(key)}; every order for it was refused, "
                      "so it was not made")
            )  # fmt: skip
    return skipped


def write_records(
    temp: Path,
    report: BatchReport,
    lots: dict[str, str],
    config: str,
    ingredient_lots: tuple[IngredientExpiry, ...] = (),
    received: tuple[ReceivedLot, ...] = (),
) -> None:
    """records.pdf: the compounding record of every preparation the run plans, with
    the ingredient lots it is made from (its BUD capped by them) and what it takes
    from the received lots among them (``stock_used``, taken when the run commits:
    ``planned_record``)."""
    ctx = run_context(config)
    records = []
    skipped = skipped_lots(lots, {entry["lot"] for entry in report.worksheet})
    for entry in report.worksheet:
        record = planned_record(entry, ctx, config, ingredient_lots, received)
        record.update(order_safety(report.safety.get(_worksheet_key(entry), [])))
        record["skipped_lots"] = [s for s in skipped if s[0].startswith(entry["lot"][:9])]
        record["dispensed"] = [
            {key: row[key] for key in _DISPENSED if key in row}
            for row in sorted(report.screening, key=lambda row: row["line"])
            if row.get("lot") == entry["lot"]
        ]
        records.append(record)
    report.records = records
    render_records(temp, report)


def _worksheet_key(entry: dict[str, Any]) -> tuple[str, str, str, str, int]:
    """A worksheet entry's preparation, as the chunks count its orders."""
    conc = entry["concentration"].split()[0]
    return (entry["fill_date"], conc, entry["vehicle"], entry["source"], entry.get("part", 1))


def order_safety(orders: list[tuple[str, Any]]) -> dict[str, Any]:
    """What a preparation's record says of its orders' safety checks: for one order its
    Rx and checks, as ``record --rx`` writes them (for several, the record's list of the
    orders dispensed from the lot says each one's)."""
    if len(orders) == 1:
        rx, safety = orders[0]
        return {"rx": rx, "safety": safety}
    return {}  # several: the record's list of the orders dispensed says each one's checks


def planned_record(
    entry: dict[str, Any],
    ctx: dict[str, Any],
    config: str,
    ingredient_lots: tuple[IngredientExpiry, ...],
    received: tuple[ReceivedLot, ...],
) -> dict[str, Any]:
    """The record of one planned preparation (the time and the people are written at
    the bench). A tablet preparation, or a powder one made from a received lot (whose
    certificate gives the weighing), is worked out as ``record`` works it out
    (``api.planning.prepare_batch``) and takes what ``record`` takes
    (``api.receiving.preparation_stock``: tablets, powder at the weighed amount, each
    vehicle ingredient). A powder one without a received powder lot leaves the weighing
    blank (it needs the certificate of the lot used) and takes its vehicle's
    ingredients only."""
    from compounder.api.planning import prepare_batch
    from compounder.api.receiving import preparation_stock, stock_used
    from compounder.content.records import BLANK, compounding_record
    from compounder.core.inventory import ResolvedLots, vehicle_needs
    from compounder.core.lots import lots_for
    from compounder.core.vehicles import find_vehicle, vehicle_amounts

    day = date.fromisoformat(entry["fill_date"])  # the time is written at the bench
    source = ctx["sources"].find(entry["source"])
    vehicle = find_vehicle(entry["vehicle"])
    conc = Decimal(entry["concentration"].split()[0])
    volume = Decimal(entry["volume_needed_ml"])
    used = lots_for(ingredient_lots, source, vehicle)
    mine = tuple(lot for lot in received if lot.lot in {u.lot for u in used})
    balance = ctx["settings"].balance
    if "tablets" in entry or _certified_powder(source, mine):
        resolved = ResolvedLots(used, mine)
        prep = prepare_batch(conc, volume, source.id, vehicle.id, compounded=day,
                             config=config, resolved=resolved)  # fmt: skip
        record = compounding_record(prep, entry["lot"], None, BLANK, BLANK, used, day,
                                    balance=balance)  # fmt: skip
        taken = preparation_stock(prep, mine)
    else:
        record = _powder_record(entry, ctx, source, vehicle, used, day)
        sources = ctx["sources"]
        made = (
            vehicle_amounts(vehicle, volume, sources.readability_mg, sources.minimum_weight_mg)
            if vehicle.ingredients
            else None
        )
        taken = stock_used(vehicle_needs(vehicle, made, volume), mine)
    if taken:
        record["stock_used"] = taken
    return record


def _certified_powder(source: Any, lots: tuple[ReceivedLot, ...]) -> bool:
    """Whether a powder preparation is made from a received lot of its powder: that
    lot must carry its certificate (assay and water), from which the weighing is
    worked out (InputError naming the lot otherwise)."""
    from compounder.errors import InputError

    powder = next((lot for lot in lots if lot.ingredient == source.id), None)
    if source.form != "powder" or powder is None:
        return False
    if not (powder.assay and powder.water):
        raise InputError(
            "lots-file",
            powder.lot,
            "a powder lot received with its certificate (compounder receive ... --assay "
            "--water): the batch works out its weighing from the assay and water, and "
            f"takes that from the lot; {powder.lot} has none",
        )
    return True


def _powder_record(
    entry: dict[str, Any],
    ctx: dict[str, Any],
    source: Any,
    vehicle: Any,
    used: tuple[IngredientExpiry, ...],
    day: date,
) -> dict[str, Any]:
    """A planned powder record without its weighing (no received lot's certificate)."""
    from compounder.content.records import planned_powder_record
    from compounder.core.bud import beyond_use_date

    sources = ctx["sources"]
    return planned_powder_record(
        Decimal(entry["concentration"].split()[0]),
        Decimal(entry["volume_needed_ml"]),
        source,
        vehicle,
        beyond_use_date(day, vehicle, ctx["rules"], used),
        entry["lot"],
        sources.dose_salt,
        day,
        readability_mg=sources.readability_mg,
        minimum_weight_mg=sources.minimum_weight_mg,
        balance=ctx["settings"].balance,
        lots=used,
    )


def render_records(temp: Path, report: BatchReport) -> None:
    """records.pdf of the run's records (none: no file), each with the run's place in
    the log once it is known (``report.log_place``)."""
    from compounder.core.stocks import PAPER
    from compounder.core.units import mm_to_pt
    from compounder.render.canvas import new_canvas
    from compounder.render.record_pdf import draw_record

    if not report.records:
        return
    records = [
        {**record, "log_place": report.log_place} if report.log_place else record
        for record in report.records
    ]
    with (temp / "records.pdf").open("wb") as handle:
        canvas = new_canvas(
            handle, tuple(mm_to_pt(v) for v in PAPER["letter"]), "Compounding records"
        )
        for record in records:
            draw_record(canvas, record, "letter")
        canvas.save()


def record_rows(report: BatchReport, digest: str) -> list[tuple[str, None, str, str, str]]:
    """The run's compounding records, as log rows (once per file content)."""
    from compounder.log.kinds import Kind, record_key

    return [
        (
            Kind.BATCH_RECORD,
            None,
            record["lot"],
            json.dumps(record, sort_keys=True),
            record_key(digest, record["lot"]),
        )
        for record in report.records
    ]
