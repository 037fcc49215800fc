"""Ingredient lots and their expiry dates, as typed or read from a CSV file.

On the command line a lot is ``DATE``, ``LABEL:DATE`` or ``INGREDIENT:LOT:DATE``
(dates YYYY-MM-DD). A lots file is CSV with the columns ``ingredient,lot,expiry``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from compounder.core.datafiles import read_text_file
from compounder.core.dates import parse_date
from compounder.errors import DataFileError, InputError

LOT_FORMS = "DATE, LABEL:DATE or INGREDIENT:LOT:DATE with the date as YYYY-MM-DD"


@dataclass(frozen=True)
class IngredientExpiry:
    """One ingredient lot used in a preparation."""

    ingredient: str
    lot: str
    expiry: date

    @property
    def label(self) -> str:
        parts = [p for p in (self.ingredient, self.lot) if p]
        return " lot ".join(parts) if len(parts) == 2 else (parts[0] if parts else "(unnamed)")


def parse_lot(text: str) -> IngredientExpiry:
    """``DATE``, ``LABEL:DATE`` or ``INGREDIENT:LOT:DATE``."""
    parts = [p.strip() for p in text.split(":")]
    if not 1 <= len(parts) <= 3 or not all(parts):
        raise InputError("lot-expiry", text, LOT_FORMS)
    try:
        expiry = parse_date(parts[-1], "lot-expiry")
    except InputError:
        raise InputError("lot-expiry", text, LOT_FORMS) from None
    if len(parts) == 3:
        return IngredientExpiry(parts[0], parts[1], expiry)
    if len(parts) == 2:
        return IngredientExpiry("", parts[0], expiry)
    return IngredientExpiry("", "", expiry)


def read_lots_file(path: Path) -> list[IngredientExpiry]:
    """Lots from a CSV file with the columns ingredient, lot, expiry."""
    name = str(path)
    text = read_text_file(path, name)
    reader = csv.DictReader(text.splitlines())
    expected = ["ingredient", "lot", "expiry"]
    if reader.fieldnames is None or [f.strip() for f in reader.fieldnames] != expected:
        raise DataFileError(name, "header", f"is {reader.fieldnames}", ",".join(expected))
    lots = []
    for number, row in enumerate(reader, start=2):
        where = f"{name}: line {number}"
        lots.append(
            IngredientExpiry(
                (row["ingredient"] or "").strip(),
                (row["lot"] or "").strip(),
                parse_date(row["expiry"] or "", "expiry", where),
            )
        )
    return lots
