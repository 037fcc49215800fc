"""A preparation lot's label (``compounder lot-label``): the small label for the stock
bottle a preparation is kept in, made from its compounding record as the log holds it.

It names the preparation as its record does (drug, strength and dosage form), then its
lot and compounding date, its BUD ("Discard after"), its storage and the pharmacy; and
it carries the lot's barcode (``core.scan_codes.lot_code``) with the lot printed under
it: the scan a pharmacist's check of a dispensed label is made against. Every line
Compounder writes passes the ISMP gate; the renderer (``render.lot_label_pdf``) only
lays it out and draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from compounder.content.blocks import Block
from compounder.content.ismp import check_text
from compounder.content.labels import SEPARATOR, settings_text
from compounder.core.scan_codes import lot_code, printed_code
from compounder.core.settings import PharmacySettings
from compounder.core.wording import load_wording


@dataclass(frozen=True)
class LotLabel:
    """A lot label's lines, in the order it shows them, and its barcode."""

    lot: str
    blocks: tuple[Block, ...]
    code: str  # what the barcode holds
    printed: str  # the text under it
    drug: str  # the preparation as its record names it
    compounded: date
    bud: date
    storage: str
    pharmacy: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "lot": self.lot,
            "preparation": self.drug,
            "compounded": self.compounded.isoformat(),
            "bud": self.bud.isoformat(),
            "storage": self.storage,
            "pharmacy": self.pharmacy,
            "barcode": self.code,
            "lines": {b.field: b.text for b in self.blocks},
        }


def lot_label(record: dict[str, Any], settings: PharmacySettings) -> LotLabel:
    """The label of the preparation ``record`` (a compounding record as logged: a
    recorded preparation's or a batch's), with the pharmacy's name from ``settings``;
    InputError or DataFileError if a line is not ISMP-clean."""
    wording = load_wording("en")  # the record's language
    lot = str(record["lot"])
    compounded = date.fromisoformat(str(record["compounded_date"]))
    bud = date.fromisoformat(str(record["bud"]))
    drug = str(record["title"])
    storage = str((record.get("master_formulation") or {}).get("storage") or "")
    pharmacy = settings_text(settings, "pharmacy.name", settings.name)
    made = SEPARATOR.join((f"Lot: {lot}", f"Compounded: {wording.date(compounded)}"))
    blocks = (
        Block("drug", "preparation", check_text(drug, "preparation")),
        Block("body", "lot", check_text(made, "lot")),
        Block(
            "key",
            "discard date",
            check_text(wording.text("label.discard", date=wording.date(bud)), "dates"),
        ),
        Block("body", "storage", check_text(storage, "storage")),
        Block("pharmacy", "pharmacy", check_text(pharmacy, "pharmacy")),
    )
    code = lot_code(lot)
    return LotLabel(
        lot,
        tuple(b for b in blocks if b.text),
        code,
        printed_code(code),
        drug,
        compounded,
        bud,
        storage,
        pharmacy,
    )
