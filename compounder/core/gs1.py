"""A package's GS1 code as a scanner types it: GTIN, expiry, lot and serial.

A GS1 DataMatrix on a stock bottle holds AI (01) GTIN-14, (17) expiry YYMMDD (day 00:
the month's last day), (10) lot and (21) serial, a variable-length field ended by
FNC1 (typed as the GS character, ASCII 29) when another follows; scanners often type
a ``]d2`` symbology prefix first. The same data may come as a GS1 Digital Link URL
(``https://id.gs1.org/01/.../10/...?17=...``) or in the printed form with
parentheses. The parsing is ``biip``'s (imported here only, so only ``receive`` pays
for it); what is accepted, and every refusal, is decided here: a GTIN whose check
digit is wrong, a date that is not one, a scan without a lot or a GTIN.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from compounder.errors import InputError

SCAN_FORMS = (
    "a GS1 element string as the scanner types it (AIs 01 GTIN, 17 expiry YYMMDD, 10 lot, "
    "21 serial; GS between fields), the same with (AI) parentheses, or a GS1 Digital Link "
    "URL such as https://id.gs1.org/01/09501101530003/10/AB123?17=270630"
)
MAX_SCAN_LENGTH = 400


@dataclass(frozen=True)
class PackageScan:
    """What a package's code says. ``expiry`` None: the code carries no AI (17)."""

    gtin: str
    lot: str
    expiry: date | None = None
    serial: str = ""

    @property
    def ndc(self) -> str:
        """The NDC-10 digits a US GTIN-14 carries ("003" + NDC + check digit), or ""."""
        if self.gtin.startswith("003") and len(self.gtin) == 14:
            return self.gtin[3:13]
        return ""


def check_digit_ok(digits: str) -> bool:
    """The GS1 mod-10 check digit of a GTIN (or any GS1 key) is right."""
    if not digits.isdigit() or len(digits) < 2:
        return False
    body = [int(d) for d in reversed(digits[:-1])]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(body))
    return (10 - total % 10) % 10 == int(digits[-1])


def _elements(text: str) -> list | None:
    """biip's element strings of a scan: the printed form "(01)...(17)...", or
    whatever biip recognises (an element string, with or without a symbology
    identifier and GS separators, or a Digital Link URL). None: not a GS1 code."""
    import biip
    from biip.gs1_messages import GS1Message

    if text.startswith("("):
        try:
            return list(GS1Message.parse_hri(text).element_strings)
        except biip.ParseError:
            return None
    result = biip.parse(text)
    if result.gs1_digital_link_uri is not None:
        return list(result.gs1_digital_link_uri.element_strings)
    if result.gs1_message is not None:
        return list(result.gs1_message.element_strings)
    return None


def parse_scan(text: str) -> PackageScan:
    """The GTIN, lot, expiry and serial of a scanned GS1 code (InputError if it is
    not one, or its GTIN's check digit is wrong, or it names no lot)."""
    raw = str(text)
    if not raw.strip() or len(raw) > MAX_SCAN_LENGTH or "\n" in raw.strip():
        raise InputError("scan", raw[:40], SCAN_FORMS)
    elements = _elements(raw.strip())
    if not elements:
        raise InputError("scan", raw[:40], SCAN_FORMS)
    found: dict[str, str] = {}
    expiry: date | None = None
    for element in elements:
        ai = element.ai.ai
        if ai in found:
            raise InputError("scan", raw[:40], f"{SCAN_FORMS} (AI {ai} given twice)")
        found[ai] = element.value
        if ai == "01" and (element.gtin_error or not check_digit_ok(element.value)):
            raise InputError(
                "scan", raw[:40], f"a GTIN whose last digit is its GS1 check digit ({SCAN_FORMS})"
            )
        if ai == "17":
            if element.date is None:
                raise InputError("scan", raw[:40], "an expiry (17) of YYMMDD, day 00 for month end")
            expiry = element.date
    if "01" not in found:
        raise InputError("scan", raw[:40], f"a code with a GTIN, AI (01) ({SCAN_FORMS})")
    if not found.get("10"):
        raise InputError("scan", raw[:40], f"a code with a lot, AI (10) ({SCAN_FORMS})")
    return PackageScan(found["01"], found["10"], expiry, found.get("21", ""))
