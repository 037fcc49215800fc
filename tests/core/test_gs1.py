"""GS1 codes as scanners type them, from package layouts (core.gs1), and a DataMatrix
made and read back with zxing-cpp."""

from __future__ import annotations

from datetime import date

import pytest

from compounder.core.gs1 import PackageScan, check_digit_ok, parse_scan
from compounder.errors import InputError

GS = "\x1d"
GTIN = "09501101530010"  # GS1's example company prefix; check digit 0
US_GTIN = "00312345678906"  # "003" + NDC 12345-678-90 + check digit


@pytest.mark.parametrize(
    ("scanned", "expected"),
    [
        # fixed-length fields first, the lot last: no FNC1 needed
        (f"01{GTIN}17270630" + "10AB-123", PackageScan(GTIN, "AB-123", date(2027, 6, 30))),
        # with the ]d2 symbology identifier a scanner types, lot then serial after a GS
        (
            f"]d201{GTIN}1727063010AB-123{GS}21SER9",
            PackageScan(GTIN, "AB-123", date(2027, 6, 30), "SER9"),
        ),
        # day 00: the last day of the month (February of a leap year)
        (f"01{GTIN}1728020010L1", PackageScan(GTIN, "L1", date(2028, 2, 29))),
        # the lot before the expiry, ended by a GS
        (f"01{GTIN}10LOT77{GS}17270331", PackageScan(GTIN, "LOT77", date(2027, 3, 31))),
        # no expiry on the code
        (f"01{GTIN}10LOT77{GS}21S1", PackageScan(GTIN, "LOT77", None, "S1")),
        # the printed form, with parentheses
        (f"(01){GTIN}(17)270300(10)P778", PackageScan(GTIN, "P778", date(2027, 3, 31))),
        # a GS1 Digital Link URL
        (
            f"https://id.gs1.org/01/{GTIN}/10/AB123?17=270630",
            PackageScan(GTIN, "AB123", date(2027, 6, 30)),
        ),
    ],
)
def test_scans_of_real_package_layouts(scanned, expected):
    assert parse_scan(scanned) == expected


def test_a_us_gtin_carries_the_ndc():
    assert parse_scan(f"01{US_GTIN}17270630" + "10X1").ndc == "1234567890"


@pytest.mark.parametrize(
    ("scanned", "problem"),
    [
        (f"01{GTIN[:-1]}91727063010AB", "check digit"),  # last digit wrong
        (f"https://id.gs1.org/01/{GTIN[:-1]}9/10/AB", "check digit"),
        (f"01{GTIN}17270630", "a lot, AI (10)"),
        ("1727063010AB", "a GTIN, AI (01)"),
        ("not a code", "GS1 element string"),
        (f"01{GTIN}1727133010AB", "GS1 element string"),  # month 13
        ("", "GS1 element string"),
    ],
)
def test_bad_scans_are_refused_with_what_is_accepted(scanned, problem):
    with pytest.raises(InputError) as caught:
        parse_scan(scanned)
    assert caught.value.field == "scan"
    assert problem in str(caught.value)


def test_check_digits():
    assert check_digit_ok(GTIN) and check_digit_ok(US_GTIN)
    assert not check_digit_ok("09501101530011") and not check_digit_ok("x")


def test_a_datamatrix_round_trips_what_the_scanner_types():
    """A GS1 DataMatrix made with zxing-cpp and read back as a scanner reads it (GS
    separators, no parentheses) gives the same GTIN, expiry, lot and serial."""
    import zxingcpp

    symbol = zxingcpp.create_barcode(
        f"(01){GTIN}(17)270600(10)AB-123(21)SER9", zxingcpp.BarcodeFormat.DataMatrix, gs1=True
    )
    read = zxingcpp.read_barcode(symbol.to_image(scale=4), text_mode=zxingcpp.TextMode.Plain)
    assert read is not None and read.format == zxingcpp.BarcodeFormat.DataMatrix
    assert read.content_type == zxingcpp.ContentType.GS1
    assert GS in read.text  # the lot is a variable-length field: FNC1 ends it
    assert parse_scan("]d2" + read.text) == PackageScan(GTIN, "AB-123", date(2027, 6, 30), "SER9")
