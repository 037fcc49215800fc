"""Ingredient lots and their expiry dates, as typed or read from a CSV file.

On the command line a lot is ``DATE``, ``LABEL:DATE`` or ``INGREDIENT:LOT:DATE``
(dates YYYY-MM-DD); the last form may go on with ``:source=...``, ``:manufacturer=...``
and ``:ndc=...`` (any of them, in any order). A lots file is CSV with the columns
``ingredient,lot,expiry`` and, optionally, ``source``, ``manufacturer`` and ``ndc``.
A lot received with ``compounder receive`` may be given by its number alone (``LOT``,
or a lots file row with the expiry left blank): it is a ``RECEIVED`` lot, whose
ingredient and expiry the log gives (``api.receiving.resolve_lots``); until then its
expiry is the earliest date there is, so a lot never read from the log sets no BUD.
An NDC is checked for its form (10 digits as 4-4-2, 5-3-2 or 5-4-1, or 11 as 5-4-2).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from compounder.core.datafiles import read_text_file
from compounder.core.dates import parse_date
from compounder.errors import DataFileError, InputError

if TYPE_CHECKING:
    from compounder.core.sources import DrugSource
    from compounder.core.vehicles import Vehicle

LOT_FORMS = "DATE, LABEL:DATE or INGREDIENT:LOT:DATE with the date as YYYY-MM-DD"
EXTRA_FIELDS = ("source", "manufacturer", "ndc")
EXTRA_FORMS = (
    "INGREDIENT:LOT:EXPIRY, then optionally :source=...:manufacturer=...:ndc=... "
    "(e.g. 'naltrexone 50mg tab:AB1234:2027-06-30:manufacturer=Accord:ndc=16729-081-01')"
)
#: A lot number alone: GS1's lot characters (AI 10: up to 20), with a digit, not a date.
_LOT_NUMBER = re.compile(r"^(?=[^:]*\d)[A-Za-z0-9!\"%&'()*+,./;<=>?_-]{1,20}$")
_DATE_LIKE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
RECEIVED = "received"  # IngredientExpiry.kind of a lot given by its number alone
_NDC = re.compile(r"^(?:\d{4}-\d{4}-\d{2}|\d{5}-\d{3}-\d{2}|\d{5}-\d{4}-\d{1,2}|\d{10,11})$")


@dataclass(frozen=True)
class IngredientExpiry:
    """One ingredient lot used in a preparation."""

    ingredient: str
    lot: str
    expiry: date
    source: str = ""  # where it was obtained (supplier)
    manufacturer: str = ""
    ndc: str = ""
    # "preparation": not an ingredient but a recorded preparation whose own BUD (its
    # ``expiry`` here) caps the labels filled from it
    kind: str = "ingredient"

    @property
    def label(self) -> str:
        if self.kind == "preparation":
            return f"preparation lot {self.lot}"
        parts = [p for p in (self.ingredient, self.lot) if p]
        return " lot ".join(parts) if len(parts) == 2 else (parts[0] if parts else "(unnamed)")


def check_ndc(text: str, field: str = "ndc", where: str = "") -> str:
    """An NDC as printed on the package: 4-4-2, 5-3-2, 5-4-1 or 5-4-2 digits."""
    if not _NDC.match(text):
        raise InputError(
            field, text, "an NDC of 10 digits (4-4-2, 5-3-2, 5-4-1) or 11 (5-4-2)", where
        )
    return text


def received_by_number(lot: str, ingredient: str = "") -> IngredientExpiry:
    """A received lot given by its number alone: the log says the rest."""
    return IngredientExpiry(ingredient, lot, date.min, kind=RECEIVED)


def parse_lot(text: str) -> IngredientExpiry:
    """``DATE``, ``LABEL:DATE`` or ``INGREDIENT:LOT:DATE`` (then optional extras), or a
    received lot's number alone."""
    if _LOT_NUMBER.match(text.strip()) and not _DATE_LIKE.match(text.strip()):
        return received_by_number(text.strip())
    parts = [p.strip() for p in text.split(":")]
    if len(parts) > 3:
        return _with_extras(text, parts)
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


def _with_extras(text: str, parts: list[str]) -> IngredientExpiry:
    """``INGREDIENT:LOT:EXPIRY:key=value...`` with keys from ``EXTRA_FIELDS``."""
    base = parse_lot(":".join(parts[:3]))
    if not (base.ingredient and base.lot):
        raise InputError("ingredient-lot", text, EXTRA_FORMS)
    extras: dict[str, str] = {}
    for part in parts[3:]:
        key, equals, value = (p.strip() for p in part.partition("="))
        if not equals or key.lower() not in EXTRA_FIELDS or not value or key.lower() in extras:
            raise InputError("ingredient-lot", text, EXTRA_FORMS)
        extras[key.lower()] = value
    if "ndc" in extras:
        check_ndc(extras["ndc"], "ingredient-lot")
    return IngredientExpiry(base.ingredient, base.lot, base.expiry, **extras)


def read_lots_file(path: Path) -> list[IngredientExpiry]:
    """Lots from a CSV file with the columns ingredient, lot, expiry (and optionally
    source, manufacturer, ndc)."""
    name = str(path)
    text = read_text_file(path, name)
    reader = csv.DictReader(text.splitlines())
    expected = ["ingredient", "lot", "expiry"]
    header = [f.strip() for f in reader.fieldnames or []]
    extras = header[3:]
    if (
        header[:3] != expected
        or any(f not in EXTRA_FIELDS for f in extras)
        or len(set(extras)) != len(extras)
    ):
        raise DataFileError(
            name,
            "header",
            f"is {reader.fieldnames}",
            ",".join(expected) + " then any of " + ", ".join(EXTRA_FIELDS),
        )
    reader.fieldnames = header
    lots = []
    for number, row in enumerate(reader, start=2):
        where = f"{name}: line {number}"
        found = {f: (row.get(f) or "").strip() for f in extras}
        if found.get("ndc"):
            check_ndc(found["ndc"], "ndc", where)
        lot = (row["lot"] or "").strip()
        if lot and not (row["expiry"] or "").strip():  # a received lot: the log says
            lots.append(received_by_number(lot, (row["ingredient"] or "").strip()))
            continue
        lots.append(
            IngredientExpiry(
                (row["ingredient"] or "").strip(),
                (row["lot"] or "").strip(),
                parse_date(row["expiry"] or "", "expiry", where),
                **found,
            )
        )
    return lots


def lots_for(
    lots: tuple[IngredientExpiry, ...], source: DrugSource, vehicle: Vehicle
) -> tuple[IngredientExpiry, ...]:
    """The lots of a run's lots file that a preparation from ``source`` in ``vehicle``
    is made from: a naltrexone lot naming no form, or naming this source's (its id, an
    alias, or its form: "tab", "powder"); a vehicle lot naming the vehicle or one of its
    ingredients. A lot naming nothing (no ingredient) is the drug's."""
    forms = {"tablet": ("tab",), "powder": ("powder",)}
    own = (source.id, *source.aliases, *forms.get(source.form, ()))
    other_forms = [w for form, words in forms.items() if form != source.form for w in words]
    vehicle_names = (
        vehicle.name.lower(),
        vehicle.id.replace("-", " "),
        *(n for ingredient in vehicle.ingredients for n in ingredient.names()),
    )
    used = []
    for lot in lots:
        name = lot.ingredient.lower()
        if not name or "naltrexone" in name:
            names_form = any(w in name for w in (*own, *other_forms))
            if not names_form or any(w in name for w in own):
                used.append(lot)
        elif any(n and n in name for n in vehicle_names):
            used.append(lot)
    return tuple(used)
