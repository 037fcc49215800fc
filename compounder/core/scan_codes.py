"""What the barcodes Compounder prints hold, and a scan of one read back.

Every barcode is Code 128 (what a pharmacy's handheld scanner reads without set-up,
and what a Zebra printer draws natively); what it holds is plain text:

==================  ==========================  ===================================
barcode             holds                       printed under it
==================  ==========================  ===================================
a fill's label      Rx then fill date YYMMDD    ``1234567 261207``
                    (``1234567261207``)
a preparation lot   the lot number              ``20261207-003``
(record, lot label)
a batch's record    ``BATCH-`` and its lot      ``BATCH-20261207-003``
==================  ==========================  ===================================

A label's code ends in the six digits of its fill date, so the Rx (letters, digits and
dashes) needs no separator, and an all-digit Rx and date pack two digits a symbol: the
barcode stays narrow enough for the smallest stock. A scan may come with a scanner's
symbology prefix (``]C0``) and with the spaces of the printed text (typed by hand when
a code will not scan); both are taken off before it is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from compounder.core.identity import check_rx
from compounder.errors import InputError

if TYPE_CHECKING:  # a label's code needs no GS1 parsing: gs1 is loaded only to read one
    from compounder.core.gs1 import PackageScan

#: what a label scan may be, for an error message
LABEL_SCAN_FORMS = (
    "the scan of a label's barcode (its Rx then the fill date YYMMDD, e.g. 1234567261207, "
    "or as printed under it: 1234567 261207) or of a batch record's (BATCH-20261207-003)"
)
#: what a lot scan may be, for an error message
LOT_SCAN_FORMS = (
    "the scan of a preparation lot's barcode (its record or lot label: 20261207-003) or of "
    "an ingredient's GS1 code"
)
BATCH_PREFIX = "BATCH-"
_PREPARATION_LOT = re.compile(r"^[0-9]{8}-[0-9]{3,6}\Z")  # ASCII digits only
_SYMBOLOGY = re.compile(r"^\][A-Za-z][0-9]")  # ]C0: Code 128, ]d2: DataMatrix...
MAX_SCAN_LENGTH = 400


def fill_code(rx: str, fill_date: date) -> str:
    """A fill's label barcode: the Rx and the fill date as YYMMDD."""
    return f"{rx}{fill_date:%y%m%d}"


def printed_code(code: str) -> str:
    """The text printed under a barcode: a fill's code with a space before its date
    (``1234567 261207``); any other code as it is."""
    fill = _fill_of(code)
    return f"{fill.rx} {fill.fill_date:%y%m%d}" if fill is not None else code


def lot_code(lot: str) -> str:
    """A preparation lot's barcode (its record and its lot label)."""
    return lot


def batch_code(lot: str) -> str:
    """A batch record's barcode: the batch's orders drawn from ``lot``, scanned at once."""
    return f"{BATCH_PREFIX}{lot}"


@dataclass(frozen=True)
class FillScan:
    """A label's scan: the Rx and the fill date."""

    rx: str
    fill_date: date


@dataclass(frozen=True)
class BatchScan:
    """A batch record's scan: the preparation lot its orders were drawn from."""

    lot: str


@dataclass(frozen=True)
class PreparationScan:
    """A preparation lot's scan (its record or its lot label)."""

    lot: str


def _cleaned(text: str, field: str, forms: str) -> str:
    raw = str(text)
    if len(raw) > MAX_SCAN_LENGTH or "\n" in raw.strip() or not raw.strip():
        raise InputError(field, raw[:40], forms)
    return _SYMBOLOGY.sub("", raw.strip())


def _fill_of(code: str) -> FillScan | None:
    rx, digits = code[:-6], code[-6:]
    if not rx or not (digits.isascii() and digits.isdigit()):
        return None
    try:
        day = date(2000 + int(digits[:2]), int(digits[2:4]), int(digits[4:]))
        return FillScan(check_rx(rx), day)
    except (ValueError, InputError):
        return None


def parse_label_scan(text: str) -> FillScan | BatchScan:
    """What a scan given as a label's holds: a fill (Rx and date) or a batch record's
    lot. InputError naming what is accepted if it is neither."""
    code = _cleaned(text, "label-scan", LABEL_SCAN_FORMS)
    batch = code[len(BATCH_PREFIX) :]  # a scanner with caps lock on: batch-...
    if code[: len(BATCH_PREFIX)].upper() == BATCH_PREFIX and _PREPARATION_LOT.match(batch):
        return BatchScan(batch)
    fill = _fill_of(code.replace(" ", ""))
    if fill is None:
        if _PREPARATION_LOT.match(code) or _is_gs1(text):
            raise InputError(
                "label-scan", code[:40], f"{LABEL_SCAN_FORMS}; this is a lot's (--lot-scan)"
            )
        raise InputError("label-scan", code[:40], LABEL_SCAN_FORMS)
    return fill


def _is_gs1(text: str) -> bool:
    """Whether a scan reads as a package's GS1 code."""
    from compounder.core.gs1 import parse_scan

    try:
        parse_scan(str(text).strip())
    except InputError:
        return False
    return True


def parse_lot_scan(text: str) -> PreparationScan | PackageScan:
    """What a scan given as a lot's holds: a preparation lot, or an ingredient's GS1
    code (its GTIN, lot, expiry). InputError naming what is accepted otherwise."""
    from compounder.core.gs1 import parse_scan

    code = _cleaned(text, "lot-scan", LOT_SCAN_FORMS)
    if _PREPARATION_LOT.match(code):
        return PreparationScan(code)
    batch = code[: len(BATCH_PREFIX)].upper() == BATCH_PREFIX
    if batch or _fill_of(code.replace(" ", "")) is not None:
        raise InputError("lot-scan", code[:40], f"{LOT_SCAN_FORMS}; this is a label's")
    try:
        return parse_scan(str(text).strip())
    except InputError:
        raise InputError("lot-scan", code[:40], LOT_SCAN_FORMS) from None
