"""A recall's worklist and the stock report, as finished rows, a table and CSV.

The worklist has one row per fill dispensed from a preparation made from the recalled
lot (one row for a preparation nothing was dispensed from yet): the preparation lot,
when it was compounded, the Rx, the patient, the fill date, the BUD and whether the
BUD has passed on the day of the recall ("yes", "no"; "unknown" without a BUD). A
pharmacist works down it; the PDF (``render.worklist_pdf``) adds a signature line.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from compounder.content.tables import printable, render_table

WORKLIST_COLUMNS = (
    "preparation_lot",
    "compounded",
    "rx",
    "patient",
    "fill_date",
    "bud",
    "bud_passed",
    "note",
)
STOCK_COLUMNS = ("lot", "ingredient", "amount", "unit", "expiry", "status", "supplier")


def bud_passed(bud: str, day: date) -> str:
    """Whether a BUD (YYYY-MM-DD) is before ``day``: yes, no, or unknown."""
    try:
        return "yes" if date.fromisoformat(bud) < day else "no"
    except ValueError:
        return "unknown"


def worklist_rows(preparations: list[dict[str, Any]], day: date) -> list[dict[str, Any]]:
    """The worklist's rows from each preparation and what was dispensed from it."""
    rows = []
    for prep in preparations:
        base = {"preparation_lot": prep["preparation_lot"], "compounded": prep["compounded"]}
        if not prep["fills"]:
            bud = prep["bud"]
            note = "nothing dispensed in the log: quarantine the stock"
            rows.append(
                base
                | {"rx": prep["rx"], "patient": "", "fill_date": "", "bud": bud}
                | {"bud_passed": bud_passed(bud, day), "note": note}
            )
        for fill in prep["fills"]:
            note = "a correction was logged against this entry" if fill["corrected"] else ""
            for fill_date in fill["fill_dates"]:
                rows.append(
                    base
                    | {"rx": fill["rx"], "patient": fill["patient"], "fill_date": fill_date}
                    | {"bud": fill["bud"], "bud_passed": bud_passed(fill["bud"], day)}
                    | {"note": note}
                )
    rows.sort(key=lambda r: (r["preparation_lot"], r["fill_date"], r["rx"]))
    return rows


def worklist_table(rows: tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> str:
    return render_table(
        ["Prep. lot", "Compounded", "Rx", "Patient", "Fill date", "BUD", "BUD passed"],
        [
            [
                r["preparation_lot"],
                r["compounded"],
                r["rx"] or "-",
                printable(r["patient"]) if r["patient"] else "-",
                r["fill_date"] or "-",
                r["bud"] or "-",
                r["bud_passed"],
            ]
            for r in rows
        ],
    )


def _csv(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        # a cell a spreadsheet would run as a formula is written as text
        writer.writerow({k: _cell(str(row.get(k, ""))) for k in columns})
    return out.getvalue()


def _cell(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not text[1:2].isdigit() else text


def worklist_csv(rows: tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> str:
    return _csv(WORKLIST_COLUMNS, list(rows))


def stock_rows(lots: Any, day: date) -> list[dict[str, Any]]:
    """The stock report's rows (``ReceivedLot`` values)."""
    return [
        {
            "lot": lot.lot,
            "ingredient": lot.name or lot.ingredient,
            "on_hand": lot.amount(lot.on_hand).text(),
            "unit": lot.unit,
            "amount": str(lot.on_hand),
            "expiry": lot.expiry.isoformat(),
            "status": str(lot.status_on(day)),
            "supplier": lot.supplier,
        }
        for lot in lots
    ]


def stock_table(rows: list[dict[str, Any]]) -> str:
    return render_table(
        ["Lot", "Ingredient", "On hand", "Expiry", "Status"],
        [
            [printable(r["lot"]), r["ingredient"], r["on_hand"], r["expiry"], r["status"]]
            for r in rows
        ],
    )


def stock_csv(rows: list[dict[str, Any]]) -> str:
    return _csv(STOCK_COLUMNS, rows)
