"""The compounding record PDF read back: its text, a "Lot ..." and "Page n of N" footer
on every page, letter and A4."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from conftest import pdf_pages

from compounder.content.records import compounding_record
from compounder.core.bud import load_bud_rules
from compounder.core.lots import IngredientExpiry
from compounder.core.preparation import prepare
from compounder.core.sources import load_sources
from compounder.render.record_pdf import MARGIN_MM, render_record

LOT = "20261201-001"
PT_PER_MM = 72 / 25.4


def record(lots: int = 2) -> dict:
    from compounder.core.vehicles import find_vehicle

    sources = load_sources()
    ingredients = tuple(
        IngredientExpiry(
            "naltrexone 50mg tab" if n == 0 else f"purified water {n}",
            f"W{n:03d}",
            date(2027, 6, 30),
        )
        for n in range(lots)
    )
    prep = prepare(
        Decimal(1),
        Decimal(30),
        sources.find("tablets"),
        find_vehicle("water"),
        sources,
        load_bud_rules(),
        date(2026, 12, 1),
        lots=ingredients,
    )
    return compounding_record(
        prep, LOT, "1234567", "JD", "MK", ingredients, datetime(2026, 12, 1, 9, 30)
    )


def flat(page) -> str:
    return " ".join(page.extract_text().split())


@pytest.fixture(scope="module")
def one_page() -> bytes:
    return render_record(record())


@pytest.fixture(scope="module")
def long_record() -> dict:
    return record(lots=60)  # sixty ingredient lines: more than one page


def test_the_record_reads_back(one_page):
    (page,) = pdf_pages(one_page)
    text = flat(page)
    for part in [
        "Compounding record",
        f"Naltrexone HCl 1 mg/mL oral suspension - lot {LOT}",
        "Rx: 1234567 • Compounded: 2026-12-01 09:30",
        "Calculation: 1 mg/mL x 30 mL = 30 mg; 1 tablet(s) of 50 mg = 50 mg, made up to 50 mL",
        "1. Count 1 x 50 mg tablet and place in a clean mortar.",
        "naltrexone 50mg tab • lot W000 • expiry 2027-06-30 • quantity 1 x 50 mg tablet",
        "purified water 1 • lot W001 • expiry 2027-06-30 • quantity to 50 mL",
        "Quantity made: 50 mL (requested 30 mL)",
        "BUD: 2026-12-14 - set by USP <795> (2023)",
        "Prepared by: JD • Checked by: MK",
        "Deviations",
        f"Lot {LOT}",
        "Page 1 of 1",
    ]:
        assert part in text, part


def test_the_pdf_is_titled_and_repeatable(one_page):
    from pypdf import PdfReader

    assert PdfReader(io.BytesIO(one_page)).metadata.title == f"Compounding record {LOT}"
    assert render_record(record()) == one_page  # the same record, the same bytes


def footer(page) -> tuple[str, str]:
    """The footer's two texts: left (the lot) and right (the page count), found below
    the text area, on the bottom margin line."""
    bottom = page.height - MARGIN_MM * PT_PER_MM
    words = [w for w in page.extract_words() if w["top"] > bottom - 12]
    left = " ".join(w["text"] for w in words if w["x0"] < page.width / 2)
    right = " ".join(w["text"] for w in words if w["x0"] >= page.width / 2)
    return left, right


@pytest.mark.parametrize(
    ("paper", "size"),
    [
        ("letter", (612, 792)),  # 8.5 x 11 in at 72 pt/in
        ("a4", (595.28, 841.89)),  # 210 x 297 mm
    ],
)
def test_every_page_carries_its_lot_and_number(long_record, paper, size):
    pages = pdf_pages(render_record(long_record, paper))
    total = len(pages)
    assert total >= 2
    for number, page in enumerate(pages, start=1):
        assert (round(float(page.width), 2), round(float(page.height), 2)) == size
        assert footer(page) == (f"Lot {LOT}", f"Page {number} of {total}")
    text = " ".join(flat(p) for p in pages)
    for n in range(60):  # no ingredient line lost between pages
        assert f"lot W{n:03d} • expiry 2027-06-30" in text
    assert text.index("Compounding record") < text.index("Deviations")


def test_a4_is_taller_and_narrower_than_letter(long_record):
    letter = pdf_pages(render_record(long_record, "letter"))
    a4 = pdf_pages(render_record(long_record, "a4"))
    assert a4[0].height > letter[0].height and a4[0].width < letter[0].width
    # the same words, laid out for each page
    assert " ".join(flat(p) for p in letter).count("quantity to 50 mL") == 59
    assert " ".join(flat(p) for p in a4).count("quantity to 50 mL") == 59
