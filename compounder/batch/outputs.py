"""What a batch run leaves behind besides labels and charts, and how it is published.

The manifest (JSON and CSV, no patient names), ``rejected.csv`` (bad rows unchanged,
formula cells neutralised), the compounding worksheet, ``records.pdf``, the records'
log entries, and ``publish``: renaming finished files into place.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compounder.batch.order import run_context
from compounder.batch.order_file import RawRow
from compounder.errors import OutputError

if TYPE_CHECKING:
    from compounder.batch.run import BatchReport
from compounder.core.units import format_number


def remove_abandoned_temps(out: Path) -> None:
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
    "override",
    "pharmacist",
    "liver_kidney_history",
    "off_protocol_reason",
)


def write_manifest_part(folder: Path, index: int, rows: list[dict[str, Any]]) -> None:
    """One chunk's manifest rows (no patient names), as parts that ``join_manifest``
    puts together in chunk order: written by the process that drew the chunk."""
    with (folder / f"manifest-{index:04d}.json.part").open("w", encoding="utf-8") as part:
        part.write(
            ",".join("\n  " + json.dumps(row, ensure_ascii=False, sort_keys=True) for row in rows)
        )
    with (folder / f"manifest-{index:04d}.csv.part").open(
        "w", encoding="utf-8", newline=""
    ) as part:
        csv.DictWriter(part, MANIFEST_COLUMNS, extrasaction="ignore").writerows(
            {k: neutralise(v) if isinstance(v, str) else v for k, v in row.items()} for row in rows
        )


def join_manifest(folder: Path, chunks: int) -> None:
    """manifest.json and manifest.csv from the chunks' parts (each part then removed)."""
    with (
        (folder / "manifest.json").open("w", encoding="utf-8") as json_file,
        (folder / "manifest.csv").open("w", encoding="utf-8", newline="") as csv_file,
    ):
        csv.DictWriter(csv_file, MANIFEST_COLUMNS).writeheader()
        json_file.write("[")
        first = True
        for index in range(chunks):
            json_part = folder / f"manifest-{index:04d}.json.part"
            csv_part = folder / f"manifest-{index:04d}.csv.part"
            if not json_part.exists():  # a chunk with nothing printed
                continue
            text = json_part.read_text(encoding="utf-8")
            if text:
                json_file.write(text if first else "," + text)
                first = False
            with csv_part.open(encoding="utf-8", newline="") as part:
                shutil.copyfileobj(part, csv_file)
            json_part.unlink()
            csv_part.unlink()
        json_file.write("\n]\n")


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """A cell a spreadsheet would run as a formula (also after leading spaces), made
    inert with a leading quote."""
    if cell.startswith(_FORMULA_START) or cell.lstrip().startswith(_FORMULA_START):
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
    totals: dict[tuple[str, str, str, str], Decimal], config: str
) -> list[dict[str, Any]]:
    """What to compound in total, by fill date, concentration, vehicle and source."""
    from compounder.core.preparation import prepare

    ctx = run_context(config)
    sheet = []
    for (day, conc, vehicle_id, source_id), volume in sorted(totals.items()):
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

    (folder / "worksheet.txt").write_text(worksheet_report(report.worksheet), encoding="utf-8")


#: Files a run may leave in its output folder; older ones a new run did not write go.
OUTPUT_PATTERNS = (
    "records.pdf",
    "labels*.pdf",
    "labels*.zpl",
    "charts*.pdf",
    "manifest.json",
    "manifest.csv",
    "worksheet.txt",
    "rejected.csv",
)


def publish(temp: Path, out: Path) -> list[str]:
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


def write_records(temp: Path, report: BatchReport, lots: dict[str, str], config: str) -> None:
    """records.pdf: the compounding record of every preparation the run plans (a powder
    one leaves the weighing blank: it needs the certificate's assay and water)."""

    from compounder.content.records import compounding_record, planned_powder_record
    from compounder.core.bud import beyond_use_date
    from compounder.core.preparation import prepare
    from compounder.core.vehicles import find_vehicle

    ctx = run_context(config)
    balance = ctx["settings"].balance
    records = []
    for entry in report.worksheet:
        day = date.fromisoformat(entry["fill_date"])  # the time is written at the bench
        source = ctx["sources"].find(entry["source"])
        vehicle = find_vehicle(entry["vehicle"])
        conc = Decimal(entry["concentration"].split()[0])
        volume = Decimal(entry["volume_needed_ml"])
        if "tablets" in entry:
            prep = prepare(conc, volume, source, vehicle, ctx["sources"], ctx["rules"], day)
            record = compounding_record(
                prep, entry["lot"], None, "________", "________", (), day, balance=balance
            )
        else:
            bud = beyond_use_date(day, vehicle, ctx["rules"])
            record = planned_powder_record(
                conc,
                volume,
                source,
                vehicle,
                bud,
                entry["lot"],
                ctx["sources"].dose_salt,
                day,
                readability_mg=ctx["sources"].readability_mg,
                minimum_weight_mg=ctx["sources"].minimum_weight_mg,
                balance=balance,
            )
        records.append(record)
    report.records = records
    if records:
        render_records(temp / "records.pdf", records)


def render_records(target: Path, records: list[dict[str, Any]]) -> None:
    from compounder.core.stocks import PAPER
    from compounder.core.units import mm_to_pt
    from compounder.render.canvas import new_canvas
    from compounder.render.record_pdf import draw_record

    with target.open("wb") as handle:
        canvas = new_canvas(
            handle, tuple(mm_to_pt(v) for v in PAPER["letter"]), "Compounding records"
        )
        for record in records:
            draw_record(canvas, record, "letter")
        canvas.save()


def log_records(store: Any, report: BatchReport, digest: str) -> None:
    """The run's compounding records, in the log once per run."""
    for record in report.records:
        store.log(
            "batch-record",
            None,
            record["lot"],
            record,
            batch_key=f"batch-record:{digest}:{record['lot']}",
        )
